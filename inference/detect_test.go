package inference

import (
	"math"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func TestDetectVendoredPhotos(t *testing.T) {
	e := testEngine(t)
	found, want := 0, 0
	for _, m := range testimages.Manifest(t) {
		for _, still := range []bool{false, true} {
			a, err := e.Analyze(photo(t, m.File), AnalyzeOptions{Still: still})
			if err != nil {
				t.Fatalf("%s: %v", m.File, err)
			}
			n := len(a.Faces)
			want += m.Faces
			found += min(n, m.Faces)
			switch {
			case m.Faces == 0 && n != 0:
				t.Errorf("%s (still=%v): %d faces on a no-face image, first %s score %.2f", m.File, still, n, fmtBox(a.Faces[0].Box), a.Faces[0].Score)
			case m.Faces <= 2 && n != m.Faces:
				t.Errorf("%s (still=%v): %d faces, want %d", m.File, still, n, m.Faces)
			case n < m.Faces:
				t.Errorf("%s (still=%v): %d faces, want at least %d", m.File, still, n, m.Faces)
			case n > m.Faces:
				t.Logf("%s (still=%v): %d faces, manifest says %d (extra lowest score %.2f)", m.File, still, n, m.Faces, a.Faces[n-1].Score)
			}
			if m.Faces == 0 && !a.Quality.Has(ProblemNoFace) {
				t.Errorf("%s: no no_face problem: %+v", m.File, a.Quality)
			}
			if m.Faces > 1 && !a.Quality.Has(ProblemManyFaces) {
				t.Errorf("%s: no several_faces problem: %+v", m.File, a.Quality)
			}
			for i, f := range a.Faces {
				if i > 0 && f.Score > a.Faces[i-1].Score {
					t.Errorf("%s: faces not ordered by score", m.File)
				}
				if f.Score <= e.t.DetectScore || f.Score > 1 {
					t.Errorf("%s: score %.3f out of range", m.File, f.Score)
				}
				// Eyes above the nose above the mouth, all near the box.
				l := f.Landmarks
				if !(l[0].Y < l[2].Y && l[1].Y < l[2].Y && l[2].Y < l[3].Y && l[2].Y < l[4].Y && l[0].X < l[1].X) {
					t.Errorf("%s: landmarks not in face order: %+v", m.File, l)
				}
				for _, p := range l {
					if p.X < f.Box.X1-f.Box.W()*0.2 || p.X > f.Box.X2+f.Box.W()*0.2 || p.Y < f.Box.Y1 || p.Y > f.Box.Y2 {
						t.Errorf("%s: landmark %+v outside box %s", m.File, p, fmtBox(f.Box))
					}
				}
			}
		}
	}
	t.Logf("faces found %d of %d (fixed 320 and stills)", found, want)
}

// The pre- and post-processing reproduce the reference numbers of PROVENANCE.md
// (astronaut.png, fixed 320 model): box [180,60,270,177], landmarks (204,105) (247,105)
// (224,128) (205,145) (243,145).
func TestDetectMatchesReference(t *testing.T) {
	e := testEngine(t)
	a, err := e.Analyze(photo(t, "astronaut.png"), AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Faces) != 1 {
		t.Fatalf("%d faces", len(a.Faces))
	}
	f := a.Faces[0]
	want := Box{180, 60, 270, 177}
	if math.Abs(f.Box.X1-want.X1) > 2 || math.Abs(f.Box.Y1-want.Y1) > 2 || math.Abs(f.Box.X2-want.X2) > 2 || math.Abs(f.Box.Y2-want.Y2) > 2 {
		t.Errorf("box %s, reference %s", fmtBox(f.Box), fmtBox(want))
	}
	ref := [5]Point{{204, 105}, {247, 105}, {224, 128}, {205, 145}, {243, 145}}
	for i := range ref {
		if math.Hypot(f.Landmarks[i].X-ref[i].X, f.Landmarks[i].Y-ref[i].Y) > 2.5 {
			t.Errorf("landmark %d %+v, reference %+v", i, f.Landmarks[i], ref[i])
		}
	}
	if math.Abs(f.Score-0.88) > 0.02 {
		t.Errorf("score %.3f, reference 0.88", f.Score)
	}
}

func TestNMS(t *testing.T) {
	faces := []Face{
		{Box: Box{0, 0, 10, 10}, Score: 0.6},
		{Box: Box{1, 1, 11, 11}, Score: 0.9},
		{Box: Box{50, 50, 60, 60}, Score: 0.7},
	}
	got := nms(faces, 0.45)
	if len(got) != 2 || got[0].Score != 0.9 || got[1].Score != 0.7 {
		t.Fatalf("nms kept %+v", got)
	}
}

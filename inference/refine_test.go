package inference

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func TestJittered(t *testing.T) {
	fwd := similarity{a: 0.8, b: -0.3, tx: 12, ty: -7}
	for _, j := range alignJitter {
		g := jittered(fwd, j.dx, j.dy, j.s)
		for _, p := range []Point{{0, 0}, {100, 40}, {-30, 250}} {
			q := fwd.apply(p)
			want := Point{X: j.s*(q.X-56) + 56 + j.dx, Y: j.s*(q.Y-56) + 56 + j.dy}
			if got := g.apply(p); math.Abs(got.X-want.X) > 1e-9 || math.Abs(got.Y-want.Y) > 1e-9 {
				t.Fatalf("jitter %+v of %v: %v, want %v", j, p, got, want)
			}
		}
	}
	if alignJitter[0] != (struct{ dx, dy, s float64 }{0, 0, 1}) {
		t.Fatalf("the first alignment must be the plain one (EmbedFrame uses it): %+v", alignJitter[0])
	}
}

// reencode scales img to a longest side of 640 px and encodes it as JPEG at quality 90,
// as capture sends a selfie, and returns it with the scale factor.
func reencode(t *testing.T, img image.Image) (image.Image, float64) {
	t.Helper()
	small, s := scaleMax(img, 640)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	out, err := DecodeImage(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out, s
}

// TestRefineLandmarks checks the refinement on every single-face photo larger than
// 640 px: the refined landmarks stay on the face (within 20% of the eye distance of the
// detector's), and, on the photo re-encoded as a job's selfie, they move less from the
// full size's (mapped) than the detector's own landmarks do, on average: that is what
// they are for.
func TestRefineLandmarks(t *testing.T) {
	e := testEngine(t)
	var rawSum, refSum float64
	n := 0
	for _, m := range testimages.Manifest(t) {
		if m.Identity == "-" || m.Faces != 1 {
			continue
		}
		img := photo(t, m.File)
		if b := img.Bounds(); max(b.Dx(), b.Dy()) <= 640 {
			continue
		}
		raw, ref := landmarksOf(t, e, img)
		eye := math.Hypot(raw[1].X-raw[0].X, raw[1].Y-raw[0].Y)
		if d := maxDist(raw, ref); d > 0.2*eye { // measured up to 0.11
			t.Errorf("%s: refined landmarks %.1f px from the detector's (eyes %.0f px apart)", m.File, d, eye)
		}
		small, s := reencode(t, img)
		rawS, refS := landmarksOf(t, e, small)
		eyeS := eye * s
		dRaw, dRef := maxDist(scalePoints(raw, s), rawS)/eyeS, maxDist(scalePoints(ref, s), refS)/eyeS
		t.Logf("%-36s at 640 px the landmarks move %.3f (detector) and %.3f (refined) of the eye distance", m.File, dRaw, dRef)
		rawSum += dRaw
		refSum += dRef
		n++
	}
	if n < 5 {
		t.Fatalf("only %d photos to measure", n)
	}
	t.Logf("mean over %d photos: detector %.3f, refined %.3f", n, rawSum/float64(n), refSum/float64(n))
	if refSum >= rawSum {
		t.Errorf("refined landmarks moved more (mean %.3f) than the detector's (%.3f)", refSum/float64(n), rawSum/float64(n))
	}

	// Without a face where the landmarks say, the landmarks come back as given.
	blank := image.NewRGBA(image.Rect(0, 0, 400, 400))
	lm := [5]Point{{150, 180}, {250, 180}, {200, 230}, {160, 280}, {240, 280}}
	got, err := refineOn(e, blank, lm)
	if err != nil || got != lm {
		t.Fatalf("blank image: %v, %v; want the landmarks unchanged", got, err)
	}
}

func landmarksOf(t *testing.T, e *Engine, img image.Image) (raw, ref [5]Point) {
	t.Helper()
	a, err := e.Analyze(img, AnalyzeOptions{Still: true})
	if err != nil || len(a.Faces) == 0 {
		t.Fatalf("analysis: %v, %d faces", err, len(a.Faces))
	}
	raw = a.Faces[Largest(a.Faces)].Landmarks
	ref, err = refineOn(e, img, raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, ref
}

func refineOn(e *Engine, img image.Image, lm [5]Point) (out [5]Point, err error) {
	err = e.withRaster(img, "refining", func(r raster, _ *scratch) error {
		out, err = e.refineLandmarks(r, lm)
		return err
	})
	return out, err
}

func scalePoints(lm [5]Point, s float64) [5]Point {
	for i, p := range lm {
		lm[i] = Point{X: (p.X+0.5)*s - 0.5, Y: (p.Y+0.5)*s - 0.5}
	}
	return lm
}

func maxDist(a, b [5]Point) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Hypot(a[i].X-b[i].X, a[i].Y-b[i].Y))
	}
	return d
}

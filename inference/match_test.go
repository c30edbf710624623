package inference

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

type labelled struct {
	name, identity string
	emb            []float32
}

// embeddings returns one embedding per identified face of the vendored photos
// (two_people.jpg gives obama then biden, left to right).
func embeddings(t *testing.T) []labelled {
	e := testEngine(t)
	var out []labelled
	for _, m := range testimages.Manifest(t) {
		if m.Identity == "-" {
			continue
		}
		img := photo(t, m.File)
		a, err := e.Analyze(img, AnalyzeOptions{Still: true})
		if err != nil {
			t.Fatal(err)
		}
		ids := strings.Split(m.Identity, ";")
		faces := append([]Face(nil), a.Faces...)
		if len(ids) > 1 {
			sort.Slice(faces, func(i, j int) bool { return faces[i].Box.X1 < faces[j].Box.X1 })
		} else {
			faces = []Face{a.Faces[Largest(a.Faces)]}
		}
		if len(faces) != len(ids) {
			t.Fatalf("%s: %d faces for %d identities", m.File, len(faces), len(ids))
		}
		for i, id := range ids {
			emb, err := e.Embed(img, faces[i])
			if err != nil {
				t.Fatal(err)
			}
			var n float64
			for _, v := range emb {
				n += float64(v) * float64(v)
			}
			if len(emb) != 128 || math.Abs(n-1) > 1e-4 {
				t.Fatalf("%s: embedding len %d norm² %.5f, want 128 and 1", m.File, len(emb), n)
			}
			out = append(out, labelled{name: m.File, identity: id, emb: emb})
		}
	}
	return out
}

// TestMatchPairs checks every pair of identified faces against the match threshold
// and logs the distribution used to choose it (see DefaultThresholds).
func TestMatchPairs(t *testing.T) {
	e := testEngine(t)
	faces := embeddings(t)
	var same, diff []float64
	sameOK, diffOK := 0, 0
	for i := range faces {
		for j := i + 1; j < len(faces); j++ {
			a, b := faces[i], faces[j]
			s := Similarity(a.emb, b.emb)
			if a.identity == b.identity {
				same = append(same, s)
				if s >= e.t.Match {
					sameOK++
				} else {
					t.Errorf("same person %s ~ %s: similarity %.3f below threshold %.2f", a.name, b.name, s, e.t.Match)
				}
			} else {
				diff = append(diff, s)
				if s < e.t.Match {
					diffOK++
				} else {
					t.Errorf("different people %s ~ %s: similarity %.3f above threshold %.2f", a.name, b.name, s, e.t.Match)
				}
			}
		}
	}
	sort.Float64s(same)
	sort.Float64s(diff)
	if len(same) < 10 || len(diff) < 100 {
		t.Fatalf("too few pairs: %d same, %d different", len(same), len(diff))
	}
	t.Logf("same person: n=%d min %.3f median %.3f max %.3f; accepted %d/%d", len(same), same[0], same[len(same)/2], same[len(same)-1], sameOK, len(same))
	t.Logf("different people: n=%d min %.3f median %.3f max %.3f; rejected %d/%d", len(diff), diff[0], diff[len(diff)/2], diff[len(diff)-1], diffOK, len(diff))
	t.Logf("gap: threshold %.2f between max different %.3f and min same %.3f", e.t.Match, diff[len(diff)-1], same[0])
}

func TestSimilarity(t *testing.T) {
	cases := []struct {
		name string
		a, b []float32
		want float64
	}{
		{"same", []float32{1, 0}, []float32{1, 0}, 1},
		{"opposite", []float32{1, 0}, []float32{-2, 0}, -1},
		{"orthogonal", []float32{1, 0}, []float32{0, 3}, 0},
		{"length mismatch", []float32{1}, []float32{1, 0}, 0},
		{"empty", nil, nil, 0},
		{"zero vector", []float32{0, 0}, []float32{1, 0}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Similarity(c.a, c.b); math.Abs(got-c.want) > 1e-9 {
				t.Errorf("Similarity = %v, want %v", got, c.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	e := testEngine(t)
	cases := []struct {
		name             string
		a, b             string
		match, identical bool
	}{
		{"same person", "obama_1.jpg", "obama_2.jpg", true, false},
		{"different people", "obama_1.jpg", "biden_1.jpg", false, false},
		{"same picture", "dfC_img20.jpg", "dfC_img20.jpg", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.Compare(photo(t, c.a), photo(t, c.b))
			if err != nil {
				t.Fatal(err)
			}
			if r.Match != c.match || r.Identical != c.identical || r.Threshold != e.t.Match {
				t.Errorf("%s vs %s: %+v, want match %v identical %v", c.a, c.b, r, c.match, c.identical)
			}
		})
	}
	t.Run("no face names the side", func(t *testing.T) {
		for _, side := range []string{"A", "B"} {
			a, b := photo(t, "obama_1.jpg"), photo(t, "noface_coffee.png")
			if side == "A" {
				a, b = b, a
			}
			_, err := e.Compare(a, b)
			var se *SideError
			if !errorsIs(err, ErrNoFace) || !errorsAs(err, &se) || se.Side != side || !strings.Contains(err.Error(), "image "+side) {
				t.Errorf("side %s: err = %v", side, err)
			}
		}
	})
}

package cardtest

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/card"
)

// labelled is one frame of the set with the problems its scene makes true.
type labelled struct {
	s     Scene
	truth map[card.Problem]bool
}

// LabelledSet is n document camera frames at 640x480 drawn from seed: the specimen on the
// desk at random distances, places, turns, perspectives, light, blur and glare spots (on
// the card, the portrait or the MRZ), some partly out of the frame, some without a card;
// each labelled from its scene with the gates' limits.
func labelledSet(n int, seed int64, g card.Gates) []labelled {
	rng := rand.New(rand.NewSource(seed))
	const W, H = 640, 480
	out := make([]labelled, 0, n)
	for i := 0; i < n; i++ {
		s := Scene{W: W, H: H, Seed: int64(i), Light: 1}
		truth := map[card.Problem]bool{}
		if rng.Intn(12) == 0 {
			truth[card.ProblemNoDocument] = true
			out = append(out, labelled{s, truth})
			continue
		}
		w := 200 + rng.Float64()*340
		cx := W/2 + (rng.Float64()*2-1)*W*0.22
		cy := H/2 + (rng.Float64()*2-1)*H*0.22
		rot, persp := 0.0, 0.0
		switch rng.Intn(3) {
		case 0:
			rot = (rng.Float64()*2 - 1) * 25
		case 1:
			persp = rng.Float64() * 0.3
		}
		s.Corners = Placed(cx, cy, w, rot, persp)
		if rng.Intn(5) == 0 {
			s.Light = 0.2 + rng.Float64()*0.4
		}
		if rng.Intn(5) == 0 {
			s.Blur = 2 + rng.Intn(2)
		}
		if rng.Intn(4) == 0 {
			zones := [][2]float64{{0.5 + rng.Float64()*0.3, 0.2 + rng.Float64()*0.4}, {0.2, 0.5}, {0.3 + rng.Float64()*0.4, 0.85}}
			z := zones[rng.Intn(3)]
			s.Glare = []Glare{{X: z[0], Y: z[1], R: 0.06 + rng.Float64()*0.12}}
			truth[card.ProblemGlare] = true
		}
		out = append(out, labelled{s, truth})
		// the labels of the shape, from the true corners
		q := s.Corners
		for _, p := range q {
			if p.X < 0 || p.Y < 0 || p.X >= W || p.Y >= H {
				truth[card.ProblemOutOfFrame] = true
			}
		}
		if q.Area()/(W*H) < g.MinFill {
			truth[card.ProblemTooFar] = true
		}
		c := q.Centre()
		if math.Max(math.Abs(c.X-W/2)/(W/2), math.Abs(c.Y-H/2)/(H/2)) > g.MaxOffCentre {
			truth[card.ProblemOffCentre] = true
		}
		if math.Abs(rot) > g.MaxRotation || persp/(1-persp) > g.MaxSkew {
			truth[card.ProblemTilted] = true
		}
		if s.Light*Paper*0.9 < g.MinLight { // the card's mean is about 0.9 of its paper
			truth[card.ProblemTooDark] = true
		}
		if s.Blur > 0 {
			truth[card.ProblemBlurred] = true
		}
	}
	return out
}

// TestCardBenchReport prints the card gates' figures of `make bench`
// (scripts/bench.d/card.sh sets CARD_BENCH=frames); skipped otherwise. It measures, not
// asserts: per gate, precision and recall of Find and Gates.Check against the labels of a
// set drawn from a fixed seed, and Find's time per 640x480 frame.
func TestCardBenchReport(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CARD_BENCH"))
	if n <= 0 {
		t.Skip("set CARD_BENCH=frames to print the card gates' benchmark report")
	}
	spec, err := Specimen(filepath.Join("..", "..", "..", "testdata", "photos", "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	g := card.DefaultGates()
	set := labelledSet(n, 22, g)
	type count struct{ tp, fp, fn, pos int }
	counts := map[card.Problem]*count{}
	order := []card.Problem{card.ProblemNoDocument, card.ProblemOutOfFrame, card.ProblemTooFar, card.ProblemOffCentre,
		card.ProblemTilted, card.ProblemTooDark, card.ProblemGlare, card.ProblemBlurred}
	for _, p := range order {
		counts[p] = &count{}
	}
	var spent time.Duration
	good, goodKept, bad, badKept := 0, 0, 0, 0
	for _, l := range set {
		img := l.s.Render(spec)
		start := time.Now()
		f := card.Find(img)
		spent += time.Since(start)
		got := map[card.Problem]bool{}
		for _, p := range g.Check(f) {
			got[p] = true
		}
		for _, p := range order {
			c := counts[p]
			if l.truth[p] {
				c.pos++
			}
			switch {
			case got[p] && l.truth[p]:
				c.tp++
			case got[p]:
				c.fp++
			case l.truth[p]:
				c.fn++
			}
		}
		if len(l.truth) == 0 {
			good++
			if len(got) == 0 {
				goodKept++
			}
		} else {
			bad++
			if len(got) == 0 {
				badKept++
			}
		}
	}
	fmt.Printf("card gates over %d labelled 640x480 frames (seed 22): %d good, %d with a problem\n", len(set), good, bad)
	fmt.Printf("  %-13s %5s %9s %7s\n", "gate", "true", "precision", "recall")
	for _, p := range order {
		c := counts[p]
		prec, rec := math.NaN(), math.NaN()
		if c.tp+c.fp > 0 {
			prec = float64(c.tp) / float64(c.tp+c.fp)
		}
		if c.tp+c.fn > 0 {
			rec = float64(c.tp) / float64(c.tp+c.fn)
		}
		fmt.Printf("  %-13s %5d %9.2f %7.2f\n", p, c.pos, prec, rec)
	}
	fmt.Printf("  good frames kept: %d/%d; frames with a problem kept: %d/%d\n", goodKept, good, badKept, bad)
	fmt.Printf("  Find (edges, card, measures) per 640x480 frame: %.2f ms\n", float64(spent.Microseconds())/1000/float64(len(set)))
}

package cardtest

import (
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/card"
)

// docsetDir is the labelled set's folder (testdata/docset), from this package.
var docsetDir = filepath.Join("..", "..", "..", "testdata", "docset")

// loadFrame decodes a frame of the set into RGBA (as the camera's frames arrive).
func loadFrame(t testing.TB, f Frame) *image.RGBA {
	t.Helper()
	fh, err := os.Open(filepath.Join(docsetDir, f.File))
	if err != nil {
		t.Fatalf("%v (draw the set: go run ./scripts/docset)", err)
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", f.File, err)
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// TestCardBenchReport prints the card gates' figures of `make bench`
// (scripts/bench.d/card.sh draws the set and sets CARD_BENCH=1); skipped otherwise. It
// measures, not asserts: per gate, precision and recall of Find and Gates.Check against
// the labels of testdata/docset/manifest.csv, on the 640x480 previews (the TD3 passport
// page and the ID-1 cards apart, then together) and on the 1280x720 stills; the class
// found; and Find's time per 640x480 frame.
func TestCardBenchReport(t *testing.T) {
	if os.Getenv("CARD_BENCH") == "" {
		t.Skip("set CARD_BENCH=1 to print the card gates' benchmark report")
	}
	fh, err := os.Open(filepath.Join(docsetDir, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := ReadManifest(fh)
	fh.Close()
	if err != nil {
		t.Fatal(err)
	}
	g := card.DefaultGates()
	type count struct{ tp, fp, fn, pos int }
	type tally struct {
		n, good, goodKept, bad, badKept int
		classOK, classN                 int
		counts                          map[card.Problem]*count
	}
	newTally := func() *tally {
		t := &tally{counts: map[card.Problem]*count{}}
		for _, p := range LabelOrder {
			t.counts[p] = &count{}
		}
		return t
	}
	groups := []string{"previews, TD3 passport page", "previews, ID-1 cards", "previews, all", "stills 1280x720, all",
		"previews whose card was found right, or without a card (the gates alone)"}
	tallies := map[string]*tally{}
	for _, gname := range groups {
		tallies[gname] = newTally()
	}
	// the card found whole and of its class, per background (previews and stills)
	type found struct{ ok, n int }
	byBackground := map[Background]*found{}
	var spent time.Duration
	var timed int
	var finder card.Finder
	for _, f := range frames {
		img := loadFrame(t, f)
		start := time.Now()
		fd := finder.Find(img)
		if f.Kind == KindPreview {
			spent += time.Since(start)
			timed++
		}
		got := map[card.Problem]bool{}
		for _, p := range g.Check(fd) {
			got[p] = true
		}
		if f.Specimen != "" && !f.Has(card.ProblemOutOfFrame) {
			bf := byBackground[f.Background]
			if bf == nil {
				bf = &found{}
				byBackground[f.Background] = bf
			}
			bf.n++
			if want := map[bool]card.Class{true: card.ClassPassport, false: card.ClassID1}[f.Specimen == SpecimenTD3]; fd.Found && fd.Class == want {
				bf.ok++
			}
		}
		var in []string
		switch {
		case f.Kind == KindStill:
			in = []string{groups[3]}
		case f.Specimen == SpecimenTD3:
			in = []string{groups[0], groups[2]}
		case f.Specimen == "":
			in = []string{groups[2]}
		default:
			in = []string{groups[1], groups[2]}
		}
		if f.Kind == KindPreview && (f.Specimen == "" || f.FoundRight(fd)) {
			in = append(in, groups[4])
		}
		for _, gname := range in {
			tl := tallies[gname]
			tl.n++
			for _, p := range LabelOrder {
				c := tl.counts[p]
				want := f.Has(p)
				if want {
					c.pos++
				}
				switch {
				case got[p] && want:
					c.tp++
				case got[p]:
					c.fp++
				case want:
					c.fn++
				}
			}
			if len(f.Labels) == 0 {
				tl.good++
				if len(got) == 0 {
					tl.goodKept++
				}
			} else {
				tl.bad++
				if len(got) == 0 {
					tl.badKept++
				}
			}
			if f.Specimen != "" && fd.Found && !f.Has(card.ProblemOutOfFrame) {
				tl.classN++
				if want := map[bool]card.Class{true: card.ClassPassport, false: card.ClassID1}[f.Specimen == SpecimenTD3]; fd.Class == want {
					tl.classOK++
				}
			}
		}
	}
	fmt.Printf("card gates against the labels of testdata/docset (%d frames; labels from each scene with card.DefaultGates' limits)\n", len(frames))
	for _, gname := range groups {
		tl := tallies[gname]
		fmt.Printf("%s: %d frames, %d good, %d with a problem\n", gname, tl.n, tl.good, tl.bad)
		fmt.Printf("  %-13s %5s %9s %7s\n", "gate", "true", "precision", "recall")
		for _, p := range LabelOrder {
			c := tl.counts[p]
			if c.pos == 0 && c.fp == 0 {
				continue
			}
			fmt.Printf("  %-13s %5d %9s %7s\n", p, c.pos, ratio(c.tp, c.tp+c.fp), ratio(c.tp, c.tp+c.fn))
		}
		fmt.Printf("  good frames kept: %d/%d; frames with a problem kept: %d/%d; class right (card found whole): %d/%d\n",
			tl.goodKept, tl.good, tl.badKept, tl.bad, tl.classOK, tl.classN)
	}
	fmt.Printf("card found whole and of its class, per background (previews and stills, cards inside the frame):")
	for b := BackgroundWood; b <= BackgroundTiles; b++ {
		if bf := byBackground[b]; bf != nil {
			fmt.Printf(" %s %d/%d;", b, bf.ok, bf.n)
		}
	}
	fmt.Println()
	fmt.Printf("Find (edges, card, measures) per 640x480 preview: %.2f ms (%d frames, one Finder)\n",
		float64(spent.Microseconds())/1000/float64(max(timed, 1)), timed)
}

func ratio(a, b int) string {
	if b == 0 {
		return "-"
	}
	return strings.TrimSpace(fmt.Sprintf("%9.2f", float64(a)/float64(b)))
}

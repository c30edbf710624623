package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
)

var top = filepath.Join("..", "..")

// The committed manifest is the one the code makes (labels follow the code's scenes and
// the gates' limits); regenerate with go run ./scripts/docset.
func TestManifestIsCurrent(t *testing.T) {
	_, err := run(filepath.Join(top, "testdata", "docset"), filepath.Join(top, "testdata", "photos"), false, true)
	if err != nil {
		t.Fatal(err)
	}
}

// The set holds every case the issue asks for, and reads back as written.
func TestSetCoversEveryGate(t *testing.T) {
	_, frames, manifest, err := build(filepath.Join(top, "testdata", "photos"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := cardtest.ReadManifest(bytes.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(frames) {
		t.Fatalf("read back %d frames of %d", len(back), len(frames))
	}
	for i := range frames {
		if back[i].Scene().Corners != frames[i].Scene().Corners || len(back[i].Labels) != len(frames[i].Labels) {
			t.Fatalf("frame %s reads back differently", frames[i].File)
		}
	}
	pos := map[card.Problem]int{}
	good := map[string]int{}
	glare := map[string]int{}
	backgrounds := map[cardtest.Background]int{}
	for _, f := range frames {
		for _, p := range f.Labels {
			pos[p]++
		}
		if len(f.Labels) == 0 {
			good[f.Kind]++
		}
		if f.Has(card.ProblemGlare) {
			glare[f.GlareOn]++
		}
		backgrounds[f.Background]++
		if f.Has(card.ProblemNoDocument) && (len(f.Labels) != 1 || f.Specimen != "") {
			t.Errorf("%s: no card but labels %v", f.File, f.Labels)
		}
		if f.GlareOn == "" && f.Has(card.ProblemGlare) {
			t.Errorf("%s: glare without a spot", f.File)
		}
	}
	for _, p := range cardtest.LabelOrder {
		if pos[p] < 10 {
			t.Errorf("%d frames labelled %s, want at least 10", pos[p], p)
		}
	}
	for _, z := range []string{cardtest.GlareCard, cardtest.GlarePortrait, cardtest.GlareMRZ} {
		if glare[z] < 5 {
			t.Errorf("%d frames with glare on the %s, want at least 5", glare[z], z)
		}
	}
	if good[cardtest.KindPreview] < 25 || good[cardtest.KindStill] < 20 {
		t.Errorf("good frames: %v", good)
	}
	if len(backgrounds) != 4 {
		t.Errorf("backgrounds %v, want the 4", backgrounds)
	}
}

// A drawn frame is the size of its kind, decodes, and a good still's card is found
// where the scene put it.
func TestDrawnFrame(t *testing.T) {
	cards, frames, _, err := build(filepath.Join(top, "testdata", "photos"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var f cardtest.Frame
	for _, f = range frames {
		if f.Kind == cardtest.KindStill && f.Specimen != cardtest.SpecimenTD3 && len(f.Labels) == 0 {
			break
		}
	}
	if err := draw(dir, f, cards[f.Specimen]); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Open(filepath.Join(dir, f.File))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
		t.Fatalf("still %v, want 1280x720", b)
	}
	fd := card.Find(img)
	want := f.Scene().Corners
	if !fd.Found || fd.Class != card.ClassID1 {
		t.Fatalf("%s: found %v class %q", f.File, fd.Found, fd.Class)
	}
	for i := range want {
		if dx, dy := fd.Corners[i].X-want[i].X, fd.Corners[i].Y-want[i].Y; dx*dx+dy*dy > 8*8 {
			t.Errorf("%s: corner %d at %v, the scene's at %v", f.File, i, fd.Corners[i], want[i])
		}
	}
	if p := card.DefaultGates().Check(fd); len(p) != 0 {
		t.Errorf("%s: a good still judged %v", f.File, p)
	}
}

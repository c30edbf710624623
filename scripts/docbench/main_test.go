package main

import (
	"slices"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
)

// The scoring counts a field right only when its characters are the truth's: a U read
// as 0 in the document number (the check digit cannot see it: U counts 30) is wrong.
func TestScore(t *testing.T) {
	c, _ := cardtest.CustomerOf("alex_lacamoire")
	truth, err := c.Holder.Zone()
	if err != nil {
		t.Fatal(err)
	}
	hits := make([]int, len(td1Fields))
	if wrong := score(td1Fields, truth, truth, hits); len(wrong) != 0 {
		t.Fatalf("the truth scored wrong on %v", wrong)
	}
	read := slices.Clone(truth)
	read[0] = read[0][:5] + "0" + read[0][6:]
	if wrong := score(td1Fields, truth, read, hits); !slices.Equal(wrong, []string{"document number"}) {
		t.Errorf("wrong %v, want the document number", wrong)
	}
	if wrong := score(td1Fields, truth, read[:2], hits); len(wrong) != len(td1Fields) {
		t.Errorf("two lines of three: wrong %v, want every field", wrong)
	}
	if hits[2] != 1 || hits[0] != 2 {
		t.Errorf("hits %v", hits)
	}
}

func TestCardRight(t *testing.T) {
	f := cardtest.Frame{Kind: cardtest.KindStill, Specimen: "id1_obama", CX: 640, CY: 360, CardW: 860, Light: 1}
	q := f.Scene().Corners
	fd := card.Finding{Found: true, Corners: q, Width: 1280, Height: 720}
	if !f.FoundRight(fd) {
		t.Error("the true corners are not right")
	}
	fd.Corners[2].X += 40 // 2.7 % of the diagonal
	if f.FoundRight(fd) {
		t.Error("a corner 40 px off is right")
	}
	if f.FoundRight(card.Finding{}) {
		t.Error("no card found is right")
	}
}

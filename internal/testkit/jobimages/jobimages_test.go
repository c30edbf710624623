package jobimages

import (
	"bytes"
	"image/jpeg"
	"testing"
)

func TestMakeAndPad(t *testing.T) {
	s, err := Make(320, 160, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Liveness) != 4 || bytes.Equal(s.Liveness[0], s.Liveness[1]) {
		t.Fatalf("liveness frames: %d, first two equal %v", len(s.Liveness), bytes.Equal(s.Liveness[0], s.Liveness[1]))
	}
	for _, total := range []int{s.Size(), s.Size() + 4, s.Size() + 5, s.Size() + 65537 + 2, 300 << 10} {
		p, err := s.PadTo(total)
		if err != nil {
			t.Fatal(err)
		}
		if p.Size() != total {
			t.Fatalf("PadTo(%d) gave %d bytes", total, p.Size())
		}
		img, err := jpeg.Decode(bytes.NewReader(p.Comparison))
		if err != nil {
			t.Fatalf("padded comparison (%d) does not decode: %v", total, err)
		}
		if img.Bounds().Dx() != 320 && img.Bounds().Dy() != 320 {
			t.Fatalf("padded image is %v", img.Bounds())
		}
	}
	for _, bad := range []int{10, s.Size() + 1, s.Size() + 3} {
		if _, err := s.PadTo(bad); err == nil {
			t.Fatalf("PadTo(%d) of a %d-byte set succeeded", bad, s.Size())
		}
	}
}

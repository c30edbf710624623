package inference

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func resize(img image.Image, f float64) image.Image {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*f), int(float64(b.Dy())*f)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

func TestIdentical(t *testing.T) {
	data := testimages.Read(t, "obama_1.jpg")
	orig := decodeBytes(t, data)
	cases := []struct {
		name string
		b    image.Image
		want bool
	}{
		{"same bytes", decodeBytes(t, bytes.Clone(data)), true},
		{"re-encoded at quality 50", decodeBytes(t, encodeJPEG(t, orig, 50)), true},
		{"re-encoded twice at 30", decodeBytes(t, encodeJPEG(t, decodeBytes(t, encodeJPEG(t, orig, 30)), 30)), true},
		{"resized to 40%", resize(orig, 0.4), true},
		{"resized to 150% and re-encoded", decodeBytes(t, encodeJPEG(t, resize(orig, 1.5), 80)), true},
		{"another photo of the same person", photo(t, "obama_2.jpg"), false},
		{"a third photo of the same person", photo(t, "obama_3.jpg"), false},
		{"mirrored", mirror(orig), false},
		{"brightened a lot", mapPixels(orig, func(v float64) float64 { return v*1.3 + 30 }), false},
		{"cropped to the face", crop(orig, image.Rect(300, 40, 700, 500)), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Identical(orig, c.b); got != c.want {
				a, b := FingerprintOf(orig), FingerprintOf(c.b)
				t.Errorf("Identical = %v, want %v (aspect %.3f/%.3f, mad %.1f)", got, c.want, a.Aspect, b.Aspect, a.mad(b))
			}
		})
	}
	if Identical(nil, orig) || Identical(orig, nil) {
		t.Error("nil image identical to a photo")
	}
}

// No two different vendored photos are judged identical.
func TestIdenticalNoFalsePositives(t *testing.T) {
	m := testimages.Manifest(t)
	prints := make([]*Fingerprint, len(m))
	for i, e := range m {
		prints[i] = FingerprintOf(photo(t, e.File))
	}
	for i := range m {
		if !prints[i].Same(prints[i]) {
			t.Errorf("%s not identical to itself", m[i].File)
		}
		for j := i + 1; j < len(m); j++ {
			if prints[i].Same(prints[j]) {
				t.Errorf("%s and %s judged identical", m[i].File, m[j].File)
			}
		}
	}
}

package imagebomb

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/jpegturbo"
)

// The bombs are real files: both JPEG decoders and image/png decode them to the size
// they declare (odd sizes, so padding and partial MCUs are exercised).
func TestBombsDecode(t *testing.T) {
	jpegs := []struct {
		name  string
		j     JPEG
		turbo bool // libjpeg-turbo decodes it (not CMYK)
	}{
		{"grey", JPEG{Width: 301, Height: 97, Sampling: Gray}, true},
		{"4:2:0", JPEG{Width: 301, Height: 97, Sampling: YCbCr420}, true},
		{"4:4:4", JPEG{Width: 301, Height: 97, Sampling: YCbCr444}, true},
		{"CMYK", JPEG{Width: 301, Height: 97, Sampling: CMYK}, false},
		{"progressive grey", JPEG{Width: 301, Height: 97, Sampling: Gray, Progressive: true}, true},
		{"progressive 4:2:0", JPEG{Width: 301, Height: 97, Sampling: YCbCr420, Progressive: true}, true},
		{"progressive CMYK", JPEG{Width: 301, Height: 97, Sampling: CMYK, Progressive: true}, false},
		{"progressive 4:2:0, long runs", JPEG{Width: 2100, Height: 1100, Sampling: YCbCr420, Progressive: true}, true},
	}
	for _, tc := range jpegs {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.j.Bytes()
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("image/jpeg: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tc.j.Width || b.Dy() != tc.j.Height {
				t.Fatalf("image/jpeg decoded %v", b)
			}
			if tc.turbo {
				img, err := jpegturbo.Decode(data, jpegturbo.Options{})
				if err != nil {
					t.Fatalf("libjpeg-turbo: %v", err)
				}
				if b := img.Bounds(); b.Dx() != tc.j.Width || b.Dy() != tc.j.Height {
					t.Fatalf("libjpeg-turbo decoded %v", b)
				}
			}
		})
	}
	for _, p := range []PNG{{Width: 301, Height: 97, Depth: 16, ColorType: 6}, {Width: 301, Height: 97, Depth: 8, ColorType: 0}} {
		data, err := p.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("image/png: %v", err)
		}
		if img.Bounds() != image.Rect(0, 0, 301, 97) {
			t.Fatalf("image/png decoded %v", img.Bounds())
		}
	}
}

// The sizes the issue measured: 10000x10000 progressive CMYK in 781 KB, 4:2:0 in 586 KB.
func TestBombSizes(t *testing.T) {
	cmyk := JPEG{Width: 10000, Height: 10000, Sampling: CMYK, Progressive: true}.Bytes()
	ycc := JPEG{Width: 10000, Height: 10000, Sampling: YCbCr420, Progressive: true}.Bytes()
	if len(cmyk) > 800<<10 || len(ycc) > 600<<10 {
		t.Fatalf("bombs of %d and %d bytes", len(cmyk), len(ycc))
	}
	t.Logf("10000x10000 progressive: CMYK %d bytes, 4:2:0 %d bytes", len(cmyk), len(ycc))
}

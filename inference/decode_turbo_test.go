package inference

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/jpegturbo"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// goDecode is DecodeImage's JPEG path with image/jpeg, as it was before libjpeg-turbo.
func goDecode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return orientImage(downscale(flattenAlpha(img), MaxImageSide), exifOrientation(data))
}

// rgbDiff is the mean absolute difference of two same-sized images' RGB samples.
func rgbDiff(a, b image.Image) float64 {
	ra, rb := toRGB(a, nil), toRGB(b, nil)
	var sum int
	for y := 0; y < ra.h; y++ {
		for x := 0; x < ra.w; x++ {
			p, q := ra.pix[y*ra.stride+x*ra.bpp:], rb.pix[y*rb.stride+x*rb.bpp:]
			for c := 0; c < 3; c++ {
				sum += max(int(p[c])-int(q[c]), int(q[c])-int(p[c]))
			}
		}
	}
	return float64(sum) / float64(3*ra.w*ra.h)
}

// Every vendored JPEG decodes (through libjpeg-turbo) to the same size and orientation
// as through image/jpeg, with nearly the same pixels, and upright photos come back as
// *image.YCbCr, the type pre-processing samples without conversion.
func TestDecodeJPEGMatchesImageJPEG(t *testing.T) {
	names, _ := filepath.Glob(filepath.Join(testimages.Dir(), "*.jpg"))
	if len(names) < 10 {
		t.Fatalf("%d JPEG test photos", len(names))
	}
	for _, p := range names {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			data := testimages.Read(t, name)
			if _, err := jpegturbo.Decode(data, jpegturbo.Options{}); err != nil {
				t.Fatalf("libjpeg-turbo refused a test photo (the test would only exercise the fallback): %v", err)
			}
			got, want := decodeBytes(t, data), goDecode(t, data)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("bounds %v, image/jpeg path %v", got.Bounds(), want.Bounds())
			}
			b := want.Bounds()
			if _, ok := got.(*image.YCbCr); exifOrientation(data) == 1 && max(b.Dx(), b.Dy()) < MaxImageSide && !ok {
				t.Errorf("decoded %T, want *image.YCbCr", got)
			}
			if d := rgbDiff(got, want); d > 0.5 {
				t.Errorf("mean |RGB difference| %.3f from the image/jpeg path, want ≤ 0.5", d)
			}
		})
	}
}

// A JPEG that libjpeg-turbo stops at (a warning: a JFIF header of version 3, which
// does not exist) but image/jpeg accepts still decodes, through the fallback.
func TestDecodeJPEGFallback(t *testing.T) {
	good := testimages.Read(t, "obama_1.jpg")
	app0 := append([]byte{0xFF, 0xE0, 0, 16}, "JFIF\x00\x03\x01\x00\x00\x01\x00\x01\x00\x00"...)
	junk := append(append(append([]byte(nil), good[:2]...), app0...), good[2:]...)
	if _, err := jpegturbo.Decode(junk, jpegturbo.Options{}); !errors.Is(err, jpegturbo.ErrCorrupt) {
		t.Fatalf("libjpeg-turbo accepted the damaged file (%v): the fallback is not exercised", err)
	}
	img, err := DecodeImage(junk)
	if err != nil {
		t.Fatalf("DecodeImage: %v, want the image/jpeg fallback to decode it", err)
	}
	if want := decodeBytes(t, good); img.Bounds() != want.Bounds() || rgbDiff(img, want) > 0.5 {
		t.Errorf("fallback decode %v differs from the intact photo %v", img.Bounds(), want.Bounds())
	}
}

// JPEG kinds libjpeg-turbo refuses (CMYK, 4:1:0 subsampling) still decode, through
// image/jpeg, to the right size.
func TestDecodeJPEGKindsTurboRefuses(t *testing.T) {
	for _, name := range []string{"video-001.cmyk.jpeg", "video-001.q50.410.jpeg"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "internal", "jpegturbo", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jpegturbo.Decode(data, jpegturbo.Options{}); !errors.Is(err, jpegturbo.ErrUnsupported) {
				t.Fatalf("libjpeg-turbo: %v, want ErrUnsupported (else the fallback is not exercised)", err)
			}
			img, err := DecodeImage(data)
			if err != nil {
				t.Fatalf("DecodeImage: %v", err)
			}
			if b := img.Bounds(); b.Dx() != 150 || b.Dy() != 103 {
				t.Errorf("decoded %v, want 150x103", b)
			}
		})
	}
}

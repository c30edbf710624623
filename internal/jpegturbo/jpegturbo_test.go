package jpegturbo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// photos returns the vendored JPEG test photos.
func photos(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(testimages.Dir(), "*.jpg"))
	if err != nil || len(names) < 10 {
		t.Fatalf("test photos: %v, %d found", err, len(names))
	}
	return names
}

// planeDiff compares two planes of w×h samples: mean and largest absolute difference.
func planeDiff(a []uint8, as int, b []uint8, bs int, w, h int) (mean float64, maxd int) {
	var sum int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := int(a[y*as+x]) - int(b[y*bs+x])
			if d < 0 {
				d = -d
			}
			sum += d
			maxd = max(maxd, d)
		}
	}
	return float64(sum) / float64(w*h), maxd
}

// Every vendored photo decodes to the same type, size and subsampling as image/jpeg,
// with planes within IDCT rounding of it.
func TestDecodeMatchesImageJPEG(t *testing.T) {
	for _, p := range photos(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("bounds %v, image/jpeg %v", got.Bounds(), want.Bounds())
			}
			switch w := want.(type) {
			case *image.YCbCr:
				g, ok := got.(*image.YCbCr)
				if !ok || g.SubsampleRatio != w.SubsampleRatio {
					t.Fatalf("decoded %T, image/jpeg %T %v", got, want, w.SubsampleRatio)
				}
				// Chroma samples covering the image (image/jpeg pads its planes to whole MCUs).
				last := w.COffset(w.Rect.Max.X-1, w.Rect.Max.Y-1)
				cw, ch := last%w.CStride+1, last/w.CStride+1
				if g.COffset(g.Rect.Max.X-1, g.Rect.Max.Y-1) >= len(g.Cb) || len(g.Y) < g.YStride*(g.Rect.Dy()-1)+g.Rect.Dx() {
					t.Fatalf("planes too short for %v", g.Rect)
				}
				for _, pl := range []struct {
					name   string
					a, b   []uint8
					as, bs int
					w, h   int
				}{
					{"Y", g.Y, w.Y, g.YStride, w.YStride, w.Rect.Dx(), w.Rect.Dy()},
					{"Cb", g.Cb, w.Cb, g.CStride, w.CStride, cw, ch},
					{"Cr", g.Cr, w.Cr, g.CStride, w.CStride, cw, ch},
				} {
					mean, maxd := planeDiff(pl.a, pl.as, pl.b, pl.bs, pl.w, pl.h)
					t.Logf("%s: mean |diff| %.3f, max %d", pl.name, mean, maxd)
					if mean > 0.5 || maxd > 8 {
						t.Errorf("%s plane: mean |diff| %.3f, max %d; want ≤ 0.5 and ≤ 8", pl.name, mean, maxd)
					}
				}
			case *image.Gray:
				g, ok := got.(*image.Gray)
				if !ok {
					t.Fatalf("decoded %T, image/jpeg %T", got, want)
				}
				mean, maxd := planeDiff(g.Pix, g.Stride, w.Pix, w.Stride, w.Rect.Dx(), w.Rect.Dy())
				if mean > 0.5 || maxd > 8 {
					t.Errorf("grey: mean |diff| %.3f, max %d", mean, maxd)
				}
			default:
				t.Fatalf("image/jpeg gave %T: add a comparison", want)
			}
		})
	}
}

// A greyscale JPEG decodes to *image.Gray like image/jpeg's.
func TestDecodeGray(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 67, 45))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := jpeg.Decode(bytes.NewReader(b.Bytes()))
	g, ok := got.(*image.Gray)
	if !ok || g.Rect != want.Bounds() {
		t.Fatalf("decoded %T %v, want *image.Gray %v", got, got.Bounds(), want.Bounds())
	}
	w := want.(*image.Gray)
	if mean, maxd := planeDiff(g.Pix, g.Stride, w.Pix, w.Stride, 67, 45); mean > 0.5 || maxd > 8 {
		t.Errorf("grey: mean |diff| %.3f, max %d", mean, maxd)
	}
}

func TestScale(t *testing.T) {
	cases := []struct {
		name           string
		reduceTo, w, h int
		div, sw, sh    int
	}{
		{"zero options keep the size", 0, 8000, 6000, 1, 8000, 6000},
		{"small image kept", 2048, 640, 480, 1, 640, 480},
		{"just above the limit kept", 2048, 4000, 3000, 1, 4000, 3000},
		{"half", 2048, 4096, 3072, 2, 2048, 1536},
		{"8000x6000 halved, not quartered", 2048, 8000, 6000, 2, 4000, 3000},
		{"portrait", 2048, 6000, 9000, 4, 1500, 2250},
		{"at most 1/8", 100, 10000, 10000, 8, 1250, 1250},
		{"odd sizes round up", 10, 101, 33, 8, 13, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			div, sw, sh := Options{ReduceTo: c.reduceTo}.Scale(c.w, c.h)
			if div != c.div || sw != c.sw || sh != c.sh {
				t.Errorf("Scale = 1/%d %dx%d, want 1/%d %dx%d", div, sw, sh, c.div, c.sw, c.sh)
			}
		})
	}
}

// A reduced decode has the size Scale promises and the picture of a full decode.
func TestDecodeReduced(t *testing.T) {
	data := testimages.Read(t, "obama_1.jpg")
	full, err := Decode(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fb := full.Bounds()
	reduceTo := max(fb.Dx(), fb.Dy()) / 4
	div, sw, sh := Options{ReduceTo: reduceTo}.Scale(fb.Dx(), fb.Dy())
	if div != 4 {
		t.Fatalf("Scale divisor %d, want 4", div)
	}
	img, err := Decode(data, Options{ReduceTo: reduceTo})
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != sw || b.Dy() != sh {
		t.Fatalf("reduced decode %v, want %dx%d", b, sw, sh)
	}
	// Each reduced luma sample is close to the mean of its 4x4 block.
	f, r := full.(*image.YCbCr), img.(*image.YCbCr)
	var sum float64
	n := 0
	for y := 0; y < fb.Dy()/4; y++ {
		for x := 0; x < fb.Dx()/4; x++ {
			m := 0
			for dy := 0; dy < 4; dy++ {
				for dx := 0; dx < 4; dx++ {
					m += int(f.Y[(4*y+dy)*f.YStride+4*x+dx])
				}
			}
			d := float64(m)/16 - float64(r.Y[y*r.YStride+x])
			sum += max(d, -d)
			n++
		}
	}
	if mean := sum / float64(n); mean > 3 {
		t.Errorf("reduced luma differs from 4x4 means by %.2f on average, want ≤ 3", mean)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := testimages.Read(t, "obama_1.jpg")
	corrupt := append([]byte(nil), good...)
	// Destroy the entropy-coded data in the middle (the header stays valid).
	for i := len(corrupt) / 3; i < len(corrupt)/3+400; i++ {
		corrupt[i] = 0xFF
	}
	cases := []struct {
		name string
		data []byte
		text string
	}{
		{"empty", nil, "empty"},
		{"text", []byte("hello, this is not an image"), ""},
		{"only the JPEG magic", []byte{0xFF, 0xD8, 0xFF}, ""},
		{"header only", good[:600], ""},
		{"truncated", good[:len(good)/2], ""},
		{"damaged scan data", corrupt, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := Decode(c.data, Options{})
			if img != nil || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode = %v, %v; want an ErrCorrupt error", img != nil, err)
			}
			if c.text != "" && !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not say %q", err, c.text)
			}
			t.Logf("%v", err)
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	data := testimages.Read(t, "obama_1.jpg")
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h, err := DecodeHeader(data)
	if err != nil || h.Width != cfg.Width || h.Height != cfg.Height || h.ColorSpace != YCbCr {
		t.Fatalf("DecodeHeader = %+v, %v; want %dx%d YCbCr", h, err, cfg.Width, cfg.Height)
	}
	if cfg.ColorModel != color.YCbCrModel {
		t.Fatalf("image/jpeg colour model %v", cfg.ColorModel)
	}
	if _, err := DecodeHeader([]byte("no")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("DecodeHeader(garbage) = %v, want ErrCorrupt", err)
	}
}

// Every JPEG kind: decoded like image/jpeg, into the promised type, or refused with
// ErrUnsupported (which image/jpeg then decodes).
func TestDecodeKinds(t *testing.T) {
	cases := []struct {
		file string
		want string // "ycbcr", "rgba" or "unsupported"
	}{
		{"video-001.q50.444.jpeg", "ycbcr"},
		{"video-001.q50.422.jpeg", "ycbcr"},
		{"video-001.q50.420.jpeg", "ycbcr"},
		{"video-001.q50.420.progressive.jpeg", "ycbcr"},
		{"video-001.progressive.truncated.jpeg", "ycbcr"}, // fewer scans, still a valid file
		{"video-001.restart2.jpeg", "ycbcr"},
		{"video-001.221212.jpeg", "ycbcr"},
		{"video-001.q50.440.jpeg", "rgba"},
		{"video-001.q50.411.jpeg", "rgba"},
		{"video-001.rgb.jpeg", "rgba"},
		{"video-001.cmyk.jpeg", "unsupported"},
		{"video-001.q50.410.jpeg", "unsupported"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			want, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("image/jpeg: %v", err)
			}
			got, err := Decode(data, Options{})
			if c.want == "unsupported" {
				if got != nil || !errors.Is(err, ErrUnsupported) {
					t.Fatalf("Decode = %T, %v; want ErrUnsupported", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds() != want.Bounds() {
				t.Fatalf("bounds %v, image/jpeg %v", got.Bounds(), want.Bounds())
			}
			switch g := got.(type) {
			case *image.YCbCr:
				w, ok := want.(*image.YCbCr)
				if c.want != "ycbcr" || !ok || g.SubsampleRatio != w.SubsampleRatio {
					t.Fatalf("decoded %T %v, image/jpeg %T; want %s", got, g.SubsampleRatio, want, c.want)
				}
				mean, maxd := planeDiff(g.Y, g.YStride, w.Y, w.YStride, w.Rect.Dx(), w.Rect.Dy())
				if mean > 0.5 || maxd > 8 {
					t.Errorf("Y plane: mean |diff| %.3f, max %d", mean, maxd)
				}
			case *image.RGBA:
				if c.want != "rgba" {
					t.Fatalf("decoded %T, want %s", got, c.want)
				}
				// libjpeg interpolates subsampled components ("fancy upsampling"),
				// image/jpeg repeats them: compare the means. (The RGB file subsamples G
				// and B: 3.1 levels apart, libjpeg's the closer to the uncompressed source.)
				w := image.NewRGBA(want.Bounds())
				draw.Draw(w, w.Rect, want, image.Point{}, draw.Src)
				mean, _ := planeDiff(g.Pix, g.Stride, w.Pix, w.Stride, 4*w.Rect.Dx(), w.Rect.Dy())
				t.Logf("RGBA mean |diff| %.3f", mean)
				if mean > 4 {
					t.Errorf("RGBA: mean |diff| %.3f from image/jpeg, want ≤ 4", mean)
				}
			default:
				t.Fatalf("decoded %T, want %s", got, c.want)
			}
		})
	}
}

func TestDecodeMaxPixels(t *testing.T) {
	data := testimages.Read(t, "obama_1.jpg")
	h, err := DecodeHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		max  int
		ok   bool
	}{
		{"no limit", 0, true},
		{"exactly the size", h.Width * h.Height, true},
		{"one pixel less", h.Width*h.Height - 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := Decode(data, Options{MaxPixels: c.max})
			if c.ok != (err == nil) || (!c.ok && !errors.Is(err, ErrTooLarge)) || c.ok != (img != nil) {
				t.Fatalf("Decode with MaxPixels %d: %v", c.max, err)
			}
		})
	}
}

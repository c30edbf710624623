package inference

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// The tests run the real models through the real ONNX Runtime (make setup fetches it;
// the Makefile sets ONNXRUNTIME_LIB). One engine serves every test.

var (
	engineOnce sync.Once
	engine     *Engine
	engineErr  error
)

func testEngine(t testing.TB) *Engine {
	t.Helper()
	engineOnce.Do(func() {
		engine, engineErr = Open(Options{Workers: 2, Threads: 1, Logger: quietLogger()})
	})
	if engineErr != nil {
		t.Fatalf("opening engine (run `make setup`, and set ONNXRUNTIME_LIB): %v", engineErr)
	}
	return engine
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMain(m *testing.M) {
	code := m.Run()
	if engine != nil {
		engine.Close()
	}
	os.Exit(code)
}

var (
	photoMu    sync.Mutex
	photoCache = map[string]image.Image{}
)

// photo decodes a vendored photo once.
func photo(t testing.TB, name string) image.Image {
	t.Helper()
	photoMu.Lock()
	defer photoMu.Unlock()
	if img, ok := photoCache[name]; ok {
		return img
	}
	img, err := DecodeFile(testimages.Path(name))
	if err != nil {
		t.Fatalf("decoding %s: %v", name, err)
	}
	photoCache[name] = img
	return img
}

func mirror(img image.Image) image.Image {
	r := toRGB(img, nil)
	out := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	for y := 0; y < r.h; y++ {
		for x := 0; x < r.w; x++ {
			p := r.pix[y*r.stride+x*r.bpp:]
			q := out.Pix[y*out.Stride+4*(r.w-1-x):]
			q[0], q[1], q[2], q[3] = p[0], p[1], p[2], 255
		}
	}
	return out
}

// mapPixels returns img with f applied to every channel value.
func mapPixels(img image.Image, f func(v float64) float64) *image.RGBA {
	r := toRGB(img, nil)
	out := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	for y := 0; y < r.h; y++ {
		for x := 0; x < r.w; x++ {
			p := r.pix[y*r.stride+x*r.bpp:]
			q := out.Pix[y*out.Stride+4*x:]
			for c := 0; c < 3; c++ {
				v := f(float64(p[c]))
				q[c] = uint8(clampF(v, 0, 255) + 0.5)
			}
			q[3] = 255
		}
	}
	return out
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decodeBytes(t testing.TB, b []byte) image.Image {
	t.Helper()
	img, err := DecodeImage(b)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// crop copies a rectangle of img into a new RGBA image.
func crop(img image.Image, r image.Rectangle) *image.RGBA {
	src := toRGB(img, nil)
	r = r.Intersect(image.Rect(0, 0, src.w, src.h))
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			p := src.pix[(r.Min.Y+y)*src.stride+(r.Min.X+x)*src.bpp:]
			q := out.Pix[y*out.Stride+4*x:]
			q[0], q[1], q[2], q[3] = p[0], p[1], p[2], 255
		}
	}
	return out
}

func fmtBox(b Box) string { return fmt.Sprintf("[%.0f %.0f %.0f %.0f]", b.X1, b.Y1, b.X2, b.Y2) }

func errorsIs(err, target error) bool     { return errors.Is(err, target) }
func errorsAs(err error, target any) bool { return errors.As(err, target) }

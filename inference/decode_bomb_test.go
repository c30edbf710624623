package inference

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
)

// Decompression bombs (issue 13): small files declaring huge sizes are refused from
// their header with a *imagelimit.TooLargeError, before a decoder allocates the
// image. The JPEG bombs are real files that decode in full (internal/testkit/imagebomb tests
// that), so a refusal that came too late would show here as a slow, huge decode and
// no error.
func TestDecodeRefusesBombs(t *testing.T) {
	pngBomb := func(p imagebomb.PNG) []byte {
		p.HeaderOnly = true
		b, err := p.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		data []byte
		unit string // the limit hit
		text string // in the message
	}{
		{"10000x10000 progressive CMYK JPEG", imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(),
			imagelimit.UnitPixels, "progressive CMYK JPEG has 100.0 megapixels"},
		{"10000x10000 progressive YCbCr JPEG", imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.YCbCr420, Progressive: true}.Bytes(),
			imagelimit.UnitPixels, "10000x10000"},
		{"10000x10000 baseline JPEG", imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.YCbCr420}.Bytes(),
			imagelimit.UnitPixels, "scale it down"},
		{"10000x10000 16-bit PNG", pngBomb(imagebomb.PNG{Width: 10000, Height: 10000, Depth: 16, ColorType: 6}),
			imagelimit.UnitPixels, "16-bit RGBA PNG"},
		// Under the pixel limit, over the memory a decode may take:
		{"3000x3000 progressive CMYK JPEG (image/jpeg: 28 bytes a pixel)", imagebomb.JPEG{Width: 3000, Height: 3000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(),
			imagelimit.UnitMemory, "MiB to decode"},
		{"5000x5000 CMYK JPEG", imagebomb.JPEG{Width: 5000, Height: 5000, Sampling: imagebomb.CMYK}.Bytes(),
			imagelimit.UnitMemory, "CMYK JPEG would need"},
		{"6000x6000 progressive 4:4:4 JPEG (libjpeg's coefficients: 6 bytes a pixel)", imagebomb.JPEG{Width: 6000, Height: 6000, Sampling: imagebomb.YCbCr444, Progressive: true}.Bytes(),
			imagelimit.UnitMemory, "progressive colour JPEG"},
		{"5000x5000 16-bit PNG", pngBomb(imagebomb.PNG{Width: 5000, Height: 5000, Depth: 16, ColorType: 6}),
			imagelimit.UnitMemory, "16-bit RGBA PNG would need"},
		{"6000x6000 RGBA PNG", pngBomb(imagebomb.PNG{Width: 6000, Height: 6000, Depth: 8, ColorType: 6}),
			imagelimit.UnitMemory, "8-bit RGBA PNG"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodeImage(tc.data)
			var tl *imagelimit.TooLargeError
			if img != nil || !errors.Is(err, ErrImageTooLarge) || !errors.As(err, &tl) {
				t.Fatalf("DecodeImage(%d bytes) = %v, %v; want a refusal", len(tc.data), img != nil, err)
			}
			if tl.Unit != tc.unit || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("refused for %s: %v; want %s, saying %q", tl.Unit, err, tc.unit, tc.text)
			}
			if tl.Unit == imagelimit.UnitMemory && (tl.Need <= MaxDecodeBytes || tl.Limit != MaxDecodeBytes) {
				t.Fatalf("memory refusal with need %d, limit %d", tl.Need, tl.Limit)
			}
		})
	}
}

// Within the limits, the same kinds of file decode (so the refusals above are about
// size, not kind): small progressive CMYK, progressive 4:4:4, 16-bit PNG.
func TestDecodeAcceptsSmallCostlyKinds(t *testing.T) {
	p16, err := imagebomb.PNG{Width: 640, Height: 480, Depth: 16, ColorType: 6}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"progressive CMYK JPEG":      imagebomb.JPEG{Width: 640, Height: 480, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(),
		"progressive 4:4:4 JPEG":     imagebomb.JPEG{Width: 3000, Height: 2000, Sampling: imagebomb.YCbCr444, Progressive: true}.Bytes(),
		"16-bit RGBA PNG":            p16,
		"progressive 4:2:0 at 16 MP": imagebomb.JPEG{Width: 4900, Height: 3270, Sampling: imagebomb.YCbCr420, Progressive: true}.Bytes(),
	} {
		t.Run(name, func(t *testing.T) {
			img, err := DecodeImage(data)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); max(b.Dx(), b.Dy()) > MaxImageSide || b.Dx() < 100 {
				t.Fatalf("decoded to %v", b)
			}
		})
	}
}

// A JPEG libjpeg-turbo stops at goes to image/jpeg only if image/jpeg's full-size
// decode fits: a 6000x6000 4:4:4 file with a JFIF version libjpeg warns about would
// need 3 bytes a pixel of planes there, plus the conversions.
func TestDecodeFallbackWithinLimit(t *testing.T) {
	good := imagebomb.JPEG{Width: 6000, Height: 6000, Sampling: imagebomb.YCbCr444}.Bytes()
	app0 := append([]byte{0xFF, 0xE0, 0, 16}, "JFIF\x00\x03\x01\x00\x00\x01\x00\x01\x00\x00"...)
	junk := append(append(append([]byte(nil), good[:2]...), app0...), good[2:]...)
	if _, err := DecodeImage(good); err != nil {
		t.Fatalf("the intact file (libjpeg-turbo at 1/2): %v", err)
	}
	_, err := DecodeImage(junk)
	var tl *imagelimit.TooLargeError
	if !errors.As(err, &tl) || tl.Unit != imagelimit.UnitMemory || !strings.Contains(err.Error(), "libjpeg-turbo did not decode it") {
		t.Fatalf("DecodeImage = %v; want the fallback refused for its memory", err)
	}
}

// DecodeFile reads at most MaxFileBytes+1 bytes, whatever the file: /dev/zero, a FIFO
// that never ends, a (sparse) file over the limit.
func TestDecodeFileBounded(t *testing.T) {
	dir := t.TempDir()
	sparse := filepath.Join(dir, "huge.jpg")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fifo := filepath.Join(dir, "fifo.jpg")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() { // an endless writer; it stops when the reader closes
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		buf := make([]byte, 1<<20)
		for {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	}()
	for _, p := range []string{"/dev/zero", fifo, sparse} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			_, err := DecodeFile(p)
			var tl *imagelimit.TooLargeError
			if !errors.As(err, &tl) || tl.Unit != imagelimit.UnitFile || !strings.Contains(err.Error(), p) {
				t.Fatalf("DecodeFile(%s) = %v; want the file refused as too large", p, err)
			}
			if tl.Need > MaxFileBytes+1 {
				t.Fatalf("read %d bytes, more than the limit + 1", tl.Need)
			}
		})
	}
}

// Issue 19 (finding 9): the sandbox's workers each decoded a CMYK JPEG at the limit at
// once (four requests of ten: 1.09 GB). A decode takes its estimate from the process's
// imagelimit.DecodeBudget for as long as it runs: with the budget taken, a CMYK decode
// waits; once it is given back, the decode runs and gives its share back.
func TestDecodeTakesItsShareOfTheBudget(t *testing.T) {
	cmyk := imagebomb.JPEG{Width: 4000, Height: 3000, Sampling: imagebomb.CMYK}.Bytes()
	hd, err := imagelimit.ReadHeader(cmyk)
	if err != nil {
		t.Fatal(err)
	}
	if est := decodeEstimate(hd); est < 4*4000*3000 {
		t.Fatalf("estimate %d MiB does not count CMYK's 4 bytes a pixel", est>>20)
	}
	all := imagelimit.Reserve(imagelimit.DecodeBudget)
	done := make(chan error, 1)
	go func() {
		_, err := DecodeImage(cmyk)
		done <- err
	}()
	select {
	case err := <-done:
		all()
		t.Fatalf("decoded (%v) while the whole budget was taken", err)
	case <-time.After(300 * time.Millisecond):
	}
	all()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := imagelimit.ReservedNow(); got != 0 {
		t.Fatalf("%d bytes still reserved after the decode", got)
	}
}

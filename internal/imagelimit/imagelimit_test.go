package imagelimit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.jpg")
	os.WriteFile(small, []byte("0123456789"), 0o600)
	exact := filepath.Join(dir, "exact.jpg")
	os.WriteFile(exact, bytes.Repeat([]byte{1}, 1000), 0o600)
	over := filepath.Join(dir, "over.jpg")
	os.WriteFile(over, bytes.Repeat([]byte{1}, 1001), 0o600)
	fifo := func(content []byte, endless bool) string {
		p := filepath.Join(dir, "fifo"+string(rune('a'+len(content)%26)))
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		go func() {
			w, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer w.Close()
			for {
				if _, err := w.Write(content); err != nil || !endless {
					return
				}
			}
		}()
		return p
	}
	cases := []struct {
		name    string
		path    func() string
		want    int   // bytes returned
		wantErr error // or this error
	}{
		{"small file", func() string { return small }, 10, nil},
		{"file at the limit", func() string { return exact }, 1000, nil},
		{"file over the limit", func() string { return over }, 0, ErrTooLarge},
		{"/dev/zero", func() string { return "/dev/zero" }, 0, ErrTooLarge},
		{"short FIFO", func() string { return fifo([]byte("abc"), false) }, 3, nil},
		{"endless FIFO", func() string { return fifo(make([]byte, 4096), true) }, 0, ErrTooLarge},
		{"folder", func() string { return dir }, 0, ErrFolder},
		{"missing", func() string { return filepath.Join(dir, "missing") }, 0, os.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadFile(tc.path(), 1000)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var tl *TooLargeError
				if errors.As(err, &tl) && (tl.Unit != UnitFile || tl.Limit != 1000 || tl.Need > 1001) {
					t.Fatalf("refusal %+v", tl)
				}
				return
			}
			if err != nil || len(b) != tc.want {
				t.Fatalf("read %d bytes, %v; want %d", len(b), err, tc.want)
			}
		})
	}
}

func TestReadHeader(t *testing.T) {
	p16, _ := imagebomb.PNG{Width: 70, Height: 50, Depth: 16, ColorType: 6, HeaderOnly: true}.Bytes()
	cases := []struct {
		name     string
		data     []byte
		kind     string
		comps    int
		goBytes  int64
		progress bool
	}{
		{"progressive CMYK", imagebomb.JPEG{Width: 80, Height: 40, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(),
			"progressive CMYK JPEG", 4, 4*80*40 + 4*80*40 + 4*4*80*40, true},
		{"baseline 4:2:0", imagebomb.JPEG{Width: 80, Height: 40, Sampling: imagebomb.YCbCr420}.Bytes(),
			"colour JPEG", 3, 80*48 + 2*40*24, false},
		{"grey", imagebomb.JPEG{Width: 81, Height: 40, Sampling: imagebomb.Gray}.Bytes(),
			"greyscale JPEG", 1, 88 * 40, false},
		{"16-bit PNG", p16, "16-bit RGBA PNG", 0, 8*70*50 + 2*(70*8+1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ReadHeader(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if h.Kind() != tc.kind || len(h.Components) != tc.comps || h.Progressive != tc.progress {
				t.Fatalf("header %+v, kind %q", h, h.Kind())
			}
			if got := h.GoDecodeBytes(); got != tc.goBytes {
				t.Fatalf("GoDecodeBytes = %d, want %d", got, tc.goBytes)
			}
		})
	}
	if _, err := ReadHeader([]byte("not an image")); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("text: %v", err)
	}
}

// A progressive file costs libjpeg-turbo its full-size coefficients whatever the scale.
func TestTurboDecodeBytes(t *testing.T) {
	h := Header{Format: "jpeg", Width: 8000, Height: 8000, Components: []Sampling{{2, 2}, {1, 1}, {1, 1}}}
	base := h.TurboDecodeBytes(4)
	h.Progressive = true
	prog := h.TurboDecodeBytes(4)
	if want := int64(2 * 8000 * 8000 * 3 / 2); prog-base != want {
		t.Fatalf("progressive adds %d bytes, want %d (2 a sample)", prog-base, want)
	}
	if base != 2000*2000*4+libjpegOverhead {
		t.Fatalf("baseline at 1/4: %d", base)
	}
}

package replay

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func writePNG(t *testing.T, path string, c color.RGBA) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestFolderInNameOrderAtRate(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "b.png"), color.RGBA{R: 2})
	writePNG(t, filepath.Join(dir, "a.png"), color.RGBA{R: 1})
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	c := clock.NewFake(time.Unix(100, 0))
	src, err := Open([]string{dir}, Options{FPS: 10, Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 2 {
		t.Fatalf("%d images, want 2 (the .txt is not one)", src.Len())
	}
	ctx := context.Background()
	var got []uint8
	var times []time.Time
	for i := 0; i < 5; i++ {
		done := make(chan capture.Frame, 1)
		go func() {
			f, err := src.Next(ctx)
			if err != nil {
				t.Error(err)
			}
			done <- f
		}()
		var f capture.Frame
	wait:
		for {
			select {
			case f = <-done:
				break wait
			default:
				// the source waits for the frame time: advance the fake clock to it
				if c.Pending() > 0 {
					next, _ := c.NextDeadline()
					c.Set(next)
				}
				time.Sleep(time.Millisecond)
			}
		}
		got = append(got, f.Data[0])
		times = append(times, f.Time)
		if f.Seq != uint64(i+1) || f.Format != capture.FormatRGB || f.Width != 4 || f.Height != 2 {
			t.Fatalf("frame %d: seq %d %v %dx%d", i, f.Seq, f.Format, f.Width, f.Height)
		}
	}
	if want := []uint8{1, 2, 1, 2, 1}; string(got) != string(want) {
		t.Fatalf("order %v, want %v (name order, looping)", got, want)
	}
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d != 100*time.Millisecond {
			t.Fatalf("frames %d and %d are %v apart, want 100ms at 10 fps", i-1, i, d)
		}
	}
}

func TestFramesAreCopies(t *testing.T) {
	src, err := FromImages([]image.Image{image.NewRGBA(image.Rect(0, 0, 2, 2))}, Options{FPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := src.Next(context.Background())
	a.Data[0] = 99
	b, _ := src.Next(context.Background())
	if b.Data[0] != 0 {
		t.Fatal("a frame shares its pixels with the source")
	}
}

func TestOnceCloseAndErrors(t *testing.T) {
	src, err := Open([]string{testimages.Path("obama_1.jpg")}, Options{FPS: -1, Once: true, MaxSide: 320})
	if err != nil {
		t.Fatal(err)
	}
	f, err := src.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if max(f.Width, f.Height) != 320 {
		t.Fatalf("scaled to %dx%d, want longest side 320", f.Width, f.Height)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("after the last image with Once: %v", err)
	}
	src.Close()
	if _, err := src.Next(context.Background()); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}

	cases := []struct {
		name  string
		paths []string
		want  error
	}{
		{"empty folder", []string{t.TempDir()}, ErrNoImages},
		{"missing file", []string{"/nonexistent/x.jpg"}, os.ErrNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(tc.paths, Options{}); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.jpg")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	if _, err := Open([]string{bad}, Options{}); err == nil {
		t.Fatal("an undecodable file was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src2, _ := FromImages([]image.Image{image.NewRGBA(image.Rect(0, 0, 2, 2))}, Options{})
	if _, err := src2.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// A decompression bomb in the folder is refused from its header, before decoding, and
// so is a file that never ends.
func TestOpenRefusesBombs(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.jpg")
	data := imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes()
	if err := os.WriteFile(bomb, data, 0o600); err != nil {
		t.Fatal(err)
	}
	costly := filepath.Join(dir, "costly.jpg") // 9 MP, but a CMYK progressive costs image/jpeg 28 bytes a pixel
	if err := os.WriteFile(costly, imagebomb.JPEG{Width: 3000, Height: 3000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bomb, costly, "/dev/zero"} {
		_, err := Open([]string{p}, Options{})
		if !errors.Is(err, imagelimit.ErrTooLarge) {
			t.Fatalf("Open(%s) = %v, want a refusal as too large", p, err)
		}
	}
}

package replay

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"syscall"
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
	for _, p := range []string{bomb, costly} {
		_, err := Open([]string{p}, Options{})
		if !errors.Is(err, imagelimit.ErrTooLarge) {
			t.Fatalf("Open(%s) = %v, want a refusal as too large", p, err)
		}
	}
	if _, err := Open([]string{"/dev/zero"}, Options{}); !errors.Is(err, imagelimit.ErrNotRegular) {
		t.Fatalf("Open(/dev/zero) = %v, want a refusal as not a regular file", err)
	}
}

// openWithin runs Open and fails the test if it has not returned after a long while
// (a FIFO opened for reading with no writer blocks for ever).
func openWithin(t *testing.T, paths []string, o Options) (*Source, error) {
	t.Helper()
	type res struct {
		s   *Source
		err error
	}
	done := make(chan res, 1)
	go func() {
		s, err := Open(paths, o)
		done <- res{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(20 * time.Second):
		t.Fatalf("Open(%v) blocked", paths)
		return nil, nil
	}
}

// Folders that lie: a FIFO named a.jpg blocked the camera's open for ever (and SIGTERM
// overran). FIFOs, links and devices are left out of a folder, and refused by name,
// without blocking; a file turned into a FIFO after the listing is refused when read.
func TestFolderThatLies(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "a.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	photo, err := os.ReadFile(testimages.Path("obama_1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.jpg"), photo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/shadow", filepath.Join(dir, "c.jpg")); err != nil {
		t.Fatal(err)
	}
	src, err := openWithin(t, []string{dir}, Options{FPS: -1})
	if err != nil || src.Len() != 1 {
		t.Fatalf("folder with a FIFO and a link: %v, %d images", err, src.Len())
	}
	if _, err := src.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.jpg", "c.jpg"} {
		if _, err := openWithin(t, []string{filepath.Join(dir, name)}, Options{}); !errors.Is(err, imagelimit.ErrNotRegular) {
			t.Fatalf("Open(%s) = %v, want ErrNotRegular", name, err)
		}
	}
	// b.jpg becomes a FIFO once listed: the next read refuses it at once.
	src, err = openWithin(t, []string{dir}, Options{FPS: -1, MaxSide: 64})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "b.jpg"))
	if err := syscall.Mkfifo(filepath.Join(dir, "b.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := src.Next(context.Background()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, imagelimit.ErrNotRegular) {
			t.Fatalf("Next on a file turned FIFO = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Next blocked on a FIFO")
	}
}

// A folder of large photos is decoded as it is shown, a few frames held: never the
// whole folder at once.
func TestLargeFolderHoldsAFewFrames(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 2000, 1500))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	data, err := capture.Encode(img, 0, 90)
	if err != nil {
		t.Fatal(err)
	}
	const n = 7
	for i := 0; i < n; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.jpg", i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Open([]string{dir}, Options{FPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	if src.Held() != 0 {
		t.Fatalf("Open decoded %d images", src.Held())
	}
	for i := 0; i < n+3; i++ {
		f, err := src.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != DefaultMaxSide {
			t.Fatalf("frame %dx%d, want its longest side scaled to %d", f.Width, f.Height, DefaultMaxSide)
		}
		if held := src.Held(); held < 1 || held*len(f.Data) > HeldBytes {
			t.Fatalf("after frame %d: %d frames of %d bytes held (bound %d)", i, held, len(f.Data), HeldBytes)
		}
	}
	if src.Held() >= n {
		t.Fatalf("all %d frames held", src.Held())
	}
}

// A folder with more images than a replay camera takes is refused, not read whole.
func TestTooManyFiles(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i <= MaxFiles; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.jpg", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open([]string{dir}, Options{}); !errors.Is(err, ErrTooManyFiles) {
		t.Fatalf("Open of %d files = %v", MaxFiles+1, err)
	}
}

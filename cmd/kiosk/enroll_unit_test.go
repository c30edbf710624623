package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/ui"
)

var testT0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// A picture whose every pixel says where it is.
func testPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 0xff})
		}
	}
	return img
}

// frameRGBA writes an RGB frame into the buffer it is given when the size fits, into a
// new one otherwise, pixel for pixel; a YUYV frame of grey converts to that grey; a
// short frame is refused.
func TestFrameRGBA(t *testing.T) {
	pic := testPicture(8, 6)
	f := capture.FrameFromImage(pic, testT0, 1)
	dst := image.NewRGBA(image.Rect(0, 0, 8, 6))
	got, err := frameRGBA(f, dst)
	if err != nil || got != dst || !bytes.Equal(got.Pix, pic.Pix) {
		t.Fatalf("RGB into the buffer: same %v, %v", got == dst, err)
	}
	small := image.NewRGBA(image.Rect(0, 0, 4, 4))
	got, err = frameRGBA(f, small)
	if err != nil || got == small || !bytes.Equal(got.Pix, pic.Pix) {
		t.Fatalf("RGB into a buffer of another size: %v", err)
	}

	yuyv := capture.Frame{Format: capture.FormatYUYV, Width: 4, Height: 2, Stride: 8, Data: bytes.Repeat([]byte{128, 128}, 8)}
	got, err = frameRGBA(yuyv, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(got.Pix); i += 4 {
		if p := got.Pix[i : i+4]; p[0] < 120 || p[0] > 136 || p[0] != p[1] || p[1] != p[2] || p[3] != 0xff {
			t.Fatalf("YUYV grey converted to %v", p)
		}
	}

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, pic, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	got, err = frameRGBA(capture.Frame{Format: capture.FormatMJPEG, Width: 8, Height: 6, Data: buf.Bytes()}, dst)
	if err != nil || got != dst {
		t.Fatalf("MJPEG into the buffer: same %v, %v", got == dst, err)
	}

	short := f
	short.Data = short.Data[:10]
	if _, err := frameRGBA(short, nil); !errors.Is(err, capture.ErrShortFrame) {
		t.Fatalf("short frame: %v", err)
	}
}

// scriptedSource gives its frames, then its errors.
type scriptedSource struct {
	errs []error
	pic  *image.RGBA
}

func (s *scriptedSource) Next(ctx context.Context) (capture.Frame, error) {
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		if err != nil {
			return capture.Frame{}, err
		}
	}
	return capture.FrameFromImage(s.pic, testT0, 1), nil
}

func (s *scriptedSource) Close() error { return nil }

// An unplugged camera is ui.ErrCameraDisconnected (the wizard's banner), then frames
// again; another failure is not.
func TestLiveCameraUnplugged(t *testing.T) {
	e := &uiEnrollment{lease: map[capture.Source]chan struct{}{}}
	src := &scriptedSource{pic: testPicture(4, 4), errs: []error{fmt.Errorf("reading /dev/video0: %w", capture.ErrUnplugged), nil, capture.ErrTimeout}}
	c := &liveCamera{e: e, src: src}
	ctx := context.Background()
	if _, err := c.Next(ctx, nil); !errors.Is(err, ui.ErrCameraDisconnected) {
		t.Fatalf("unplugged: %v", err)
	}
	if img, err := c.Next(ctx, nil); err != nil || img.Rect.Dx() != 4 {
		t.Fatalf("back: %v", err)
	}
	if _, err := c.Next(ctx, nil); err == nil || errors.Is(err, ui.ErrCameraDisconnected) {
		t.Fatalf("a timeout: %v", err)
	}
	// A second reader of the same source waits for the first (until its context ends).
	release, err := e.acquire(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Next(cctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a second reader: %v", err)
	}
	release()
}

// The import lists the photos of the import folders and of the USB sticks' mount
// points, two levels down at most, hidden files and other files left out.
func TestImports(t *testing.T) {
	r := newShellRig(t)
	root := r.a.Settings().ImportDirs[0] // the rig's import folder
	stick := t.TempDir()
	other := t.TempDir()
	write := func(path string) {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(stick, "top.JPG"))
	write(filepath.Join(stick, "amina", "STICK", "id-photo.png"))
	write(filepath.Join(stick, "a", "b", "c", "too-deep.jpg"))
	write(filepath.Join(stick, ".Trash", "old.jpg"))
	write(filepath.Join(stick, ".hidden.jpg"))
	write(filepath.Join(stick, "notes.txt"))
	write(filepath.Join(root, "folder", "on-file.jpeg"))
	write(filepath.Join(other, "a-disk-not-a-stick.jpg"))
	e := newEnrollment(r.a)
	e.removable = func() []string { return []string{stick} } // media.System's, tested in internal/media
	files, err := e.Imports(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name+"@"+f.Where)
	}
	slices.Sort(names)
	want := []string{"id-photo.png@STICK", "on-file.jpeg@folder", "top.JPG@" + filepath.Base(stick)}
	if !slices.Equal(names, want) {
		t.Fatalf("imports %q, want %q", names, want)
	}
	// A stick of 300 photos: 200 listed, the walk stopped.
	for i := 0; i < 300; i++ {
		write(filepath.Join(stick, "many", fmt.Sprintf("id-%03d.jpg", i)))
	}
	if files, err := e.Imports(context.Background()); err != nil || len(files) != maxImports {
		t.Fatalf("a crowded stick: %d files, %v", len(files), err)
	}
}

// With no API to send to, the result screen hears at once that the job waits.
func TestWaitResultNoAPI(t *testing.T) {
	r := newShellRig(t)
	if _, err := newEnrollment(r.a).WaitResult(context.Background(), "k-1"); !errors.Is(err, ui.ErrOffline) {
		t.Fatalf("no API: %v", err)
	}
}

// With no camera the wizard hears which one is missing and what the config names.
func TestOpenCameraMissing(t *testing.T) {
	r := newShellRig(t) // the app runs without cameras
	e := newEnrollment(r.a)
	for kind, role := range map[ui.CaptureKind]ui.CameraRole{ui.CaptureDocument: ui.CameraDocument,
		ui.CaptureSelfie: ui.CameraSelfie, ui.CaptureLiveness: ui.CameraSelfie} {
		_, err := e.OpenCamera(kind)
		var nc *ui.NoCameraError
		if !errors.As(err, &nc) || nc.Role != role || nc.Device == "" {
			t.Fatalf("%v: %#v", kind, err)
		}
	}
}

// shut waits for the read in progress and refuses the next ones.
func TestEnrollmentShut(t *testing.T) {
	e := &uiEnrollment{lease: map[capture.Source]chan struct{}{}}
	src := &scriptedSource{pic: testPicture(4, 4)}
	c := &liveCamera{e: e, src: src}
	if _, err := c.Next(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	release, err := e.acquire(context.Background(), src) // a read in progress
	if err != nil {
		t.Fatal(err)
	}
	shut := make(chan struct{})
	go func() { e.shut(time.Minute); close(shut) }()
	select {
	case <-shut:
		t.Fatal("shut did not wait for the read in progress")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	<-shut
	if _, err := c.Next(context.Background(), nil); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("a read after shut: %v", err)
	}
}

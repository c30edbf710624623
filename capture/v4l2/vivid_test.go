package v4l2

import (
	"context"
	"errors"
	"image"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/vladimirvivien/go4vl/v4l2"
)

// These tests need a real V4L2 driver: the kernel's vivid, loaded in a VM by
// vivid/run.sh (make test-v4l2), which sets KIOSK_VIVID=1 so that a missing device
// fails instead of skipping.

// vividDisconnect is VIVID_CID_DISCONNECT (VIVID_CID_VIVID_BASE + 65), a button
// control; the tests look it up by name first.
const vividDisconnect = 0x00f0f000 + 65

func vividCamera(t *testing.T) Camera {
	t.Helper()
	nodes, _ := filepath.Glob("/dev/video*")
	if len(nodes) == 0 && os.Getenv("KIOSK_VIVID") == "" {
		t.Skip("no /dev/video* device here: the driver tests run in a VM with vivid (make test-v4l2)")
	}
	cams, err := List()
	if err != nil {
		t.Fatalf("listing cameras: %v", err)
	}
	for _, c := range cams {
		if c.Driver == "vivid" {
			return c
		}
	}
	if os.Getenv("KIOSK_VIVID") == "" {
		t.Skipf("no vivid device among %d cameras: the driver tests run in a VM with vivid (make test-v4l2)", len(cams))
	}
	t.Fatalf("no vivid camera listed among %+v", cams)
	return Camera{}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestVividList(t *testing.T) {
	c := vividCamera(t)
	t.Logf("camera %s %q driver %s bus %s, %d formats", c.Path, c.Name, c.Driver, c.Bus, len(c.Formats))
	if c.Name == "" || c.Bus == "" {
		t.Fatalf("name %q bus %q: want both", c.Name, c.Bus)
	}
	var yuyv *Format
	for i := range c.Formats {
		if c.Formats[i].FourCC == "YUYV" {
			yuyv = &c.Formats[i]
		}
	}
	if yuyv == nil {
		t.Fatalf("YUYV not listed: %+v", c.Formats)
	}
	found := false
	for _, s := range yuyv.Sizes {
		if s.Width == 640 && s.Height == 480 {
			found = len(s.FPS) > 0
		}
	}
	if !found {
		t.Fatalf("640x480 with frame rates not listed for YUYV: %+v", yuyv.Sizes)
	}
}

func TestVividNegotiateAndStream(t *testing.T) {
	c := vividCamera(t)
	cases := []struct {
		name       string
		o          Options
		wantFormat capture.PixelFormat
		w, h, bpp  int
	}{
		{"MJPEG absent so YUYV 640x480", Options{}, capture.FormatYUYV, 640, 480, 2},
		{"YUYV 1280x720", Options{Width: 1280, Height: 720, Formats: []string{"YUYV"}}, capture.FormatYUYV, 1280, 720, 2},
		{"RGB24 by name", Options{Name: c.Name, Bus: c.Bus, Formats: []string{"RGB3"}}, capture.FormatRGB, 640, 480, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			if o.Name == "" {
				o.Path = c.Path
			}
			o.Logger = quiet()
			src, err := Open(context.Background(), o)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer src.Close()
			n := src.Negotiated()
			if n.Format != tc.wantFormat || n.Width != tc.w || n.Height != tc.h || n.Stride < tc.w*tc.bpp {
				t.Fatalf("negotiated %+v, want %v %dx%d", n, tc.wantFormat, tc.w, tc.h)
			}
			var last uint64
			for i := 0; i < 6; i++ {
				f, err := src.Next(context.Background())
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if f.Width != tc.w || f.Height != tc.h || len(f.Data) < f.Stride*f.Height {
					t.Fatalf("frame %d: %dx%d with %d bytes (stride %d)", i, f.Width, f.Height, len(f.Data), f.Stride)
				}
				if i > 0 && f.Seq <= last {
					t.Fatalf("sequence went from %d to %d", last, f.Seq)
				}
				last = f.Seq
				img, err := f.Image()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if k := distinctColours(img); k < 4 {
					t.Fatalf("frame %d has %d distinct colours along its middle row; vivid's colour bars have 8", i, k)
				}
			}
			t.Logf("%v %dx%d stride %d: last sequence %d", n.Format, n.Width, n.Height, n.Stride, last)
		})
	}
	t.Run("unsupported format", func(t *testing.T) {
		_, err := Open(context.Background(), Options{Path: c.Path, Formats: []string{"H264"}, Logger: quiet()})
		if !errors.Is(err, capture.ErrUnsupportedFormat) {
			t.Fatalf("err = %v, want ErrUnsupportedFormat", err)
		}
	})
}

func distinctColours(img image.Image) int {
	b := img.Bounds()
	seen := map[[3]uint8]bool{}
	y := b.Min.Y + b.Dy()/2
	for x := b.Min.X; x < b.Max.X; x += 4 {
		r, g, bl, _ := img.At(x, y).RGBA()
		seen[[3]uint8{uint8(r >> 12), uint8(g >> 12), uint8(bl >> 12)}] = true
	}
	return len(seen)
}

func TestVividBusy(t *testing.T) {
	c := vividCamera(t)
	first, err := Open(context.Background(), Options{Path: c.Path, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := first.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	second, err := Open(context.Background(), Options{Path: c.Path, Width: 320, Height: 240, Logger: quiet()})
	if err == nil {
		second.Close()
		t.Fatal("a second open of a streaming camera succeeded")
	}
	if !errors.Is(err, capture.ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	t.Logf("busy: %v", err)
}

func TestVividDisconnect(t *testing.T) {
	c := vividCamera(t)
	src, err := Open(context.Background(), Options{Path: c.Path, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, FrameTimeout: 3 * time.Second, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	pressDisconnect(t, c.Path)

	var gotErr error
	for i := 0; i < 20 && gotErr == nil; i++ { // a few frames may still be queued
		_, gotErr = src.Next(context.Background())
	}
	if !errors.Is(gotErr, capture.ErrUnplugged) {
		t.Fatalf("after Disconnect: err = %v, want ErrUnplugged", gotErr)
	}
	t.Logf("reported: %v", gotErr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	f, err := src.Next(ctx)
	if err != nil {
		t.Fatalf("reopening after the camera came back: %v", err)
	}
	if f.Width != 640 || f.Height != 480 {
		t.Fatalf("frame after reopen %dx%d", f.Width, f.Height)
	}
	t.Logf("reopened in %v, frame sequence %d", time.Since(start).Round(time.Millisecond), f.Seq)
}

// pressDisconnect presses vivid's "Disconnect" button control through its own fd.
func pressDisconnect(t *testing.T, path string) {
	t.Helper()
	fd, err := openFD(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v4l2.CloseDevice(fd)
	id := v4l2.CtrlID(vividDisconnect)
	if ctrls, err := v4l2.QueryAllControls(fd); err == nil {
		for _, c := range ctrls {
			if c.Name == "Disconnect" {
				id = c.ID
			}
		}
	}
	if err := v4l2.SetControlValue(fd, id, 0); err != nil {
		t.Fatalf("pressing Disconnect (control 0x%x): %v", uint32(id), err)
	}
}

// TestVividPermission opens the camera as an unprivileged user (nobody), for whom the
// device node (root-only on a bare devtmpfs) is closed: the error must say so.
func TestVividPermission(t *testing.T) {
	if os.Getenv("KIOSK_VIVID_CHILD") == "permission" {
		_, err := Open(context.Background(), Options{Path: os.Getenv("KIOSK_VIVID_PATH"), Logger: quiet()})
		if !errors.Is(err, capture.ErrPermission) {
			t.Fatalf("as uid %d: err = %v, want ErrPermission", os.Getuid(), err)
		}
		t.Logf("as uid %d: %v", os.Getuid(), err)
		return
	}
	c := vividCamera(t)
	if os.Getuid() != 0 {
		t.Skip("needs root to run a child as another user (the VM runs as root)")
	}
	st, err := os.Stat(c.Path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o006 != 0 {
		t.Skipf("%s is open to everyone (%v): no permission to lack", c.Path, st.Mode().Perm())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestVividPermission$", "-test.v")
	cmd.Env = append(os.Environ(), "KIOSK_VIVID_CHILD=permission", "KIOSK_VIVID_PATH="+c.Path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Dir = os.TempDir()
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("the unprivileged open did not give ErrPermission: %v", err)
	}
	if !strings.Contains(string(out), "group \\\"video\\\"") && !strings.Contains(string(out), `group "video"`) {
		t.Fatal("the permission error does not name the video group")
	}
}

// TestVividCameras opens the selfie and document cameras the way the config names them:
// vivid/run.sh creates two vivid devices, found here by bus.
func TestVividCameras(t *testing.T) {
	vividCamera(t)
	cams, err := List()
	if err != nil {
		t.Fatal(err)
	}
	var vivid []Camera
	for _, c := range cams {
		if c.Driver == "vivid" {
			vivid = append(vivid, c)
		}
	}
	if len(vivid) < 2 {
		if os.Getenv("KIOSK_VIVID") != "" {
			t.Fatalf("want two vivid devices (run.sh loads n_devs=2), have %d", len(vivid))
		}
		t.Skip("one vivid device here")
	}
	ctx := context.Background()
	cfg := camera.Config{
		SelfieCamera:   camera.Settings{Bus: vivid[0].Bus},
		DocumentCamera: camera.Settings{Bus: vivid[1].Bus},
	}
	two, err := OpenCameras(ctx, cfg, nil, quiet())
	if err != nil {
		t.Fatal(err)
	}
	s, d := two.Selfie.Negotiated(), two.Document.Negotiated()
	if !two.Separate() || s.Camera.Path != vivid[0].Path || d.Camera.Path != vivid[1].Path {
		t.Fatalf("selfie %s, document %s; want %s and %s", s.Camera.Path, d.Camera.Path, vivid[0].Path, vivid[1].Path)
	}
	if s.Width != 640 || s.Height != 480 || d.Width != 1280 || d.Height != 720 {
		t.Fatalf("sizes: selfie %dx%d (want 640x480), document %dx%d (want 1280x720)", s.Width, s.Height, d.Width, d.Height)
	}
	for name, src := range map[string]*Source{"selfie": two.Selfie, "document": two.Document} {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		f, err := src.Next(fctx)
		cancel()
		if err != nil || f.Width != src.Negotiated().Width {
			t.Fatalf("%s frame: %v (width %d)", name, err, f.Width)
		}
	}
	if err := two.Close(); err != nil {
		t.Fatal(err)
	}

	// No document camera: the selfie camera scans the document too.
	one, err := OpenCameras(ctx, camera.Config{SelfieCamera: camera.Settings{Path: vivid[1].Path}}, nil, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if one.Separate() || one.Document != one.Selfie || one.Selfie.Negotiated().Camera.Path != vivid[1].Path {
		t.Fatalf("one camera: separate %v, path %s", one.Separate(), one.Selfie.Negotiated().Camera.Path)
	}
	one.Close()

	// Both settings find the same device: refused before opening, naming both keys.
	_, err = OpenCameras(ctx, camera.Config{SelfieCamera: camera.Settings{Path: vivid[0].Path}, DocumentCamera: camera.Settings{Bus: vivid[0].Bus}}, nil, quiet())
	if err == nil || !strings.Contains(err.Error(), "both find "+vivid[0].Path) {
		t.Fatalf("same device twice: %v", err)
	}
	// A document camera that is not there: the error names its key.
	_, err = OpenCameras(ctx, camera.Config{DocumentCamera: camera.Settings{Name: "no such camera"}}, nil, quiet())
	if !errors.Is(err, capture.ErrNoCamera) || !strings.Contains(err.Error(), "capture.document_camera") {
		t.Fatalf("missing document camera: %v", err)
	}
}

package v4l2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/internal/clock"
)

var webcam = Camera{Path: "/dev/video0", Name: "cam", Formats: []Format{
	{FourCC: "YUYV", Sizes: []Size{{Width: 320, Height: 240}, {Width: 640, Height: 480}, {Width: 1280, Height: 720}}},
	{FourCC: "MJPG", Sizes: []Size{{Width: 640, Height: 360}, {Width: 1920, Height: 1080}}},
	{FourCC: "H264", Sizes: []Size{{Width: 640, Height: 480}}},
}}

func TestChoose(t *testing.T) {
	cases := []struct {
		name       string
		cam        Camera
		o          Options
		wantFourCC string
		wantW      int
		wantH      int
		wantErr    error
	}{
		{"MJPEG first, nearest size", webcam, Options{}, "MJPG", 640, 360, nil},
		{"YUYV when preferred", webcam, Options{Formats: []string{"YUYV"}}, "YUYV", 640, 480, nil},
		{"YUYV at 720p", webcam, Options{Formats: []string{"YUYV"}, Width: 1280, Height: 720}, "YUYV", 1280, 720, nil},
		{"stepwise clamps", Camera{Formats: []Format{{FourCC: "YUYV", Sizes: []Size{{Width: 800, Height: 600, Stepwise: true}}}}}, Options{Width: 1280, Height: 720}, "YUYV", 800, 600, nil},
		{"no sizes listed keeps the target", Camera{Formats: []Format{{FourCC: "RGB3"}}}, Options{}, "RGB3", 640, 480, nil},
		{"only H264", Camera{Formats: []Format{{FourCC: "H264"}}}, Options{}, "", 0, 0, capture.ErrUnsupportedFormat},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, s, err := choose(tc.cam, tc.o.withDefaults())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.FourCC != tc.wantFourCC || s.Width != tc.wantW || s.Height != tc.wantH {
				t.Fatalf("chose %s %dx%d, want %s %dx%d", f.FourCC, s.Width, s.Height, tc.wantFourCC, tc.wantW, tc.wantH)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"permission", &os.PathError{Op: "open", Path: "/dev/video0", Err: syscall.EACCES}, capture.ErrPermission},
		{"busy", fmt.Errorf("set format: %w", syscall.EBUSY), capture.ErrBusy},
		{"gone", &os.PathError{Op: "open", Path: "/dev/video0", Err: syscall.ENODEV}, capture.ErrUnplugged},
		{"no node", fmt.Errorf("stat: %w", os.ErrNotExist), capture.ErrUnplugged},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); !errors.Is(got, tc.want) {
				t.Fatalf("classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if !errors.Is(classify(&os.PathError{Err: syscall.EACCES}), syscall.EACCES) {
		t.Fatal("the original error is lost")
	}
}

func TestOpenMissingDevice(t *testing.T) {
	_, err := Open(context.Background(), Options{Path: "/nonexistent/video9"})
	if !errors.Is(err, capture.ErrUnplugged) {
		t.Fatalf("err = %v, want ErrUnplugged", err)
	}
	old := devDir
	devDir = t.TempDir()
	defer func() { devDir = old }()
	_, err = Open(context.Background(), Options{Name: "C920"})
	if !errors.Is(err, capture.ErrNoCamera) {
		t.Fatalf("err = %v, want ErrNoCamera", err)
	}
}

// fakeStream yields n frames, then fails with err.
type fakeStream struct {
	n      int
	err    error
	seq    uint64
	closed bool
}

func (f *fakeStream) next(ctx context.Context, d time.Duration) (capture.Frame, error) {
	if f.seq >= uint64(f.n) {
		return capture.Frame{}, f.err
	}
	f.seq++
	return capture.Frame{Format: capture.FormatRGB, Width: 1, Height: 1, Stride: 3, Data: []byte{1, 2, 3}, Seq: f.seq}, nil
}
func (f *fakeStream) close() error { f.closed = true; return nil }

func TestUnplugAndReopenWithBackoff(t *testing.T) {
	c := clock.NewFake(time.Unix(0, 0))
	var mu sync.Mutex
	var opens []time.Time
	var streams []*fakeStream
	failures := 0
	open := func(ctx context.Context, o Options) (stream, Negotiated, error) {
		mu.Lock()
		defer mu.Unlock()
		opens = append(opens, c.Now())
		if len(streams) == 1 && failures < 4 {
			failures++
			return nil, Negotiated{}, fmt.Errorf("opening: %w", capture.ErrUnplugged)
		}
		s := &fakeStream{n: 2, err: fmt.Errorf("dequeue: %w", capture.ErrUnplugged)}
		streams = append(streams, s)
		return s, Negotiated{Camera: Camera{Path: "/dev/video0"}}, nil
	}
	src, err := openWith(context.Background(), Options{Clock: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, open)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := src.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := src.Next(ctx); !errors.Is(err, capture.ErrUnplugged) {
		t.Fatalf("err = %v, want ErrUnplugged reported once", err)
	}
	if !streams[0].closed {
		t.Fatal("the vanished stream was not closed")
	}
	done := make(chan error, 1)
	go func() { _, err := src.Next(ctx); done <- err }()
	// Drive the fake clock through the backoff: 250ms, 500ms, 1s, 2s.
	for want := 0; want < 4; want++ {
		waitFor(t, func() bool { return c.Pending() > 0 })
		next, _ := c.NextDeadline()
		c.Set(next)
	}
	if err := <-done; err != nil {
		t.Fatalf("Next after the camera returned: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(opens) != 6 {
		t.Fatalf("%d opens, want 6", len(opens))
	}
	wantGaps := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
	for i, g := range wantGaps {
		if got := opens[i+2].Sub(opens[i+1]); got != g {
			t.Fatalf("reopen %d after %v, want %v", i+1, got, g)
		}
	}
	if err := src.Close(); err != nil || !streams[1].closed {
		t.Fatalf("close: %v", err)
	}
	if _, err := src.Next(ctx); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestReopenStopsOnFatalErrorAndContext(t *testing.T) {
	c := clock.NewFake(time.Unix(0, 0))
	calls := 0
	open := func(ctx context.Context, o Options) (stream, Negotiated, error) {
		calls++
		if calls == 1 {
			return &fakeStream{err: capture.ErrUnplugged}, Negotiated{}, nil
		}
		return nil, Negotiated{}, fmt.Errorf("opening: %w", capture.ErrPermission)
	}
	src, _ := openWith(context.Background(), Options{Clock: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, open)
	if _, err := src.Next(context.Background()); !errors.Is(err, capture.ErrUnplugged) {
		t.Fatal(err)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, capture.ErrPermission) {
		t.Fatalf("err = %v, want the permission error at once", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	src.delay = time.Second
	if _, err := src.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition not reached")
}

func TestPickByConfig(t *testing.T) {
	cams := []Camera{
		{Path: "/dev/video0", Name: "", Bus: ""}, // busy or no permission
		{Path: "/dev/video2", Name: "Integrated Camera: Integrated C", Bus: "usb-0000:00:14.0-5"},
		{Path: "/dev/video4", Name: "HD Pro Webcam C920", Bus: "usb-0000:00:14.0-2"},
		{Path: "/dev/video6", Name: "HD Pro Webcam C920", Bus: "usb-0000:00:14.0-3"},
	}
	cases := []struct {
		s       camera.Settings
		want    string
		wantErr string
	}{
		{camera.Settings{}, "/dev/video2", ""},
		{camera.Settings{Name: "C920"}, "/dev/video4", ""},
		{camera.Settings{Name: "C920", Bus: "14.0-3"}, "/dev/video6", ""},
		{camera.Settings{Bus: "14.0-3"}, "/dev/video6", ""},
		{camera.Settings{Name: "Brio"}, "", `name "Brio" among 4`},
		{camera.Settings{Path: "/dev/video0"}, "/dev/video0", `group "video"`},
	}
	for _, tc := range cases {
		c, err := Pick(cams, tc.s)
		if tc.wantErr != "" {
			if !errors.Is(err, capture.ErrNoCamera) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err %v, want ErrNoCamera saying %q", tc.s.Describe(), err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.Path != tc.want {
			t.Errorf("%s: %s, %v; want %s", tc.s.Describe(), c.Path, err, tc.want)
		}
	}
	// A replug into another port: the C920 now on bus -1, still found by name.
	cams[2].Bus = "usb-0000:00:14.0-1"
	if c, err := Pick(cams, camera.Settings{Name: "C920"}); err != nil || c.Path != "/dev/video4" {
		t.Errorf("after a replug: %s, %v", c.Path, err)
	}
}

func TestFromSettings(t *testing.T) {
	s := camera.Settings{Name: "C920", Bus: "usb-2", FPS: 15, Formats: []string{"YUYV"}, FrameTimeout: 1500 * time.Millisecond}
	o := FromSettings(s, false)
	if o.Name != "C920" || o.Bus != "usb-2" || o.FPS != 15 || o.Formats[0] != "YUYV" || o.FrameTimeout != 1500*time.Millisecond || o.Width != 0 {
		t.Fatalf("selfie options %+v", o)
	}
	if o := o.withDefaults(); o.Width != 640 || o.Height != 480 {
		t.Fatalf("selfie default size %dx%d", o.Width, o.Height)
	}
	if d := FromSettings(camera.Settings{Path: "/dev/video2"}, true); d.Path != "/dev/video2" || d.Width != 1280 || d.Height != 720 {
		t.Fatalf("document options %+v", d)
	}
	if d := FromSettings(camera.Settings{Width: 1920, Height: 1080}, true); d.Width != 1920 || d.Height != 1080 {
		t.Fatalf("document size from config: %dx%d", d.Width, d.Height)
	}
}

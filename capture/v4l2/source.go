package v4l2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/vladimirvivien/go4vl/device"
	"github.com/vladimirvivien/go4vl/v4l2"
)

// Options choose and configure a camera. The zero value is usable: the first capture
// device, 640x480, 30 fps.
type Options struct {
	// Path is the device node (e.g. /dev/video0). When empty, the first camera whose
	// Name and Bus contain the given strings is taken.
	Path string
	Name string
	Bus  string
	// Width, Height are the target size (0 → 640x480); the nearest offered is taken.
	Width, Height int
	// FPS is the target frame rate (0 → 30); best effort.
	FPS int
	// Formats is the order of preference (nil → MJPG, YUYV, RGB3).
	Formats []string
	// FrameTimeout bounds the wait for one frame (0 → 3 s).
	FrameTimeout time.Duration
	// Backoff bounds the reopen delays after an unplug (0 → 250 ms doubling to 5 s).
	MinBackoff, MaxBackoff time.Duration
	Clock                  clock.Clock  // nil → clock.Real{}
	Logger                 *slog.Logger // nil → slog.Default()
}

func (o Options) withDefaults() Options {
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 640, 480
	}
	if o.FPS <= 0 {
		o.FPS = 30
	}
	if len(o.Formats) == 0 {
		o.Formats = []string{"MJPG", "YUYV", "RGB3"}
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = 3 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Negotiated is what the camera agreed to.
type Negotiated struct {
	Camera Camera
	Format capture.PixelFormat
	Width  int
	Height int
	Stride int
}

// stream is an open, streaming camera (a seam for tests of the reopen logic).
type stream interface {
	// next returns the next frame (owning its data), or an error; it gives up after d.
	next(ctx context.Context, d time.Duration) (capture.Frame, error)
	close() error
}

type openFunc func(ctx context.Context, o Options) (stream, Negotiated, error)

// Source is a capture.Source over a V4L2 camera. It is used by one goroutine at a time.
type Source struct {
	o      Options
	open   openFunc
	s      stream
	neg    Negotiated
	closed bool
	delay  time.Duration
}

// Open finds the camera, negotiates the format and starts streaming.
func Open(ctx context.Context, o Options) (*Source, error) {
	return openWith(ctx, o, openDevice)
}

func openWith(ctx context.Context, o Options, open openFunc) (*Source, error) {
	o = o.withDefaults()
	s, neg, err := open(ctx, o)
	if err != nil {
		return nil, err
	}
	return &Source{o: o, open: open, s: s, neg: neg}, nil
}

// Negotiated reports the current camera and format.
func (s *Source) Negotiated() Negotiated { return s.neg }

// Next returns the next frame. When the camera has gone it returns an error wrapping
// capture.ErrUnplugged once; the following calls reopen it with backoff (blocking until
// it returns or ctx ends).
func (s *Source) Next(ctx context.Context) (capture.Frame, error) {
	if s.closed {
		return capture.Frame{}, capture.ErrClosed
	}
	if s.s == nil {
		if err := s.reopen(ctx); err != nil {
			return capture.Frame{}, err
		}
	}
	f, err := s.s.next(ctx, s.o.FrameTimeout)
	if err == nil {
		return f, nil
	}
	if ctx.Err() != nil {
		return capture.Frame{}, ctx.Err()
	}
	if errors.Is(err, capture.ErrUnplugged) {
		s.o.Logger.Warn("camera disconnected; will reopen", "path", s.neg.Camera.Path, "name", s.neg.Camera.Name, "err", err)
		s.s.close()
		s.s = nil
		s.delay = 0
	}
	return capture.Frame{}, err
}

func (s *Source) reopen(ctx context.Context) error {
	for {
		if s.delay > 0 {
			if err := clock.Sleep(ctx, s.o.Clock, s.delay); err != nil {
				return fmt.Errorf("reopening the camera: %w", err)
			}
		}
		st, neg, err := s.open(ctx, s.o)
		if err == nil {
			s.s, s.neg, s.delay = st, neg, 0
			s.o.Logger.Info("camera reopened", "path", neg.Camera.Path, "name", neg.Camera.Name, "format", neg.Format.String(), "width", neg.Width, "height", neg.Height)
			return nil
		}
		if !errors.Is(err, capture.ErrUnplugged) && !errors.Is(err, capture.ErrNoCamera) && !errors.Is(err, capture.ErrBusy) {
			return fmt.Errorf("reopening the camera: %w", err)
		}
		s.delay = min(max(2*s.delay, s.o.MinBackoff), s.o.MaxBackoff)
		s.o.Logger.Debug("camera not back yet", "err", err, "retry_in", s.delay)
	}
}

// Close stops streaming and releases the device.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.s != nil {
		return s.s.close()
	}
	return nil
}

// resolve picks the camera for o.
func resolve(o Options) (Camera, error) {
	if o.Path != "" {
		return Describe(o.Path)
	}
	cams, err := List()
	if err != nil {
		return Camera{}, fmt.Errorf("finding the camera: %w", err)
	}
	return Pick(cams, camera.Settings{Name: o.Name, Bus: o.Bus})
}

// Pick returns the camera of cams (as List returns them) that s chooses: by path, or
// the first whose name and bus contain s's. The error wraps capture.ErrNoCamera and
// says what was looked for among how many.
func Pick(cams []Camera, s camera.Settings) (Camera, error) {
	for _, c := range cams {
		if s.Match(c.Path, c.Name, c.Bus) {
			if c.Name == "" {
				return c, fmt.Errorf("camera %s cannot be opened (busy, or no permission: add the user to group \"video\"): %w", c.Path, capture.ErrNoCamera)
			}
			return c, nil
		}
	}
	return Camera{}, fmt.Errorf("finding the camera with %s among %d: %w", s.Describe(), len(cams), capture.ErrNoCamera)
}

// FromSettings returns the Options for a camera chosen by the config (section "capture");
// document selects the document camera's default size, 1280x720 (640x480 otherwise).
func FromSettings(s camera.Settings, document bool) Options {
	o := Options{Path: s.Path, Name: s.Name, Bus: s.Bus, Width: s.Width, Height: s.Height, FPS: s.FPS,
		Formats: s.Formats, FrameTimeout: s.FrameTimeout}
	if document && (o.Width <= 0 || o.Height <= 0) {
		o.Width, o.Height = 1280, 720
	}
	return o
}

var formatCodes = map[string]struct {
	pf  capture.PixelFormat
	cc  v4l2.FourCCType
	bpp int
}{
	"MJPG": {capture.FormatMJPEG, v4l2.PixelFmtMJPEG, 0},
	"JPEG": {capture.FormatMJPEG, v4l2.PixelFmtJPEG, 0},
	"YUYV": {capture.FormatYUYV, v4l2.PixelFmtYUYV, 2},
	"RGB3": {capture.FormatRGB, v4l2.PixelFmtRGB24, 3},
}

// choose picks the format (by preference) and the size nearest the target.
func choose(c Camera, o Options) (Format, Size, error) {
	for _, want := range o.Formats {
		for _, f := range c.Formats {
			if f.FourCC != want {
				continue
			}
			if _, ok := formatCodes[f.FourCC]; !ok {
				continue
			}
			best := Size{Width: o.Width, Height: o.Height}
			bestCost := -1
			for _, s := range f.Sizes {
				cand := s
				if s.Stepwise {
					cand = Size{Width: min(o.Width, s.Width), Height: min(o.Height, s.Height), Stepwise: true}
				}
				cost := abs(cand.Width-o.Width) + abs(cand.Height-o.Height)
				if bestCost < 0 || cost < bestCost {
					best, bestCost = cand, cost
				}
			}
			return f, best, nil
		}
	}
	offered := make([]string, len(c.Formats))
	for i, f := range c.Formats {
		offered[i] = f.FourCC
	}
	return Format{}, Size{}, fmt.Errorf("negotiating a format with %s (%s): it offers %v: %w", c.Path, c.Name, offered, capture.ErrUnsupportedFormat)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// devStream streams from a go4vl device.
type devStream struct {
	dev    *device.Device
	path   string
	cancel context.CancelFunc
	frames <-chan *device.Frame
	errs   <-chan error
	neg    Negotiated
	clk    clock.Clock
	log    *slog.Logger
}

func openDevice(ctx context.Context, o Options) (stream, Negotiated, error) {
	cam, err := resolve(o)
	if err != nil {
		return nil, Negotiated{}, err
	}
	f, size, err := choose(cam, o)
	if err != nil {
		return nil, Negotiated{}, err
	}
	code := formatCodes[f.FourCC]
	dev, err := device.Open(cam.Path, device.WithBufferSize(4))
	if err != nil {
		return nil, Negotiated{}, fmt.Errorf("opening %s: %w", cam.Path, classify(err))
	}
	fail := func(what string, err error) (stream, Negotiated, error) {
		dev.Stop()
		v4l2.CloseDevice(dev.Fd())
		return nil, Negotiated{}, fmt.Errorf("%s on %s (%s): %w", what, cam.Path, cam.Name, classify(err))
	}
	if err := dev.SetPixFormat(v4l2.PixFormat{Width: uint32(size.Width), Height: uint32(size.Height), PixelFormat: code.cc, Field: v4l2.FieldNone}); err != nil {
		return fail("setting the pixel format", err)
	}
	pf, err := dev.GetPixFormat()
	if err != nil {
		return fail("reading the pixel format back", err)
	}
	got, ok := capture.PixelFormat(0), false
	for _, c := range formatCodes {
		if c.cc == pf.PixelFormat {
			got, ok = c.pf, true
		}
	}
	if !ok {
		return fail("negotiating", fmt.Errorf("driver chose %s: %w", fourCC(pf.PixelFormat), capture.ErrUnsupportedFormat))
	}
	_ = dev.SetFrameRate(uint32(o.FPS)) // best effort: not every driver sets rates
	neg := Negotiated{Camera: cam, Format: got, Width: int(pf.Width), Height: int(pf.Height), Stride: int(pf.BytesPerLine)}
	if neg.Stride == 0 && code.bpp > 0 {
		neg.Stride = neg.Width * code.bpp
	}
	sctx, cancel := context.WithCancel(context.Background())
	if err := dev.Start(sctx); err != nil {
		cancel()
		return fail("starting the stream", err)
	}
	ds := &devStream{dev: dev, path: cam.Path, cancel: cancel, neg: neg, clk: o.Clock, log: o.Logger}
	ds.frames = dev.GetFrames()
	ds.errs = dev.GetError()
	return ds, neg, nil
}

func (d *devStream) next(ctx context.Context, timeout time.Duration) (capture.Frame, error) {
	t := d.clk.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return capture.Frame{}, ctx.Err()
		case <-t.C():
			if gone(d.path) {
				return capture.Frame{}, fmt.Errorf("reading %s: %w", d.path, capture.ErrUnplugged)
			}
			return capture.Frame{}, fmt.Errorf("waiting for a frame from %s for %v: %w", d.path, timeout, capture.ErrTimeout)
		case err, ok := <-d.errs:
			if !ok {
				d.errs = nil // closed with the frames channel; handled there
				continue
			}
			if strings.Contains(err.Error(), "frame dropped") || strings.Contains(err.Error(), "buffer error flag") {
				continue // go4vl reports these as errors; they are not fatal
			}
			return capture.Frame{}, d.streamError(err)
		case fr, ok := <-d.frames:
			if !ok {
				return capture.Frame{}, d.streamError(errors.New("stream ended"))
			}
			f := capture.Frame{
				Format: d.neg.Format, Width: d.neg.Width, Height: d.neg.Height, Stride: d.neg.Stride,
				Data: append([]byte(nil), fr.Data...),
				Time: d.clk.Now(), Seq: uint64(fr.Sequence),
			}
			fr.Release()
			return f, nil
		}
	}
}

// streamError decides whether a stream failure means the camera went away.
func (d *devStream) streamError(err error) error {
	if gone(d.path) || errors.Is(err, v4l2.ErrorSystem) {
		return fmt.Errorf("streaming from %s: %w (%v)", d.path, capture.ErrUnplugged, err)
	}
	return fmt.Errorf("streaming from %s: %w", d.path, err)
}

// gone reports whether the device node no longer answers as a capture device.
func gone(path string) bool {
	fd, err := openFD(path)
	if err != nil {
		return errors.Is(err, capture.ErrUnplugged)
	}
	defer v4l2.CloseDevice(fd)
	_, err = v4l2.GetCapability(fd)
	return err != nil
}

func (d *devStream) close() error {
	// go4vl's Device.Stop is not used: when its capture goroutine ends on an error it
	// marks the device stopped, and Stop then skips unmapping the buffers; a mapping
	// keeps the device file open, and a disconnected vivid (or a replugged camera's old
	// node) is only released once every open file is gone.
	d.cancel()
	exited := false
	deadline := d.clk.After(2 * time.Second)
	for !exited {
		select {
		case fr, ok := <-d.frames:
			if !ok {
				exited = true
				break
			}
			fr.Release()
		case <-deadline:
			d.logf("camera capture loop did not stop in time; its buffers stay mapped")
			exited = true
			d.frames = nil
		}
	}
	_ = v4l2.StreamOff(d.dev) // fails on a vanished device; harmless
	if d.frames == nil {
		// the capture loop may still read the buffers: do not unmap under it
	} else if d.dev.Buffers() != nil {
		_ = v4l2.UnmapMemoryBuffers(d.dev)
	}
	if err := v4l2.CloseDevice(d.dev.Fd()); err != nil {
		return fmt.Errorf("closing %s: %w", d.path, err)
	}
	return nil
}

func (d *devStream) logf(msg string) {
	if d.log != nil {
		d.log.Warn(msg, "path", d.path)
	}
}

package ui

import (
	"context"
	"errors"
	"image"
	"image/color"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// This file is the camera preview of the capture steps: the frames painted as they
// come, the newest handed to the capture procedure, and the guide drawn over them.

// do runs f on Fyne's goroutine. Every change the wizard's goroutines make to widgets
// goes through it; the tests replace it (doFunc) with a pump they drain on their own
// goroutine.
func do(f func()) { (*doFunc.Load())(f) }

var doFunc atomic.Pointer[func(func())]

func init() {
	f := fyne.Do
	doFunc.Store(&f)
}

// previewBuffers is how many frame buffers the preview cycles through: one on screen,
// one waiting to be painted, one being written.
const previewBuffers = 3

// PreviewStats are the preview's counters since the process started (every preview):
// what `make bench` prints.
type PreviewStats struct {
	// Frames is how many camera frames arrived; Painted how many were put on screen
	// (a frame that arrives while the previous one still waits to be painted is not).
	Frames, Painted uint64
	// Analyses is how many frames the capture procedures judged (guidance received);
	// GuidanceDelay is the sum, over them, of the time from the judged frame's arrival
	// to its guidance being shown.
	Analyses      uint64
	GuidanceDelay time.Duration
}

var previewCounters struct {
	frames, painted, analyses atomic.Uint64
	delay                     atomic.Int64
}

// ReadPreviewStats returns the preview counters.
func ReadPreviewStats() PreviewStats {
	return PreviewStats{
		Frames:        previewCounters.frames.Load(),
		Painted:       previewCounters.painted.Load(),
		Analyses:      previewCounters.analyses.Load(),
		GuidanceDelay: time.Duration(previewCounters.delay.Load()),
	}
}

// preview shows a camera's frames and hands the newest ones to a capture procedure
// (it is the Frames of Enrollment.Capture).
//
// The camera loop (run) writes each frame into one of previewBuffers buffers, never the
// one on screen nor the one waiting to be painted, and asks Fyne's goroutine to point
// the canvas.Image at it and refresh it; a frame that comes while a paint is pending is
// not painted, so the preview never paints faster than frames come nor queues paints.
// A capture procedure waiting in Next gets a copy of the next frame; frames that come
// while it analyses are not given to it.
type preview struct {
	clk    clock.Clock
	img    *canvas.Image
	aspect *aspectLayout
	inner  *fyne.Container
	obj    *fyne.Container

	bufs [previewBuffers]*image.RGBA

	mu        sync.Mutex
	onScreen  int // index of the buffer on screen (-1: none)
	pending   int // index of the buffer waiting to be painted (-1: none)
	waiters   []chan Frame
	seq       uint64
	lastGiven Frame // the frame last given to the procedure (the one it judges)
	cameraOK  bool
	// cameraState is called (on Fyne's goroutine) when the camera fails or comes back.
	cameraState func(ok bool)
}

// newPreview is a preview with the overlay drawn over the picture (nil: none).
func newPreview(clk clock.Clock, overlay fyne.CanvasObject) *preview {
	p := &preview{clk: clk, onScreen: -1, pending: -1, cameraOK: true}
	p.img = canvas.NewImageFromImage(nil)
	p.img.ScaleMode = canvas.ImageScaleFastest
	p.img.FillMode = canvas.ImageFillStretch
	p.aspect = &aspectLayout{w: 4, h: 3}
	bg := canvas.NewRectangle(color.NRGBA{R: 0x20, G: 0x24, B: 0x2c, A: 0xff})
	inner := []fyne.CanvasObject{p.img}
	if overlay != nil {
		inner = append(inner, overlay)
	}
	p.inner = container.New(p.aspect, inner...)
	p.obj = container.NewStack(bg, p.inner)
	return p
}

// run reads the camera until ctx ends.
func (p *preview) run(ctx context.Context, cam LiveCamera) {
	for ctx.Err() == nil {
		dst := p.freeBuffer()
		img, err := cam.Next(ctx, dst)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.setCamera(false)
			// The camera's next Next waits for it to come back; a camera that fails
			// without waiting is not asked again faster than twice a second.
			if errors.Is(err, ErrCameraDisconnected) {
				continue
			}
			if clock.Sleep(ctx, p.clk, 500*time.Millisecond) != nil {
				return
			}
			continue
		}
		p.setCamera(true)
		previewCounters.frames.Add(1)
		p.frame(img)
	}
}

func (p *preview) setCamera(ok bool) {
	p.mu.Lock()
	changed := p.cameraOK != ok
	p.cameraOK = ok
	f := p.cameraState
	p.mu.Unlock()
	if changed && f != nil {
		do(func() { f(ok) })
	}
}

// freeBuffer is a buffer neither on screen nor waiting to be painted.
func (p *preview) freeBuffer() *image.RGBA {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.bufs {
		if i != p.onScreen && i != p.pending {
			return p.bufs[i]
		}
	}
	return nil // unreachable with three buffers
}

// frame takes a frame the camera wrote (into a free buffer, or a new image).
func (p *preview) frame(img *image.RGBA) {
	now := p.clk.Now()
	p.mu.Lock()
	p.seq++
	f := Frame{Time: now, Seq: p.seq}
	// Hand a copy to the procedure if it waits.
	if len(p.waiters) > 0 {
		f.Image = cloneRGBA(img)
		for _, w := range p.waiters {
			w <- f
		}
		p.waiters = p.waiters[:0]
		p.lastGiven = f
	}
	idx := -1
	for i := range p.bufs {
		if p.bufs[i] == img {
			idx = i
		}
	}
	if idx < 0 { // the camera gave a new image (first frames, another size): keep it
		for i := range p.bufs {
			if i != p.onScreen && i != p.pending {
				p.bufs[i], idx = img, i
				break
			}
		}
	}
	if p.pending >= 0 {
		p.mu.Unlock()
		return // the previous frame is not painted yet: drop this one from the preview
	}
	p.pending = idx
	b := img.Bounds()
	p.mu.Unlock()
	do(func() {
		if p.aspect.set(b.Dx(), b.Dy()) {
			p.inner.Refresh()
		}
		p.img.Image = img
		p.img.Refresh()
		p.mu.Lock()
		p.onScreen, p.pending = idx, -1
		p.mu.Unlock()
		previewCounters.painted.Add(1)
	})
}

// Next is Frames.Next: the next frame to come, a copy.
func (p *preview) Next(ctx context.Context) (Frame, error) {
	ch := make(chan Frame, 1)
	p.mu.Lock()
	p.waiters = append(p.waiters, ch)
	p.mu.Unlock()
	select {
	case f := <-ch:
		return f, nil
	case <-ctx.Done():
		p.mu.Lock()
		for i, w := range p.waiters {
			if w == ch {
				p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		return Frame{}, ctx.Err()
	}
}

// judged returns the frame last given to the procedure (the one a Guidance is about)
// and records the delay from its arrival to now.
func (p *preview) judged() Frame {
	p.mu.Lock()
	f := p.lastGiven
	p.mu.Unlock()
	if !f.Time.IsZero() {
		previewCounters.analyses.Add(1)
		previewCounters.delay.Add(int64(p.clk.Now().Sub(f.Time)))
	}
	return f
}

func cloneRGBA(src *image.RGBA) *image.RGBA {
	dst := &image.RGBA{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Rect: src.Rect}
	copy(dst.Pix, src.Pix)
	return dst
}

// aspectLayout gives its objects the largest centred rectangle of its aspect ratio
// (the camera's), so that a guide drawn over the picture stays on the picture.
type aspectLayout struct {
	mu   sync.Mutex
	w, h int
}

// set records the picture's size and reports whether it changed.
func (a *aspectLayout) set(w, h int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	changed := a.w != w || a.h != h
	a.w, a.h = w, h
	return changed
}

func (a *aspectLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	a.mu.Lock()
	w, h := float32(a.w), float32(a.h)
	a.mu.Unlock()
	if w <= 0 || h <= 0 {
		w, h = 4, 3
	}
	fit := fyne.NewSize(size.Width, size.Width*h/w)
	if fit.Height > size.Height {
		fit = fyne.NewSize(size.Height*w/h, size.Height)
	}
	pos := fyne.NewPos((size.Width-fit.Width)/2, (size.Height-fit.Height)/2)
	for _, o := range objs {
		o.Move(pos)
		o.Resize(fit)
	}
}

func (a *aspectLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(160, 120) }

package ui

import (
	"context"
	"image"
	"sync"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// stepCamera gives one frame each time the test sends on step, filled with the frame's
// number, and records the buffer it was asked to write into.
type stepCamera struct {
	step  chan struct{}
	n     uint8
	mu    sync.Mutex
	dsts  []*image.RGBA
	check func(dst *image.RGBA)
}

func (c *stepCamera) Next(ctx context.Context, dst *image.RGBA) (*image.RGBA, error) {
	select {
	case <-c.step:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if dst == nil {
		dst = image.NewRGBA(image.Rect(0, 0, 8, 6))
	}
	c.mu.Lock()
	check := c.check
	c.mu.Unlock()
	if check != nil {
		check(dst)
	}
	c.n++
	for i := range dst.Pix {
		dst.Pix[i] = c.n
	}
	c.mu.Lock()
	c.dsts = append(c.dsts, dst)
	c.mu.Unlock()
	return dst, nil
}

func (c *stepCamera) Close() error { return nil }

func TestPreviewBuffers(t *testing.T) {
	var mu sync.Mutex
	var queue []func()
	defer SetDo(func(f func()) { mu.Lock(); queue = append(queue, f); mu.Unlock() })()
	pending := func() int { mu.Lock(); defer mu.Unlock(); return len(queue) }
	runOne := func() {
		mu.Lock()
		f := queue[0]
		queue = queue[1:]
		mu.Unlock()
		f()
	}

	p := newPreview(clock.Real{}, nil)
	img := p.img
	cam := &stepCamera{step: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { p.run(ctx, cam); close(done) }()

	// A frame the procedure asks for is a copy.
	got := make(chan Frame, 1)
	go func() { f, _ := p.Next(ctx); got <- f }()
	for { // wait until Next waits
		p.mu.Lock()
		n := len(p.waiters)
		p.mu.Unlock()
		if n == 1 {
			break
		}
	}
	cam.step <- struct{}{}
	f := <-got
	if f.Image == nil || f.Image.Pix[0] != 1 || f.Seq != 1 {
		t.Fatalf("Next gave %+v", f)
	}
	cam.mu.Lock()
	if &f.Image.Pix[0] == &cam.dsts[0].Pix[0] {
		t.Fatal("Next gave the camera's buffer, not a copy")
	}
	cam.mu.Unlock()

	// Frames that come while a paint is pending are not painted: one paint queued.
	for pending() != 1 {
	}
	cam.step <- struct{}{}
	cam.step <- struct{}{}
	cam.step <- struct{}{} // the third send returns once the second frame is handled
	if n := pending(); n != 1 {
		t.Fatalf("%d paints queued for 4 frames not yet painted, want 1", n)
	}
	runOne() // frame 1 on screen
	if p.img != img || p.img.Image == nil || p.img.Image.(*image.RGBA).Pix[0] != 1 {
		t.Fatal("the first frame is not on the preview's canvas.Image")
	}
	// The next frames never go into the buffer on screen or the one waiting.
	var bad []string
	check := func(dst *image.RGBA) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if dst == nil {
			return
		}
		if p.onScreen >= 0 && p.bufs[p.onScreen] == dst {
			bad = append(bad, "on screen")
		}
		if p.pending >= 0 && p.bufs[p.pending] == dst {
			bad = append(bad, "waiting to be painted")
		}
	}
	cam.mu.Lock()
	cam.check = check
	cam.mu.Unlock()
	for i := 0; i < 30; i++ {
		cam.step <- struct{}{}
		if pending() > 0 && i%3 != 0 {
			runOne()
		}
	}
	cam.mu.Lock()
	distinct := map[*image.RGBA]bool{}
	for _, d := range cam.dsts {
		distinct[d] = true
	}
	cam.mu.Unlock()
	if len(distinct) > previewBuffers {
		t.Errorf("%d buffers used, want at most %d", len(distinct), previewBuffers)
	}
	cancel()
	<-done
	if len(bad) > 0 {
		t.Errorf("the camera wrote into the buffer %v", bad)
	}
}

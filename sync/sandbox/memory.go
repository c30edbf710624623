package sandbox

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
)

// DefaultMaxHeldBytes bounds the decoded images that EngineAnalyzer holds for the
// analyses under way, all workers together (EngineOptions.MaxHeldBytes): a request's
// ten images, each at most inference.MaxImageSide on its longest side, 4 bytes a pixel.
// One request at the worst (ten 2048x2048 images, 160 MiB) always fits.
const DefaultMaxHeldBytes = 192 << 20

// heldEstimate is what the decoded images of in will weigh once decoded and scaled
// (inference.DecodeImage: longest side at most MaxImageSide, RGBA), from their headers;
// an unreadable header counts nothing (the image is refused as undecodable).
func heldEstimate(in Inputs) int64 {
	var n int64
	for _, data := range append([][]byte{in.Selfie, in.Comparison}, in.Liveness...) {
		h, err := imagelimit.ReadHeader(data)
		if err != nil {
			continue
		}
		w, hh := int64(h.Width), int64(h.Height)
		if m := int64(inference.MaxImageSide); max(w, hh) > m {
			if w >= hh {
				w, hh = m, max(1, hh*m/w)
			} else {
				w, hh = max(1, w*m/hh), m
			}
		}
		n += 4 * w * hh
	}
	return n
}

// held is a count of bytes that analyses take and give back; a take larger than the
// whole takes the whole (the analysis runs alone).
type held struct {
	mu   sync.Mutex
	cond *sync.Cond
	max  int64
	used int64
}

func newHeld(max int64) *held {
	h := &held{max: max}
	h.cond = sync.NewCond(&h.mu)
	return h
}

func (h *held) take(n int64) (release func()) {
	n = min(n, h.max)
	h.mu.Lock()
	for h.used+n > h.max {
		h.cond.Wait()
	}
	h.used += n
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			h.used -= n
			h.mu.Unlock()
			h.cond.Broadcast()
		})
	}
}

// GoMemoryBound is the memory the Go side of a sandbox with options o holds at most:
// the request bodies (Options.MaxBodyMemory), the decodes (imagelimit.DecodeBudget),
// the decoded images under analysis (DefaultMaxHeldBytes) and 64 MiB for the rest (the
// server, the store, the engine's Go buffers). The engine's C memory (ONNX Runtime,
// libjpeg-turbo) comes on top: see the sandbox's doc.
func GoMemoryBound(o Options) int64 {
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	body := o.MaxBodyBytes
	if body <= 0 {
		body = 20 << 20
	}
	mem := o.MaxBodyMemory
	if mem <= 0 {
		mem = int64(workers+2) * body
	}
	return max(mem, body) + imagelimit.DecodeBudget + DefaultMaxHeldBytes + 64<<20
}

// LimitMemory sets the Go runtime's memory limit (debug.SetMemoryLimit) to
// GoMemoryBound(o), unless GOMEMLIMIT is set, so that the collector runs before the
// garbage of large decodes piles up and the heap's pages go back to the system after;
// it returns the function that puts the previous limit back. compare-sandbox calls it.
func LimitMemory(o Options) (undo func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(GoMemoryBound(o))
	return func() { debug.SetMemoryLimit(prev) }
}

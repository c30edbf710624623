package sandbox

import (
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
)

// The decoded images of the analyses under way are bounded all workers together: a
// request of ten 4000x3000 CMYK images counts as ten 2048x1536 RGBA images, and a
// second such request waits while the first one's images are held.
func TestHeldImagesBounded(t *testing.T) {
	cmyk := imagebomb.JPEG{Width: 4000, Height: 3000, Sampling: imagebomb.CMYK}.Bytes()
	in := Inputs{Selfie: cmyk, Comparison: cmyk}
	for i := 0; i < 8; i++ {
		in.Liveness = append(in.Liveness, cmyk)
	}
	one := int64(4 * 2048 * 1536)
	if got := heldEstimate(in); got != 10*one {
		t.Fatalf("estimate %d MiB, want %d", got>>20, 10*one>>20)
	}
	h := newHeld(DefaultMaxHeldBytes)
	first := h.take(heldEstimate(in))
	done := make(chan struct{})
	go func() {
		r := h.take(heldEstimate(in))
		close(done)
		r()
	}()
	select {
	case <-done:
		t.Fatal("a second request's images were held beside the first's, over the bound")
	case <-time.After(200 * time.Millisecond):
	}
	first()
	<-done
	if h.used != 0 {
		t.Fatalf("%d bytes still counted", h.used)
	}
}

// The Go runtime's limit of compare-sandbox: bodies, decodes, held images, the rest.
func TestGoMemoryBound(t *testing.T) {
	got := GoMemoryBound(Options{Workers: 2})
	if want := int64(80<<20) + (192<<20 + 64<<20) + DefaultMaxHeldBytes + 64<<20; got != want {
		t.Fatalf("bound %d MiB, want %d MiB", got>>20, want>>20)
	}
}

package clock

import (
	"testing"
	"time"
)

// The kernel's reading names this boot and moves with time, not with the wall clock.
func TestKernelElapsed(t *testing.T) {
	a := ElapsedOf(Real{})
	time.Sleep(20 * time.Millisecond)
	b := ElapsedOf(Real{})
	d, ok := b.Sub(a)
	if a.Boot == "" || !ok || d < 20*time.Millisecond || d > time.Minute {
		t.Fatalf("readings %+v then %+v: %s, %v", a, b, d, ok)
	}
}

// Fake: Advance is time passing, Set is a step, Reboot a new boot.
func TestFakeElapsed(t *testing.T) {
	f := NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	a := f.Elapsed()
	f.Advance(time.Minute)
	f.Set(f.Now().Add(91 * 24 * time.Hour))
	if d, ok := f.Elapsed().Sub(a); !ok || d != time.Minute {
		t.Fatalf("after Advance and Set: %s, %v", d, ok)
	}
	f.Reboot()
	if _, ok := f.Elapsed().Sub(a); ok {
		t.Fatal("a reading of another boot gave a duration")
	}
}

package uploader

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Backoff is a capped exponential backoff with jitter, shaped like tailscale's:
// BackOff(ctx, err) waits longer after each failure and resets on a nil error.
//
// The n-th wait in a row is drawn uniformly from [d/2, d), where d = Base·2ⁿ⁻¹ capped at
// Max ("equal jitter": never less than half the nominal delay, so a fleet of kiosks that
// lost the network together does not come back together). Its zero value is usable.
// A Backoff is not safe for concurrent use.
type Backoff struct {
	Base  time.Duration  // first nominal delay; default 2s
	Max   time.Duration  // cap of the nominal delay; default 5m
	Clock clock.Clock    // default clock.Real
	Rand  func() float64 // jitter source in [0,1); default math/rand/v2
	n     int            // failures in a row
}

// Delay returns the jittered wait after the n-th failure in a row (n ≥ 1), without
// changing the Backoff.
func (b *Backoff) Delay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	base, max := b.Base, b.Max
	if base <= 0 {
		base = 2 * time.Second
	}
	if max <= 0 {
		max = 5 * time.Minute
	}
	if max < base {
		max = base
	}
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	half := d / 2
	return half + time.Duration(r()*float64(d-half))
}

// Next records err and returns how long to wait before the next attempt: zero (and a
// reset) for a nil err, a growing jittered delay otherwise.
func (b *Backoff) Next(err error) time.Duration {
	if err == nil {
		b.n = 0
		return 0
	}
	if b.n < 62 {
		b.n++
	}
	return b.Delay(b.n)
}

// Failures returns the number of failures in a row.
func (b *Backoff) Failures() int { return b.n }

// BackOff waits on the clock after a failure (err != nil), or resets the backoff (err ==
// nil) and returns at once. It returns ctx.Err() if ctx ends first.
func (b *Backoff) BackOff(ctx context.Context, err error) error {
	d := b.Next(err)
	if d == 0 {
		return ctx.Err()
	}
	c := b.Clock
	if c == nil {
		c = clock.Real{}
	}
	return clock.Sleep(ctx, c, d)
}

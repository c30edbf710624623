package uploader

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// An idle engine (no job ever queued) probes the API when it starts, again at each
// backoff while the API does not answer, and at once on a network change: the status
// says online or offline before the first job, and an Online event follows.
func TestProbesWithNoJob(t *testing.T) {
	clk := clock.NewFake(t0)
	q := newFakeQueue()
	prober := &fakeProber{answers: []error{errors.New("no route to host"), errors.New("no route to host"), nil}}
	ev := &eventLog{}
	s := &fakeSender{clk: clk, script: okResult}
	u := New(q, s, Options{Clock: clk, Prober: prober, RetryBase: time.Minute, Rand: func() float64 { return 0 }, OnEvent: ev.add})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	status := func() Status {
		st, err := u.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	eventually(t, "the first probe to fail", func() bool { return status().Connectivity == "offline" && clk.Pending() == 1 })
	if len(ev.of(EventOffline)) != 1 {
		t.Fatalf("offline events %+v, want one", ev.of(EventOffline))
	}
	// The backoff's end wakes the engine, which probes again (still down).
	dl, _ := clk.NextDeadline()
	clk.Set(dl)
	eventually(t, "the second probe", func() bool {
		prober.mu.Lock()
		defer prober.mu.Unlock()
		return prober.calls == 2 && clk.Pending() == 1
	})
	if got := status().Connectivity; got != "offline" {
		t.Fatalf("connectivity %q after two failed probes", got)
	}
	// The network came back: probe now, not at the end of the backoff.
	u.ConnectivityChanged()
	eventually(t, "the probe to find the API", func() bool { return status().Connectivity == "online" })
	if len(ev.of(EventOnline)) != 1 || s.total() != 0 {
		t.Fatalf("online events %+v, sends %d: want one event and no send", ev.of(EventOnline), s.total())
	}
	cancel()
	<-done
}

// A kiosk whose API answers is online before its first job, with one probe.
func TestOnlineAtStart(t *testing.T) {
	clk := clock.NewFake(t0)
	prober := &fakeProber{}
	u := New(newFakeQueue(), &fakeSender{clk: clk, script: okResult}, Options{Clock: clk, Prober: prober})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	eventually(t, "online", func() bool { st, _ := u.Status(ctx); return st.Connectivity == "online" })
	prober.mu.Lock()
	calls := prober.calls
	prober.mu.Unlock()
	if calls != 1 {
		t.Fatalf("%d probes, want 1", calls)
	}
	cancel()
	<-done
}

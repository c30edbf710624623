package uploader

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

func TestBackoffSchedule(t *testing.T) {
	tests := []struct {
		name string
		rand float64
		want []time.Duration // waits after 1, 2, 3, ... failures in a row
	}{
		{"low jitter is half the nominal delay", 0, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 15 * time.Second}},
		{"high jitter stays under the nominal delay", 0.5, []time.Duration{1500 * time.Millisecond, 3 * time.Second, 6 * time.Second, 12 * time.Second, 22500 * time.Millisecond, 22500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			b := &Backoff{Base: 2 * time.Second, Max: 30 * time.Second, Clock: clk, Rand: func() float64 { return tt.rand }}
			ctx := context.Background()
			for i, want := range tt.want {
				done := make(chan error, 1)
				start := clk.Now()
				go func() { done <- b.BackOff(ctx, errors.New("network down")) }()
				eventually(t, "BackOff to wait", func() bool { return clk.Pending() == 1 })
				dl, _ := clk.NextDeadline()
				if got := dl.Sub(start); got != want {
					t.Fatalf("wait %d = %v, want %v", i+1, got, want)
				}
				clk.Advance(want - time.Nanosecond)
				select {
				case <-done:
					t.Fatalf("wait %d ended early", i+1)
				default:
				}
				clk.Advance(time.Nanosecond)
				if err := <-done; err != nil {
					t.Fatalf("BackOff: %v", err)
				}
			}
			// nil resets: no wait, and the next failure starts from the first delay again.
			if err := b.BackOff(ctx, nil); err != nil || clk.Pending() != 0 {
				t.Fatalf("BackOff(nil) = %v, pending %d", err, clk.Pending())
			}
			if got := b.Next(errors.New("again")); got != tt.want[0] {
				t.Fatalf("after reset: %v, want %v", got, tt.want[0])
			}
		})
	}
}

func TestBackoffCancelled(t *testing.T) {
	clk := clock.NewFake(t0)
	b := &Backoff{Clock: clk}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.BackOff(ctx, errors.New("x")) }()
	eventually(t, "BackOff to wait", func() bool { return clk.Pending() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("BackOff after cancel = %v", err)
	}
}

func TestJitterBounds(t *testing.T) {
	b := &Backoff{Base: time.Second, Max: time.Minute}
	for n := 1; n <= 10; n++ {
		nominal := min(time.Second<<(n-1), time.Minute)
		for i := 0; i < 200; i++ {
			d := b.Delay(n)
			if d < nominal/2 || d >= nominal {
				t.Fatalf("Delay(%d) = %v, outside [%v, %v)", n, d, nominal/2, nominal)
			}
		}
	}
}

func TestAnswerClasses(t *testing.T) {
	serverDate := t0.Add(-47 * time.Minute)
	tests := []struct {
		name       string
		err        error
		res        Result
		wantState  string
		wantReason string // substring
		wantResult string // result code
		unknown    bool
		halt       string // substring of the alert; "" for no halt
		noHalt     string // must not appear in the alert
	}{
		{name: "0840 match", res: Result{Code: "0840", Status: "approved"}, wantState: "done", wantResult: "0840"},
		{name: "0841 no match", res: Result{Code: "0841", Status: "rejected"}, wantState: "done", wantResult: "0841"},
		{name: "0941 identical", res: Result{Code: "0941", Status: "rejected"}, wantState: "done", wantResult: "0941"},
		{name: "2204 bad value", err: &SendError{Class: ClassPermanent, Code: "2204", Message: "partner_params is not a JSON object"}, wantState: "failed", wantReason: "2204: partner_params is not a JSON object"},
		{name: "2413 missing input", err: &SendError{Class: ClassPermanent, Code: "2413", Message: "selfie_image is required."}, wantState: "failed", wantReason: "selfie_image is required."},
		{name: "2209 enrolled", err: &SendError{Class: ClassOperator, Code: "2209", Message: "user already enrolled"}, wantState: "needs-operator", wantReason: "2209"},
		{name: "2215 known job", err: &SendError{Class: ClassReconcile, Code: "2215", Message: "job already exists"}, wantState: "done", wantResult: "2215", unknown: true},
		{name: "2205 with skew", err: &SendError{Class: ClassHalt, Code: "2205", Message: "unauthorized", ServerDate: serverDate}, wantState: "held", halt: "clock is 47m0s ahead of the server's"},
		{name: "2205 clock fine", err: &SendError{Class: ClassHalt, Code: "2205", Message: "unauthorized", ServerDate: t0.Add(time.Minute)}, wantState: "held", halt: "check the partner id and the API key", noHalt: "clock"},
		{name: "2214 not activated", err: &SendError{Class: ClassHalt, Code: "2214", Message: "product not activated"}, wantState: "held", halt: "not activated"},
		{name: "2220 no production", err: &SendError{Class: ClassHalt, Code: "2220", Message: "production not enabled"}, wantState: "held", halt: "Production is not enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newFakeQueue("job-1")
			r := newRig(t, q, func(string, int) (Result, error) { return tt.res, tt.err }, Options{ConfigID: "cfg-a"})
			rep, err := r.drain(t)
			j := q.job("job-1")
			if j.state != tt.wantState {
				t.Fatalf("state = %s, want %s", j.state, tt.wantState)
			}
			if !strings.Contains(j.reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to hold %q", j.reason, tt.wantReason)
			}
			if tt.wantResult != "" {
				if j.result == nil || j.result.Code != tt.wantResult || j.result.Unknown != tt.unknown {
					t.Fatalf("result = %+v, want code %s unknown %v", j.result, tt.wantResult, tt.unknown)
				}
			}
			if got := r.s.total(); got != 1 {
				t.Errorf("sent %d times, want once", got)
			}
			halts := r.ev.of(EventHalted)
			if tt.halt == "" {
				if err != nil || len(halts) != 0 {
					t.Fatalf("Drain = %v, %d halts; want nil, 0", err, len(halts))
				}
				return
			}
			var he *HaltError
			if !errors.As(err, &he) || !errors.Is(err, ErrHalted) {
				t.Fatalf("Drain = %v, want a HaltError", err)
			}
			if len(halts) != 1 || halts[0].Reason != he.Halt.Reason {
				t.Fatalf("halt events = %+v, want one with the alert", halts)
			}
			if !strings.Contains(he.Halt.Reason, tt.halt) {
				t.Errorf("alert %q lacks %q", he.Halt.Reason, tt.halt)
			}
			if tt.noHalt != "" && strings.Contains(he.Halt.Reason, tt.noHalt) {
				t.Errorf("alert %q should not mention %q", he.Halt.Reason, tt.noHalt)
			}
			if rep.Held != 1 {
				t.Errorf("report = %+v, want 1 held", rep)
			}
		})
	}
}

func TestSkewBehind(t *testing.T) {
	q := newFakeQueue("a")
	r := newRig(t, q, func(string, int) (Result, error) {
		return Result{}, &SendError{Class: ClassHalt, Code: "2205", ServerDate: t0.Add(20*time.Minute + 30*time.Second)}
	}, Options{})
	_, err := r.drain(t)
	var he *HaltError
	if !errors.As(err, &he) {
		t.Fatalf("Drain = %v", err)
	}
	if he.Halt.Skew != 20*time.Minute+30*time.Second || !strings.Contains(he.Halt.Reason, "20m30s behind the server's") {
		t.Fatalf("halt = %+v", he.Halt)
	}
}

func TestHaltOnceThenResumeOnNewConfig(t *testing.T) {
	dir := t.TempDir()
	st := FileState{Path: filepath.Join(dir, "sync-state.json")}
	q := newFakeQueue("a", "b", "c")
	badKey := func(string, int) (Result, error) {
		return Result{}, &SendError{Class: ClassHalt, Code: "2205", Message: "unauthorized"}
	}
	r := newRig(t, q, badKey, Options{State: st, ConfigID: "key-1", InFlight: 1})
	if _, err := r.drain(t); !errors.Is(err, ErrHalted) {
		t.Fatalf("first Drain = %v, want halted", err)
	}
	if got := r.s.total(); got != 1 {
		t.Fatalf("sent %d requests before halting, want 1", got)
	}
	if s := q.states(); s["held"] != 1 || s["queued"] != 2 {
		t.Fatalf("states = %v", s)
	}

	// A new process with the same configuration: halted at once, nothing sent, no new alert.
	r2 := newRig(t, q, badKey, Options{State: st, ConfigID: "key-1"})
	if _, err := r2.drain(t); !errors.Is(err, ErrHalted) {
		t.Fatalf("second Drain = %v, want halted", err)
	}
	if r2.s.total() != 0 || len(r2.ev.of(EventHalted)) != 0 {
		t.Fatalf("second run sent %d, alerted %d times", r2.s.total(), len(r2.ev.of(EventHalted)))
	}
	st2, _ := r2.u.Status(context.Background())
	if st2.Halt == nil || st2.Halt.Code != "2205" {
		t.Fatalf("status halt = %+v", st2.Halt)
	}

	// The key is fixed: everything goes, the held job included, each once.
	r2.u.Reconfigure(&fakeSender{clk: r2.clk, script: okResult}, "key-2")
	fixed := r2.u.sender.(*fakeSender)
	rep, err := r2.drain(t)
	if err != nil {
		t.Fatalf("Drain after the fix = %v", err)
	}
	if rep.Delivered != 3 || fixed.total() != 3 {
		t.Fatalf("report %+v, sent %d; want 3 delivered once each", rep, fixed.total())
	}
	if s := q.states(); s["done"] != 3 {
		t.Fatalf("states = %v", s)
	}
	if len(r2.ev.of(EventResumed)) != 1 {
		t.Errorf("resumed events = %d, want 1", len(r2.ev.of(EventResumed)))
	}
	if p, _ := st.Load(); p.Halt != nil {
		t.Errorf("halt still stored: %+v", p.Halt)
	}

	// A third process started with a new config while a halt is stored lifts it at start.
	q3 := newFakeQueue("d")
	st3 := FileState{Path: filepath.Join(dir, "s3.json")}
	if err := st3.Save(Persisted{Halt: &Halt{Code: "2214", Reason: "x", ConfigID: "old"}}, true); err != nil {
		t.Fatal(err)
	}
	r3 := newRig(t, q3, okResult, Options{State: st3, ConfigID: "new"})
	if _, err := r3.drain(t); err != nil || q3.job("d").state != "done" {
		t.Fatalf("Drain with a new config = %v, state %s", err, q3.job("d").state)
	}
}

func TestResumeAfterClockFix(t *testing.T) {
	q := newFakeQueue("a")
	answers := 0
	r := newRig(t, q, func(string, int) (Result, error) {
		answers++
		if answers == 1 {
			return Result{}, &SendError{Class: ClassHalt, Code: "2205", ServerDate: t0.Add(time.Hour)}
		}
		return okResult("", 0)
	}, Options{ConfigID: "same"})
	if _, err := r.drain(t); !errors.Is(err, ErrHalted) {
		t.Fatalf("Drain = %v", err)
	}
	r.u.Resume()
	if _, err := r.drain(t); err != nil || q.job("a").state != "done" {
		t.Fatalf("Drain after Resume = %v, state %s", err, q.job("a").state)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	q := newFakeQueue("a")
	r := newRig(t, q, func(_ string, attempt int) (Result, error) {
		if attempt == 1 {
			return Result{}, &SendError{Class: ClassRetry, Code: "429", Message: "too many requests", RetryAfter: 90 * time.Second}
		}
		return okResult("", 0)
	}, Options{RetryBase: 2 * time.Second})
	if _, err := r.drain(t); err != nil {
		t.Fatal(err)
	}
	calls := r.s.callsFor("a")
	if len(calls) != 2 {
		t.Fatalf("calls = %+v", calls)
	}
	if gap := calls[1].at.Sub(calls[0].at); gap != 90*time.Second {
		t.Fatalf("second attempt %v after the first, want the Retry-After of 90s", gap)
	}
	if ev := r.ev.of(EventRetry); len(ev) != 1 || !ev[0].Retry.Equal(t0.Add(90*time.Second)) {
		t.Fatalf("retry events = %+v", ev)
	}
}

func TestRetryAfterCapped(t *testing.T) {
	q := newFakeQueue("a")
	r := newRig(t, q, func(_ string, attempt int) (Result, error) {
		if attempt == 1 {
			return Result{}, &SendError{Class: ClassRetry, Code: "503", RetryAfter: 48 * time.Hour}
		}
		return okResult("", 0)
	}, Options{MaxRetryAfter: 10 * time.Minute})
	if _, err := r.drain(t); err != nil {
		t.Fatal(err)
	}
	calls := r.s.callsFor("a")
	if gap := calls[1].at.Sub(calls[0].at); gap != 10*time.Minute {
		t.Fatalf("gap %v, want the cap of 10m", gap)
	}
}

// The network is down for a while: the engine backs off (doubling, capped), probes before
// each new attempt, and does not push a body into a dead link while the probe fails.
func TestNetworkDownBackoffAndProbe(t *testing.T) {
	q := newFakeQueue("a", "b")
	netErr := &SendError{Class: ClassRetry, Network: true, Message: "connection refused"}
	down := errors.New("dial tcp: connection refused")
	prober := &fakeProber{answers: []error{nil, down, down, down, nil}}
	r := newRig(t, q, func(id string, attempt int) (Result, error) {
		if id == "a" && attempt == 1 {
			return Result{}, netErr
		}
		return okResult("", 0)
	}, Options{Prober: prober, RetryBase: 2 * time.Second, RetryMax: 8 * time.Second, InFlight: 1})
	rep, err := r.drain(t)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 2 || rep.Attempts != 3 || rep.Retries != 1 {
		t.Fatalf("report = %+v", rep)
	}
	if prober.calls != 5 {
		t.Fatalf("probes = %d, want 5 (start, three failures, success)", prober.calls)
	}
	// Waits (Rand=0 → half the nominal): 1s after the send failure, then 2s, 4s, 4s (cap 8s) after failed probes.
	ca, cb := r.s.callsFor("a"), r.s.callsFor("b")
	if len(ca) != 2 || len(cb) != 1 {
		t.Fatalf("calls a=%v b=%v", ca, cb)
	}
	if gap := ca[1].at.Sub(ca[0].at); gap != 11*time.Second {
		t.Fatalf("retry of a came %v after, want 1s+2s+4s+4s = 11s", gap)
	}
	if off, on := r.ev.of(EventOffline), r.ev.of(EventOnline); len(off) != 1 || len(on) != 2 {
		t.Fatalf("offline events %d, online %d; want 1 and 2", len(off), len(on))
	}
}

// One job the server keeps failing does not hold back the others, and its own attempts
// space out.
func TestPoisonJobDoesNotBlock(t *testing.T) {
	q := newFakeQueue("poison", "b", "c")
	r := newRig(t, q, func(id string, attempt int) (Result, error) {
		if id == "poison" && attempt < 5 {
			return Result{}, &SendError{Class: ClassRetry, Code: "500", Message: "internal error"}
		}
		return okResult("", 0)
	}, Options{RetryBase: 2 * time.Second, RetryMax: time.Hour, InFlight: 1})
	rep, err := r.drain(t)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 3 || rep.Attempts != 7 {
		t.Fatalf("report = %+v, want 3 delivered in 7 attempts", rep)
	}
	cp := r.s.callsFor("poison")
	if order := r.s.calls; order[1].id != "b" || order[2].id != "c" {
		t.Fatalf("calls in order %v: b and c should come right after the poison job's first failure", order)
	}
	for i := 2; i < len(cp); i++ {
		if cp[i].at.Sub(cp[i-1].at) <= cp[i-1].at.Sub(cp[i-2].at) {
			t.Fatalf("poison attempts do not space out: %v", cp)
		}
	}
}

func TestInFlightLimit(t *testing.T) {
	for _, inFlight := range []int{1, 2} {
		q := newFakeQueue("a", "b", "c", "d", "e")
		r := newRig(t, q, okResult, Options{InFlight: inFlight})
		r.s.gate = make(chan struct{})
		done := make(chan error, 1)
		go func() { _, err := r.drain(t); done <- err }()
		for i := 0; i < 5; i++ {
			want := min(inFlight, 5-i)
			if i == 0 {
				want = 1 // until the server has accepted the configuration, one at a time
			}
			eventually(t, "an upload to start", func() bool {
				r.s.mu.Lock()
				defer r.s.mu.Unlock()
				return r.s.active == want
			})
			r.s.gate <- struct{}{}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if r.s.maxConc != inFlight {
			t.Fatalf("InFlight %d: at most %d at once", inFlight, r.s.maxConc)
		}
	}
}

func TestProgressEvents(t *testing.T) {
	q := newFakeQueue("a")
	r := newRig(t, q, okResult, Options{})
	if _, err := r.drain(t); err != nil {
		t.Fatal(err)
	}
	ev := r.ev.of(EventProgress)
	if len(ev) < 2 || len(ev) > 52 {
		t.Fatalf("%d progress events for one job, want a few and at most 52", len(ev))
	}
	last := ev[len(ev)-1]
	if last.JobID != "a" || last.Sent != last.Total || last.Total != 100<<10 {
		t.Fatalf("last progress = %+v", last)
	}
	for i := 1; i < len(ev); i++ {
		if ev[i].Sent < ev[i-1].Sent {
			t.Fatalf("progress went backwards: %+v", ev)
		}
	}
}

func TestQuarantinedJobSkipped(t *testing.T) {
	q := newFakeQueue("bad", "good")
	q.unusable["bad"] = true
	r := newRig(t, q, okResult, Options{})
	rep, err := r.drain(t)
	if err != nil || rep.Skipped != 1 || rep.Delivered != 1 {
		t.Fatalf("Drain = %+v, %v", rep, err)
	}
	if len(r.s.callsFor("bad")) != 0 || q.job("bad").state != "quarantined" {
		t.Fatalf("the unusable job was sent or not quarantined")
	}
}

func TestRunWakesOnNotifyAndStopsCleanly(t *testing.T) {
	clk := clock.NewFake(t0)
	q := newFakeQueue()
	s := &fakeSender{clk: clk, script: okResult}
	ev := &eventLog{}
	u := New(q, s, Options{Clock: clk, OnEvent: ev.add, PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	eventually(t, "Run to wait", func() bool { return clk.Pending() == 1 })
	q.add("new")
	u.Notify() // no clock movement: the wake alone must send it
	eventually(t, "the new job to be delivered", func() bool { return q.job("new").state == "done" })

	// An upload in progress when Run stops goes back to the queue.
	s.gate = make(chan struct{})
	q.add("late")
	u.Notify()
	eventually(t, "the late job to start", func() bool { return len(s.callsFor("late")) == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	if j := q.job("late"); j.state != "queued" {
		t.Fatalf("interrupted job state = %s, want queued", j.state)
	}
}

func TestConnectivityChangedCutsBackoff(t *testing.T) {
	clk := clock.NewFake(t0)
	q := newFakeQueue("a")
	prober := &fakeProber{answers: []error{errors.New("no route"), nil}}
	s := &fakeSender{clk: clk, script: okResult}
	u := New(q, s, Options{Clock: clk, Prober: prober, RetryBase: time.Minute, Rand: func() float64 { return 0 }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	eventually(t, "the probe to fail and the engine to back off", func() bool {
		prober.mu.Lock()
		defer prober.mu.Unlock()
		return prober.calls == 1 && clk.Pending() == 1
	})
	if dl, _ := clk.NextDeadline(); dl.Sub(t0) != 30*time.Second {
		t.Fatalf("backoff deadline %v after start, want 30s", dl.Sub(t0))
	}
	u.ConnectivityChanged() // the link came back: probe now, not in 30s
	eventually(t, "the job to be delivered", func() bool { return q.job("a").state == "done" })
	if c := s.callsFor("a"); len(c) != 1 || !c[0].at.Equal(t0) {
		t.Fatalf("calls = %+v, want one at the start time (no clock movement)", c)
	}
	st, err := u.Status(ctx)
	if err != nil || st.Connectivity != "online" || st.LastSuccess.IsZero() || st.Queued != 0 {
		t.Fatalf("status = %+v, %v", st, err)
	}
	cancel()
	<-done
}

func TestStatusSummary(t *testing.T) {
	q := newFakeQueue("a", "b")
	r := newRig(t, q, func(id string, _ int) (Result, error) {
		if id == "b" {
			return Result{}, &SendError{Class: ClassPermanent, Code: "2413", Message: "liveness_images: 3 given, 4 to 8 required"}
		}
		return okResult("", 0)
	}, Options{})
	st, err := r.u.Status(context.Background())
	if err != nil || st.Queued != 2 || st.Connectivity != "unknown" {
		t.Fatalf("status before = %+v, %v", st, err)
	}
	if _, err := r.drain(t); err != nil {
		t.Fatal(err)
	}
	st, err = r.u.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Queued != 0 || st.Connectivity != "online" || !st.LastSuccess.Equal(t0) ||
		!strings.Contains(st.LastError, "job b: 2413") || st.Halt != nil {
		t.Fatalf("status after = %+v", st)
	}
}

func TestDrainRespectsContext(t *testing.T) {
	q := newFakeQueue("a")
	clk := clock.NewFake(t0)
	u := New(q, &fakeSender{clk: clk, script: func(string, int) (Result, error) {
		return Result{}, &SendError{Class: ClassRetry, Code: "500"}
	}}, Options{Clock: clk})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := u.Drain(ctx); done <- err }()
	eventually(t, "a retry wait", func() bool { return clk.Pending() == 1 && q.job("a").state == "queued" && q.job("a").attempts == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain = %v", err)
	}
	if _, err := u.Drain(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Drain = %v", err)
	}
}

type countingState struct {
	memState
	saves, durable int
}

func (c *countingState) Save(p Persisted, durable bool) error {
	c.saves++
	if durable {
		c.durable++
	}
	return c.memState.Save(p, durable)
}

func TestStateWritesAreThrottled(t *testing.T) {
	q := newFakeQueue("a", "b", "c", "d", "e", "f")
	st := &countingState{}
	r := newRig(t, q, okResult, Options{State: st})
	if _, err := r.drain(t); err != nil {
		t.Fatal(err)
	}
	if st.saves < 1 || st.saves > 2 || st.durable != 0 {
		t.Fatalf("%d saves (%d durable) for 6 deliveries in one instant; want 1 or 2, none durable", st.saves, st.durable)
	}
	if p, _ := st.Load(); !p.LastSuccess.Equal(t0) || p.Connectivity != "online" {
		t.Fatalf("stored state = %+v", p)
	}
	// A halt is written at once, and durably.
	q2 := newFakeQueue("x")
	st2 := &countingState{}
	r2 := newRig(t, q2, func(string, int) (Result, error) { return Result{}, &SendError{Class: ClassHalt, Code: "2214"} }, Options{State: st2})
	r2.drain(t)
	if st2.durable != 1 {
		t.Fatalf("halt saved durably %d times, want 1", st2.durable)
	}
}

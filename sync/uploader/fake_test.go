package uploader

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// fakeQueue is an in-memory Queue that checks every transition.
type fakeQueue struct {
	mu       sync.Mutex
	jobs     map[string]*fakeJob
	seq      int
	unusable map[string]bool
	history  []string // "id:from->to"
	bad      []string // illegal transitions seen
}

type fakeJob struct {
	id        string
	seq       int
	state     string // queued, sending, done, failed, held, needs-operator, quarantined
	notBefore time.Time
	attempts  int
	result    *Result
	reason    string
	size      int64
}

func newFakeQueue(ids ...string) *fakeQueue {
	q := &fakeQueue{jobs: map[string]*fakeJob{}, unusable: map[string]bool{}}
	for _, id := range ids {
		q.add(id)
	}
	return q
}

func (q *fakeQueue) add(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.jobs[id] = &fakeJob{id: id, seq: q.seq, state: "queued", size: 4096}
}

func (q *fakeQueue) move(j *fakeJob, to string) {
	ok := map[string][]string{
		"queued":  {"sending", "quarantined"},
		"sending": {"queued", "done", "failed", "held", "needs-operator"},
		"held":    {"queued"},
	}
	legal := false
	for _, t := range ok[j.state] {
		legal = legal || t == to
	}
	if !legal {
		q.bad = append(q.bad, fmt.Sprintf("%s:%s->%s", j.id, j.state, to))
	}
	q.history = append(q.history, fmt.Sprintf("%s:%s->%s", j.id, j.state, to))
	j.state = to
}

func (q *fakeQueue) Ready(_ context.Context, now time.Time, limit int) ([]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var js []*fakeJob
	for _, j := range q.jobs {
		if j.state == "queued" && !j.notBefore.After(now) {
			js = append(js, j)
		}
	}
	sort.Slice(js, func(a, b int) bool { return js[a].seq < js[b].seq })
	var ids []string
	for _, j := range js {
		if len(ids) == limit {
			break
		}
		ids = append(ids, j.id)
	}
	return ids, nil
}

func (q *fakeQueue) Claim(_ context.Context, id string) (Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok || j.state != "queued" {
		return Job{}, fmt.Errorf("claiming %s: not queued", id)
	}
	if q.unusable[id] {
		q.move(j, "quarantined")
		return Job{}, fmt.Errorf("opening job %s: signature does not verify: %w", id, ErrUnusable)
	}
	q.move(j, "sending")
	j.attempts++
	return Job{ID: id, Attempt: j.attempts, Size: j.size, Job: &job.Job{ID: id, Selfie: []byte{1}}}, nil
}

func (q *fakeQueue) Settle(_ context.Context, id string, o Outcome) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	q.move(j, o.State.String())
	j.result, j.reason, j.notBefore = o.Result, o.Reason, o.NotBefore
	return nil
}

func (q *fakeQueue) ReleaseHeld(context.Context) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, j := range q.jobs {
		if j.state == "held" {
			q.move(j, "queued")
			j.notBefore = time.Time{}
			n++
		}
	}
	return n, nil
}

func (q *fakeQueue) Pending(context.Context) (Pending, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var p Pending
	for _, j := range q.jobs {
		switch j.state {
		case "queued":
			p.Queued++
			if p.NextAttempt.IsZero() || j.notBefore.Before(p.NextAttempt) {
				p.NextAttempt = j.notBefore
			}
		case "sending":
			p.Sending++
		case "held":
			p.Held++
		}
	}
	return p, nil
}

func (q *fakeQueue) job(id string) fakeJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.jobs[id]
}

func (q *fakeQueue) states() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := map[string]int{}
	for _, j := range q.jobs {
		m[j.state]++
	}
	return m
}

// fakeSender answers from a script and records every call with the (fake) time.
type fakeSender struct {
	clk    clock.Clock
	script func(id string, attempt int) (Result, error)
	gate   chan struct{} // if set, each Send waits for one token (or ctx)

	mu      sync.Mutex
	calls   []call
	active  int
	maxConc int
}

type call struct {
	id      string
	attempt int
	at      time.Time
}

func (s *fakeSender) Send(ctx context.Context, c Job, progress func(sent, total int64)) (Result, error) {
	s.mu.Lock()
	s.calls = append(s.calls, call{c.ID, c.Attempt, s.clk.Now()})
	s.active++
	if s.active > s.maxConc {
		s.maxConc = s.active
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}()
	if c.Job == nil || c.Job.ID != c.ID || len(c.Job.Selfie) == 0 {
		return Result{}, fmt.Errorf("claimed %s does not carry its opened job (%+v)", c.ID, c.Job)
	}
	const total = 100 << 10
	for sent := int64(0); sent <= total; sent += 1 << 10 {
		progress(sent, total)
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
	return s.script(c.ID, c.Attempt)
}

func (s *fakeSender) callsFor(id string) []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []call
	for _, c := range s.calls {
		if c.id == id {
			out = append(out, c)
		}
	}
	return out
}

func (s *fakeSender) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

func okResult(string, int) (Result, error) {
	return Result{Code: "0840", Text: "Face Match", Status: "approved", SmileJobID: "sj-1",
		Actions: map[string]string{"Liveness_Check": "Passed"}}, nil
}

// fakeProber answers from a list, then the last answer forever.
type fakeProber struct {
	mu      sync.Mutex
	answers []error
	calls   int
}

func (p *fakeProber) Probe(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if len(p.answers) == 0 {
		return nil
	}
	e := p.answers[0]
	if len(p.answers) > 1 {
		p.answers = p.answers[1:]
	}
	return e
}

// eventLog collects events.
type eventLog struct {
	mu sync.Mutex
	ev []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	l.ev = append(l.ev, e)
	l.mu.Unlock()
}

func (l *eventLog) of(k EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.ev {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// rig is an engine on a fake clock whose waits are skipped: before each wait with nothing
// in flight, the clock jumps to the deadline, so a Drain runs its whole schedule at once.
type rig struct {
	clk *clock.Fake
	q   *fakeQueue
	s   *fakeSender
	u   *Uploader
	ev  *eventLog
}

func newRig(t *testing.T, q *fakeQueue, script func(string, int) (Result, error), opts Options) *rig {
	t.Helper()
	r := &rig{clk: clock.NewFake(t0), q: q, ev: &eventLog{}}
	r.s = &fakeSender{clk: r.clk, script: script}
	opts.Clock = r.clk
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0 }
	}
	opts.OnEvent = r.ev.add
	r.u = New(q, r.s, opts)
	r.u.idleHook = func(wait time.Duration, inFlight int) {
		if inFlight == 0 && wait > 0 {
			r.clk.Advance(wait)
		}
	}
	return r
}

func (r *rig) drain(t *testing.T) (Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := r.u.Drain(ctx)
	if len(r.q.bad) > 0 {
		t.Errorf("illegal transitions: %v", r.q.bad)
	}
	return rep, err
}

// eventually polls cond (real time) for synchronisation with goroutines; it is not a timing assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

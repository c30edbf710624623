package uploader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Options configure an Uploader. The zero value is usable.
type Options struct {
	Clock  clock.Clock  // default clock.Real
	Logger *slog.Logger // default: discard
	// InFlight is how many jobs are sent at a time: 1 or 2 (default 2). On a thin link
	// two uploads share it; more would only make each slower.
	InFlight int
	// RetryBase and RetryMax shape the backoff after failures (defaults 2s and 5m).
	RetryBase, RetryMax time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 1h).
	MaxRetryAfter time.Duration
	// PollInterval is how often the engine looks at the queue without being woken
	// (default 5m).
	PollInterval time.Duration
	// SkewTolerance is the clock difference with the server above which a 2205 alert
	// names the clock (default 3m; the API refuses timestamps 15 minutes off).
	SkewTolerance time.Duration
	// Prober checks connectivity: when Run starts, when ConnectivityChanged is called,
	// at each poll while the API is not known to answer, and before sending after a
	// network failure; nil: no probe (Status says "unknown" until a send).
	Prober Prober
	// ProbeTimeout bounds one probe (default 10s).
	ProbeTimeout time.Duration
	// AttemptTimeout bounds one submission as a whole; 0: none (the client's own connect,
	// header and stall timeouts apply).
	AttemptTimeout time.Duration
	// OnEvent receives every event. It is called from the engine's goroutines and must not
	// block.
	OnEvent func(Event)
	// State keeps the halt and the last success/error across restarts; nil: memory only.
	State StateStore
	// ConfigID is a fingerprint of the sending configuration (API URL, partner id, key). A
	// halt remembered for another ConfigID is lifted at start. Never put a key in clear here.
	ConfigID string
	// Rand is the jitter source in [0,1); default math/rand/v2 (tests make it fixed).
	Rand func() float64
}

// Uploader drains a Queue through a Sender. Create it with New.
type Uploader struct {
	q     Queue
	opts  Options
	log   *slog.Logger
	clk   clock.Clock
	state StateStore

	wake    chan struct{} // new job, resume
	connCh  chan struct{} // connectivity changed
	running atomic.Bool

	mu       sync.Mutex
	sender   Sender
	configID string
	p        Persisted
	loaded   bool
	inflight map[string]*Progress
	retrying map[string]bool // jobs whose last attempt failed and may be retried: they go last
	release  bool            // held jobs must go back to the queue
	// confirmed is set once the server accepted this configuration (any answer but a
	// halt). Until then one job at a time is sent, so a wrong key costs one request.
	confirmed bool
	needProbe bool
	// probeNow asks for a probe even with no job to send (start, network change, a
	// poll while offline), so Status tells online from offline before the first job.
	probeNow bool
	lastSave time.Time // when the state file was last written
	dirty    bool      // a change is not written yet
	bo       Backoff   // global: after failures of any job
	boUntil  time.Time // no attempt before this

	// idleHook, set by tests, is called before the engine waits, with the wait (-1: none)
	// and the number of uploads in flight.
	idleHook func(wait time.Duration, inFlight int)
}

// Progress is one job in flight.
type Progress struct {
	JobID   string    `json:"job_id"`
	Attempt int       `json:"attempt"`
	Sent    int64     `json:"sent"`
	Total   int64     `json:"total"`
	Started time.Time `json:"started"`
	lastEv  int64
}

// Report counts what a Drain did.
type Report struct {
	Attempts      int `json:"attempts"`
	Delivered     int `json:"delivered"`      // done with a result
	Unknown       int `json:"unknown"`        // done, result unknown (2215)
	Failed        int `json:"failed"`         // failed for good
	NeedsOperator int `json:"needs_operator"` // 2209
	Held          int `json:"held"`           // held by a halt
	Retries       int `json:"retries"`        // attempts that went back to the queue
	Skipped       int `json:"skipped"`        // quarantined by the queue
}

// New returns an Uploader that drains q through s.
func New(q Queue, s Sender, opts Options) *Uploader {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.InFlight <= 0 {
		opts.InFlight = 2
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = time.Hour
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 5 * time.Minute
	}
	if opts.SkewTolerance <= 0 {
		opts.SkewTolerance = 3 * time.Minute
	}
	if opts.ProbeTimeout <= 0 {
		opts.ProbeTimeout = 10 * time.Second
	}
	st := opts.State
	if st == nil {
		st = &memState{}
	}
	u := &Uploader{
		q: q, opts: opts, log: opts.Logger, clk: opts.Clock, state: st,
		wake:     make(chan struct{}, 1),
		connCh:   make(chan struct{}, 1),
		sender:   s,
		configID: opts.ConfigID,
		inflight: map[string]*Progress{},
		retrying: map[string]bool{},
		bo:       Backoff{Base: opts.RetryBase, Max: opts.RetryMax, Clock: opts.Clock, Rand: opts.Rand},
	}
	u.needProbe = opts.Prober != nil
	return u
}

// Notify wakes the engine: a new job was queued.
func (u *Uploader) Notify() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// ConnectivityChanged wakes the engine to probe the API at once, cutting any backoff short.
func (u *Uploader) ConnectivityChanged() {
	u.mu.Lock()
	if u.opts.Prober != nil {
		u.needProbe, u.probeNow = true, true
	}
	u.boUntil = time.Time{}
	u.mu.Unlock()
	select {
	case u.connCh <- struct{}{}:
	default:
	}
}

// Reconfigure swaps the Sender (new key, URL or partner) and its fingerprint. A halt taken
// under another fingerprint is lifted and held jobs go back to the queue.
func (u *Uploader) Reconfigure(s Sender, configID string) {
	u.mu.Lock()
	if !u.loaded {
		u.loadLocked()
	}
	if configID != u.configID {
		u.confirmed = false
	}
	u.sender = s
	u.configID = configID
	lifted := u.p.Halt != nil && u.p.Halt.ConfigID != configID
	if lifted {
		u.liftLocked()
	}
	u.mu.Unlock()
	if lifted {
		u.emit(Event{Kind: EventResumed, Time: u.clk.Now(), Reason: "configuration changed"})
	}
	u.Notify()
}

// Resume lifts a halt without a configuration change (e.g. after the clock was set): the
// operator's explicit decision to try again.
func (u *Uploader) Resume() {
	u.mu.Lock()
	if !u.loaded {
		u.loadLocked()
	}
	lifted := u.p.Halt != nil
	if lifted {
		u.liftLocked()
	}
	u.mu.Unlock()
	if lifted {
		u.emit(Event{Kind: EventResumed, Time: u.clk.Now(), Reason: "resumed by the operator"})
	}
	u.Notify()
}

func (u *Uploader) liftLocked() {
	u.p.Halt = nil
	u.confirmed = false
	u.release = true
	u.boUntil = time.Time{}
	u.bo.Next(nil)
	if err := u.state.Save(u.p, true); err != nil {
		u.log.Warn("uploader: saving sync state", "err", err)
	}
}

// Halted returns the current halt, if any (after Run, Drain or Status loaded the state).
func (u *Uploader) Halted() (Halt, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.loaded {
		u.loadLocked()
	}
	if u.p.Halt == nil {
		return Halt{}, false
	}
	return *u.p.Halt, true
}

// Status summarises the engine and the queue.
type Status struct {
	Connectivity string     `json:"connectivity"` // online, offline or unknown
	Queued       int        `json:"queued"`
	Sending      int        `json:"sending"`
	Held         int        `json:"held"`
	InFlight     []Progress `json:"in_flight,omitempty"`
	NextAttempt  time.Time  `json:"next_attempt,omitzero"`
	LastSuccess  time.Time  `json:"last_success,omitzero"`
	LastError    string     `json:"last_error,omitempty"`
	LastErrorAt  time.Time  `json:"last_error_at,omitzero"`
	Halt         *Halt      `json:"halt,omitempty"`
}

// Status returns the summary; it reads the queue's counts.
func (u *Uploader) Status(ctx context.Context) (Status, error) {
	pend, err := u.q.Pending(ctx)
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.loaded {
		u.loadLocked()
	}
	s := Status{
		Connectivity: u.p.Connectivity,
		Queued:       pend.Queued,
		Sending:      pend.Sending,
		Held:         pend.Held,
		NextAttempt:  pend.NextAttempt,
		LastSuccess:  u.p.LastSuccess,
		LastError:    u.p.LastError,
		LastErrorAt:  u.p.LastErrorAt,
	}
	if s.Connectivity == "" {
		s.Connectivity = "unknown"
	}
	if u.p.Halt != nil {
		h := *u.p.Halt
		s.Halt = &h
	}
	if !u.boUntil.IsZero() && u.boUntil.After(s.NextAttempt) {
		s.NextAttempt = u.boUntil
	}
	for _, p := range u.inflight {
		s.InFlight = append(s.InFlight, *p)
	}
	sort.Slice(s.InFlight, func(i, j int) bool { return s.InFlight[i].JobID < s.InFlight[j].JobID })
	if err != nil {
		return s, fmt.Errorf("reading queue counts: %w", err)
	}
	return s, nil
}

// Run sends jobs until ctx ends. It returns ctx's error, or a queue error it cannot
// survive. A halt does not end Run: it waits for Reconfigure or Resume.
func (u *Uploader) Run(ctx context.Context) error {
	_, err := u.run(ctx, false)
	return err
}

// Drain sends until no job is left to send, waiting out backoff as needed. It returns nil
// when nothing is left, a *HaltError (wrapping ErrHalted) on a halt, or ctx's error.
func (u *Uploader) Drain(ctx context.Context) (Report, error) {
	return u.run(ctx, true)
}

type finished struct {
	job Job
	res Result
	err error
	at  time.Time
}

func (u *Uploader) loadLocked() {
	p, err := u.state.Load()
	if err != nil {
		u.log.Warn("uploader: sync state unreadable, starting afresh", "err", err)
	}
	u.p = p
	u.loaded = true
}

func (u *Uploader) run(ctx context.Context, drain bool) (rep Report, err error) {
	if !u.running.CompareAndSwap(false, true) {
		return rep, ErrRunning
	}
	defer u.running.Store(false)
	defer u.flush()

	u.mu.Lock()
	if !u.loaded {
		u.loadLocked()
	}
	if u.p.Halt != nil && u.p.Halt.ConfigID != u.configID {
		u.log.Info("uploader: configuration changed since the halt; resuming", "code", u.p.Halt.Code)
		u.liftLocked()
	}
	if u.p.Halt == nil {
		// Held jobs only exist because of a halt; without one they go back to the queue.
		u.release = true
	}
	if u.opts.Prober != nil && !drain {
		// The status tells online from offline from the start, not at the first job.
		u.probeNow = true
	}
	u.mu.Unlock()

	wctx, cancelWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWorkers()
	done := make(chan finished, u.opts.InFlight)
	n := 0 // workers running

	// On the way out, interrupt the uploads and put their jobs back.
	defer func() {
		if n == 0 {
			return
		}
		cancelWorkers()
		for ; n > 0; n-- {
			f := <-done
			u.settle(context.WithoutCancel(ctx), f, &rep, true)
		}
	}()

	var timer clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()

	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		now := u.clk.Now()

		u.mu.Lock()
		release := u.release
		u.release = false
		halt := u.p.Halt
		boUntil := u.boUntil
		needProbe := u.needProbe
		probeNow := u.probeNow
		u.probeNow = false
		u.mu.Unlock()

		if probeNow && halt == nil && n == 0 {
			// Nothing to send may be waiting: probe anyway, so that the status is true.
			// A failed probe backs off like any, and the poll timer probes again.
			if u.probe(ctx) {
				u.mu.Lock()
				needProbe = u.needProbe
				u.mu.Unlock()
			} else {
				continue
			}
			now = u.clk.Now()
		}

		if release {
			if moved, err := u.q.ReleaseHeld(ctx); err != nil {
				u.log.Warn("uploader: releasing held jobs", "err", err)
				u.mu.Lock()
				u.release = true
				u.mu.Unlock()
			} else if moved > 0 {
				u.log.Info("uploader: held jobs back in the queue", "jobs", moved)
			}
		}

		// Launch what may be launched.
		u.mu.Lock()
		slots := u.opts.InFlight
		if !u.confirmed {
			slots = 1
		}
		u.mu.Unlock()
		if halt == nil && !now.Before(boUntil) && n < slots {
			u.mu.Lock()
			limit := u.opts.InFlight + n + len(u.retrying)
			u.mu.Unlock()
			ids, err := u.q.Ready(ctx, now, limit)
			if err != nil {
				u.queueTrouble(now, fmt.Errorf("listing jobs ready to send: %w", err))
				continue
			}
			ids = u.pick(ids)
			if len(ids) > 0 && needProbe {
				if !u.probe(ctx) {
					continue
				}
			}
			launched := false
			for _, id := range ids {
				if n >= slots {
					break
				}
				job, err := u.q.Claim(ctx, id)
				if errors.Is(err, ErrUnusable) {
					rep.Skipped++
					u.log.Warn("uploader: job quarantined by the queue, skipped", "job", id, "err", err)
					u.emit(Event{Kind: EventSkipped, Time: now, JobID: id, Reason: err.Error()})
					launched = true // look again at once
					continue
				}
				if err != nil {
					u.queueTrouble(now, fmt.Errorf("claiming job %s: %w", id, err))
					break
				}
				n++
				rep.Attempts++
				launched = true
				u.launch(wctx, job, done)
			}
			if launched && n < slots {
				continue // fill the other slot or find the next job
			}
		}

		// Decide whether we are done and how long to wait.
		var wait time.Duration = -1 // -1: no timer
		if halt != nil {
			if drain && n == 0 {
				return rep, &HaltError{Halt: *halt}
			}
		} else {
			wait = u.opts.PollInterval
			u.mu.Lock()
			boUntil = u.boUntil
			u.mu.Unlock()
			if now.Before(boUntil) {
				wait = boUntil.Sub(now)
			} else if n < u.opts.InFlight {
				pend, err := u.q.Pending(ctx)
				if err != nil {
					u.queueTrouble(now, fmt.Errorf("counting queued jobs: %w", err))
					continue
				}
				if drain && n == 0 && pend.Queued == 0 {
					return rep, nil
				}
				if !pend.NextAttempt.IsZero() && pend.NextAttempt.After(now) && pend.NextAttempt.Sub(now) < wait {
					wait = pend.NextAttempt.Sub(now)
				}
			}
		}
		var tc <-chan time.Time
		timer = nil
		if wait >= 0 {
			timer = u.clk.NewTimer(wait)
			tc = timer.C()
		}
		if u.idleHook != nil {
			u.idleHook(wait, n)
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case f := <-done:
			n--
			u.settle(ctx, f, &rep, false)
		case <-u.wake:
		case <-u.connCh:
		case <-tc:
			u.mu.Lock()
			if u.opts.Prober != nil && u.p.Connectivity != "online" {
				u.probeNow = true // offline and idle: look again at each poll
			}
			u.mu.Unlock()
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// pick drops the jobs in flight and puts the jobs that failed last behind the others, so
// one job the server keeps failing does not hold the queue back.
func (u *Uploader) pick(ids []string) []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]string, 0, len(ids))
	var later []string
	for _, id := range ids {
		if _, busy := u.inflight[id]; busy {
			continue
		}
		if u.retrying[id] {
			later = append(later, id)
			continue
		}
		out = append(out, id)
	}
	return append(out, later...)
}

// queueTrouble backs off after a queue error, so a broken database does not spin.
func (u *Uploader) queueTrouble(now time.Time, err error) {
	u.log.Error("uploader: queue error", "err", err)
	u.mu.Lock()
	d := u.bo.Next(err)
	u.boUntil = now.Add(d)
	u.p.LastError, u.p.LastErrorAt = err.Error(), now
	u.saveLocked(false)
	u.mu.Unlock()
}

// probe checks connectivity; it reports whether sending may go ahead.
func (u *Uploader) probe(ctx context.Context) bool {
	pctx, cancel := context.WithTimeout(ctx, u.opts.ProbeTimeout)
	err := u.opts.Prober.Probe(pctx)
	cancel()
	now := u.clk.Now()
	if err != nil {
		u.mu.Lock()
		d := u.bo.Next(err)
		u.boUntil = now.Add(d)
		changed := u.setConnLocked("offline", now)
		u.p.LastError, u.p.LastErrorAt = "API unreachable: "+err.Error(), now
		u.saveLocked(false)
		u.mu.Unlock()
		u.log.Info("uploader: API unreachable", "err", err, "retry_in", d.Round(time.Millisecond))
		if changed {
			u.emit(Event{Kind: EventOffline, Time: now, Reason: err.Error()})
		}
		return false
	}
	u.mu.Lock()
	u.needProbe = false
	changed := u.setConnLocked("online", now)
	u.mu.Unlock()
	if changed {
		u.emit(Event{Kind: EventOnline, Time: now})
	}
	return true
}

// setConnLocked records connectivity and reports whether it changed.
func (u *Uploader) setConnLocked(c string, now time.Time) bool {
	if c == "online" {
		u.p.ConnectedAt = now
	}
	if u.p.Connectivity == c {
		return false
	}
	u.p.Connectivity = c
	return true
}

func (u *Uploader) launch(ctx context.Context, job Job, done chan<- finished) {
	now := u.clk.Now()
	pr := &Progress{JobID: job.ID, Attempt: job.Attempt, Total: job.Size, Started: now, lastEv: -1}
	u.mu.Lock()
	u.inflight[job.ID] = pr
	s := u.sender
	u.mu.Unlock()
	u.log.Debug("uploader: sending", "job", job.ID, "attempt", job.Attempt)
	u.emit(Event{Kind: EventSending, Time: now, JobID: job.ID, Attempt: job.Attempt, Total: job.Size})
	progress := func(sent, total int64) { u.progress(pr, sent, total) }
	go func() {
		sctx, cancel := ctx, context.CancelFunc(func() {})
		if u.opts.AttemptTimeout > 0 {
			sctx, cancel = context.WithTimeout(ctx, u.opts.AttemptTimeout)
		}
		res, err := s.Send(sctx, job, progress)
		cancel()
		done <- finished{job: job, res: res, err: err, at: u.clk.Now()}
	}()
}

// progress updates a job in flight and emits about fifty events per job at most.
func (u *Uploader) progress(pr *Progress, sent, total int64) {
	u.mu.Lock()
	pr.Sent, pr.Total = sent, total
	step := total / 50
	if step < 16<<10 {
		step = 16 << 10
	}
	emit := sent >= total || sent-pr.lastEv >= step || pr.lastEv < 0
	if emit {
		pr.lastEv = sent
	}
	id, att := pr.JobID, pr.Attempt
	u.mu.Unlock()
	if emit {
		u.emit(Event{Kind: EventProgress, Time: u.clk.Now(), JobID: id, Attempt: att, Sent: sent, Total: total})
	}
}

func (u *Uploader) emit(e Event) {
	if u.opts.OnEvent != nil {
		u.opts.OnEvent(e)
	}
}

// saveLocked stores the persisted state. A halt (durable) is written and synced at once;
// other changes (last success, last error) at most once a second, and at the end of Run
// or Drain, so a fast drain does not write the file for every job.
func (u *Uploader) saveLocked(durable bool) {
	now := u.clk.Now()
	if !durable && !u.lastSave.IsZero() && now.Sub(u.lastSave) < time.Second && now.Sub(u.lastSave) >= 0 {
		u.dirty = true
		return
	}
	u.dirty = false
	u.lastSave = now
	if err := u.state.Save(u.p, durable); err != nil {
		u.log.Warn("uploader: saving sync state", "err", err)
	}
}

// flush writes a state change that saveLocked held back.
func (u *Uploader) flush() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.dirty {
		u.lastSave = time.Time{}
		u.saveLocked(false)
	}
}

// settle acts on the end of one attempt. interrupted is set when the engine itself
// cancelled the upload (shutting down): the job goes back to the queue as it was.
func (u *Uploader) settle(ctx context.Context, f finished, rep *Report, interrupted bool) {
	id, now := f.job.ID, f.at
	u.mu.Lock()
	delete(u.inflight, id)
	delete(u.retrying, id)
	if f.err != nil && !interrupted {
		var se *SendError
		if !errors.As(f.err, &se) || se.Class == ClassRetry || se.Class == 0 {
			u.retrying[id] = true
		}
	}
	u.mu.Unlock()

	var (
		o  Outcome
		ev = Event{Time: now, JobID: id, Attempt: f.job.Attempt}
	)
	var se *SendError
	switch {
	case f.err == nil:
		r := f.res
		o = Outcome{State: StateDone, Result: &r}
		ev.Kind, ev.Result = EventDelivered, &r
	case interrupted:
		o = Outcome{State: StateQueued, NotBefore: now, Reason: "interrupted: the sync stopped", Attempts: f.job.Attempt}
		ev.Kind, ev.Retry, ev.Reason = EventRetry, now, o.Reason
	case errors.As(f.err, &se):
		if se.Class == 0 {
			se.Class = ClassRetry // a SendError without a class is retried
		}
	default:
		se = &SendError{Class: ClassRetry, Network: true, Err: f.err}
	}

	switch {
	case f.err == nil:
		ev.Code = f.res.Code
	case se != nil && !interrupted:
		ev.Code = se.Code
	}
	if se != nil && !interrupted {
		reason := se.reason()
		switch se.Class {
		case ClassPermanent:
			o = Outcome{State: StateFailed, Reason: reason, Code: se.Code}
			ev.Kind, ev.Reason = EventFailed, reason
		case ClassOperator:
			o = Outcome{State: StateNeedsOperator, Reason: reason, Code: se.Code}
			ev.Kind, ev.Reason = EventNeedsOperator, reason
		case ClassReconcile:
			r := Result{Code: se.Code, Text: "delivered before; result unknown", ServerTime: se.ServerDate, Unknown: true}
			if r.Code == "" {
				r.Code = "2215"
			}
			o = Outcome{State: StateDone, Result: &r}
			ev.Kind, ev.Result = EventDelivered, &r
		case ClassHalt:
			o = Outcome{State: StateHeld, Reason: reason, Code: se.Code}
			ev.Kind, ev.Reason = EventHeld, reason
		default: // ClassRetry
			ra := se.RetryAfter
			if ra > u.opts.MaxRetryAfter {
				ra = u.opts.MaxRetryAfter
			}
			u.mu.Lock()
			jd := u.bo.Delay(f.job.Attempt)
			u.mu.Unlock()
			next := now.Add(max(jd, ra))
			o = Outcome{State: StateQueued, NotBefore: next, Reason: reason, Code: se.Code, Attempts: f.job.Attempt}
			ev.Kind, ev.Reason, ev.Retry = EventRetry, reason, next
		}
	}

	// Engine state: backoff, connectivity, last success/error, halt.
	var extra []Event
	u.mu.Lock()
	switch {
	case f.err == nil:
		u.bo.Next(nil)
		u.confirmed = true
		u.p.LastSuccess = now
		if u.setConnLocked("online", now) {
			extra = append(extra, Event{Kind: EventOnline, Time: now})
		}
		u.saveLocked(false)
	case interrupted:
	case se.Class == ClassRetry:
		ra := min(se.RetryAfter, u.opts.MaxRetryAfter)
		if !now.Before(u.boUntil) { // not already backing off for another job's failure
			u.boUntil = now.Add(max(u.bo.Next(se), ra))
		} else if until := now.Add(ra); until.After(u.boUntil) {
			u.boUntil = until
		}
		if se.Network {
			if u.opts.Prober != nil {
				u.needProbe = true
			}
			if u.setConnLocked("offline", now) {
				extra = append(extra, Event{Kind: EventOffline, Time: now, Reason: ev.Reason})
			}
		} else if u.setConnLocked("online", now) {
			extra = append(extra, Event{Kind: EventOnline, Time: now})
		}
		u.p.LastError, u.p.LastErrorAt = fmt.Sprintf("job %s: %s", id, ev.Reason), now
		u.saveLocked(false)
	default: // the server answered
		u.bo.Next(nil)
		u.confirmed = se.Class != ClassHalt
		if u.setConnLocked("online", now) {
			extra = append(extra, Event{Kind: EventOnline, Time: now})
		}
		if se.Class == ClassReconcile {
			u.p.LastSuccess = now
		} else {
			u.p.LastError, u.p.LastErrorAt = fmt.Sprintf("job %s: %s", id, ev.Reason), now
		}
		if se.Class == ClassHalt && u.p.Halt == nil {
			h := u.haltFor(se, now)
			u.p.Halt = &h
			extra = append(extra, Event{Kind: EventHalted, Time: now, Reason: h.Reason})
			u.saveLocked(true)
		} else {
			u.saveLocked(false)
		}
	}
	u.mu.Unlock()

	if err := u.q.Settle(ctx, id, o); err != nil {
		u.log.Error("uploader: recording the outcome", "job", id, "state", o.State, "err", err)
		u.mu.Lock()
		u.p.LastError, u.p.LastErrorAt = fmt.Sprintf("job %s: recording the outcome: %v", id, err), now
		u.saveLocked(false)
		u.mu.Unlock()
	}
	switch o.State {
	case StateDone:
		if o.Result.Unknown {
			rep.Unknown++
		} else {
			rep.Delivered++
		}
	case StateFailed:
		rep.Failed++
	case StateNeedsOperator:
		rep.NeedsOperator++
	case StateHeld:
		rep.Held++
	case StateQueued:
		rep.Retries++
	}
	u.log.Info("uploader: job settled", "job", id, "attempt", f.job.Attempt, "state", o.State.String(), "reason", o.Reason)
	u.emit(ev)
	for _, e := range extra {
		if e.Kind == EventHalted {
			u.log.Error("uploader: sync halted", "code", se.Code, "alert", e.Reason)
		}
		u.emit(e)
	}
}

func (e *SendError) reason() string {
	var s string
	switch {
	case e.Code != "" && e.Message != "":
		s = e.Code + ": " + e.Message
	case e.Code != "":
		s = e.Code
	case e.Message != "":
		s = e.Message
	case e.Err != nil:
		s = e.Err.Error()
	default:
		s = e.Class.String()
	}
	return s
}

// haltFor writes the one alert of a halt.
func (u *Uploader) haltFor(se *SendError, now time.Time) Halt {
	h := Halt{Code: se.Code, At: now, ConfigID: u.configID}
	what := se.reason()
	switch se.Code {
	case "2205":
		h.Reason = "The compare API refused the kiosk's credentials (" + what + "). Sending is stopped: " +
			"check the partner id and the API key (and that the key is for this environment, sandbox or production), " +
			"then change the configuration. No job is lost."
		if !se.ServerDate.IsZero() {
			skew := se.ServerDate.Sub(now)
			if skew.Abs() > u.opts.SkewTolerance {
				h.Skew = skew
				dir := "behind"
				if skew < 0 {
					dir = "ahead of"
				}
				h.Reason += fmt.Sprintf(" The kiosk's clock is %s %s the server's (server Date %s, kiosk %s): "+
					"set the clock (enable NTP); the API refuses a signature whose time is more than 15 minutes off.",
					skew.Abs().Round(time.Second), dir,
					se.ServerDate.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
			}
		}
	case "2214":
		h.Reason = "The SmartSelfie Compare product is not activated for this partner account (" + what + "). " +
			"Sending is stopped until the account is activated or the configuration changes. No job is lost."
	case "2220":
		h.Reason = "Production is not enabled for this partner account (" + what + "). Sending is stopped: " +
			"use the sandbox API URL or ask for production access, then change the configuration. No job is lost."
	case "":
		h.Reason = "Sending is stopped: " + what + ". Fix the configuration; no job is lost."
	default:
		if len(se.Code) == 3 { // an HTTP status without a contract code: not the API's answer
			h.Reason = "Sending is stopped: " + se.Message + ". Fix the network or the configuration; no job is lost."
			break
		}
		h.Reason = "The compare API refused to take jobs (" + what + "). Sending is stopped until the configuration changes. No job is lost."
	}
	return h
}

package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

func putRecord(tx *bolt.Tx, r *record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding job record: %w", err)
	}
	return tx.Bucket(bucketJobs).Put([]byte(r.ID), b)
}

func getRecord(tx *bolt.Tx, id string) (*record, error) {
	v := tx.Bucket(bucketJobs).Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	r := &record{}
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("job %s: record does not decode: %w (%w)", id, errRecordDecode, err)
	}
	return r, nil
}

// errRecordDecode marks a job record that does not decode: at start-up such a record is
// quarantined; found later (it decoded at start), the page it lies on is damaged.
var errRecordDecode = errors.New("damaged record")

// update runs fn in a write transaction under q.mu, then (after the commit) applies
// the index changes and emits the events that fn collected.
func (q *Queue) update(fn func(tx *bolt.Tx, c *commit) error) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	c := &commit{}
	err := q.safely(func() error { return q.db.Update(func(tx *bolt.Tx) error { return fn(tx, c) }) })
	if errors.Is(err, ErrDamaged) {
		q.alertLocked(err.Error())
	}
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), syscall.ENOSPC.Error()) {
			return limitError(ErrDiskFull, LimitDiskExhausted)
		}
		return err
	}
	for id, ie := range c.idx {
		if ie == nil {
			delete(q.idx, id)
		} else {
			q.idx[id] = ie
		}
	}
	q.emitLocked(c.events...)
	for _, msg := range c.alerts {
		q.alertLocked(msg)
	}
	return nil
}

// safely runs fn, turning a panic of bbolt on a damaged page into ErrDamaged.
func (q *Queue) safely(fn func() error) (err error) {
	defer faultsPanic()()
	defer func() {
		if r := recover(); r != nil {
			q.log.Error("queue database damaged", "file", q.path, "panic", fmt.Sprint(r))
			err = fmt.Errorf("%w: %s: %v; restart the agent, and call support if this repeats", ErrDamaged, q.path, r)
		}
	}()
	return fn()
}

// faultsPanic makes a memory fault of this goroutine a panic (recovered by the caller's
// deferred recover) until the function it returns is called: bbolt reads the file
// through mmap and has no page checksums, so a damaged page id points past the mapping,
// and the read is a fault that would otherwise kill the kiosk (runtime: "unexpected fault
// address"), not a panic. Use: defer faultsPanic()(), before the defer that recovers.
func faultsPanic() func() {
	old := debug.SetPanicOnFault(true)
	return func() { debug.SetPanicOnFault(old) }
}

// view is db.View through safely.
func (q *Queue) view(fn func(tx *bolt.Tx) error) error {
	err := q.safely(func() error { return q.db.View(fn) })
	if errors.Is(err, ErrDamaged) {
		q.mu.Lock()
		q.alertLocked(err.Error())
		q.mu.Unlock()
	}
	return err
}

// alertLocked records an alert for the operator and emits an EventAlert; q.mu is held.
func (q *Queue) alertLocked(msg string) {
	const keep = 20
	q.alerts = append(q.alerts, Alert{Time: q.clk.Now(), Message: msg})
	if len(q.alerts) > keep {
		q.alerts = q.alerts[len(q.alerts)-keep:]
	}
	q.emitLocked(Event{Kind: EventAlert, Time: q.clk.Now(), Message: msg})
}

// commit collects what a write transaction changes in memory once it commits.
type commit struct {
	idx    map[string]*idxEntry
	events []Event
	alerts []string
}

func (c *commit) set(e *Entry) {
	if c.idx == nil {
		c.idx = map[string]*idxEntry{}
	}
	c.idx[e.ID] = indexOf(e)
}

func (c *commit) remove(id string) {
	if c.idx == nil {
		c.idx = map[string]*idxEntry{}
	}
	c.idx[id] = nil
}

func (c *commit) emit(e Event) { c.events = append(c.events, e) }

// alert raises an alert for the operator once the transaction commits.
func (c *commit) alert(msg string) { c.alerts = append(c.alerts, msg) }

// Enqueue validates, seals (encrypts and signs) and stores a new job in StateQueued,
// and returns its entry once the commit is on disk (fsync). A refusal by a limit is a
// *LimitError (errors.Is ErrQueueFull, ErrDiskLimit, ErrDiskFull or ErrQueueStale)
// whose Operator field is a sentence for the operator. Enqueue fills j.Created (when
// zero, from the clock) and j.KioskID (when empty, from Options.KioskID).
func (q *Queue) Enqueue(j *job.Job) (Entry, error) {
	if j.KioskID == "" {
		j.KioskID = q.kioskID
	}
	now := q.clk.Now()
	if j.Created.IsZero() {
		j.Created = now
	}
	j.Created = j.Created.UTC().Round(0)
	if err := j.Validate(); err != nil {
		return Entry{}, err
	}
	if !j.CaptureOrigin.Valid() {
		return Entry{}, fmt.Errorf("%w: capture origin %s: give auto, manual or import (or none)", ErrInvalidJob, j.CaptureOrigin.Describe())
	}
	blob, sig, err := q.key.seal(j)
	if err != nil {
		return Entry{}, fmt.Errorf("sealing job %s: %w", j.ID, err)
	}
	r := &record{Sig: sig, Entry: Entry{
		ID: j.ID, Version: SchemaVersion, State: StateQueued, Created: j.Created, Updated: now,
		UserHash: q.key.hashUser(j.UserID), UserMasked: MaskUserID(j.UserID), ComparisonType: j.ComparisonType, LivenessFrames: len(j.Liveness),
		SealedBytes: int64(len(blob)), PrechecksOK: j.Prechecks.OK, Forced: j.Prechecks.Forced,
		Document: j.Document, CaptureOrigin: j.CaptureOrigin,
	}}
	err = q.update(func(tx *bolt.Tx, c *commit) error {
		if tx.Bucket(bucketJobs).Get([]byte(j.ID)) != nil {
			return fmt.Errorf("%w: %s; choose another job id", ErrDuplicateJob, j.ID)
		}
		if err := q.checkLimitsLocked(now, int64(len(blob))); err != nil {
			return err
		}
		if err := putRecord(tx, r); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBlobs).Put([]byte(j.ID), blob); err != nil {
			return err
		}
		if err := q.appendAudit(tx, AuditEvent{Kind: AuditEnrolled, JobID: j.ID, UserHash: r.UserHash, Operator: j.OperatorID,
			Detail: forcedDetail(j.Prechecks), CaptureOrigin: j.CaptureOrigin}); err != nil {
			return err
		}
		c.set(&r.Entry)
		c.emit(Event{Kind: EventEnqueued, JobID: j.ID, To: StateQueued, Time: now})
		return nil
	})
	if err != nil {
		return Entry{}, fmt.Errorf("enqueueing job %s: %w", j.ID, err)
	}
	return r.Entry, nil
}

// forcedDetail is the enrolled audit event's detail for a job sealed although a
// precheck failed: how many failed and, from the screen, the supervisor who allowed it.
func forcedDetail(pc job.Prechecks) string {
	if !pc.Forced {
		return ""
	}
	d := fmt.Sprintf("forced: %d precheck(s) failed", len(pc.Problems))
	if pc.ForcedBy != "" {
		d += "; allowed by supervisor " + pc.ForcedBy
	}
	return d
}

// checkLimitsLocked refuses a new job of size bytes when a limit is reached.
func (q *Queue) checkLimitsLocked(now time.Time, size int64) error {
	s := q.set
	var unsent int
	var oldest time.Time
	var used int64
	for _, ie := range q.idx {
		used += ie.bytes
		if ie.state.Unsent() {
			unsent++
			if oldest.IsZero() || ie.created.Before(oldest) {
				oldest = ie.created
			}
		}
	}
	if s.MaxJobs > 0 && unsent >= s.MaxJobs {
		return limitError(ErrQueueFull, LimitQueueFull, "N", unsent)
	}
	if s.MaxOldestUnsentDays > 0 && !oldest.IsZero() && now.Sub(oldest) > time.Duration(s.MaxOldestUnsentDays)*day {
		return limitError(ErrQueueStale, LimitQueueStale, "Days", int(now.Sub(oldest)/day), "Limit", s.MaxOldestUnsentDays)
	}
	if s.MaxDiskMB > 0 && used+size > int64(s.MaxDiskMB)<<20 {
		return limitError(ErrDiskLimit, LimitDiskLimit, "UsedMB", used>>20, "LimitMB", s.MaxDiskMB)
	}
	if s.MinFreeDiskMB > 0 {
		free, err := q.freeSpace(q.dir)
		if err != nil {
			q.log.Warn("checking free disk space", "dir", q.dir, "err", err)
		} else if int64(free)-2*size < int64(s.MinFreeDiskMB)<<20 {
			return limitError(ErrDiskFull, LimitDiskFull, "FreeMB", free>>20, "MinMB", s.MinFreeDiskMB)
		}
	}
	return nil
}

// Get returns the entry of one job.
func (q *Queue) Get(id string) (Entry, error) {
	var e Entry
	err := q.view(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		e = r.Entry
		return nil
	})
	return e, err
}

// ListOptions filter List. The zero value lists every job.
type ListOptions struct {
	// States, when not empty, keeps only jobs in these states.
	States []State
}

// List returns the entries of the jobs, oldest first (by created time, then id). It
// reads the queue's in-memory copy of the entries (loaded at Open, updated by every
// commit), not the disk.
func (q *Queue) List(o ListOptions) ([]Entry, error) {
	want := map[State]bool{}
	for _, s := range o.States {
		want[s] = true
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil, ErrClosed
	}
	out := make([]Entry, 0, len(q.idx))
	for _, ie := range q.idx {
		if len(want) == 0 || want[ie.state] {
			out = append(out, cloneEntry(ie.entry))
		}
	}
	q.mu.Unlock()
	sortEntries(out)
	return out, nil
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		if !es[i].Created.Equal(es[j].Created) {
			return es[i].Created.Before(es[j].Created)
		}
		return es[i].ID < es[j].ID
	})
}

// Ready returns the queued jobs whose next attempt is due, oldest first; at most
// limit entries when limit > 0.
func (q *Queue) Ready(limit int) ([]Entry, error) {
	now := q.clk.Now()
	type cand struct {
		id      string
		created time.Time
	}
	q.mu.Lock()
	var cs []cand
	for id, ie := range q.idx {
		if ie.state == StateQueued && !ie.nextAttempt.After(now) {
			cs = append(cs, cand{id, ie.created})
		}
	}
	q.mu.Unlock()
	sort.Slice(cs, func(i, j int) bool {
		if !cs[i].created.Equal(cs[j].created) {
			return cs[i].created.Before(cs[j].created)
		}
		return cs[i].id < cs[j].id
	})
	if limit > 0 && len(cs) > limit {
		cs = cs[:limit]
	}
	out := make([]Entry, 0, len(cs))
	q.mu.Lock()
	for _, c := range cs {
		if ie, ok := q.idx[c.id]; ok && ie.state == StateQueued {
			out = append(out, cloneEntry(ie.entry))
		}
	}
	q.mu.Unlock()
	return out, nil
}

// NextAttempt returns the earliest next-attempt time among queued jobs that are not
// yet due, and false when there is none (the uploader sleeps until then).
func (q *Queue) NextAttempt() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clk.Now()
	var best time.Time
	for _, ie := range q.idx {
		if ie.state == StateQueued && ie.nextAttempt.After(now) && (best.IsZero() || ie.nextAttempt.Before(best)) {
			best = ie.nextAttempt
		}
	}
	return best, !best.IsZero()
}

// Counts is the number of jobs in each state, for a status summary.
type Counts struct {
	ByState map[State]int `json:"by_state"`
	// Unsent counts queued, sending and held jobs.
	Unsent int `json:"unsent"`
	// OldestUnsent is the creation time of the oldest unsent job (zero if none).
	OldestUnsent time.Time `json:"oldest_unsent,omitzero"`
	// SealedBytes is the space taken by the sealed payloads still on disk.
	SealedBytes int64 `json:"sealed_bytes"`
	// DroppedEvents counts events not delivered to slow subscribers.
	DroppedEvents uint64 `json:"dropped_events"`
}

// Counts summarises the queue from memory (no disk read).
func (q *Queue) Counts() Counts {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := Counts{ByState: map[State]int{}, DroppedEvents: q.dropped}
	for _, ie := range q.idx {
		c.ByState[ie.state]++
		c.SealedBytes += ie.bytes
		if ie.state.Unsent() {
			c.Unsent++
			if c.OldestUnsent.IsZero() || ie.created.Before(c.OldestUnsent) {
				c.OldestUnsent = ie.created
			}
		}
	}
	return c
}

// Update carries what SetState records with a transition.
type Update struct {
	// Reason is required for failed, held, needs-operator and quarantined; optional
	// for queued (the last error). It must not hold customer data.
	Reason string
	// Code is the compare API's error code that Reason reports, if any (Entry.Code).
	Code string
	// Result is required for done.
	Result *Result
	// NextAttempt (queued only): do not offer the job in Ready before this time.
	NextAttempt time.Time
	// Attempts (queued only): the number of send attempts made so far; it never goes
	// down when a sending job is requeued. Each claim (queued → sending) counts one.
	Attempts int
	// Operator names who acted, for the audit log (operator actions only).
	Operator string
}

// SetState is the one setter of a job's state: it checks the transition, records it
// (with the audit event) in one fsynced commit, then emits an EventState. Moving to
// done purges the images at once unless PurgeImagesAfterMinutes is set.
func (q *Queue) SetState(id string, to State, u Update) (Entry, error) {
	var out Entry
	err := q.update(func(tx *bolt.Tx, c *commit) error {
		r, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		e, err := q.transition(tx, c, r, to, u)
		out = e
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("moving job %s to %s: %w", id, to, err)
	}
	return out, nil
}

func (q *Queue) transition(tx *bolt.Tx, c *commit, r *record, to State, u Update) (Entry, error) {
	from := r.State
	if !CanMove(from, to) {
		return Entry{}, fmt.Errorf("%w: job %s is %s", ErrBadTransition, r.ID, from)
	}
	switch to {
	case StateDone:
		if u.Result == nil {
			return Entry{}, fmt.Errorf("%w: done needs the server's result", ErrBadTransition)
		}
	case StateFailed, StateHeld, StateNeedsOperator, StateQuarantined:
		if u.Reason == "" {
			return Entry{}, fmt.Errorf("%w: %s needs a reason", ErrBadTransition, to)
		}
	}
	now := q.clk.Now()
	r.State = to
	r.Updated = now
	r.Reason, r.Code = u.Reason, u.Code
	if u.Result != nil {
		res := *u.Result
		r.Result = &res
	}
	switch {
	case to == StateSending:
		// Every claim is one send attempt; the count survives a crash mid-upload.
		r.Attempts++
	case to == StateQueued:
		r.NextAttempt = u.NextAttempt
		if u.Attempts > r.Attempts || from != StateSending {
			r.Attempts = u.Attempts
		}
	default:
		r.NextAttempt = time.Time{}
	}
	purge := to == StateDone && q.set.PurgeImagesAfterMinutes == 0
	if purge {
		if err := tx.Bucket(bucketBlobs).Delete([]byte(r.ID)); err != nil {
			return Entry{}, err
		}
		r.ImagesPurged = true
		r.PurgedAt = now
	}
	if err := putRecord(tx, r); err != nil {
		return Entry{}, err
	}
	ev := AuditEvent{JobID: r.ID, UserHash: r.UserHash, Operator: u.Operator, From: from.String(), To: to.String(), Detail: u.Reason}
	switch to {
	case StateSending:
		ev.Kind = AuditSent
	case StateDone:
		ev.Kind = AuditResult
		ev.Detail = r.Result.Code + " " + r.Result.Text
	case StateQuarantined:
		ev.Kind = AuditQuarantined
	case StateQueued:
		ev.Kind = AuditRequeued
		if u.Operator != "" {
			ev.Kind = AuditRetry
		}
	default:
		ev.Kind = AuditResult
	}
	if err := q.appendAudit(tx, ev); err != nil {
		return Entry{}, err
	}
	if purge {
		if err := q.appendAudit(tx, AuditEvent{Kind: AuditPurged, JobID: r.ID, UserHash: r.UserHash, Detail: "images deleted: job done"}); err != nil {
			return Entry{}, err
		}
		c.emit(Event{Kind: EventImagesPurged, JobID: r.ID, From: to, To: to, Time: now})
	}
	c.set(&r.Entry)
	c.events = append([]Event{{Kind: EventState, JobID: r.ID, From: from, To: to, Time: now}}, c.events...)
	return r.Entry, nil
}

// Claim moves a queued job to sending (the uploader calls it before Load).
func (q *Queue) Claim(id string) (Entry, error) { return q.SetState(id, StateSending, Update{}) }

// Load opens a job's sealed payload: it checks the device signature and decrypts
// the fields and images. A job that fails the check is quarantined (never sent; its
// bytes are kept) and Load returns an error matching ErrQuarantined with the reason.
func (q *Queue) Load(id string) (*job.Job, error) {
	var r *record
	var blob []byte
	var damaged bool
	err := q.view(func(tx *bolt.Tx) error {
		var err error
		if r, err = getRecord(tx, id); err != nil {
			return err
		}
		damaged = true // a panic from here on is in the job's payload pages
		if b := tx.Bucket(bucketBlobs).Get([]byte(id)); b != nil {
			blob = append([]byte(nil), b...)
			releaseMapped(q.db, tx)
		}
		damaged = false
		return nil
	})
	if damaged && errors.Is(err, ErrDamaged) {
		err = nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, errRecordDecode) {
		q.mu.Lock()
		if _, listed := q.idx[id]; listed {
			err = fmt.Errorf("%w: job %s was read at start-up but its record can no longer be found or read; restart the agent, and call support if this repeats", ErrDamaged, id)
			q.alertLocked(err.Error())
		}
		q.mu.Unlock()
	}
	if err != nil {
		return nil, fmt.Errorf("loading job %s: %w", id, err)
	}
	if r.State == StateQuarantined {
		return nil, fmt.Errorf("loading job %s: %w: %s", id, ErrQuarantined, r.Reason)
	}
	if r.ImagesPurged {
		return nil, fmt.Errorf("loading job %s: %w", id, ErrImagesPurged)
	}
	var j *job.Job
	if damaged {
		err = &integrityError{"the pages holding the sealed payload are damaged on disk"}
	} else if blob == nil {
		err = &integrityError{"the sealed payload is missing from the database"}
	} else {
		j, err = q.key.open(id, blob, r.Sig)
		clear(blob)
	}
	var ie *integrityError
	if errors.As(err, &ie) {
		q.log.Error("job failed its integrity check; quarantined", "job_id", id, "reason", ie.msg)
		if _, qerr := q.SetState(id, StateQuarantined, Update{Reason: ie.msg}); qerr != nil {
			return nil, fmt.Errorf("loading job %s: %w: %s (and quarantining it failed: %v)", id, ErrQuarantined, ie.msg, qerr)
		}
		return nil, fmt.Errorf("loading job %s: %w: %s", id, ErrQuarantined, ie.msg)
	}
	if err != nil {
		return nil, fmt.Errorf("loading job %s: %w", id, err)
	}
	return j, nil
}

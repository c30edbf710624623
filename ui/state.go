package ui

import (
	"sort"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// This file holds the plain state that decides what the screens show, with no Fyne
// in it, so it is tested with tables.

// IdleLock decides when the session locks for want of a touch.
type IdleLock struct {
	After time.Duration // 0 or less: never lock
	last  time.Time
}

// Touch records a touch at now.
func (l *IdleLock) Touch(now time.Time) { l.last = now }

// Expired reports whether the lock time has passed since the last touch.
func (l *IdleLock) Expired(now time.Time) bool {
	return l.After > 0 && !now.Before(l.last.Add(l.After))
}

// Remaining is how long until Expired (0 when expired; After when disabled).
func (l *IdleLock) Remaining(now time.Time) time.Duration {
	if l.After <= 0 {
		return 0
	}
	d := l.last.Add(l.After).Sub(now)
	if d < 0 {
		return 0
	}
	return d
}

// PINEntry is what has been typed on the PIN pad.
type PINEntry struct {
	digits []byte
}

// MaxPIN is the longest PIN the pad takes.
const MaxPIN = 12

// Add appends a digit; other runes and digits past MaxPIN are ignored.
func (p *PINEntry) Add(r rune) {
	if r < '0' || r > '9' || len(p.digits) >= MaxPIN {
		return
	}
	p.digits = append(p.digits, byte(r))
}

// Back removes the last digit.
func (p *PINEntry) Back() {
	if len(p.digits) > 0 {
		p.digits = p.digits[:len(p.digits)-1]
	}
}

// Clear forgets every digit (and overwrites them).
func (p *PINEntry) Clear() {
	for i := range p.digits {
		p.digits[i] = 0
	}
	p.digits = p.digits[:0]
}

// Len is how many digits were typed.
func (p *PINEntry) Len() int { return len(p.digits) }

// Masked is one dot per digit, for the display.
func (p *PINEntry) Masked() string {
	b := make([]rune, len(p.digits))
	for i := range b {
		b[i] = '●'
	}
	return string(b)
}

// Take returns the PIN and clears the entry.
func (p *PINEntry) Take() string {
	s := string(p.digits)
	p.Clear()
	return s
}

// AlertKind is a problem shown on the home screen.
type AlertKind uint8

const (
	AlertSyncHalted AlertKind = iota + 1
	AlertQueueNearlyFull
	AlertDiskLow
	AlertCameraMissing
	AlertClockUnsynced
)

// Alert is one problem to show, with what the text needs.
type Alert struct {
	Kind   AlertKind
	Halt   *Halt         // AlertSyncHalted
	Camera CameraRole    // AlertCameraMissing
	Clock  clock.Verdict // AlertClockUnsynced
}

// QueueNearlyFull is the share of QueueLimit above which the queue alert shows.
const QueueNearlyFull = 0.9

// Alerts lists the problems of st, most urgent first.
func Alerts(st Status) []Alert {
	var out []Alert
	if st.Halt != nil {
		out = append(out, Alert{Kind: AlertSyncHalted, Halt: st.Halt})
	}
	for _, c := range st.Cameras {
		if !c.Present {
			out = append(out, Alert{Kind: AlertCameraMissing, Camera: c.Role})
		}
	}
	if st.QueueLimit > 0 && float64(st.Waiting) >= QueueNearlyFull*float64(st.QueueLimit) {
		out = append(out, Alert{Kind: AlertQueueNearlyFull})
	}
	if st.Disk.Low > 0 && st.Disk.Free < st.Disk.Low {
		out = append(out, Alert{Kind: AlertDiskLow})
	}
	// The clock: only what the kiosk knows to be wrong (measured against the
	// service's clock), never a guess; a halt that measured the skew says it already.
	if v := st.Clock.ClockVerdict(); v.Level != clock.LevelOK && v.Code != clock.ClockUnsynced && (st.Halt == nil || st.Halt.Skew == 0) {
		out = append(out, Alert{Kind: AlertClockUnsynced, Clock: v})
	}
	return out
}

// Level is how well a part is.
type Level uint8

const (
	LevelOK Level = iota + 1
	LevelWarn
	LevelFail
	// LevelPending: starting (the models loading at start): not a problem.
	LevelPending
)

// Part names a part on the status screen.
type Part uint8

const (
	PartCameras Part = iota + 1
	PartModels
	PartSync
	PartQueue
	PartClock
	PartDisk
)

// Parts is the order of the status screen.
var Parts = []Part{PartCameras, PartModels, PartSync, PartQueue, PartClock, PartDisk}

// PartLevel is the level of part p in st.
func PartLevel(st Status, p Part) Level {
	switch p {
	case PartCameras:
		if len(st.Cameras) == 0 {
			return LevelFail
		}
		for _, c := range st.Cameras {
			if !c.Present {
				return LevelFail
			}
		}
	case PartModels:
		if len(st.Models) == 0 {
			return LevelFail
		}
		loading := false
		for _, m := range st.Models {
			switch {
			case m.Loading:
				loading = true
			case !m.Loaded:
				return LevelFail
			}
		}
		if loading {
			return LevelPending
		}
	case PartSync:
		if st.Halt != nil {
			return LevelFail
		}
		if !st.Online {
			return LevelWarn
		}
	case PartQueue:
		if st.QueueLimit > 0 && st.Waiting >= st.QueueLimit {
			return LevelFail
		}
		if st.QueueLimit > 0 && float64(st.Waiting) >= QueueNearlyFull*float64(st.QueueLimit) {
			return LevelWarn
		}
	case PartClock:
		if st.Halt != nil && st.Halt.Skew != 0 {
			return LevelFail
		}
		switch st.Clock.ClockVerdict().Level {
		case clock.LevelFail:
			return LevelFail
		case clock.LevelWarn:
			return LevelWarn
		}
	case PartDisk:
		if st.Disk.Low > 0 && st.Disk.Free < st.Disk.Low {
			return LevelFail
		}
	}
	return LevelOK
}

// JobActions says what the queue screen offers for a job to a role.
type JobActions struct {
	Retry, Purge, Progress bool
	// EnrollAgain: the service refused the job as already enrolled (2209); a
	// supervisor may enroll the customer again with the same photos. Retry is then not
	// offered (NoRetry2209): the same job would be refused again.
	EnrollAgain, NoRetry2209 bool
}

// CodeAlreadyEnrolled is the API's "user already enrolled" code.
const CodeAlreadyEnrolled = "2209"

// ActionsFor is what may be done with j by someone of role r.
func ActionsFor(j Job, r Role) JobActions {
	a := JobActions{Progress: j.State == JobSending}
	switch j.State {
	case JobFailed, JobHeld, JobNeedsOperator:
		a.Retry = true
	}
	if j.ErrorCode == CodeAlreadyEnrolled && (j.State == JobNeedsOperator || j.State == JobFailed) {
		a.Retry, a.NoRetry2209 = false, true
		a.EnrollAgain = j.State == JobNeedsOperator && j.ReplacedBy == ""
	}
	// A supervisor may purge a job that will not be sent as it is (or is done), unless
	// its photos are gone already.
	if r == RoleSupervisor && !j.ImagesPurged {
		switch j.State {
		case JobFailed, JobNeedsOperator, JobQuarantined, JobDone:
			a.Purge = true
		}
	}
	return a
}

// SortJobs orders jobs newest first, in place.
func SortJobs(jobs []Job) {
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].Created.After(jobs[b].Created) })
}

// LockLeft is how long an operator stays locked, rounded up to the second.
func LockLeft(e *LockedError, now time.Time) time.Duration {
	d := e.Until.Sub(now)
	if d <= 0 {
		return 0
	}
	if d%time.Second != 0 {
		d = d.Truncate(time.Second) + time.Second
	}
	return d
}

// CustomerText is the customer id as a job's screens show it: in full while the kiosk
// holds it; once the photos are deleted (the id in full goes with them) its masked form
// and why, or, for a job sealed before that was kept, that it is deleted.
func CustomerText(j Job) string {
	switch {
	case j.CustomerID != "":
		return j.CustomerID
	case j.CustomerMasked != "":
		return Tf("job.customer-masked", map[string]any{"ID": j.CustomerMasked})
	case j.ImagesPurged:
		return T("job.customer-gone")
	}
	return T("job.customer-unread")
}

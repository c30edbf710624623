// Package fake implements the ui package's interfaces in memory, for the ui tests,
// the screenshots and trying the shell without a camera, a queue or a network.
//
// Enrollment (enroll.go) is a fake enrollment service over the vendored photos
// (testdata/photos, found through internal/testkit/testimages, so it runs from the source
// tree): cameras showing a photo (the document camera a drawn ID card holding one) at a
// steady rate, capture procedures playing a script of guidance over the frames the
// wizard hands them, prechecks read from the photos' manifest (a "spoof" selfie is not
// live, two identities do not match, the same photo twice is identical), a Scenario
// for the test cases (liveness failures, an unplug at a prompt, a missing camera,
// offline or late answers, a step held for screenshots). It analyses no face.
//
// Operators applies the lockout policy of issue 11 (5 wrong PINs lock for 5 minutes,
// doubling after each further lock) on an injected clock, so tests drive it in time.
// The real policy is the operator store's; this is a stand-in of the same shape.
package fake

import (
	"errors"
	"fmt"
	"image/color"
	"reflect"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/ui"
)

// MaxFails is how many wrong PINs in a row lock an operator.
const MaxFails = 5

// FirstLock is the first lock's length; each further lock doubles it.
const FirstLock = 5 * time.Minute

// Op is an operator with its PIN.
type Op struct {
	ui.Operator
	PIN string
}

type opState struct {
	Op
	fails    int
	locks    int
	until    time.Time
	closed   bool
	disabled bool
}

// Operators is an in-memory operator store.
type Operators struct {
	Clock clock.Clock

	mu    sync.Mutex
	ops   []*opState
	Ended []ui.EndReason // every SignOut's reason, in order
	// Changes are the supervisor's changes (admin.go), in order.
	Changes []Change
}

// NewOperators returns a store of ops on clock c.
func NewOperators(c clock.Clock, ops ...Op) *Operators {
	o := &Operators{Clock: c}
	for _, op := range ops {
		o.ops = append(o.ops, &opState{Op: op})
	}
	return o
}

// List returns the operators.
func (o *Operators) List() ([]ui.Operator, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]ui.Operator, 0, len(o.ops))
	for _, op := range o.ops {
		if !op.disabled {
			out = append(out, op.Operator)
		}
	}
	return out, nil
}

// SignIn checks a PIN with the lockout policy.
func (o *Operators) SignIn(id, pin string) (ui.Session, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.Clock.Now()
	for _, op := range o.ops {
		if op.ID != id || op.disabled {
			continue
		}
		if now.Before(op.until) {
			return ui.Session{}, &ui.LockedError{Until: op.until}
		}
		if pin != op.PIN {
			op.fails++
			if op.fails >= MaxFails {
				op.fails = 0
				op.until = now.Add(FirstLock << op.locks)
				op.locks++
				return ui.Session{}, &ui.LockedError{Until: op.until}
			}
			return ui.Session{}, &ui.WrongPINError{Remaining: MaxFails - op.fails}
		}
		op.fails, op.locks = 0, 0
		return ui.Session{Operator: op.Operator, Since: now}, nil
	}
	return ui.Session{}, ui.ErrUnknownOperator
}

// SignOut records the reason.
func (o *Operators) SignOut(_ ui.Session, r ui.EndReason) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Ended = append(o.Ended, r)
}

// Status is a StatusSource whose value tests set.
type Status struct {
	mu sync.Mutex
	s  ui.Status
}

// NewStatus returns a source that gives s.
func NewStatus(s ui.Status) *Status { return &Status{s: s} }

// Status returns the value.
func (f *Status) Status() ui.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s
}

// Set changes the value.
func (f *Status) Set(s ui.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s = s
}

// ErrNoJob is returned for an unknown job id.
var ErrNoJob = errors.New("no such job")

// Queue is an in-memory job list.
type Queue struct {
	mu     sync.Mutex
	jobs   []ui.Job
	Purged []string
	// EnrolledAgain are the EnrollAgain calls: the old job and the supervisor.
	EnrolledAgain [][2]string
}

// NewQueue returns a queue holding jobs.
func NewQueue(jobs ...ui.Job) *Queue { return &Queue{jobs: append([]ui.Job(nil), jobs...)} }

// Jobs returns a copy of the jobs.
func (q *Queue) Jobs() ([]ui.Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]ui.Job(nil), q.jobs...), nil
}

// Job returns the job with id.
func (q *Queue) Job(id string) (ui.Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range q.jobs {
		if j.ID == id {
			return j, true
		}
	}
	return ui.Job{}, false
}

// Retry puts a failed, held or needs-operator job back to queued.
func (q *Queue) Retry(id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, j := range q.jobs {
		if j.ID != id {
			continue
		}
		switch j.State {
		case ui.JobFailed, ui.JobHeld, ui.JobNeedsOperator:
			q.jobs[i].State = ui.JobQueued
			q.jobs[i].ErrorCode = ""
			return nil
		}
		return fmt.Errorf("retrying job %s: it is %s", id, j.State)
	}
	return fmt.Errorf("retrying job %s: %w", id, ErrNoJob)
}

// EnrollAgain queues a new job for a 2209 job and links the two (the old one failed).
func (q *Queue) EnrollAgain(sup ui.Session, id string) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, j := range q.jobs {
		if j.ID != id {
			continue
		}
		if j.State != ui.JobNeedsOperator || j.ErrorCode != ui.CodeAlreadyEnrolled {
			return "", fmt.Errorf("enrolling again job %s: it is %s", id, j.State)
		}
		nj := ui.Job{ID: id + "-again", CustomerID: j.CustomerID, Created: j.Created, State: ui.JobQueued, Training: j.Training, EnrolledAgainFrom: id}
		q.jobs[i].State, q.jobs[i].ReplacedBy = ui.JobFailed, nj.ID
		q.jobs = append([]ui.Job{nj}, q.jobs...)
		q.EnrolledAgain = append(q.EnrolledAgain, [2]string{id, sup.Operator.ID})
		return nj.ID, nil
	}
	return "", fmt.Errorf("enrolling again job %s: %w", id, ErrNoJob)
}

// Purge removes a job.
func (q *Queue) Purge(id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, j := range q.jobs {
		if j.ID == id {
			q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
			q.Purged = append(q.Purged, id)
			return nil
		}
	}
	return fmt.Errorf("purging job %s: %w", id, ErrNoJob)
}

// Settings is an in-memory settings store.
type Settings struct {
	mu sync.Mutex
	s  ui.Settings
}

// NewSettings returns a store holding s.
func NewSettings(s ui.Settings) *Settings { return &Settings{s: s} }

// Settings returns the settings.
func (f *Settings) Settings() (ui.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s, nil
}

// SetLanguage saves the language.
func (f *Settings) SetLanguage(code string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s.Language = code
	return nil
}

// SetIdleLock saves the idle lock.
func (f *Settings) SetIdleLock(d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.s.IdleLock = d
	return nil
}

// Preview shows a still gradient in place of a camera's picture.
type Preview struct{}

// Preview returns the gradient and a stop that does nothing.
func (Preview) Preview(string) (fyne.CanvasObject, func()) {
	g := canvas.NewRadialGradient(color.NRGBA{R: 0xd8, G: 0xb8, B: 0x98, A: 0xff}, color.NRGBA{R: 0x30, G: 0x38, B: 0x48, A: 0xff})
	return g, func() {}
}

// Walk calls f on o and on every object inside it that the shell builds: containers'
// objects and the Content of scrolls, pop-ups and overlays (found by reflection, as
// Fyne's overlay type is internal). Widgets' own insides are not visited. Tests and the
// screenshot program use it to find buttons and labels.
func Walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, ch := range c.Objects {
			Walk(ch, f)
		}
		return
	}
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	if fv := v.Elem().FieldByName("Content"); fv.IsValid() && fv.CanInterface() {
		if inner, ok := fv.Interface().(fyne.CanvasObject); ok {
			Walk(inner, f)
		}
	}
}

// WalkCanvas walks the canvas's content and its overlays, the top overlay first.
func WalkCanvas(c fyne.Canvas, f func(fyne.CanvasObject)) {
	ov := c.Overlays().List()
	for i := len(ov) - 1; i >= 0; i-- {
		Walk(ov[i], f)
	}
	Walk(c.Content(), f)
}

// FindButton is the first visible button labelled text on c (overlays first), or nil.
func FindButton(c fyne.Canvas, text string) *widget.Button {
	var b *widget.Button
	WalkCanvas(c, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && b == nil && x.Text == text {
			b = x
		}
	})
	return b
}

// FindButtons are the visible buttons labelled text on c, overlays first, then in
// the order the screen holds them.
func FindButtons(c fyne.Canvas, text string) []*widget.Button {
	var out []*widget.Button
	WalkCanvas(c, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && x.Text == text {
			out = append(out, x)
		}
	})
	return out
}

// Texts lists the text of every label, button and canvas text on c.
func Texts(c fyne.Canvas) []string {
	var out []string
	WalkCanvas(c, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		case *canvas.Text:
			out = append(out, x.Text)
		case *widget.Select:
			out = append(out, x.Selected)
			out = append(out, x.Options...)
		}
	})
	return out
}

// Add puts a job at the head of the queue (newest first).
func (q *Queue) Add(j ui.Job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append([]ui.Job{j}, q.jobs...)
}

// SetOutcome marks job id done with o's result, or failed with o's error.
func (q *Queue) SetOutcome(id string, o ui.Outcome) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, j := range q.jobs {
		if j.ID == id {
			q.jobs[i].ResultCode, q.jobs[i].ErrorCode = o.ResultCode, o.ErrorCode
			q.jobs[i].State = ui.JobDone
			if o.ErrorCode != "" {
				q.jobs[i].State = ui.JobFailed
			}
		}
	}
}

package uploader

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// Sentinel errors.
var (
	// ErrHalted is returned (wrapped in a *HaltError) by Drain when sending is halted
	// because of an account, key or clock problem (2205, 2214, 2220).
	ErrHalted = errors.New("sync halted")
	// ErrUnusable is wrapped by Queue.Claim when a job cannot be sent at all (its device
	// signature does not verify, it does not decrypt): the queue has quarantined it and the
	// engine skips it.
	ErrUnusable = errors.New("job unusable")
	// ErrRunning is returned by Run or Drain when the Uploader is already running.
	ErrRunning = errors.New("uploader already running")
)

// Queue is what the engine needs from the offline queue. Implementations are safe for
// concurrent use.
type Queue interface {
	// Ready returns up to limit ids of queued jobs whose next-attempt time is not after
	// now, oldest first.
	Ready(ctx context.Context, now time.Time, limit int) ([]string, error)
	// Claim moves a queued job to sending and opens it (checks its signature, decrypts
	// it). Job.Attempt counts this attempt. A job that cannot be sent is quarantined by
	// the queue and Claim returns an error wrapping ErrUnusable.
	Claim(ctx context.Context, id string) (Job, error)
	// Settle records the outcome of a claimed job (its state leaves sending).
	Settle(ctx context.Context, id string, o Outcome) error
	// ReleaseHeld moves every held job back to queued; it returns how many moved.
	ReleaseHeld(ctx context.Context) (int, error)
	// Pending counts the jobs that are still to be sent.
	Pending(ctx context.Context) (Pending, error)
}

// Pending is the part of the queue that is still to be sent.
type Pending struct {
	Queued  int // queued, including those waiting for their next-attempt time
	Sending int // claimed and not settled (in this process or left by a crash)
	Held    int // held by a halt
	// NextAttempt is the earliest next-attempt time among queued jobs (zero if none).
	NextAttempt time.Time
}

// Job is one claimed, opened job.
type Job struct {
	ID      string
	Attempt int   // 1 for the first attempt
	Size    int64 // bytes of images, a hint for progress before the body is built
	// Job is the opened job that the Sender sends; the engine passes it on untouched.
	Job *job.Job
}

// Sender submits one job to the compare API. A nil error means the server answered
// with a comparison result (0840, 0841, 0941). Any other answer is an error; errors
// that are not *SendError are treated as retryable network failures.
type Sender interface {
	Send(ctx context.Context, j Job, progress func(sent, total int64)) (Result, error)
}

// Prober checks cheaply whether the API can be reached at all.
type Prober interface {
	Probe(ctx context.Context) error
}

// Result is what the server answered for a delivered job.
type Result struct {
	Code       string            `json:"code,omitempty"`         // 0840, 0841, 0941; 2215 when Unknown
	Text       string            `json:"text,omitempty"`         // e.g. "Face Match"
	Status     string            `json:"status,omitempty"`       // approved, rejected
	SmileJobID string            `json:"smile_job_id,omitempty"` // the server's job id
	Actions    map[string]string `json:"actions,omitempty"`      // Liveness_Check, Selfie_Check, Selfie_Provided
	ServerTime time.Time         `json:"server_time,omitempty"`  // the server's Date, if known
	// Unknown is set when the server had the job already (2215): it was delivered
	// before (e.g. its answer was lost) and its result is not known to the kiosk.
	Unknown bool `json:"unknown,omitempty"`
}

// Class says what the engine must do with an answer that is not a result: the compare
// client's classes (see compare.Class), so the two never drift apart. A SendError with no
// class (zero) is treated as ClassRetry.
type Class = compare.Class

// The classes, as the compare client defines them.
const (
	ClassRetry     = compare.ClassRetry     // try again later (network, timeouts, 5xx, 429, 2201, 2210)
	ClassPermanent = compare.ClassPermanent // failed for good (2204, 2413, other 23xx/24xx)
	ClassHalt      = compare.ClassHalt      // stop all sending until the configuration changes (2205, 2214, 2220)
	ClassOperator  = compare.ClassOperator  // an operator must decide (2209: user already enrolled)
	ClassReconcile = compare.ClassReconcile // the server has this job already (2215)
)

// SendError is an answer or failure that is not a result, with its class. Senders return
// it (the compare adapter converts the client's typed errors into it).
type SendError struct {
	Class   Class
	Code    string // the server's code, e.g. "2205"; empty for network errors
	Message string // the server's text or a short description of the failure
	// Network is set when the failure was on the way (dial, reset, timeout) rather than
	// an answer; the engine then probes connectivity before trying again.
	Network bool
	// RetryAfter is the server's Retry-After, if it sent one.
	RetryAfter time.Duration
	// ServerDate is the server's Date header, if an answer came back.
	ServerDate time.Time
	Err        error // the underlying error, if any
}

func (e *SendError) Error() string {
	s := "sending job: " + e.Class.String()
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SendError) Unwrap() error { return e.Err }

// State is where a settled job goes.
type State int

const (
	// StateQueued: back to the queue, to be tried again at Outcome.NotBefore.
	StateQueued State = iota
	// StateDone: delivered, with Outcome.Result (Result.Unknown for 2215).
	StateDone
	// StateFailed: failed for good, with Outcome.Reason.
	StateFailed
	// StateHeld: held by a halt, with Outcome.Reason.
	StateHeld
	// StateNeedsOperator: an operator must decide, with Outcome.Reason.
	StateNeedsOperator
)

func (s State) String() string {
	switch s {
	case StateQueued:
		return "queued"
	case StateDone:
		return "done"
	case StateFailed:
		return "failed"
	case StateHeld:
		return "held"
	case StateNeedsOperator:
		return "needs-operator"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Outcome is how a claimed job is settled.
type Outcome struct {
	State     State
	Result    *Result   // StateDone
	Reason    string    // StateFailed, StateHeld, StateNeedsOperator; the last error for StateQueued
	Code      string    // the API's error code that Reason reports ("2204"), if it sent one
	NotBefore time.Time // StateQueued: the next attempt time
	Attempts  int       // StateQueued: attempts made so far (the job's Attempt)
}

// HaltError is returned by Drain when sending is halted. It wraps ErrHalted.
type HaltError struct {
	Halt Halt
}

func (e *HaltError) Error() string { return "sync halted: " + e.Halt.Reason }
func (e *HaltError) Unwrap() error { return ErrHalted }

// Halt describes why sending stopped.
type Halt struct {
	Code   string    `json:"code"`   // 2205, 2214 or 2220
	Reason string    `json:"reason"` // the alert text, one paragraph for the operator
	At     time.Time `json:"at"`
	// Skew is the server's clock minus the kiosk's, when it was measured (0 otherwise).
	Skew time.Duration `json:"skew,omitempty"`
	// ConfigID is the fingerprint of the configuration that was halted.
	ConfigID string `json:"config_id,omitempty"`
}

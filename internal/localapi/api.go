package localapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// DefaultSocket is where the packaged kiosk serves the local API.
const DefaultSocket = "/run/kiosk-agent/kiosk.sock"

// Backend is what the running app serves through the local API. Methods are called
// from the server's goroutines, concurrently; ctx ends when the client goes away.
// Errors that wrap offline's sentinels (ErrNotFound, ErrBadTransition, ...) reach the
// client as errors that match them with errors.Is.
type Backend interface {
	// Status is the kiosk's summary (kioskctl status).
	Status(ctx context.Context) (Status, error)
	// Jobs lists the queue (kioskctl queue list).
	Jobs(ctx context.Context, o offline.ListOptions) (JobList, error)
	// Job describes one job (kioskctl queue show); see DescribeJob.
	Job(ctx context.Context, id string) (JobDetail, error)
	// Audit returns the audit events that match (kioskctl audit).
	Audit(ctx context.Context, q AuditQuery) ([]offline.AuditEvent, error)
	// Retry sends a failed, held or needs-operator job back to the queue.
	Retry(ctx context.Context, id string, r RetryRequest) (offline.Entry, error)
	// Purge deletes one job's images.
	Purge(ctx context.Context, id string, r PurgeRequest) (offline.Entry, error)
	// Sweep applies retention now (kioskctl queue purge without an id).
	Sweep(ctx context.Context) (offline.SweepReport, error)
	// SyncStatus is the sync engine's summary.
	SyncStatus(ctx context.Context) (uploader.Status, error)
	// SyncNow wakes the sync engine to probe and send at once (and, with
	// RetryHalted, lifts a halt first); it returns without waiting for the sends.
	// Follow them with SyncStatus.
	SyncNow(ctx context.Context, r SyncRequest) (uploader.Status, error)
}

// Status is the kiosk's summary: the sync engine's, the jobs by state, and what
// the app adds.
type Status struct {
	uploader.Status
	// ByState counts every job by state name.
	ByState map[string]int `json:"by_state"`
	// KioskID and Version name the kiosk and its build.
	KioskID string `json:"kiosk_id,omitempty"`
	Version string `json:"version,omitempty"`
	// Operator is the signed-in operator's id ("" when nobody is).
	Operator string `json:"operator,omitempty"`
	// Training is set on a practice kiosk (config training, or a loopback API URL).
	Training bool `json:"training,omitempty"`
	// Alerts are the queue's problems the operator must be told about.
	Alerts []offline.Alert `json:"alerts,omitempty"`
	// Started is when the app started.
	Started time.Time `json:"started,omitzero"`
}

// JobList is the queue: what `kioskctl queue list --json` prints.
type JobList struct {
	Jobs   []offline.Entry `json:"jobs"`
	Counts offline.Counts  `json:"counts"`
}

// AuditQuery selects audit events. UserID is hashed by the kiosk (it holds the key)
// and never stored or logged.
type AuditQuery struct {
	Since  time.Time `json:"since,omitzero"`
	JobID  string    `json:"job_id,omitempty"`
	UserID string    `json:"user_id,omitempty"`
	Kind   string    `json:"kind,omitempty"`
	Limit  int       `json:"limit,omitempty"`
}

// RetryRequest is offline.RetryOptions on the wire. Who decides is not in it: the
// kiosk records the caller it established (Actor), never a name the client sends.
type RetryRequest struct {
	AllowNewEnroll bool `json:"allow_new_enroll,omitempty"`
}

// PurgeRequest is offline.PurgeOptions on the wire (who decides: see RetryRequest).
type PurgeRequest struct {
	Force bool `json:"force,omitempty"`
}

// SyncRequest asks the sync engine to send now.
type SyncRequest struct {
	// RetryHalted lifts a halt (wrong key, clock wrong) before sending.
	RetryHalted bool `json:"retry_halted,omitempty"`
}

// Errors of the local API.
var (
	// ErrNoKiosk: no kiosk serves the socket (it is absent, or nothing listens on
	// it). kioskctl then opens the queue file itself.
	ErrNoKiosk = errors.New("no kiosk running")
	// ErrForbidden: the caller is neither root nor in the kiosk's group, or asked a
	// reader for a change (Role), or gave a wrong supervisor's PIN.
	ErrForbidden = errors.New("not allowed to use the kiosk's local API")
	// ErrTooMany: a reader asked too often (Limits.ReaderRate), or woke the sync
	// engine again too soon.
	ErrTooMany = errors.New("too many requests")
	// ErrBusy: the caller holds too many connections (Limits); the kiosk answered
	// and closed the connection.
	ErrBusy = errors.New("the kiosk's local API is busy")
	// ErrRunning: Listen found a live kiosk already serving the socket.
	ErrRunning = errors.New("a kiosk is already serving the local API")
)

// errorCodes map the errors the client can match to the codes on the wire.
var errorCodes = []struct {
	err    error
	code   string
	status int
}{
	{offline.ErrNotFound, "not_found", 404},
	{offline.ErrBadTransition, "bad_transition", 409},
	{offline.ErrImagesPurged, "images_purged", 409},
	{offline.ErrQuarantined, "quarantined", 409},
	{offline.ErrInvalidJob, "invalid", 400},
	{offline.ErrClosed, "closed", 503},
	{offline.ErrDamaged, "damaged", 500},
	{ErrForbidden, "forbidden", 403},
	{offline.ErrOperatorNotFound, "operator_not_found", 404},
	{offline.ErrOperatorExists, "operator_exists", 409},
	{offline.ErrLastSupervisor, "last_supervisor", 409},
	{offline.ErrWeakPIN, "weak_pin", 400},
	{offline.ErrBadOperator, "bad_operator", 400},
	{ErrTooMany, "too_many", 429},
	{ErrBusy, "busy", 503},
}

// Error is a failure the kiosk reported. errors.Is matches the sentinel its Code
// stands for (offline.ErrNotFound, ...).
type Error struct {
	Status  int    // HTTP status
	Code    string // not_found, bad_transition, ..., or "error"
	Message string // the kiosk's message, which says what to do
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error {
	for _, c := range errorCodes {
		if c.code == e.Code {
			return c.err
		}
	}
	return nil
}

// wireError is the JSON body of every error response.
type wireError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func codeOf(err error) (string, int) {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return c.code, c.status
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "timeout", 504
	}
	return "error", 500
}

// badRequest is a malformed request (400, code "bad_request").
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badRequestf(format string, args ...any) error {
	return &badRequest{fmt.Sprintf(format, args...)}
}

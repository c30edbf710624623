package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/codes"
)

// This file declares what the screens need from the rest of the kiosk: small
// interfaces (Operators, StatusSource, Queue, SettingsStore, Previewer) and the plain
// values they return. internal/app implements them over the operator store, the
// offline queue, the sync engine and the config; ui/fake implements them for tests
// and screenshots.

// Role is what an operator may do. The zero value is invalid.
type Role uint8

const (
	// RoleOperator enrolls customers and sees the queue and the status.
	RoleOperator Role = iota + 1
	// RoleSupervisor may also open the settings, purge jobs and close the app.
	RoleSupervisor
)

func (r Role) String() string {
	switch r {
	case RoleOperator:
		return "operator"
	case RoleSupervisor:
		return "supervisor"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// Operator is one person who may sign in. Never carries the PIN or its hash.
type Operator struct {
	ID   string
	Name string // shown in the list and the status bar
	Role Role
}

// Session is a signed-in operator.
type Session struct {
	Operator Operator
	Since    time.Time
}

// ErrWrongPIN is returned by Operators.SignIn when the PIN does not match (and the
// operator is not locked). The store counts it towards the lockout.
var ErrWrongPIN = errors.New("wrong PIN")

// ErrUnknownOperator is returned by Operators.SignIn for an id that does not exist or
// is disabled.
var ErrUnknownOperator = errors.New("unknown or disabled operator")

// LockedError is returned by Operators.SignIn while an operator is locked out after
// too many wrong PINs, whatever PIN was given. Until is when the lock ends.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return "operator locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Operators is the operator store as the sign-in screen and the supervisor gate
// use it. The lockout policy (how many wrong PINs, for how long) is the store's.
type Operators interface {
	// List returns the operators who may sign in, in display order.
	List() ([]Operator, error)
	// SignIn checks the PIN of operator id. It returns ErrWrongPIN, ErrUnknownOperator,
	// a *LockedError, or another error (the store failed). The store records the
	// attempt in the audit log.
	SignIn(id, pin string) (Session, error)
	// SignOut ends a session for reason, or locks it (EndLock, EndIdle: the session
	// stays, and the same operator's SignIn unlocks it); recorded in the audit log.
	SignOut(s Session, reason EndReason)
}

// EndReason says why a session ended.
type EndReason uint8

const (
	// EndSignOut: the operator tapped Sign out.
	EndSignOut EndReason = iota + 1
	// EndIdle: nobody touched the screen for the idle-lock time; the session is
	// locked, not ended.
	EndIdle
	// EndClose: the app was closed by a supervisor.
	EndClose
	// EndLock: the operator tapped Lock; the session is locked, not ended.
	EndLock
	// EndSupervisor: a supervisor ended a locked session and the enrollment it held.
	EndSupervisor
)

func (r EndReason) String() string {
	switch r {
	case EndSignOut:
		return "sign-out"
	case EndIdle:
		return "idle-lock"
	case EndClose:
		return "close"
	case EndLock:
		return "lock"
	case EndSupervisor:
		return "ended-by-supervisor"
	}
	return fmt.Sprintf("end(%d)", uint8(r))
}

// StatusSource gives the state of every part of the kiosk. Status must be cheap: the
// shell calls it on every refresh (about once a second) on the UI goroutine.
type StatusSource interface {
	Status() Status
}

// Status is a snapshot of the kiosk's parts.
type Status struct {
	// Training is set when the app runs against the local sandbox: every screen says so.
	Training bool
	// Online is whether the compare API answered last time it was tried.
	Online bool
	// LastSync is when a job last reached the server (zero: never).
	LastSync time.Time
	// Waiting is how many jobs have not reached the server yet.
	Waiting int
	// QueueLimit is the most jobs the queue holds (0: unknown, no alert).
	QueueLimit int
	// Halt is set while the sync engine has stopped sending.
	Halt *Halt
	// Cameras are the configured cameras.
	Cameras []Camera
	// Models are the face-analysis models.
	Models []Model
	// Clock is the state of the system clock.
	Clock ClockState
	// Disk is the disk that holds the queue.
	Disk Disk
}

// Halt is why the sync engine stopped sending (sync/uploader.Halt, copied).
type Halt struct {
	Code   string        // the API's code: 2205, 2214, 2220 (or "" for a local cause)
	Reason string        // the sync engine's sentence for the operator (English)
	Skew   time.Duration // server clock minus kiosk clock, when measured (0 otherwise)
	At     time.Time
}

// CameraRole is what a camera is used for.
type CameraRole uint8

const (
	CameraSelfie CameraRole = iota + 1
	CameraDocument
)

// Camera is one configured camera.
type Camera struct {
	Role    CameraRole
	Device  string // e.g. /dev/video0, or the replay folder
	Present bool   // opened and streaming
	Mode    string // negotiated format, e.g. "1280x720 MJPG 30 fps" (technical, not translated)
	// Replay is set when the frames are replayed photos (training, demo), not a camera.
	Replay bool
	// SharesSelfie is set for a document camera that is the selfie camera (none of its own).
	SharesSelfie bool
}

// Model is one face-analysis model (or the engine that holds them).
type Model struct {
	Name   string // file name (technical, not translated)
	Loaded bool
	// Loading: the kiosk is loading it (at start, in the background); not a problem.
	Loading bool
}

// ClockState is what the kiosk knows of its clock.
type ClockState struct {
	Synced bool          // NTP says synchronised
	Skew   time.Duration // last measured difference with the API's clock (0: unknown)
	// Verdict is the kiosk's one judgement of its clock (clock.Judge, shared with
	// kioskctl doctor and the status screen's checks). A zero Verdict is judged from
	// Synced and Skew (a non-zero Skew counts as measured).
	Verdict clock.Verdict
}

// ClockVerdict is c's judgement: Verdict, or clock.Judge of Synced and Skew.
func (c ClockState) ClockVerdict() clock.Verdict {
	if c.Verdict.Level != 0 {
		return c.Verdict
	}
	return clock.Judge(clock.Reading{NTPSynced: c.Synced, Skew: c.Skew, Measured: c.Skew != 0})
}

// Disk is the free space of the queue's file system.
type Disk struct {
	Free, Total uint64 // bytes
	// Low is the free space under which the kiosk warns (0: no warning).
	Low uint64
}

// JobState is where a job is in its life: internal/codes' State, offline.State's type.
type JobState = codes.State

// The job states (see internal/codes).
const (
	JobQueued        = codes.StateQueued
	JobSending       = codes.StateSending
	JobDone          = codes.StateDone
	JobFailed        = codes.StateFailed
	JobHeld          = codes.StateHeld
	JobNeedsOperator = codes.StateNeedsOperator
	JobQuarantined   = codes.StateQuarantined
)

// JobStates lists every state.
var JobStates = codes.States

// ParseJobState is the inverse of JobState.String.
func ParseJobState(name string) (JobState, error) { return codes.ParseState(name) }

// Job is one job as the queue screen and the job's page show it: no image.
type Job struct {
	ID string
	// CustomerID is the customer's id, shown in full to the operator on the screen
	// only (never logged); empty once the job's photos (and sealed ids) are deleted.
	CustomerID string
	// CustomerMasked is the customer's id with all but its last characters hidden: what
	// the kiosk keeps of it once the photos are deleted (empty for older jobs).
	CustomerMasked string
	// ImagesPurged: the job's photos (and its customer id in full) are deleted.
	ImagesPurged bool
	Created      time.Time
	// Updated is when the job last changed state.
	Updated  time.Time
	State    JobState
	Training bool
	// Attempts is how many times the job was sent.
	Attempts int
	// EnrolledAgainFrom is the job (refused as already enrolled) this one enrolls
	// again; ReplacedBy, on that old job, is this one.
	EnrolledAgainFrom, ReplacedBy string
	// ResultCode is the API's result (0840, 0841, 0941, 0001) once done.
	ResultCode string
	// ErrorCode is the API's error code (2204, 2209, ...) of a failed or held job.
	ErrorCode string
	// Progress is the part sent, 0 to 1, while State is JobSending.
	Progress float64
	// NextAttempt is when a queued job is tried again (zero: as soon as possible).
	NextAttempt time.Time
}

// Queue is the offline queue as the queue screen uses it.
type Queue interface {
	// Jobs lists the jobs, newest first.
	Jobs() ([]Job, error)
	// Retry puts a failed, held or needs-operator job back in the queue.
	Retry(id string) error
	// Purge deletes a job's images now (supervisor only; the screen checks the role).
	Purge(id string) error
	// EnrollAgain seals the photos of a job refused as already enrolled (2209) again as
	// a new job with allow_new_enroll, on supervisor sup's decision; it returns the new
	// job's id. The old job is kept, linked to the new one.
	EnrollAgain(sup Session, id string) (string, error)
}

// ThresholdKind names a decision threshold shown (read-only) in the settings.
type ThresholdKind uint8

const (
	ThresholdMatch ThresholdKind = iota + 1
	ThresholdLiveness
	ThresholdSharpness
	ThresholdFaceSize
)

// Threshold is one threshold and its value.
type Threshold struct {
	Kind  ThresholdKind
	Value float64
}

// Settings is what the settings screen shows. It never carries the API key.
type Settings struct {
	APIURL     string
	PartnerID  string
	KeyPresent bool
	Cameras    []Camera
	Thresholds []Threshold
	Language   string        // "en" or "fr"
	IdleLock   time.Duration // lock after this long without a touch
}

// SettingsStore reads the settings and saves the two an operator may change here.
type SettingsStore interface {
	Settings() (Settings, error)
	SetLanguage(code string) error
	SetIdleLock(d time.Duration) error
}

// Previewer gives a live preview of a camera for the settings screen. The object it
// returns updates itself (through fyne.Do) until Stop is called.
type Previewer interface {
	Preview(device string) (obj fyne.CanvasObject, stop func())
}

// About is what the about screen shows.
type About struct {
	Version        string
	KioskID        string
	KeyFingerprint string // of the device signing key (public part)
	// KeyProtector is what keeps the device keys off the disk in clear: "tpm2",
	// "systemd-creds" or "file" (the plain file: not protected against disk theft).
	KeyProtector string
}

package offline

import (
	"errors"
	"fmt"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/messages"
)

// Sentinel errors. Each is matched with errors.Is; the wrapped message says what to do.
var (
	// ErrQueueFull: the number of unsent jobs (queued, sending, held) reached
	// Settings.MaxJobs. New enrollments are refused until the queue drains.
	ErrQueueFull = errors.New("offline queue is full")
	// ErrDiskLimit: the queue database would grow past Settings.MaxDiskMB.
	ErrDiskLimit = errors.New("offline queue reached its disk budget")
	// ErrDiskFull: free space on the data disk is below Settings.MinFreeDiskMB, or a
	// write failed with "no space left on device".
	ErrDiskFull = errors.New("data disk is full")
	// ErrQueueStale: the oldest unsent job is older than Settings.MaxOldestUnsentDays.
	ErrQueueStale = errors.New("oldest unsent job is too old")

	// ErrNotFound: no job has that id.
	ErrNotFound = errors.New("job not found")
	// ErrDuplicateJob: a job with that id is already in the queue.
	ErrDuplicateJob = errors.New("job id already in the queue")
	// ErrInvalidJob is job.ErrInvalid: Enqueue refused the job because job.Job.Validate
	// did; the *job.Error in the chain lists every problem with its code.
	ErrInvalidJob = job.ErrInvalid
	// ErrBadTransition: the requested state change is not allowed from the job's state.
	ErrBadTransition = errors.New("state change not allowed")
	// ErrQuarantined: the job failed its integrity check (decryption or device
	// signature) and was quarantined; it is never sent. Its bytes are kept.
	ErrQuarantined = errors.New("job quarantined")
	// ErrImagesPurged: the job's images were deleted by retention or by an operator.
	ErrImagesPurged = errors.New("job images already purged")

	// ErrLocked: another process holds the queue database open.
	ErrLocked = errors.New("queue database is locked by another process")
	// ErrWrongDeviceKey: device.key is not the key this queue was sealed with.
	ErrWrongDeviceKey = errors.New("wrong device key")
	// ErrDeviceKey: device.key is unreadable, malformed or too open.
	ErrDeviceKey = errors.New("device key problem")
	// ErrDamaged: a page of the database file is damaged (bbolt panicked reading it).
	// Restart the agent: a file that cannot be opened is moved aside at start-up; if
	// the damage is elsewhere the affected jobs are quarantined as they are read.
	ErrDamaged = errors.New("queue database file is damaged")
	// ErrClosed: the queue was closed.
	ErrClosed = errors.New("queue closed")
)

// LimitError is returned by Enqueue when a limit that protects the branch refuses a
// new enrollment. errors.Is matches its Kind (ErrQueueFull, ErrDiskLimit, ErrDiskFull,
// ErrQueueStale); Code is the stable code of the limit (Limit*) and Args its sentence's
// arguments, for internal/messages ("limit." + Code); Operator is that sentence in
// English.
type LimitError struct {
	Kind     error
	Code     string
	Args     []any
	Operator string
}

// The codes of LimitError.
const (
	LimitQueueFull     = "queue_full"     // ErrQueueFull (N: jobs waiting)
	LimitQueueStale    = "queue_stale"    // ErrQueueStale (Days, Limit)
	LimitDiskLimit     = "disk_limit"     // ErrDiskLimit (UsedMB, LimitMB)
	LimitDiskFull      = "disk_full"      // ErrDiskFull: too little free space (FreeMB, MinMB)
	LimitDiskExhausted = "disk_exhausted" // ErrDiskFull: the disk is full (a write failed)
)

// limitError makes the LimitError of code with its sentence's arguments (name, value).
func limitError(kind error, code string, args ...any) *LimitError {
	return &LimitError{Kind: kind, Code: code, Args: args, Operator: messages.Text(messages.English, "limit."+code, args...)}
}

func (e *LimitError) Error() string { return fmt.Sprintf("%v: %s", e.Kind, e.Operator) }
func (e *LimitError) Unwrap() error { return e.Kind }

// IsLimit reports whether err is a refusal by one of the queue's limits.
func IsLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

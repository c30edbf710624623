package offline

import (
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Result is the server's answer to a job that reached a verdict.
type Result struct {
	Code       string            `json:"code"`
	Text       string            `json:"text"`
	SmileJobID string            `json:"smile_job_id,omitempty"`
	Actions    map[string]string `json:"actions,omitempty"`
	ServerTime time.Time         `json:"server_time,omitzero"`
}

// Entry is what the queue knows about a job without opening its sealed payload: no
// images and no customer data in clear (the user id is a keyed hash).
type Entry struct {
	ID          string    `json:"job_id"`
	Version     int       `json:"version"`
	State       State     `json:"state"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Reason      string    `json:"reason,omitempty"`
	Code        string    `json:"code,omitempty"` // the API's error code that Reason reports ("2204"), if any
	Result      *Result   `json:"result,omitempty"`
	UserHash    string    `json:"user_hash"`
	// UserMasked is the customer's id with all but its last characters hidden
	// (MaskUserID): the job's id in full lives only in its sealed payload and goes with
	// its images; this stays for the operator's screens. Empty for jobs sealed before it
	// was recorded.
	UserMasked     string             `json:"user_masked,omitempty"`
	ComparisonType job.ComparisonType `json:"comparison_type"`
	LivenessFrames int                `json:"liveness_frames"`
	SealedBytes    int64              `json:"sealed_bytes"`
	ImagesPurged   bool               `json:"images_purged"`
	PurgedAt       time.Time          `json:"purged_at,omitzero"`
	PrechecksOK    bool               `json:"prechecks_ok"`
	Forced         bool               `json:"forced,omitempty"`
	// Document is the job's job.DocumentRecord (the ID document's format, type and
	// issuing country, read from its zone; never its number): local only, it outlives
	// the purge of the images and is never sent to the API.
	Document *job.DocumentRecord `json:"document,omitempty"`
	// CaptureOrigin is the job's job.CaptureOrigin (auto, manual, import; empty before it
	// was recorded).
	CaptureOrigin job.CaptureOrigin `json:"capture_origin,omitempty"`
	// EnrolledAgainFrom is the job this one enrolls again (Queue.EnrollAgain: the same
	// photos with allow_new_enroll after a 2209); ReplacedBy is that new job, on the
	// old one (kept, failed, for the audit).
	EnrolledAgainFrom string `json:"enrolled_again_from,omitempty"`
	ReplacedBy        string `json:"replaced_by,omitempty"`
}

// MaskUserID hides all but the last characters of a customer id: the last four of an id
// of eight characters or more, the last two of a shorter one, none of one of two or fewer.
func MaskUserID(id string) string {
	r := []rune(id)
	keep := 4
	switch {
	case len(r) <= 2:
		keep = 0
	case len(r) < 8:
		keep = 2
	}
	return strings.Repeat("•", len(r)-keep) + string(r[len(r)-keep:])
}

package offline

import (
	"fmt"
	"regexp"
	"time"
)

// Comparison image types accepted by the compare API.
const (
	ComparisonIDPhoto  = "ID_PHOTO"
	ComparisonPortrait = "PORTRAIT"
	ComparisonDocument = "DOCUMENT"
)

// Liveness frame counts accepted by the compare API.
const (
	MinLivenessFrames = 4
	MaxLivenessFrames = 8
)

// Job is one enrollment as it is sealed into the queue, and as Queue.Load returns it.
// Everything in it is encrypted at rest.
type Job struct {
	ID             string            `json:"job_id"`
	UserID         string            `json:"user_id"`
	PartnerParams  map[string]string `json:"partner_params,omitempty"` // extra keys, echoed by the server
	ComparisonType string            `json:"comparison_type"`          // ID_PHOTO, PORTRAIT or DOCUMENT
	AllowNewEnroll bool              `json:"allow_new_enroll"`
	CallbackURL    string            `json:"callback_url,omitempty"`
	KioskID        string            `json:"kiosk_id,omitempty"`
	OperatorID     string            `json:"operator_id,omitempty"`
	Created        time.Time         `json:"created"` // set by Enqueue when zero
	Prechecks      Prechecks         `json:"prechecks"`

	// The JPEG images. They are never written to disk in clear.
	Selfie     []byte   `json:"-"`
	Liveness   [][]byte `json:"-"` // 4 to 8 frames
	Comparison []byte   `json:"-"`
}

// Prechecks is the summary of the on-device checks made before sealing.
type Prechecks struct {
	// Ran is false when no checks were made (e.g. the face engine was unavailable).
	Ran bool `json:"ran"`
	// OK is true when every check passed.
	OK bool `json:"ok"`
	// Forced is true when the operator sealed the job although a check failed.
	Forced bool `json:"forced,omitempty"`
	// Problems lists the failed checks.
	Problems []PrecheckProblem `json:"problems,omitempty"`
	// Similarity is the selfie-vs-comparison cosine similarity when it was computed.
	Similarity *float64 `json:"similarity,omitempty"`
	// Match and Identical are the comparison verdicts when they were computed.
	Match     *bool `json:"match,omitempty"`
	Identical *bool `json:"identical,omitempty"`
}

// PrecheckProblem is one failed check on one image.
type PrecheckProblem struct {
	Image   string `json:"image"` // selfie, liveness[3], comparison, pair
	Code    string `json:"code"`
	Message string `json:"message"`
}

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
	ID             string    `json:"job_id"`
	Version        int       `json:"version"`
	State          State     `json:"state"`
	Created        time.Time `json:"created"`
	Updated        time.Time `json:"updated"`
	Attempts       int       `json:"attempts"`
	NextAttempt    time.Time `json:"next_attempt,omitzero"`
	Reason         string    `json:"reason,omitempty"`
	Result         *Result   `json:"result,omitempty"`
	UserHash       string    `json:"user_hash"`
	ComparisonType string    `json:"comparison_type"`
	LivenessFrames int       `json:"liveness_frames"`
	SealedBytes    int64     `json:"sealed_bytes"`
	ImagesPurged   bool      `json:"images_purged"`
	PurgedAt       time.Time `json:"purged_at,omitzero"`
	PrechecksOK    bool      `json:"prechecks_ok"`
	Forced         bool      `json:"forced,omitempty"`
}

var jobIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// Validate reports what the compare API would refuse in j, in one error.
func (j *Job) Validate() error {
	var probs []string
	if !jobIDRe.MatchString(j.ID) {
		probs = append(probs, "job id must be 1-128 characters of letters, digits, '.', '_', ':' or '-'")
	}
	if j.UserID == "" {
		probs = append(probs, "user id is empty")
	}
	switch j.ComparisonType {
	case ComparisonIDPhoto, ComparisonPortrait, ComparisonDocument:
	default:
		probs = append(probs, fmt.Sprintf("comparison type %q is not ID_PHOTO, PORTRAIT or DOCUMENT", j.ComparisonType))
	}
	if len(j.Selfie) == 0 {
		probs = append(probs, "selfie image is missing")
	}
	if len(j.Comparison) == 0 {
		probs = append(probs, "comparison image is missing")
	}
	if n := len(j.Liveness); n < MinLivenessFrames || n > MaxLivenessFrames {
		probs = append(probs, fmt.Sprintf("%d liveness frames given; 4 to 8 are needed", n))
	}
	for i, f := range j.Liveness {
		if len(f) == 0 {
			probs = append(probs, fmt.Sprintf("liveness frame %d is empty", i+1))
		}
	}
	for _, k := range []string{"job_id", "user_id", "job_type"} {
		if _, ok := j.PartnerParams[k]; ok {
			probs = append(probs, fmt.Sprintf("partner param %q is set by the agent; remove it", k))
		}
	}
	if len(probs) == 0 {
		return nil
	}
	msg := probs[0]
	for _, p := range probs[1:] {
		msg += "; " + p
	}
	return fmt.Errorf("%w: %s", ErrInvalidJob, msg)
}

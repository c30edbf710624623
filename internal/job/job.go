package job

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ComparisonType says what the comparison image is (the form's comparison_image_type).
type ComparisonType string

// The comparison image types of the contract.
const (
	IDPhoto  ComparisonType = "ID_PHOTO" // from an ID authority; may carry watermarks or stamps
	Portrait ComparisonType = "PORTRAIT" // a selfie or an agent-taken photo
	Document ComparisonType = "DOCUMENT" // a photo of an ID document
)

// ComparisonTypes returns the comparison image types of the contract.
func ComparisonTypes() []ComparisonType { return []ComparisonType{IDPhoto, Portrait, Document} }

// Valid reports whether t is a comparison image type of the contract (exact case).
func (t ComparisonType) Valid() bool { return slices.Contains(ComparisonTypes(), t) }

// Limits on the liveness images of one job.
const (
	MinLiveness = 4
	MaxLiveness = 8
)

// The partner params that the agent sets itself; a job's PartnerParams must not use them.
const (
	ParamJobID   = "job_id"
	ParamUserID  = "user_id"
	ParamJobType = "job_type"
)

// ReservedParam reports whether key is a partner param that the agent sets itself.
func ReservedParam(key string) bool {
	return key == ParamJobID || key == ParamUserID || key == ParamJobType
}

// MaxIDLen is the longest job id, in bytes.
const MaxIDLen = 128

// IDRule says in words which job ids are valid.
const IDRule = "1 to 128 letters, digits, '.', '_', ':' or '-'"

// ValidID reports whether id is a valid job id (see IDRule).
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// ValidUserID reports whether id is a valid user id: anything but blank.
func ValidUserID(id string) bool { return strings.TrimSpace(id) != "" }

// IsJPEG reports whether b starts like a JPEG file (SOI marker then a marker).
func IsJPEG(b []byte) bool { return len(b) >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF }

// Job is one enrollment: what the API needs, and what the kiosk records with it.
// The JSON names are those sealed by the offline queue; the images are not in the JSON.
type Job struct {
	ID             string            `json:"job_id"`
	UserID         string            `json:"user_id"`
	PartnerParams  map[string]string `json:"partner_params,omitempty"` // extra keys, echoed by the server
	ComparisonType ComparisonType    `json:"comparison_type"`
	AllowNewEnroll bool              `json:"allow_new_enroll"`
	CallbackURL    string            `json:"callback_url,omitempty"` // empty: the sender uses the configured one
	KioskID        string            `json:"kiosk_id,omitempty"`
	OperatorID     string            `json:"operator_id,omitempty"`
	// Training marks a practice job sealed by a kiosk in training mode: it is sent only
	// to a loopback API (a local compare-sandbox), never to production (internal/app).
	Training  bool      `json:"training,omitempty"`
	Created   time.Time `json:"created"` // the offline queue sets it when zero
	Prechecks Prechecks `json:"prechecks"`
	// Document is what was read from a DOCUMENT comparison image's machine readable zone
	// (its check digits held): kept in the job's local record only (sealed by offline), never
	// sent to the API.
	Document *DocumentRecord `json:"document,omitempty"`
	// CaptureOrigin is how the comparison image was taken (auto, manual or import): kept in
	// the job's local record, the audit and the metrics, never sent to the API. Empty for
	// jobs sealed before it existed, or by kioskctl enroll from files (import).
	CaptureOrigin CaptureOrigin `json:"capture_origin,omitempty"`

	// The JPEG images.
	Selfie     []byte   `json:"-"`
	Liveness   [][]byte `json:"-"` // MinLiveness to MaxLiveness frames
	Comparison []byte   `json:"-"` // the image on file, of ComparisonType
}

// ImageBytes is the total size of the job's images.
func (j *Job) ImageBytes() int64 {
	n := int64(len(j.Selfie) + len(j.Comparison))
	for _, l := range j.Liveness {
		n += int64(len(l))
	}
	return n
}

// Prechecks is the summary of the on-device checks made before sealing.
type Prechecks struct {
	// Ran is false when no checks were made (e.g. the face engine was unavailable).
	Ran bool `json:"ran"`
	// OK is true when every check passed.
	OK bool `json:"ok"`
	// Forced is true when the operator sealed the job although a check failed.
	Forced bool `json:"forced,omitempty"`
	// ForcedBy is the supervisor who allowed a forced seal on the kiosk's screen (empty
	// for kioskctl enroll --force); the audit log's enrolled event names them.
	ForcedBy string `json:"forced_by,omitempty"`
	// Problems lists the failed checks.
	Problems []PrecheckProblem `json:"problems,omitempty"`
	// Warnings lists what the review shows without failing the checks (an expired
	// document); OK does not count them.
	Warnings []PrecheckProblem `json:"warnings,omitempty"`
	// Similarity is the selfie-vs-comparison cosine similarity when it was computed.
	Similarity *float64 `json:"similarity,omitempty"`
	// Match and Identical are the comparison verdicts when they were computed.
	Match     *bool `json:"match,omitempty"`
	Identical *bool `json:"identical,omitempty"`
}

// CaptureOrigin is how a job's comparison image was taken.
type CaptureOrigin string

// The capture origins.
const (
	OriginAuto   CaptureOrigin = "auto"   // the camera step took it when every gate held
	OriginManual CaptureOrigin = "manual" // the agent pressed "Take it now"
	OriginImport CaptureOrigin = "import" // read from a file (USB stick, import folder, kioskctl)
)

// Valid reports whether o is empty or one of the origins.
func (o CaptureOrigin) Valid() bool {
	return o == "" || o == OriginAuto || o == OriginManual || o == OriginImport
}

// Describe names o for a listing (kioskctl, the audit): the origin itself, "not recorded"
// when empty (a job sealed before origins were recorded), or `unknown "…"` (quoted, at
// most 24 bytes) for a value that is none of them: a record written by a newer build, or
// altered on disk. It never fails.
func (o CaptureOrigin) Describe() string {
	switch {
	case o == "":
		return "not recorded"
	case o.Valid():
		return string(o)
	}
	s := string(o)
	if len(s) > 24 {
		s = s[:24] + "…"
	}
	return fmt.Sprintf("unknown %q", s)
}

// DocumentRecord is what the job's local record keeps of the ID document's machine
// readable zone: its format (TD1, TD2, TD3), the document type ("P", "ID", "I"…) and the
// ICAO code of the issuing state or organisation. Never the number (personal data), the
// names or the dates.
type DocumentRecord struct {
	Format       string `json:"format"`
	Type         string `json:"type"`
	IssuingState string `json:"issuing_state"`
}

// PrecheckProblem is one failed check on one image.
type PrecheckProblem struct {
	Image   string `json:"image"` // selfie, liveness[3], comparison, pair
	Code    string `json:"code"`
	Message string `json:"message"`
}

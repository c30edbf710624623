package codes

import "fmt"

// Problem is the stable code of one failed capture gate; the UI turns it into a
// sentence (internal/messages, "guidance." + code).
type Problem string

// Problem codes. The gate codes are the face engine's (internal/precheck checks that
// they stay equal); ProblemMoving and ProblemPromptNotFollowed come from the procedures.
const (
	ProblemNoFace            Problem = "no_face"
	ProblemManyFaces         Problem = "several_faces"
	ProblemTooSmall          Problem = "face_too_small"
	ProblemTooClose          Problem = "face_too_close"
	ProblemOffCentre         Problem = "face_off_centre"
	ProblemEyesTooClose      Problem = "eyes_too_close"
	ProblemPose              Problem = "head_pose"
	ProblemTooDark           Problem = "too_dark"
	ProblemOverExposed       Problem = "over_exposed"
	ProblemBlurred           Problem = "blurred"
	ProblemNotLive           Problem = "not_live"
	ProblemPromptNotFollowed Problem = "prompt_not_followed" // the pose does not answer the prompt yet
	ProblemMoving            Problem = "moving"              // the document moves between frames
)

// Prompt is what the customer is asked to do for one liveness frame. Directions are the
// customer's own (their left), on an unmirrored camera image. The values are those of
// the face engine's prompts and of the sealed job's records.
type Prompt string

// Prompts.
const (
	PromptStraight Prompt = "straight" // look straight at the camera
	PromptLeft     Prompt = "left"     // turn the head to their left (yaw > 0 in the image)
	PromptRight    Prompt = "right"    // turn the head to their right (yaw < 0)
	PromptUp       Prompt = "up"       // tilt the head up (pitch > 0)
	PromptDown     Prompt = "down"     // tilt the head down (pitch < 0)
	PromptAny      Prompt = ""         // no prompt: any pose
)

// State is where a job is in its life. The zero value is invalid. The offline queue
// moves a job from one state to another (offline.CanMove says which moves it allows).
type State uint8

// The job states.
const (
	// StateQueued: sealed and waiting to be sent (possibly not before NextAttempt).
	StateQueued State = iota + 1
	// StateSending: claimed by the uploader. A job found here at start-up goes back
	// to StateQueued (the previous process died mid-send).
	StateSending
	// StateDone: the server answered with a result; images are purged after the
	// configured delay.
	StateDone
	// StateFailed: permanent failure (the request is wrong); images are kept until an
	// operator acts or the maximum age passes.
	StateFailed
	// StateHeld: sending halted by an account or key problem (not the job's fault);
	// goes back to StateQueued when the problem is fixed.
	StateHeld
	// StateNeedsOperator: the operator must decide (e.g. the user is already enrolled).
	StateNeedsOperator
	// StateQuarantined: the job failed its integrity check; it is never sent and its
	// bytes are kept for inspection.
	StateQuarantined
)

var stateNames = map[State]string{
	StateQueued:        "queued",
	StateSending:       "sending",
	StateDone:          "done",
	StateFailed:        "failed",
	StateHeld:          "held",
	StateNeedsOperator: "needs-operator",
	StateQuarantined:   "quarantined",
}

// States lists every state in display order.
var States = []State{StateQueued, StateSending, StateHeld, StateNeedsOperator, StateFailed, StateQuarantined, StateDone}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ParseState is the inverse of String.
func ParseState(s string) (State, error) {
	for st, n := range stateNames {
		if n == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown job state %q (one of queued, sending, done, failed, held, needs-operator, quarantined)", s)
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) {
	if _, ok := stateNames[s]; !ok {
		return nil, fmt.Errorf("marshalling job state: invalid state %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Unsent reports whether the job still waits to reach the server (it counts
// against the queue's MaxJobs and MaxOldestUnsentDays).
func (s State) Unsent() bool { return s == StateQueued || s == StateSending || s == StateHeld }

// CaptureKind is what a capture step of the enrollment wizard takes.
type CaptureKind uint8

// The capture kinds.
const (
	// CaptureDocument: the ID document (job.Document), by capture.Document.
	CaptureDocument CaptureKind = iota + 1
	// CapturePortrait: a portrait taken by the agent (job.Portrait), by capture.Selfie.
	CapturePortrait
	// CaptureSelfie: the selfie, by capture.Selfie.
	CaptureSelfie
	// CaptureLiveness: the liveness frames, by capture.LivenessSequence.
	CaptureLiveness
)

func (k CaptureKind) String() string {
	switch k {
	case CaptureDocument:
		return "document"
	case CapturePortrait:
		return "portrait"
	case CaptureSelfie:
		return "selfie"
	case CaptureLiveness:
		return "liveness"
	}
	return fmt.Sprintf("capture(%d)", uint8(k))
}

// Box is a face box in pixels of the image it was found in: top-left (X1,Y1),
// bottom-right (X2,Y2).
type Box struct{ X1, Y1, X2, Y2 float64 }

// W and H are the box's width and height.
func (b Box) W() float64 { return b.X2 - b.X1 }
func (b Box) H() float64 { return b.Y2 - b.Y1 }

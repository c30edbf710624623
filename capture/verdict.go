package capture

// This file holds capture's own verdict vocabulary: what a Judge tells the procedures
// about a frame. Capture declares it (rather than borrowing the face engine's types) so
// that the camera packages link no inference code; internal/precheck translates the
// engine's analysis into it.

// Verdict is a judge's opinion of one frame.
type Verdict struct {
	// OK means the frame passes the gates of its kind.
	OK bool
	// Problems lists the failed gates as stable codes (empty when OK).
	Problems []Problem
	// Faces is how many faces were found; Face is the largest (nil when none).
	Faces int
	Face  *Box
	// Pose is the head pose of Face.
	Pose Pose
	// Answers lists the prompts the pose of Face answers, by the judge's own turn
	// thresholds (KindLiveness verdicts; LivenessSequence's default prompt check).
	Answers []Prompt
	// Score ranks acceptable frames: higher is better.
	Score float64
}

// Answered reports whether the verdict's pose answers the prompt: PromptAny always,
// another prompt when the judge listed it in Answers.
func (v Verdict) Answered(p Prompt) bool {
	if p == PromptAny {
		return true
	}
	for _, a := range v.Answers {
		if a == p {
			return true
		}
	}
	return false
}

// Box is a face box in pixels of the judged image: top-left (X1,Y1), bottom-right (X2,Y2).
type Box struct{ X1, Y1, X2, Y2 float64 }

// W and H are the box's width and height.
func (b Box) W() float64 { return b.X2 - b.X1 }
func (b Box) H() float64 { return b.Y2 - b.Y1 }

// Pose is the head pose in degrees. Yaw > 0: the face is turned towards the image's
// right (the subject's left). Pitch > 0: tilted up. Roll > 0: leaning clockwise.
type Pose struct{ Yaw, Pitch, Roll float64 }

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

// Problem is the stable code of one failed gate; the UI turns it into a sentence.
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

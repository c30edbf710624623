package capture

import "github.com/smartselfie/kiosk-agent/internal/codes"

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

// Box is a face box in pixels of the judged image (codes.Box, which ui names too).
type Box = codes.Box

// Pose is the head pose in degrees. Yaw > 0: the face is turned towards the image's
// right (the subject's left). Pitch > 0: tilted up. Roll > 0: leaning clockwise.
type Pose struct{ Yaw, Pitch, Roll float64 }

// Prompt is what the customer is asked to do for one liveness frame: the shared
// vocabulary's (internal/codes), whose values are the face engine's prompts and the
// sealed job's records.
type Prompt = codes.Prompt

// Prompts (see internal/codes).
const (
	PromptStraight = codes.PromptStraight
	PromptLeft     = codes.PromptLeft
	PromptRight    = codes.PromptRight
	PromptUp       = codes.PromptUp
	PromptDown     = codes.PromptDown
	PromptAny      = codes.PromptAny
)

// Problem is the stable code of one failed gate (internal/codes); the UI turns it into
// a sentence.
type Problem = codes.Problem

// Problem codes (see internal/codes). The gate codes are the face engine's
// (internal/precheck checks that they stay equal); ProblemMoving and
// ProblemPromptNotFollowed come from the procedures.
const (
	ProblemNoFace            = codes.ProblemNoFace
	ProblemManyFaces         = codes.ProblemManyFaces
	ProblemTooSmall          = codes.ProblemTooSmall
	ProblemTooClose          = codes.ProblemTooClose
	ProblemOffCentre         = codes.ProblemOffCentre
	ProblemEyesTooClose      = codes.ProblemEyesTooClose
	ProblemPose              = codes.ProblemPose
	ProblemTooDark           = codes.ProblemTooDark
	ProblemOverExposed       = codes.ProblemOverExposed
	ProblemBlurred           = codes.ProblemBlurred
	ProblemNotLive           = codes.ProblemNotLive
	ProblemPromptNotFollowed = codes.ProblemPromptNotFollowed
	ProblemMoving            = codes.ProblemMoving
)

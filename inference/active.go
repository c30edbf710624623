package inference

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Prompt is what the customer is asked to do for one active-liveness frame. Directions
// are the customer's own (their left), on an unmirrored camera image.
type Prompt string

// Prompts.
const (
	PromptStraight Prompt = "straight" // look straight at the camera
	PromptLeft     Prompt = "left"     // turn the head to their left (yaw > 0 in the image)
	PromptRight    Prompt = "right"    // turn the head to their right (yaw < 0)
	PromptUp       Prompt = "up"       // tilt the head up (pitch > 0)
	PromptDown     Prompt = "down"     // tilt the head down (pitch < 0)
	// PromptAny is a frame taken without a prompt (e.g. frames received by the
	// sandbox, where the API carries no prompts): any pose; the sequence as a whole
	// must then show head movement.
	PromptAny Prompt = ""
)

// Problem codes of active liveness (besides the quality codes).
const (
	ProblemPromptNotFollowed = "prompt_not_followed"
	ProblemDifferentPerson   = "different_person"
	ProblemIdenticalFrames   = "identical_frames"
	ProblemNoFrames          = "no_frames"
	ProblemNoMovement        = "no_head_movement"
)

// PromptSatisfied reports whether a head pose does what the prompt asked.
func PromptSatisfied(p Prompt, pose Pose, t Thresholds) bool {
	t = t.WithDefaults()
	switch p {
	case PromptAny:
		return true
	case PromptStraight:
		return math.Abs(pose.Yaw) <= t.MaxYaw && math.Abs(pose.Pitch) <= t.MaxPitch && math.Abs(pose.Roll) <= t.MaxRoll
	case PromptLeft:
		return pose.Yaw >= t.TurnYaw
	case PromptRight:
		return pose.Yaw <= -t.TurnYaw
	case PromptUp:
		return pose.Pitch >= t.TurnPitch
	case PromptDown:
		return pose.Pitch <= -t.TurnPitch
	}
	return false
}

// LivenessFrame is one frame of an active-liveness sequence and the prompt shown.
type LivenessFrame struct {
	Image  image.Image
	Prompt Prompt
}

// FrameResult is the verdict on one frame.
type FrameResult struct {
	Index      int       `json:"index"`
	Prompt     Prompt    `json:"prompt"`
	Pose       Pose      `json:"pose"`
	Similarity float64   `json:"similarity"` // to the selfie
	OK         bool      `json:"ok"`
	Problems   []Problem `json:"problems"`
}

// ActiveLivenessResult is the verdict on a sequence.
type ActiveLivenessResult struct {
	Passed   bool          `json:"passed"`
	Frames   []FrameResult `json:"frames"`
	Problems []Problem     `json:"problems"` // sequence-level (e.g. identical frames)
}

// ActiveLiveness checks a frame sequence against the selfie: exactly one face in every
// frame, the same person as the selfie (embedding similarity ≥ Thresholds.Match), the
// head pose each prompt asked for, and no two frames (nor a frame and the selfie) the
// same picture. When no frame has a prompt (all PromptAny), the head must move over the
// sequence instead: a yaw range of at least TurnYaw or a pitch range of at least
// TurnPitch. An error is returned only when the selfie has no usable face or the
// engine fails; a failed check is Passed=false with reasons.
func (e *Engine) ActiveLiveness(selfie image.Image, frames []LivenessFrame) (*ActiveLivenessResult, error) {
	if selfie == nil {
		return nil, fmt.Errorf("active liveness: selfie: %w: no image", ErrBadImage)
	}
	sa, err := e.Analyze(selfie, AnalyzeOptions{Still: true})
	if err != nil {
		return nil, fmt.Errorf("active liveness: selfie: %w", err)
	}
	si := Largest(sa.Faces)
	if si < 0 {
		return nil, fmt.Errorf("active liveness: selfie: %w", ErrNoFace)
	}
	// The frames are checked for the same person, not matched: the one-alignment
	// embedding on both sides (Embed's refinement would cost about 70 ms more here).
	ref, err := e.EmbedFrame(selfie, sa.Faces[si])
	if err != nil {
		return nil, fmt.Errorf("active liveness: selfie: %w", err)
	}
	res := &ActiveLivenessResult{Frames: make([]FrameResult, len(frames)), Problems: []Problem{}}
	if len(frames) == 0 {
		res.Problems = append(res.Problems, Problem{Code: ProblemNoFrames, Message: "No liveness frames were taken."})
		return res, nil
	}
	prints := make([]*Fingerprint, len(frames))
	unprompted := true
	for _, fr := range frames {
		if fr.Prompt != PromptAny {
			unprompted = false
		}
	}
	minYaw, maxYaw, minPitch, maxPitch := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	selfiePrint := FingerprintOf(selfie)
	for i, fr := range frames {
		r := FrameResult{Index: i, Prompt: fr.Prompt, Problems: []Problem{}}
		add := func(code, msg string, args ...any) {
			r.Problems = append(r.Problems, Problem{Code: code, Message: fmt.Sprintf(msg, args...)})
		}
		if fr.Image == nil {
			add(ProblemNoFace, "Frame %d is missing.", i+1)
			res.Frames[i] = r
			continue
		}
		prints[i] = FingerprintOf(fr.Image)
		a, err := e.Analyze(fr.Image, AnalyzeOptions{})
		if err != nil {
			if errors.Is(err, ErrClosed) {
				return nil, err
			}
			add(ProblemNoFace, "Frame %d could not be analysed: %v", i+1, err)
			res.Frames[i] = r
			continue
		}
		switch {
		case len(a.Faces) == 0:
			add(ProblemNoFace, "No face in frame %d: the customer must stay in view.", i+1)
		case len(a.Faces) > 1:
			add(ProblemManyFaces, "%d faces in frame %d: only the customer may be in view.", len(a.Faces), i+1)
		}
		if len(a.Faces) > 0 {
			f := a.Faces[Largest(a.Faces)]
			r.Pose = f.Pose
			minYaw, maxYaw = math.Min(minYaw, f.Pose.Yaw), math.Max(maxYaw, f.Pose.Yaw)
			minPitch, maxPitch = math.Min(minPitch, f.Pose.Pitch), math.Max(maxPitch, f.Pose.Pitch)
			emb, err := e.EmbedFrame(fr.Image, f)
			if err != nil {
				return nil, fmt.Errorf("active liveness: frame %d: %w", i+1, err)
			}
			r.Similarity = Similarity(ref, emb)
			if r.Similarity < e.t.Match {
				add(ProblemDifferentPerson, "Frame %d does not show the same person as the selfie (similarity %.2f).", i+1, r.Similarity)
			}
			if !PromptSatisfied(fr.Prompt, f.Pose, e.t) {
				add(ProblemPromptNotFollowed, "Frame %d: the head did not move as asked (%s; yaw %.0f°, pitch %.0f°).", i+1, fr.Prompt, f.Pose.Yaw, f.Pose.Pitch)
			}
		}
		if selfiePrint.Same(prints[i]) {
			add(ProblemIdenticalFrames, "Frame %d is the same picture as the selfie.", i+1)
		}
		res.Frames[i] = r
	}
	for i := range prints {
		for j := i + 1; j < len(prints); j++ {
			if prints[i].Same(prints[j]) {
				res.Problems = append(res.Problems, Problem{Code: ProblemIdenticalFrames,
					Message: fmt.Sprintf("Frames %d and %d are the same picture: each frame must be a new capture.", i+1, j+1)})
			}
		}
	}
	if unprompted && !(maxYaw-minYaw >= e.t.TurnYaw || maxPitch-minPitch >= e.t.TurnPitch) {
		res.Problems = append(res.Problems, Problem{Code: ProblemNoMovement,
			Message: fmt.Sprintf("The head hardly moved over the frames (yaw range %.0f°, pitch range %.0f°): the customer must turn the head as asked.",
				math.Max(maxYaw-minYaw, 0), math.Max(maxPitch-minPitch, 0))})
	}
	res.Passed = len(res.Problems) == 0
	for i := range res.Frames {
		res.Frames[i].OK = len(res.Frames[i].Problems) == 0
		if !res.Frames[i].OK {
			res.Passed = false
		}
	}
	return res, nil
}

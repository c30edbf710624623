package precheck

import (
	"fmt"
	"image"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference"
)

// EngineJudge is a capture.Judge over the face analysis engine (see the package doc
// for the gates of each kind). Score is the detector's confidence of the largest face.
type EngineJudge struct {
	Engine   *inference.Engine
	Liveness bool // run passive liveness on selfie frames
}

// prompts are the prompts a liveness verdict is checked against.
var prompts = []capture.Prompt{capture.PromptStraight, capture.PromptLeft, capture.PromptRight, capture.PromptUp, capture.PromptDown}

// Judge analyses img for kind.
func (e EngineJudge) Judge(img image.Image, kind capture.Kind) (capture.Verdict, error) {
	if e.Engine == nil {
		return capture.Verdict{}, fmt.Errorf("judging a frame: no inference engine")
	}
	a, err := e.Engine.Analyze(img, inference.AnalyzeOptions{
		Still:    kind == capture.KindDocument,
		Liveness: e.Liveness && kind == capture.KindSelfie,
	})
	if err != nil {
		return capture.Verdict{}, fmt.Errorf("analysing a %v frame: %w", kind, err)
	}
	v := capture.Verdict{Faces: len(a.Faces)}
	if i := inference.Largest(a.Faces); i >= 0 {
		f := a.Faces[i]
		v.Face = &capture.Box{X1: f.Box.X1, Y1: f.Box.Y1, X2: f.Box.X2, Y2: f.Box.Y2}
		v.Pose = capture.Pose{Yaw: f.Pose.Yaw, Pitch: f.Pose.Pitch, Roll: f.Pose.Roll}
		v.Score = f.Score
	}
	switch kind {
	case capture.KindSelfie:
		v.OK = a.Quality.OK
		for _, p := range a.Quality.Problems {
			v.Problems = append(v.Problems, capture.Problem(p.Code))
		}
	case capture.KindLiveness:
		for _, p := range a.Quality.Problems {
			if p.Code != inference.ProblemPose {
				v.Problems = append(v.Problems, capture.Problem(p.Code))
			}
		}
		v.OK = v.Faces == 1 && len(v.Problems) == 0
		if i := inference.Largest(a.Faces); i >= 0 {
			th := e.Engine.Thresholds()
			for _, p := range prompts {
				if inference.PromptSatisfied(inference.Prompt(p), a.Faces[i].Pose, th) {
					v.Answers = append(v.Answers, p)
				}
			}
		}
	case capture.KindDocument:
		for _, p := range a.Quality.Problems {
			switch p.Code {
			case inference.ProblemNoFace, inference.ProblemBlurred, inference.ProblemTooDark, inference.ProblemOverExposed:
				v.Problems = append(v.Problems, capture.Problem(p.Code))
			}
		}
		v.OK = v.Faces >= 1 && len(v.Problems) == 0
	default:
		return capture.Verdict{}, fmt.Errorf("judging a frame: unknown kind %v", kind)
	}
	return v, nil
}

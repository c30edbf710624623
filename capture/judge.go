package capture

import (
	"fmt"
	"image"

	"github.com/smartselfie/kiosk-agent/inference"
)

// EngineJudge is a Judge over the face analysis engine.
//
//   - KindSelfie: every quality gate of the engine (and passive liveness when Liveness).
//   - KindLiveness: one face and no problem other than the head pose (the procedure
//     checks the pose against the prompt).
//   - KindDocument: the still detector; at least one face, not blurred, not too dark or
//     over-exposed (a document's face is small and off-centre by nature).
//
// Score is the detector's confidence of the largest face.
type EngineJudge struct {
	Engine   *inference.Engine
	Liveness bool
}

// Judge analyses img for kind.
func (e EngineJudge) Judge(img image.Image, kind Kind) (Verdict, error) {
	if e.Engine == nil {
		return Verdict{}, fmt.Errorf("judging a frame: no inference engine")
	}
	a, err := e.Engine.Analyze(img, inference.AnalyzeOptions{
		Still:    kind == KindDocument,
		Liveness: e.Liveness && kind == KindSelfie,
	})
	if err != nil {
		return Verdict{}, fmt.Errorf("analysing a %v frame: %w", kind, err)
	}
	v := Verdict{Faces: len(a.Faces)}
	if len(a.Faces) > 0 {
		f := a.Faces[0]
		for _, g := range a.Faces[1:] {
			if g.Box.W()*g.Box.H() > f.Box.W()*f.Box.H() {
				f = g
			}
		}
		box := f.Box
		v.Face, v.Pose, v.Score = &box, f.Pose, f.Score
	}
	switch kind {
	case KindSelfie:
		v.OK, v.Problems = a.Quality.OK, a.Quality.Problems
	case KindLiveness:
		for _, p := range a.Quality.Problems {
			if p.Code != inference.ProblemPose {
				v.Problems = append(v.Problems, p)
			}
		}
		v.OK = v.Faces == 1 && len(v.Problems) == 0
	case KindDocument:
		for _, p := range a.Quality.Problems {
			switch p.Code {
			case inference.ProblemNoFace, inference.ProblemBlurred, inference.ProblemTooDark, inference.ProblemOverExposed:
				v.Problems = append(v.Problems, p)
			}
		}
		v.OK = v.Faces >= 1 && len(v.Problems) == 0
	default:
		return Verdict{}, fmt.Errorf("judging a frame: unknown kind %v", kind)
	}
	return v, nil
}

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/smartselfie/kiosk-agent/inference"
)

// EngineOptions tune EngineAnalyzer. There are none yet: the thresholds are the engine's
// (inference.Thresholds), so the sandbox judges as the kiosk's own prechecks do.
type EngineOptions struct{}

// EngineAnalyzer judges jobs with the on-device face analysis of package inference.
type EngineAnalyzer struct {
	e    *inference.Engine
	opts EngineOptions
}

// NewEngineAnalyzer wraps an open engine (the caller closes it after the sandbox).
func NewEngineAnalyzer(e *inference.Engine, opts EngineOptions) *EngineAnalyzer {
	return &EngineAnalyzer{e: e, opts: opts}
}

// face is the largest face of an image with its embedding.
type face struct {
	img  image.Image
	f    inference.Face
	emb  []float32
	n    int // faces found
	live bool
}

func (a *EngineAnalyzer) analyse(data []byte, opts inference.AnalyzeOptions) (*face, error) {
	img, err := inference.DecodeImage(data)
	if err != nil {
		return nil, err
	}
	an, err := a.e.Analyze(img, opts)
	if err != nil {
		return nil, err
	}
	out := &face{img: img, n: len(an.Faces)}
	best := inference.Largest(an.Faces)
	if best < 0 {
		return out, nil
	}
	out.f = an.Faces[best]
	out.live = out.f.Liveness != nil && out.f.Liveness.Live
	if out.emb, err = a.e.Embed(img, out.f); err != nil {
		return nil, err
	}
	return out, nil
}

// Judge analyses the selfie (with passive liveness), the comparison image and the
// liveness images.
func (a *EngineAnalyzer) Judge(ctx context.Context, in Inputs) (Verdict, error) {
	var v Verdict
	undecodable := func(what string, err error) (Verdict, error) {
		if errors.Is(err, inference.ErrBadImage) || errors.Is(err, inference.ErrImageTooSmall) || errors.Is(err, inference.ErrImageTooLarge) {
			return v, fmt.Errorf("%s: %w: %v", what, ErrUndecodable, err)
		}
		return v, fmt.Errorf("analysing %s: %w", what, err)
	}
	selfie, err := a.analyse(in.Selfie, inference.AnalyzeOptions{Still: true, Liveness: true})
	if err != nil {
		return undecodable("selfie_image", err)
	}
	if err := ctx.Err(); err != nil {
		return v, err
	}
	comp, err := a.analyse(in.Comparison, inference.AnalyzeOptions{Still: true})
	if err != nil {
		return undecodable("comparison_image", err)
	}
	v.SelfieProvided = selfie.emb != nil
	v.SelfieLive = selfie.live
	v.ComparisonFace = comp.emb != nil
	if !v.SelfieProvided {
		v.Reasons = append(v.Reasons, "no face in the selfie")
	}
	if !v.ComparisonFace {
		v.Reasons = append(v.Reasons, "no face in the comparison image")
	}
	v.Identical = inference.Identical(selfie.img, comp.img)
	if v.SelfieProvided && v.ComparisonFace {
		v.Similarity = inference.Similarity(selfie.emb, comp.emb)
		v.Match = v.Similarity >= a.e.Thresholds().Match
	}
	v.LivenessPassed, err = a.activeLiveness(ctx, selfie, in.Liveness, &v)
	if err != nil {
		return v, err
	}
	return v, nil
}

// activeLiveness judges the liveness images with the engine's own active-liveness check,
// the one the kiosk runs before sealing a job: one face in each, the selfie's person, no
// repeated picture (nor the selfie again), and, since the API carries no prompts, head
// movement across the images (a yaw range of Thresholds.TurnYaw or a pitch range of
// Thresholds.TurnPitch).
func (a *EngineAnalyzer) activeLiveness(ctx context.Context, selfie *face, frames [][]byte, v *Verdict) (bool, error) {
	if selfie.emb == nil {
		v.Reasons = append(v.Reasons, "liveness: no selfie face to compare with")
		return false, nil
	}
	ok := true
	fail := func(msg string) {
		ok = false
		v.Reasons = append(v.Reasons, "liveness: "+msg)
	}
	seq := make([]inference.LivenessFrame, len(frames)) // a nil Image is reported as missing
	for i, data := range frames {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		img, err := inference.DecodeImage(data)
		if err != nil {
			fail(fmt.Sprintf("image %d unreadable", i+1))
			continue
		}
		seq[i] = inference.LivenessFrame{Image: img, Prompt: inference.PromptAny}
	}
	res, err := a.e.ActiveLiveness(selfie.img, seq)
	if err != nil {
		return false, fmt.Errorf("active liveness: %w", err)
	}
	for _, fr := range res.Frames {
		for _, p := range fr.Problems {
			if fr.Index < len(seq) && seq[fr.Index].Image == nil {
				continue // already reported as unreadable
			}
			fail(p.Message)
		}
	}
	for _, p := range res.Problems {
		fail(p.Message)
	}
	return ok && res.Passed, nil
}

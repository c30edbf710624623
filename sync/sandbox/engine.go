package sandbox

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
)

// EngineOptions tune EngineAnalyzer. The thresholds are the engine's
// (inference.Thresholds), so the sandbox judges as the kiosk's own prechecks do.
type EngineOptions struct {
	// MaxHeldBytes bounds the decoded images held by the analyses under way, all
	// workers together (default DefaultMaxHeldBytes). An analysis waits until its
	// images (estimated from their headers) fit.
	MaxHeldBytes int64
}

// EngineAnalyzer judges jobs with the kiosk's own precheck policy (precheck.Check over
// the on-device face analysis of package inference), read as an API verdict.
type EngineAnalyzer struct {
	e    *inference.Engine
	opts EngineOptions
	held *held
}

// NewEngineAnalyzer wraps an open engine (the caller closes it after the sandbox).
func NewEngineAnalyzer(e *inference.Engine, opts EngineOptions) *EngineAnalyzer {
	if opts.MaxHeldBytes <= 0 {
		opts.MaxHeldBytes = DefaultMaxHeldBytes
	}
	return &EngineAnalyzer{e: e, opts: opts, held: newHeld(opts.MaxHeldBytes)}
}

// Judge analyses the selfie (with passive liveness), the comparison image and the
// liveness images with precheck.Check. The liveness images are judged by the engine's
// active-liveness check, the one the kiosk runs before sealing a job: one face in each,
// the selfie's person, no repeated picture (nor the selfie again), and, since the API
// carries no prompts, head movement across the images (a yaw range of Thresholds.TurnYaw
// or a pitch range of Thresholds.TurnPitch).
func (a *EngineAnalyzer) Judge(ctx context.Context, in Inputs) (Verdict, error) {
	release := a.held.take(heldEstimate(in))
	defer release()
	var v Verdict
	var imgs precheck.Images
	var err error
	if imgs.Selfie, err = inference.DecodeImage(in.Selfie); err != nil {
		return undecodable(v, "selfie_image", err)
	}
	if imgs.Comparison, err = inference.DecodeImage(in.Comparison); err != nil {
		return undecodable(v, "comparison_image", err)
	}
	var unreadable []string
	imgs.Liveness = make([]image.Image, len(in.Liveness)) // a nil image is reported as missing
	for i, data := range in.Liveness {
		if err := ctx.Err(); err != nil {
			return v, err
		}
		if imgs.Liveness[i], err = inference.DecodeImage(data); err != nil {
			unreadable = append(unreadable, fmt.Sprintf("image %d unreadable", i+1))
		}
	}
	r, err := precheck.Check(ctx, a.e, imgs)
	var ie *precheck.ImageError
	switch {
	case errors.As(err, &ie) && ie.Image == precheck.ImageSelfie:
		return undecodable(v, "selfie_image", ie.Err)
	case errors.As(err, &ie):
		return undecodable(v, "comparison_image", ie.Err)
	case err != nil:
		return v, err
	}
	v.SelfieProvided = r.SelfieFace != nil
	v.SelfieLive = v.SelfieProvided && r.SelfieFace.Liveness != nil && r.SelfieFace.Liveness.Live
	v.ComparisonFace = r.ComparisonFace != nil
	if !v.SelfieProvided {
		v.Reasons = append(v.Reasons, "no face in the selfie")
	}
	if !v.ComparisonFace {
		v.Reasons = append(v.Reasons, "no face in the comparison image")
	}
	v.Identical = r.Identical
	v.Similarity, v.Match = r.Similarity, r.Match
	v.LivenessPassed = livenessPassed(r, imgs, unreadable, &v)
	return v, nil
}

// undecodable reads an image's decoding or analysis error as ErrUndecodable (answered
// 0001) when the image itself is at fault.
func undecodable(v Verdict, what string, err error) (Verdict, error) {
	if errors.Is(err, inference.ErrBadImage) || errors.Is(err, inference.ErrImageTooSmall) || errors.Is(err, inference.ErrImageTooLarge) {
		return v, fmt.Errorf("%s: %w: %v", what, ErrUndecodable, err)
	}
	return v, fmt.Errorf("analysing %s: %w", what, err)
}

// livenessPassed reads the report's active-liveness check, adding its reasons (the
// unreadable images first) to v.
func livenessPassed(r *precheck.Report, imgs precheck.Images, unreadable []string, v *Verdict) bool {
	if r.Liveness == nil {
		v.Reasons = append(v.Reasons, "liveness: no selfie face to compare with")
		return false
	}
	fail := func(msg string) { v.Reasons = append(v.Reasons, "liveness: "+msg) }
	for _, msg := range unreadable {
		fail(msg)
	}
	for _, fr := range r.Liveness.Frames {
		for _, p := range fr.Problems {
			if fr.Index < len(imgs.Liveness) && imgs.Liveness[fr.Index] == nil {
				continue // already reported as unreadable
			}
			fail(p.Message)
		}
	}
	for _, p := range r.Liveness.Problems {
		fail(p.Message)
	}
	return len(unreadable) == 0 && r.Liveness.Passed
}

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/smartselfie/kiosk-agent/inference"
)

// EngineOptions tune EngineAnalyzer.
type EngineOptions struct {
	// MinMovement is the spread of head yaw or pitch (degrees) across the liveness images
	// that counts as head movement (default 6).
	MinMovement float64
}

// EngineAnalyzer judges jobs with the on-device face analysis of package inference.
type EngineAnalyzer struct {
	e    *inference.Engine
	opts EngineOptions
}

// NewEngineAnalyzer wraps an open engine (the caller closes it after the sandbox).
func NewEngineAnalyzer(e *inference.Engine, opts EngineOptions) *EngineAnalyzer {
	if opts.MinMovement <= 0 {
		opts.MinMovement = 6
	}
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
	best := -1
	for i, f := range an.Faces {
		if best < 0 || f.Box.W()*f.Box.H() > an.Faces[best].Box.W()*an.Faces[best].Box.H() {
			best = i
		}
	}
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

// activeLiveness checks the liveness images: one face each, the selfie's person, no
// repeated picture, and head movement across them.
func (a *EngineAnalyzer) activeLiveness(ctx context.Context, selfie *face, frames [][]byte, v *Verdict) (bool, error) {
	if selfie.emb == nil {
		v.Reasons = append(v.Reasons, "liveness: no selfie face to compare with")
		return false, nil
	}
	ok := true
	fail := func(format string, args ...any) {
		ok = false
		v.Reasons = append(v.Reasons, "liveness: "+fmt.Sprintf(format, args...))
	}
	selfiePrint := inference.FingerprintOf(selfie.img)
	var prints []*inference.Fingerprint
	minYaw, maxYaw, minPitch, maxPitch := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	match := a.e.Thresholds().Match
	for i, data := range frames {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		f, err := a.analyse(data, inference.AnalyzeOptions{})
		if err != nil {
			if errors.Is(err, inference.ErrClosed) {
				return false, err
			}
			fail("image %d unreadable", i+1)
			continue
		}
		p := inference.FingerprintOf(f.img)
		if p.Same(selfiePrint) {
			fail("image %d is the selfie", i+1)
		}
		for j, q := range prints {
			if q.Same(p) {
				fail("images %d and %d are the same picture", j+1, i+1)
			}
		}
		prints = append(prints, p)
		switch {
		case f.n == 0:
			fail("no face in image %d", i+1)
			continue
		case f.n > 1:
			fail("%d faces in image %d", f.n, i+1)
		}
		if s := inference.Similarity(selfie.emb, f.emb); s < match {
			fail("image %d is not the selfie's person (%.2f)", i+1, s)
		}
		minYaw, maxYaw = math.Min(minYaw, f.f.Pose.Yaw), math.Max(maxYaw, f.f.Pose.Yaw)
		minPitch, maxPitch = math.Min(minPitch, f.f.Pose.Pitch), math.Max(maxPitch, f.f.Pose.Pitch)
	}
	if maxYaw-minYaw < a.opts.MinMovement && maxPitch-minPitch < a.opts.MinMovement {
		fail("no head movement across the images")
	}
	return ok, nil
}

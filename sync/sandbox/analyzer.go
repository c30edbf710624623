package sandbox

import (
	"context"
	"errors"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// Inputs are the images of one job (JPEG bytes, as received).
type Inputs struct {
	Selfie         []byte
	Liveness       [][]byte
	Comparison     []byte
	ComparisonType job.ComparisonType
}

// Verdict is the face analysis of one job.
type Verdict struct {
	SelfieProvided bool    // a usable face in the selfie
	ComparisonFace bool    // a usable face in the comparison image
	SelfieLive     bool    // passive liveness on the selfie (Selfie_Check)
	LivenessPassed bool    // active liveness over the liveness images (Liveness_Check)
	Identical      bool    // selfie and comparison image are the same picture
	Match          bool    // the faces match by the embedding threshold
	Similarity     float64 // cosine similarity of the two faces
	// Reasons explain failed checks, for the sandbox's log (never customer data).
	Reasons []string
}

// Analyzer judges the images of a job. Implementations must be safe for concurrent use.
type Analyzer interface {
	Judge(ctx context.Context, in Inputs) (Verdict, error)
}

// ErrUndecodable is returned (wrapped) by an Analyzer when the selfie or the comparison
// image cannot be decoded; the sandbox answers 0001 Data Invalid.
var ErrUndecodable = errors.New("image cannot be decoded")

// decide maps a verdict to the result code and the check values.
func decide(v Verdict) (string, compare.Actions) {
	pf := func(b bool) string {
		if b {
			return "Passed"
		}
		return "Failed"
	}
	a := compare.Actions{
		LivenessCheck:  pf(v.LivenessPassed),
		SelfieCheck:    pf(v.SelfieProvided && v.SelfieLive),
		SelfieProvided: pf(v.SelfieProvided),
	}
	switch {
	case !v.SelfieProvided, !v.ComparisonFace:
		return compare.CodeNoMatch, a
	case v.Identical:
		return compare.CodeIdentical, a
	case v.Match:
		return compare.CodeMatch, a
	}
	return compare.CodeNoMatch, a
}

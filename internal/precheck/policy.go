package precheck

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/messages"
)

// The problem codes of the pair (selfie against comparison image) that Prechecks adds to
// the engine's own (inference.Problem* codes).
const (
	CodeNoMatch   = "no_match"  // the selfie does not match the comparison image
	CodeIdentical = "identical" // the selfie and the comparison image are the same picture
)

// The Image names of job.PrecheckProblem.
const (
	ImageSelfie     = "selfie"
	ImageComparison = "comparison"
	ImagePair       = "pair"
	ImageLiveness   = "liveness" // sequence-level; a frame is "liveness[i]" (0-based)
)

// MessageCode is the internal/messages code of a precheck problem on image (a
// job.PrecheckProblem's Image and Code): "precheck." + code, and
// "precheck.comparison_no_face" for a comparison image without a face.
func MessageCode(image, code string) string {
	if image == ImageComparison && code == inference.ProblemNoFace {
		return "precheck.comparison_no_face"
	}
	return "precheck." + code
}

// Images are a job's decoded images.
type Images struct {
	Selfie, Comparison image.Image
	// Liveness are the liveness images in order; a nil image (undecodable) is reported
	// as missing.
	Liveness []image.Image
}

// Decode decodes a job's images; the error names the image that failed ("selfie",
// "comparison image", "liveness frame 2").
func Decode(j *job.Job) (Images, error) {
	var in Images
	var err error
	decode := func(role string, b []byte) image.Image {
		if err != nil {
			return nil
		}
		img, derr := inference.DecodeImage(b)
		if derr != nil {
			err = fmt.Errorf("%s: %w", role, derr)
		}
		return img
	}
	in.Selfie = decode("selfie", j.Selfie)
	in.Comparison = decode("comparison image", j.Comparison)
	in.Liveness = make([]image.Image, len(j.Liveness))
	for i, b := range j.Liveness {
		in.Liveness[i] = decode(fmt.Sprintf("liveness frame %d", i+1), b)
	}
	return in, err
}

// ImageError is Check's error about the selfie or the comparison image (its analysis
// failed: too small, too large, unreadable). Its text is the underlying error's.
type ImageError struct {
	Image string // ImageSelfie or ImageComparison
	Err   error
}

func (e *ImageError) Error() string { return e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// Report is the on-device judgement of one job's images: the facts that both the kiosk's
// prechecks (Prechecks) and the compare sandbox's verdict are read from.
type Report struct {
	// Selfie is the selfie's analysis (stills detector, passive liveness, quality gates).
	Selfie *inference.Analysis
	// SelfieFace and ComparisonFace are the largest face of each image; nil when none.
	SelfieFace, ComparisonFace *inference.Face
	// Similarity of the two faces and the engine's match threshold; Match is
	// Similarity ≥ Threshold. Zero when either image has no face.
	Similarity, Threshold float64
	Match                 bool
	// Identical is set when the selfie and the comparison image are the same picture.
	Identical bool
	// Liveness is the active-liveness check of the liveness images against the selfie
	// (no prompts: the head must move across the images); nil when the selfie has no face.
	Liveness *inference.ActiveLivenessResult
	// Document is the reading of a DOCUMENT comparison image's machine readable zone
	// (ReadDocument), set by the caller; nil for another comparison type or when no
	// reading was made. Prechecks adds the "document read" precheck from it.
	Document *DocumentRead
}

// Compared reports whether both images have a face (and so Similarity and Match mean
// something).
func (r *Report) Compared() bool { return r.SelfieFace != nil && r.ComparisonFace != nil }

// Check judges the images with e: the selfie's quality gates and passive liveness, the
// largest face of each image and their similarity, whether they are the same picture,
// and (when the selfie has a face) the liveness images: one face in each, the selfie's
// person, no repeated picture, head movement across them. An error about the selfie or
// the comparison image is an *ImageError; a failed check is not an error.
func Check(ctx context.Context, e *inference.Engine, in Images) (*Report, error) {
	r := &Report{Threshold: e.Thresholds().Match}
	sa, selfieEmb, err := largestFace(e, in.Selfie, inference.AnalyzeOptions{Still: true, Liveness: true})
	if err != nil {
		return nil, &ImageError{ImageSelfie, err}
	}
	r.Selfie = sa
	if selfieEmb != nil {
		r.SelfieFace = &sa.Faces[inference.Largest(sa.Faces)]
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ca, compEmb, err := largestFace(e, in.Comparison, inference.AnalyzeOptions{Still: true})
	if err != nil {
		return nil, &ImageError{ImageComparison, err}
	}
	if compEmb != nil {
		r.ComparisonFace = &ca.Faces[inference.Largest(ca.Faces)]
	}
	r.Identical = inference.Identical(in.Selfie, in.Comparison)
	if r.Compared() {
		r.Similarity = inference.Similarity(selfieEmb, compEmb)
		r.Match = r.Similarity >= r.Threshold
	}
	if r.SelfieFace == nil {
		return r, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	frames := make([]inference.LivenessFrame, len(in.Liveness))
	for i, img := range in.Liveness {
		frames[i] = inference.LivenessFrame{Image: img, Prompt: inference.PromptAny}
	}
	if r.Liveness, err = e.ActiveLiveness(in.Selfie, frames); err != nil {
		return nil, fmt.Errorf("active liveness: %w", err)
	}
	return r, nil
}

// largestFace analyses img and embeds its largest face (nil embedding when none).
func largestFace(e *inference.Engine, img image.Image, o inference.AnalyzeOptions) (*inference.Analysis, []float32, error) {
	a, err := e.Analyze(img, o)
	if err != nil {
		return nil, nil, err
	}
	i := inference.Largest(a.Faces)
	if i < 0 {
		return a, nil, nil
	}
	emb, err := e.Embed(img, a.Faces[i])
	if err != nil {
		return nil, nil, err
	}
	return a, emb, nil
}

// Prechecks turns the report into the job's prechecks (the kiosk's policy): every failed
// quality gate of the selfie; when the selfie has a face, every liveness problem (but the
// prompt, which a job does not record), a comparison image without a face, and a pair
// that does not match or is the same picture. Similarity, Match and Identical are
// recorded when both images have a face. Each problem carries the English sentence of
// its code (the engine's own for its problems, internal/messages' for the pair's and the
// comparison image's). With Document, the "document read" precheck: a failed check digit
// (CodeMRZInvalid) is a problem; no zone (CodeDocumentUnread) and an expired document
// (CodeDocumentExpired) are warnings, which OK does not count.
func (r *Report) Prechecks() job.Prechecks {
	pc := job.Prechecks{Ran: true}
	add := func(img, code, msg string) {
		pc.Problems = append(pc.Problems, job.PrecheckProblem{Image: img, Code: code, Message: msg})
	}
	for _, p := range r.Selfie.Quality.Problems {
		add(ImageSelfie, p.Code, p.Message)
	}
	if r.SelfieFace != nil {
		if al := r.Liveness; al != nil {
			for _, fr := range al.Frames {
				for _, p := range fr.Problems {
					if p.Code != inference.ProblemPromptNotFollowed {
						add(fmt.Sprintf("%s[%d]", ImageLiveness, fr.Index), p.Code, p.Message)
					}
				}
			}
			for _, p := range al.Problems {
				add(ImageLiveness, p.Code, p.Message)
			}
		}
		if r.ComparisonFace == nil {
			add(ImageComparison, inference.ProblemNoFace, messages.Text(messages.English, MessageCode(ImageComparison, inference.ProblemNoFace)))
		} else {
			sim, match, ident := r.Similarity, r.Match, r.Identical
			pc.Similarity, pc.Match, pc.Identical = &sim, &match, &ident
			if !r.Match {
				add(ImagePair, CodeNoMatch, messages.Text(messages.English, MessageCode(ImagePair, CodeNoMatch),
					"Similarity", fmt.Sprintf("%.2f", r.Similarity), "Threshold", fmt.Sprintf("%.2f", r.Threshold)))
			}
			if r.Identical {
				add(ImagePair, CodeIdentical, messages.Text(messages.English, MessageCode(ImagePair, CodeIdentical)))
			}
		}
	}
	if r.Document != nil {
		r.Document.prechecks(&pc)
	}
	pc.OK = len(pc.Problems) == 0
	return pc
}

// Run decodes and checks a job's images and returns its prechecks (Decode, Check,
// Report.Prechecks).
func Run(ctx context.Context, e *inference.Engine, j *job.Job) (job.Prechecks, error) {
	pc, _, err := RunWith(ctx, e, j, RunOptions{})
	return pc, err
}

// RunOptions add the "document read" precheck to RunWith.
type RunOptions struct {
	// OCR reads the zone of a DOCUMENT comparison image; nil: no reading (the OCR
	// models are not installed), and no "document read" precheck.
	OCR *ocr.Reader
	// Now is the day an expiry is judged on (zero: time.Now()).
	Now time.Time
	// OnRead, if set, receives the reading of the document's zone when there was one to
	// make (a DOCUMENT comparison image and OCR): the wizard's review shows its number.
	// The number is personal data: the callee must not log it, nor keep it past the
	// enrollment.
	OnRead func(*DocumentRead)
}

// RunWith is Run with, for a DOCUMENT comparison image and o.OCR, the "document read"
// precheck (ReadDocument, Report.Document); it returns the reading's record for the
// job's local record (nil when no zone held).
func RunWith(ctx context.Context, e *inference.Engine, j *job.Job, o RunOptions) (job.Prechecks, *job.DocumentRecord, error) {
	in, err := Decode(j)
	if err != nil {
		return job.Prechecks{Ran: true}, nil, err
	}
	r, err := Check(ctx, e, in)
	if err != nil {
		var ie *ImageError
		if errors.As(err, &ie) {
			return job.Prechecks{Ran: true}, nil, fmt.Errorf("%s: %w", ie.Image, err)
		}
		return job.Prechecks{Ran: true}, nil, err
	}
	if o.OCR != nil && j.ComparisonType == job.Document {
		now := o.Now
		if now.IsZero() {
			now = time.Now()
		}
		if r.Document, err = ReadDocument(o.OCR, in.Comparison, now); err != nil {
			return job.Prechecks{Ran: true}, nil, fmt.Errorf("reading the document: %w", err)
		}
		if o.OnRead != nil {
			o.OnRead(r.Document)
		}
	}
	return r.Prechecks(), r.Document.Record(), nil
}

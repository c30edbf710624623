package capture

import (
	"context"
	"errors"
	"fmt"
	"github.com/smartselfie/kiosk-agent/capture/card"
	"image"
	"slices"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Kind says what a frame is judged for; a judge may apply different gates to each.
type Kind int

// Kinds of frame.
const (
	KindSelfie   Kind = iota + 1 // all quality gates
	KindLiveness                 // one face; the pose is checked against the prompt by the procedure
	KindDocument                 // a face on a sharp, well-lit document
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindSelfie:
		return "selfie"
	case KindLiveness:
		return "liveness"
	case KindDocument:
		return "document"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Judge gives a verdict on one frame. It is declared here so that capture needs neither
// the UI nor a particular engine; precheck.EngineJudge adapts the face engine.
type Judge interface {
	Judge(img image.Image, kind Kind) (Verdict, error)
}

// Shot is a frame a procedure kept, with its converted image and its verdict.
type Shot struct {
	Frame   Frame
	Image   image.Image
	Verdict Verdict
	// Prompt is what the customer was asked (liveness frames only).
	Prompt Prompt
	// Card is the card found on the kept frame when the document was taken with the
	// card's gates (DocumentOptions.Card); Image is then that card flattened, and
	// Verdict the judge's on it (its face box in the flattened card's pixels).
	Card *card.Finding
}

// Guidance is what a procedure knows about the frame it has just read, for a live
// preview: the frame's converted image, the verdict and what stops the frame being kept.
type Guidance struct {
	Kind Kind
	// Image is the frame as judged (Frame.Image's result); nil when the frame was not
	// judged (a liveness frame read too soon after the previous kept one).
	Image image.Image
	// Verdict is the judge's verdict on the frame (zero when not judged).
	Verdict Verdict
	// Problems are the stable codes of what stops the frame being kept: the verdict's
	// failed gates and the procedure's own (ProblemPromptNotFollowed, ProblemMoving).
	// internal/messages turns each into a sentence ("guidance." + code).
	Problems []Problem
	// Card and CardProblems are the card found on a document frame and its gates'
	// problems (first: the one instruction; internal/messages card.<code>) when the
	// document is taken with the card's gates (DocumentOptions.Card); nil otherwise.
	Card         *card.Finding
	CardProblems []card.Problem
	// Accepted is set when the frame passes for its procedure (it counts towards the
	// selfie's settle run or the document's still run, or is kept as a liveness frame).
	Accepted bool
	// Prompt is the liveness prompt shown and Step the index of the liveness frame being
	// taken (liveness only).
	Prompt Prompt
	Step   int
}

// FrameFunc receives every frame a procedure reads, with the latest guidance, for a live
// preview. It is called on the procedure's goroutine before the next frame is read, so
// it must return quickly (hand the frame over to the UI, latest wins). Nothing is copied
// for it: the Frame's Data and Guidance.Image are the procedure's own, which the
// procedure never writes to and may return in its Shot; the callback must not modify
// them, and may keep them (a Source hands out frames that own their data).
type FrameFunc func(Frame, Guidance)

// ErrNotAccepted means a procedure timed out without an acceptable frame; the error's
// text names the problems of the last frame judged.
var ErrNotAccepted = errors.New("no acceptable frame in time")

// SelfieOptions configure Selfie. The zero value is usable.
type SelfieOptions struct {
	Clock clock.Clock // nil → clock.Real{}
	// Timeout bounds the whole procedure (0 → 15 s).
	Timeout time.Duration
	// Settle is how many consecutive acceptable frames end the search (0 → 3); the best
	// of the acceptable frames seen is returned.
	Settle int
	// OnVerdict, if set, sees every verdict (for the preview's guidance).
	OnVerdict func(Verdict)
	// OnFrame, if set, sees every frame and its guidance (see FrameFunc).
	OnFrame FrameFunc
}

// Selfie reads frames until Settle consecutive frames pass the gates and returns the
// best frame that passed. At the timeout it returns the best frame that passed, if any,
// and otherwise an error wrapping ErrNotAccepted that names the last problems.
func Selfie(ctx context.Context, src Source, j Judge, o SelfieOptions) (Shot, error) {
	c := orReal(o.Clock)
	timeout := orDuration(o.Timeout, 15*time.Second)
	settle := o.Settle
	if settle <= 0 {
		settle = 3
	}
	deadline := c.Now().Add(timeout)
	var best Shot
	var have bool
	var last Verdict
	run := 0
	for {
		if !c.Now().Before(deadline) {
			if have {
				return best, nil
			}
			return Shot{}, fmt.Errorf("taking the selfie: %w after %v: %s", ErrNotAccepted, timeout, problemText(last))
		}
		f, img, v, err := judgeNext(ctx, src, j, KindSelfie)
		if err != nil {
			return Shot{}, fmt.Errorf("taking the selfie: %w", err)
		}
		last = v
		if o.OnVerdict != nil {
			o.OnVerdict(v)
		}
		if o.OnFrame != nil {
			o.OnFrame(f, Guidance{Kind: KindSelfie, Image: img, Verdict: v, Problems: v.Problems, Accepted: v.OK})
		}
		if !v.OK {
			run = 0
			continue
		}
		run++
		if !have || v.Score > best.Verdict.Score {
			best, have = Shot{Frame: f, Image: img, Verdict: v}, true
		}
		if run >= settle {
			return best, nil
		}
	}
}

// DefaultPrompts is the liveness sequence's prompt cycle.
var DefaultPrompts = []Prompt{
	PromptStraight, PromptLeft, PromptRight, PromptStraight,
	PromptLeft, PromptRight, PromptStraight, PromptStraight,
}

// LivenessOptions configure LivenessSequence. The zero value is usable.
type LivenessOptions struct {
	Clock clock.Clock // nil → clock.Real{}
	// Frames is the sequence's length, job.MinLiveness..job.MaxLiveness (0 → job.MaxLiveness).
	Frames int
	// Prompts are cycled through for the frames (nil → DefaultPrompts).
	Prompts []Prompt
	// MinGap is the least time between two kept frames (0 → 250 ms; never less).
	MinGap time.Duration
	// PromptTimeout bounds the wait for one prompt to be answered (0 → 10 s).
	PromptTimeout time.Duration
	// Satisfied decides whether a pose answers a prompt (nil → PromptSatisfied
	// with the default thresholds).
	Satisfied func(Prompt, Pose) bool
	// OnPrompt, if set, is called when prompt i is shown to the customer.
	OnPrompt func(i int, p Prompt)
	// OnFrame, if set, sees every frame and its guidance (see FrameFunc).
	OnFrame FrameFunc
}

// MinLivenessGap is the least time between two liveness frames.
const MinLivenessGap = 250 * time.Millisecond

// LivenessSequence takes Frames frames, each once the head pose answers its prompt and
// at least MinGap after the previous one (by the frames' capture times).
func LivenessSequence(ctx context.Context, src Source, j Judge, o LivenessOptions) ([]Shot, error) {
	c := orReal(o.Clock)
	n := o.Frames
	if n == 0 {
		n = job.MaxLiveness
	}
	if n < job.MinLiveness || n > job.MaxLiveness {
		return nil, fmt.Errorf("taking the liveness sequence: %d frames asked, %d to %d allowed", n, job.MinLiveness, job.MaxLiveness)
	}
	prompts := o.Prompts
	if len(prompts) == 0 {
		prompts = DefaultPrompts
	}
	gap := max(o.MinGap, MinLivenessGap)
	ptimeout := orDuration(o.PromptTimeout, 10*time.Second)
	answered := func(p Prompt, v Verdict) bool {
		if o.Satisfied != nil {
			return o.Satisfied(p, v.Pose)
		}
		return v.Answered(p)
	}
	shots := make([]Shot, 0, n)
	var lastTime time.Time
	for i := 0; i < n; i++ {
		p := prompts[i%len(prompts)]
		if o.OnPrompt != nil {
			o.OnPrompt(i, p)
		}
		deadline := c.Now().Add(ptimeout)
		var last Verdict
		for {
			if !c.Now().Before(deadline) {
				return shots, fmt.Errorf("taking liveness frame %d (%q): %w after %v: %s", i+1, promptName(p), ErrNotAccepted, ptimeout, problemText(last))
			}
			f, err := src.Next(ctx)
			if err != nil {
				return shots, fmt.Errorf("taking liveness frame %d: %w", i+1, err)
			}
			t := f.Time
			if t.IsZero() {
				t = c.Now()
			}
			if !lastTime.IsZero() && t.Sub(lastTime) < gap {
				if o.OnFrame != nil {
					o.OnFrame(f, Guidance{Kind: KindLiveness, Problems: last.Problems, Prompt: p, Step: i})
				}
				continue // too soon after the previous frame: not even judged
			}
			img, v, err := judgeFrame(f, j, KindLiveness)
			if err != nil {
				return shots, fmt.Errorf("taking liveness frame %d: %w", i+1, err)
			}
			last = v
			ok := v.OK && v.Faces == 1
			if ok && !answered(p, v) {
				last.Problems = append(slices.Clip(last.Problems), ProblemPromptNotFollowed)
				ok = false
			}
			if o.OnFrame != nil {
				o.OnFrame(f, Guidance{Kind: KindLiveness, Image: img, Verdict: v, Problems: last.Problems, Accepted: ok, Prompt: p, Step: i})
			}
			if !ok {
				continue
			}
			shots = append(shots, Shot{Frame: f, Image: img, Verdict: v, Prompt: p})
			lastTime = t
			break
		}
	}
	return shots, nil
}

// DocumentOptions configure Document. The zero value is usable.
type DocumentOptions struct {
	Clock clock.Clock // nil → clock.Real{}
	// Timeout bounds the procedure (0 → 30 s).
	Timeout time.Duration
	// Still is how many consecutive acceptable frames must show no motion (0 → 3).
	Still int
	// MaxMotion is the largest mean absolute difference (0..255) between 32x32 grey
	// thumbnails of consecutive frames that still counts as still (0 → 4).
	MaxMotion float64
	// OnFrame, if set, sees every frame and its guidance (see FrameFunc).
	OnFrame FrameFunc
	// Card, if set, adds the card's gates (capture/card): each frame must also show the
	// card found and holding every gate, still (the card's corners, not the thumbnail),
	// Still frames in a row; the frame kept is the one whose card is the sharpest, and the
	// Shot's Image is that card flattened (no background), at most FlatMaxWidth wide.
	Card *card.Gates
	// FlatMaxWidth bounds the flattened card (0 → 1280).
	FlatMaxWidth int
}

// Document waits for a still, sharp frame with a face on the document (the judge's
// KindDocument verdict) and returns the sharpest-scoring of the still run.
func Document(ctx context.Context, src Source, j Judge, o DocumentOptions) (Shot, error) {
	if o.Card != nil {
		return documentCard(ctx, src, j, o)
	}
	c := orReal(o.Clock)
	timeout := orDuration(o.Timeout, 30*time.Second)
	still := o.Still
	if still <= 0 {
		still = 3
	}
	maxMotion := o.MaxMotion
	if maxMotion <= 0 {
		maxMotion = 4
	}
	deadline := c.Now().Add(timeout)
	var prev *[32 * 32]uint8
	var best Shot
	var last Verdict
	run := 0
	for {
		if !c.Now().Before(deadline) {
			return Shot{}, fmt.Errorf("taking the document: %w after %v: %s", ErrNotAccepted, timeout, problemText(last))
		}
		f, img, v, err := judgeNext(ctx, src, j, KindDocument)
		if err != nil {
			return Shot{}, fmt.Errorf("taking the document: %w", err)
		}
		last = v
		th := thumb(img)
		moving := prev != nil && motion(prev, th) > maxMotion
		prev = th
		if moving {
			last.Problems = append(slices.Clip(last.Problems), ProblemMoving)
		}
		if o.OnFrame != nil {
			o.OnFrame(f, Guidance{Kind: KindDocument, Image: img, Verdict: v, Problems: last.Problems, Accepted: v.OK && !moving})
		}
		if !v.OK || moving {
			if !v.OK {
				run = 0
			} else {
				run = 1 // this frame starts a new still run
				best = Shot{Frame: f, Image: img, Verdict: v}
			}
			continue
		}
		run++
		if run == 1 || v.Score > best.Verdict.Score {
			best = Shot{Frame: f, Image: img, Verdict: v}
		}
		if run >= still {
			return best, nil
		}
	}
}

// documentCard is Document with the card's gates (o.Card set).
func documentCard(ctx context.Context, src Source, j Judge, o DocumentOptions) (Shot, error) {
	c := orReal(o.Clock)
	timeout := orDuration(o.Timeout, 30*time.Second)
	gates := *o.Card
	if o.Still > 0 {
		gates.StableFrames = o.Still
	}
	maxW := o.FlatMaxWidth
	if maxW <= 0 {
		maxW = 1280
	}
	tr := card.Tracker{Gates: gates}
	var finder card.Finder // its buffers serve every frame of the step
	deadline := c.Now().Add(timeout)
	var best Shot
	var bestCard card.Finding
	var last Verdict
	var lastCard []card.Problem
	run := 0
	for {
		if !c.Now().Before(deadline) {
			why := problemText(last)
			if len(lastCard) > 0 {
				why = string(lastCard[0])
			}
			return Shot{}, fmt.Errorf("taking the document: %w after %v: %s", ErrNotAccepted, timeout, why)
		}
		f, img, v, err := judgeNext(ctx, src, j, KindDocument)
		if err != nil {
			return Shot{}, fmt.Errorf("taking the document: %w", err)
		}
		last = v
		fd := finder.Find(img)
		cv := tr.Add(fd)
		lastCard = cv.Problems
		ok := v.OK && len(cv.Problems) == 0
		if o.OnFrame != nil {
			o.OnFrame(f, Guidance{Kind: KindDocument, Image: img, Verdict: v, Problems: v.Problems, Accepted: ok,
				Card: &fd, CardProblems: cv.Problems})
		}
		if !ok {
			run = 0
			continue
		}
		run++
		if run == 1 || fd.Sharpness > bestCard.Sharpness {
			best, bestCard = Shot{Frame: f, Image: img, Verdict: v}, fd
		}
		if run >= max(gates.StableFrames, 1) {
			flat := card.Flatten(best.Image, bestCard, maxW)
			if flat == nil {
				run = 0
				continue
			}
			// The shot is the flattened card: its verdict (the face box the screens
			// crop, the faces counted) is judged on it, not on the frame it came from.
			fv, err := j.Judge(flat, KindDocument)
			if err != nil {
				return Shot{}, fmt.Errorf("taking the document: judging the flattened card: %w", err)
			}
			if fv.Faces == 0 {
				// No face on the card as it will be sent: the step says so (the
				// judge's no_face on the frame the run kept) and keeps looking.
				run = 0
				if len(fv.Problems) == 0 {
					fv.Problems = []Problem{ProblemNoFace}
				}
				fv.OK, last = false, fv
				if o.OnFrame != nil {
					o.OnFrame(best.Frame, Guidance{Kind: KindDocument, Image: best.Image, Verdict: fv, Problems: fv.Problems,
						Card: &bestCard})
				}
				continue
			}
			best.Image, best.Card, best.Verdict = flat, &bestCard, fv
			return best, nil
		}
	}
}

func judgeNext(ctx context.Context, src Source, j Judge, k Kind) (Frame, image.Image, Verdict, error) {
	f, err := src.Next(ctx)
	if err != nil {
		return Frame{}, nil, Verdict{}, err
	}
	img, v, err := judgeFrame(f, j, k)
	return f, img, v, err
}

func judgeFrame(f Frame, j Judge, k Kind) (image.Image, Verdict, error) {
	img, err := f.Image()
	if err != nil {
		return nil, Verdict{}, err
	}
	v, err := j.Judge(img, k)
	if err != nil {
		return nil, Verdict{}, fmt.Errorf("judging a %v frame: %w", k, err)
	}
	return img, v, nil
}

// thumb samples img to 32x32 grey (nearest pixel).
func thumb(img image.Image) *[32 * 32]uint8 {
	var t [32 * 32]uint8
	b := img.Bounds()
	for y := 0; y < 32; y++ {
		sy := b.Min.Y + (2*y+1)*b.Dy()/64
		for x := 0; x < 32; x++ {
			sx := b.Min.X + (2*x+1)*b.Dx()/64
			r, g, bl, _ := img.At(sx, sy).RGBA()
			t[y*32+x] = uint8((299*r + 587*g + 114*bl) / 1000 >> 8)
		}
	}
	return &t
}

func motion(a, b *[32 * 32]uint8) float64 {
	s := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		s += d
	}
	return float64(s) / float64(len(a))
}

func problemText(v Verdict) string {
	if len(v.Problems) == 0 {
		if v.Faces == 0 {
			return "no frame judged acceptable"
		}
		return "no frame answered"
	}
	codes := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		codes[i] = string(p)
	}
	return "last problems: " + strings.Join(codes, ", ")
}

func promptName(p Prompt) string {
	if p == PromptAny {
		return "any"
	}
	return string(p)
}

func orReal(c clock.Clock) clock.Clock {
	if c == nil {
		return clock.Real{}
	}
	return c
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

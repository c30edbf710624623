package enroll

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/offline"
)

// Options configure an Enrollment. The zero value is usable.
type Options struct {
	// The procedures' options (their zero values are usable). Their OnFrame is replaced
	// by OnFrame when that is set.
	Selfie   capture.SelfieOptions
	Liveness capture.LivenessOptions
	Document capture.DocumentOptions
	// Encode is the job's JPEG budget and qualities.
	Encode capture.JobOptions
	// OnFrame, if set, receives every frame of every step, for the live preview.
	OnFrame capture.FrameFunc
	// Observer, if set, is told how long the face engine took on each frame (the
	// kiosk's metrics); it must not block.
	Observer Observer
}

// Observer receives an enrollment's timings.
type Observer interface {
	// Judged: the face engine judged one frame in took.
	Judged(took time.Duration)
}

// timedJudge tells an Observer how long each judgement took.
type timedJudge struct {
	next capture.Judge
	obs  Observer
}

func (t timedJudge) Judge(img image.Image, kind capture.Kind) (capture.Verdict, error) {
	start := time.Now()
	v, err := t.next.Judge(img, kind)
	t.obs.Judged(time.Since(start))
	return v, err
}

// Enrollment is one enrollment in progress. Its steps may be called in any order and
// again (a retake replaces the earlier result). It is used by one goroutine at a time.
type Enrollment struct {
	e     *inference.Engine
	judge capture.Judge
	o     Options

	// What the steps took (nil until taken).
	Comparison     image.Image // the document's shot, or the imported image decoded
	ComparisonType job.ComparisonType
	Selfie         image.Image
	Liveness       []image.Image
	comparisonJPEG []byte // the imported image's JPEG, sealed as it is
	// origin is how the comparison image was taken: auto by TakeDocument, import by
	// ImportComparison; empty when the caller set Comparison itself (the wizard's
	// manual shot), then meta's origin stands.
	origin job.CaptureOrigin
}

// New starts an enrollment judged by e (which the caller keeps open and closes).
func New(e *inference.Engine, o Options) *Enrollment {
	if o.OnFrame != nil {
		o.Selfie.OnFrame, o.Liveness.OnFrame, o.Document.OnFrame = o.OnFrame, o.OnFrame, o.OnFrame
	}
	var judge capture.Judge = precheck.EngineJudge{Engine: e, Liveness: true}
	if o.Observer != nil {
		judge = timedJudge{next: judge, obs: o.Observer}
	}
	return &Enrollment{e: e, judge: judge, o: o}
}

// TakeDocument photographs the ID document with src (capture.Document); the comparison
// image becomes its shot, of type DOCUMENT.
func (en *Enrollment) TakeDocument(ctx context.Context, src capture.Source) (capture.Shot, error) {
	shot, err := capture.Document(ctx, src, en.judge, en.o.Document)
	if err != nil {
		return shot, err
	}
	en.Comparison, en.ComparisonType, en.comparisonJPEG, en.origin = shot.Image, job.Document, nil, job.OriginAuto
	return shot, nil
}

// ImportComparison takes a comparison image on file (a JPEG, sealed as it is) of type t.
func (en *Enrollment) ImportComparison(jpeg []byte, t job.ComparisonType) error {
	if !t.Valid() {
		return fmt.Errorf("importing the comparison image: type %q is not one of ID_PHOTO, PORTRAIT, DOCUMENT", t)
	}
	if !job.IsJPEG(jpeg) {
		return errors.New("importing the comparison image: it is not a JPEG image; convert it to JPEG first")
	}
	img, err := inference.DecodeImage(jpeg)
	if err != nil {
		return fmt.Errorf("importing the comparison image: %w", err)
	}
	en.Comparison, en.ComparisonType, en.comparisonJPEG, en.origin = img, t, jpeg, job.OriginImport
	return nil
}

// TakeSelfie takes the selfie with src (capture.Selfie).
func (en *Enrollment) TakeSelfie(ctx context.Context, src capture.Source) (capture.Shot, error) {
	shot, err := capture.Selfie(ctx, src, en.judge, en.o.Selfie)
	if err != nil {
		return shot, err
	}
	en.Selfie = shot.Image
	return shot, nil
}

// TakeLiveness takes the liveness sequence with src (capture.LivenessSequence).
func (en *Enrollment) TakeLiveness(ctx context.Context, src capture.Source) ([]capture.Shot, error) {
	shots, err := capture.LivenessSequence(ctx, src, en.judge, en.o.Liveness)
	if err != nil {
		return shots, err
	}
	en.Liveness = make([]image.Image, len(shots))
	for i, s := range shots {
		en.Liveness[i] = s.Image
	}
	return shots, nil
}

// Job encodes the images taken (capture.EncodeJob within Options.Encode's budget; an
// imported comparison image as it is) into a copy of meta (ids, partner params, …; its
// images and comparison type are replaced) and validates it. The job's CaptureOrigin is
// meta's when set, else auto after TakeDocument, import after ImportComparison.
func (en *Enrollment) Job(meta job.Job) (*job.Job, error) {
	switch {
	case en.Comparison == nil:
		return nil, errors.New("making the job: no comparison image: take the document or import an image first")
	case en.Selfie == nil:
		return nil, errors.New("making the job: no selfie: take the selfie first")
	case len(en.Liveness) == 0:
		return nil, errors.New("making the job: no liveness images: take the liveness sequence first")
	}
	cmp := en.Comparison
	if en.comparisonJPEG != nil {
		cmp = nil // sealed as imported
	}
	ej, err := capture.EncodeJob(en.Selfie, en.Liveness, cmp, en.o.Encode)
	if err != nil {
		return nil, fmt.Errorf("making the job: %w", err)
	}
	j := meta
	j.Selfie, j.Liveness, j.Comparison = ej.Selfie, ej.Liveness, ej.Comparison
	if en.comparisonJPEG != nil {
		j.Comparison = en.comparisonJPEG
	}
	j.ComparisonType = en.ComparisonType
	if j.CaptureOrigin == "" {
		j.CaptureOrigin = en.origin
	}
	if err := j.Validate(); err != nil {
		return nil, fmt.Errorf("making the job: %w", err)
	}
	return &j, nil
}

// ErrRefused means a precheck failed and the job was not sealed; its prechecks say why.
var ErrRefused = errors.New("a precheck failed: nothing was saved")

// Check runs the prechecks (precheck.Run) on j with e and records them in j.Prechecks.
// When one fails it returns ErrRefused, unless force, which records Forced. With a nil
// engine no check is made (the job records Ran false).
func Check(ctx context.Context, e *inference.Engine, j *job.Job, force bool) error {
	return CheckWith(ctx, e, j, force, precheck.RunOptions{})
}

// CheckWith is Check with the kiosk's full policy (precheck.RunWith): with o.OCR, a
// DOCUMENT comparison image's zone is read ("document read", the expiry warning) and
// its record kept in j.Document, as the wizard does.
func CheckWith(ctx context.Context, e *inference.Engine, j *job.Job, force bool, o precheck.RunOptions) error {
	if e == nil {
		j.Prechecks, j.Document = job.Prechecks{}, nil
		return nil
	}
	pc, rec, err := precheck.RunWith(ctx, e, j, o)
	if err != nil {
		return fmt.Errorf("prechecks: %w", err)
	}
	j.Prechecks, j.Document = pc, rec
	if !pc.OK {
		if !force {
			return ErrRefused
		}
		j.Prechecks.Forced = true
	}
	return nil
}

// Queue is where a checked job is sealed (*offline.Queue).
type Queue interface {
	Enqueue(j *job.Job) (offline.Entry, error)
}

// Seal checks j (Check) and seals it into q. An *offline.LimitError says the queue is
// full or the disk is.
func Seal(ctx context.Context, q Queue, e *inference.Engine, j *job.Job, force bool) (offline.Entry, error) {
	if err := Check(ctx, e, j, force); err != nil {
		return offline.Entry{}, err
	}
	entry, err := q.Enqueue(j)
	if err != nil {
		return offline.Entry{}, fmt.Errorf("sealing the job: %w", err)
	}
	return entry, nil
}

// Cameras are the sources a whole enrollment reads.
type Cameras struct {
	// Document is the document camera; nil when the comparison image was imported.
	Document capture.Source
	// Selfie is the customer's camera; Liveness the liveness sequence's (nil: Selfie).
	Selfie, Liveness capture.Source
}

// Take runs the steps in order: the document (unless a comparison image was imported),
// the selfie, the liveness sequence.
func (en *Enrollment) Take(ctx context.Context, cams Cameras) error {
	if cams.Document != nil {
		if _, err := en.TakeDocument(ctx, cams.Document); err != nil {
			return err
		}
	} else if en.comparisonJPEG == nil {
		return errors.New("taking the enrollment: no document camera and no imported comparison image")
	}
	if cams.Selfie == nil {
		return errors.New("taking the enrollment: no selfie camera")
	}
	if _, err := en.TakeSelfie(ctx, cams.Selfie); err != nil {
		return err
	}
	live := cams.Liveness
	if live == nil {
		live = cams.Selfie
	}
	_, err := en.TakeLiveness(ctx, live)
	return err
}

// Run is the whole path: Take, Job(meta), Seal into q (force: see Check). The job is
// returned with its prechecks, also when they refused it (ErrRefused).
func (en *Enrollment) Run(ctx context.Context, cams Cameras, meta job.Job, q Queue, force bool) (*job.Job, offline.Entry, error) {
	if err := en.Take(ctx, cams); err != nil {
		return nil, offline.Entry{}, err
	}
	j, err := en.Job(meta)
	if err != nil {
		return nil, offline.Entry{}, err
	}
	entry, err := Seal(ctx, q, en.e, j, force)
	return j, entry, err
}

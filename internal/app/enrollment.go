package app

// enrollment.go is the enrollment wizard's service over the app, headless (cmd/kiosk
// adapts it to ui.Enrollment): the app's cameras lent to one reader at a time, the
// capture steps of internal/enroll judged by the face engine, the ID photo import, the
// prechecks on the job as it will be sealed (encoded once: Seal reuses it), sealing
// through App.Seal, and the API's answer from the queue's and the sync engine's events.

import (
	"context"
	"errors"
	"fmt"
	"github.com/smartselfie/kiosk-agent/capture/card"
	"image"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/codes"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/media"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// Enrollments is the wizard's service (NewEnrollments): its methods are called by the
// screens' goroutines.
type Enrollments struct {
	a *App
	// removable lists the mount points of the removable media (USB sticks).
	removable func() []string
	// cameraWait bounds the wait for the cameras the app is still opening.
	cameraWait time.Duration

	mu     sync.Mutex
	lease  map[capture.Source]chan struct{} // one reader of a source at a time
	closed bool                             // Shut: no more reads
	// imported is the last imported ID photo: its JPEG is sealed as it is.
	imported     image.Image
	importedJPEG []byte
	// checked is the job the last Prechecks encoded, which Seal reuses for the same draft.
	checked *checkedJob
	// encodes counts the jobs encoded (once per enrollment: the tests count them).
	encodes int
}

// NewEnrollments is the enrollment service over a.
func NewEnrollments(a *App) *Enrollments {
	return &Enrollments{a: a, removable: media.System{}.RemovableMounts, cameraWait: 10 * time.Second,
		lease: map[capture.Source]chan struct{}{}}
}

// Draft is an enrollment in memory, as the wizard took it, before it is sealed.
type Draft struct {
	JobID, UserID  string
	ComparisonType job.ComparisonType
	AllowNewEnroll bool
	// The images the steps kept (an imported ID photo is ImportComparison's image).
	Comparison, Selfie image.Image
	Liveness           []image.Image
	// ComparisonOrigin is how the comparison image was taken (auto, manual, import):
	// the job's CaptureOrigin.
	ComparisonOrigin job.CaptureOrigin
}

// NoCameraError is OpenCamera's error when the camera a step needs is not there.
type NoCameraError struct {
	Document bool   // the document camera (else the selfie camera)
	Device   string // what the configuration names for it
	Err      error
}

func (e *NoCameraError) Error() string {
	role := "selfie"
	if e.Document {
		role = "document"
	}
	return fmt.Sprintf("opening the %s camera %q: %v", role, e.Device, e.Err)
}

func (e *NoCameraError) Unwrap() error { return e.Err }

// OpenCamera lends the camera of kind: the document camera for the document (the app
// gives the selfie camera when none is configured), the liveness camera for liveness
// (the selfie camera, or a scripted replay's liveness photos), the selfie camera
// otherwise. While the app still opens its cameras it waits, on the app's clock and
// its EventCameras, up to cameraWait.
func (e *Enrollments) OpenCamera(ctx context.Context, kind codes.CaptureKind) (*LiveCamera, error) {
	doc := kind == codes.CaptureDocument
	device := e.a.Settings().SelfieCamera
	if doc {
		device = e.a.Settings().DocumentCamera
	}
	cams, err := e.waitCameras(ctx)
	if err != nil {
		return nil, &NoCameraError{Document: doc, Device: device, Err: err}
	}
	src := cams.Selfie
	switch {
	case doc:
		src = cams.Document
	case kind == codes.CaptureLiveness && cams.Liveness != nil:
		src = cams.Liveness
	}
	if src == nil {
		return nil, &NoCameraError{Document: doc, Device: device, Err: capture.ErrNoCamera}
	}
	return &LiveCamera{e: e, src: src}, nil
}

// waitCameras returns the app's cameras, waiting while they are being opened.
func (e *Enrollments) waitCameras(ctx context.Context) (*Cameras, error) {
	events, unsubscribe := e.a.Subscribe(4)
	defer unsubscribe()
	timeout := e.a.clk.NewTimer(e.cameraWait)
	defer timeout.Stop()
	for {
		cams, err := e.a.Cameras()
		if !errors.Is(err, ErrCamerasOpening) {
			return cams, err
		}
		select {
		case <-events: // EventCameras, or another: look again
		case <-timeout.C():
			return nil, err
		case <-ctx.Done():
			return nil, err
		}
	}
}

// acquire waits until src has no other reader (a step closing while the next opens, the
// settings' preview), until ctx ends.
func (e *Enrollments) acquire(ctx context.Context, src capture.Source) (release func(), err error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, fmt.Errorf("reading the camera: the kiosk is stopping: %w", capture.ErrClosed)
	}
	l, ok := e.lease[src]
	if !ok {
		l = make(chan struct{}, 1)
		e.lease[src] = l
	}
	e.mu.Unlock()
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Shut refuses new reads of the cameras and waits, at most d on the app's clock, for
// the reads in progress to end: the app may then close its cameras.
func (e *Enrollments) Shut(d time.Duration) {
	e.mu.Lock()
	e.closed = true
	leases := make([]chan struct{}, 0, len(e.lease))
	for _, l := range e.lease {
		leases = append(leases, l)
	}
	e.mu.Unlock()
	timeout := e.a.clk.NewTimer(d)
	defer timeout.Stop()
	for _, l := range leases {
		select {
		case l <- struct{}{}: // held for good: nobody reads this camera again
		case <-timeout.C():
			return
		}
	}
}

// LiveCamera is one of the app's sources lent to a step (OpenCamera). The app owns the
// source: Close releases nothing but the step's use of it.
type LiveCamera struct {
	e   *Enrollments
	src capture.Source
}

// Next reads the source's next frame and converts it into dst when dst has its size
// (capture.Frame.ImageInto: the frame's one conversion). An unplugged camera is an
// error once (capture.ErrUnplugged); the v4l2 source's next Next waits for it to come
// back.
func (c *LiveCamera) Next(ctx context.Context, dst *image.RGBA) (*image.RGBA, error) {
	release, err := c.e.acquire(ctx, c.src)
	if err != nil {
		return nil, err
	}
	f, err := c.src.Next(ctx)
	release()
	if err != nil {
		return nil, fmt.Errorf("reading the camera: %w", err)
	}
	return f.ImageInto(dst)
}

// Close ends the step's use of the camera.
func (c *LiveCamera) Close() error { return nil }

// CaptureHooks are called by Capture from its goroutine.
type CaptureHooks struct {
	// Guidance is called after each frame is judged.
	Guidance func(capture.Guidance)
	// Prompt is called when liveness frame i (0-based) of n is asked for.
	Prompt func(i, n int, p capture.Prompt)
}

// CaptureError is Capture's error when the step ended without its images: the
// problems of the last frame judged and, for liveness, the prompt not answered.
type CaptureError struct {
	Prompt   capture.Prompt
	Problems []capture.Problem
	Err      error
}

func (e *CaptureError) Error() string {
	return fmt.Sprintf("capture failed (prompt %q, problems %v): %v", e.Prompt, e.Problems, e.Err)
}

func (e *CaptureError) Unwrap() error { return e.Err }

// Capture runs kind's procedure (internal/enroll: capture.Document, capture.Selfie for
// the portrait and the selfie, capture.LivenessSequence) over frames, judged by the face
// engine with passive liveness, and reports each judged frame and each liveness prompt
// through hooks. The wizard hands its frames over as RGBA (capture.FrameFromRGBA), so
// the judge reads the pixels the preview converted. A procedure that timed out without
// an acceptable frame is a *CaptureError with the last frame's problems.
//
// With a scripted replay (Cameras.Scripted) the liveness camera shows the next photo at
// each prompt; a frame of the previous photo may already be on its way through the
// preview then, so the first frame after each prompt is dropped.
func (e *Enrollments) Capture(ctx context.Context, kind codes.CaptureKind, frames capture.Source, hooks CaptureHooks) ([]capture.Shot, error) {
	eng, err := e.a.Engine()
	if err != nil {
		return nil, fmt.Errorf("taking the %v: %w", kind, err)
	}
	src := &skipping{Source: frames}
	var last capture.Guidance
	var o enroll.Options
	o.Observer = e.a // the face engine's time per frame (metrics)
	o.OnFrame = func(_ capture.Frame, g capture.Guidance) {
		if g.Image == nil {
			return // a liveness frame too soon after the last one: not judged
		}
		last = g
		if hooks.Guidance != nil {
			hooks.Guidance(g)
		}
	}
	var prompt capture.Prompt
	if kind == codes.CaptureLiveness {
		cams, err := e.a.Cameras()
		scripted := err == nil && cams.Scripted != nil
		if scripted {
			cams.Scripted.Apply(&o.Liveness)
		}
		n := o.Liveness.Frames
		if n == 0 {
			n = job.MaxLiveness
		}
		moved := o.Liveness.OnPrompt
		o.Liveness.OnPrompt = func(i int, p capture.Prompt) {
			if moved != nil {
				moved(i, p)
			}
			if scripted {
				src.skip = 1 // a frame of the previous photo may be on its way
			}
			prompt = p
			if hooks.Prompt != nil {
				hooks.Prompt(i, n, p)
			}
		}
	}
	if e.a.cfg.Capture.DocumentCardGates {
		g := card.DefaultGates()
		o.Document.Card = &g
	}
	en := enroll.New(eng, o)
	var shots []capture.Shot
	switch kind {
	case codes.CaptureDocument:
		var s capture.Shot
		s, err = en.TakeDocument(ctx, src)
		shots = []capture.Shot{s}
	case codes.CapturePortrait, codes.CaptureSelfie:
		var s capture.Shot
		s, err = en.TakeSelfie(ctx, src)
		shots = []capture.Shot{s}
	case codes.CaptureLiveness:
		shots, err = en.TakeLiveness(ctx, src)
	default:
		return nil, fmt.Errorf("capturing: unknown kind %v", kind)
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, capture.ErrNotAccepted):
		ce := &CaptureError{Problems: last.Problems, Err: err}
		if kind == codes.CaptureLiveness {
			ce.Prompt = prompt
		}
		return nil, ce
	case err != nil:
		return nil, fmt.Errorf("taking the %v: %w", kind, err)
	}
	return shots, nil
}

// skipping is a source that drops skip frames before the next one it gives.
type skipping struct {
	capture.Source
	skip int
}

func (s *skipping) Next(ctx context.Context) (capture.Frame, error) {
	for {
		f, err := s.Source.Next(ctx)
		if err != nil || s.skip == 0 {
			return f, err
		}
		s.skip--
	}
}

// ImportComparison reads an ID photo within internal/imagelimit's bounds, decodes it
// (bounded too) and finds its largest face (nil: none). A JPEG is sealed as it is (the
// ID authority's file); another format is encoded with the job.
func (e *Enrollments) ImportComparison(path string) (image.Image, *capture.Box, error) {
	data, err := imagelimit.ReadRegular(path, 0) // a stick's file: no FIFO, device or link
	if err != nil {
		return nil, nil, fmt.Errorf("importing the ID photo: %w", err)
	}
	img, err := inference.DecodeImage(data)
	if err != nil {
		return nil, nil, fmt.Errorf("importing the ID photo %s: %w", filepath.Base(path), err)
	}
	eng, err := e.a.Engine()
	if err != nil {
		return nil, nil, fmt.Errorf("importing the ID photo: %w", err)
	}
	v, err := precheck.EngineJudge{Engine: eng}.Judge(img, capture.KindDocument)
	if err != nil {
		return nil, nil, fmt.Errorf("importing the ID photo: %w", err)
	}
	e.mu.Lock()
	e.imported, e.importedJPEG = img, nil
	if job.IsJPEG(data) {
		e.importedJPEG = data
	}
	e.mu.Unlock()
	return img, v.Face, nil
}

// checkedJob is a draft's job as Prechecks encoded it, and what its prechecks read
// from the document's zone (nil: nothing), for the review.
type checkedJob struct {
	draft Draft
	job   *job.Job
	read  *precheck.DocumentRead
}

// same reports whether two drafts hold the same images and ids (the images compared by
// identity: a retake gives a new image).
func (d Draft) same(o Draft) bool {
	return d.JobID == o.JobID && d.UserID == o.UserID && d.ComparisonType == o.ComparisonType && d.ComparisonOrigin == o.ComparisonOrigin &&
		d.AllowNewEnroll == o.AllowNewEnroll && d.Comparison == o.Comparison && d.Selfie == o.Selfie &&
		slices.Equal(d.Liveness, o.Liveness)
}

// job returns the draft's job as it will be sealed: the one Prechecks encoded for the
// same draft, or a new encoding (internal/enroll: capture.EncodeJob, an imported JPEG as
// it is), validated. The job returned is the caller's copy.
func (e *Enrollments) job(d Draft) (*job.Job, error) {
	e.mu.Lock()
	if c := e.checked; c != nil && c.draft.same(d) {
		j := *c.job
		e.mu.Unlock()
		return &j, nil
	}
	jpeg := e.importedJPEG
	if e.imported == nil || d.Comparison != e.imported {
		jpeg = nil
	}
	e.encodes++
	e.mu.Unlock()
	en := enroll.New(nil, enroll.Options{})
	if jpeg != nil {
		if err := en.ImportComparison(jpeg, d.ComparisonType); err != nil {
			return nil, err
		}
	} else {
		en.Comparison, en.ComparisonType = d.Comparison, d.ComparisonType
	}
	en.Selfie, en.Liveness = d.Selfie, d.Liveness
	if !d.ComparisonOrigin.Valid() {
		return nil, fmt.Errorf("encoding job %s: capture origin %q is not auto, manual or import", d.JobID, d.ComparisonOrigin)
	}
	j, err := en.Job(job.Job{ID: d.JobID, UserID: d.UserID, AllowNewEnroll: d.AllowNewEnroll, CaptureOrigin: d.ComparisonOrigin})
	if err != nil {
		return nil, err
	}
	kept := *j
	e.mu.Lock()
	e.checked = &checkedJob{draft: d, job: &kept}
	e.mu.Unlock()
	return j, nil
}

// Prechecks encodes the draft as it will be sealed (kept for Seal) and runs the one
// precheck policy on it (precheck.RunWith: with the app's OCR, the "document read" of a
// DOCUMENT comparison image, whose record the sealed job keeps); the app's metrics count
// its failures by reason.
func (e *Enrollments) Prechecks(ctx context.Context, d Draft) (job.Prechecks, error) {
	eng, err := e.a.Engine()
	if err != nil {
		return job.Prechecks{}, fmt.Errorf("checking the enrollment: %w", err)
	}
	j, err := e.job(d)
	if err != nil {
		return job.Prechecks{}, fmt.Errorf("checking the enrollment: %w", err)
	}
	var read *precheck.DocumentRead
	pc, rec, err := precheck.RunWith(ctx, eng, j, precheck.RunOptions{OCR: e.a.OCR(), Now: e.a.clk.Now(),
		OnRead: func(r *precheck.DocumentRead) { read = r }})
	if err != nil {
		return job.Prechecks{}, fmt.Errorf("checking the enrollment: %w", err)
	}
	e.mu.Lock()
	if c := e.checked; c != nil && c.draft.same(d) {
		c.job.Document = rec // Seal's job carries it
		c.read = read        // the review's; never in the job
	}
	e.mu.Unlock()
	e.a.PrechecksRan(pc)
	return pc, nil
}

// DocumentRead is what the last Prechecks of job jobID read from the document's zone
// (nil: none read, or the job was sealed since), for the review screen. Its document
// number is personal data: shown on the review, never logged nor kept in the job.
func (e *Enrollments) DocumentRead(jobID string) *precheck.DocumentRead {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.checked; c != nil && c.draft.JobID == jobID {
		return c.read
	}
	return nil
}

// ReadDocument reads the machine readable zone of a document image now, with the app's
// OCR (ui.customer_id_from: the customer's id from the document number); Doc is nil when
// no zone was found. ErrNoOCR when the OCR models are not installed.
func (e *Enrollments) ReadDocument(ctx context.Context, img image.Image) (*precheck.DocumentRead, error) {
	r := e.a.OCR()
	if r == nil {
		return nil, ErrNoOCR
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := precheck.ReadDocument(r, img, e.a.clk.Now())
	if err != nil {
		return nil, fmt.Errorf("reading the document: %w", err)
	}
	return d, nil
}

// ErrNoOCR is ReadDocument's error when the kiosk has no OCR models: the document's zone
// cannot be read (scripts/fetch-ocr.sh installs them).
var ErrNoOCR = errors.New("reading the document: the OCR models are not installed")

// TakeNow makes the comparison image of a frame the agent kept by hand ("Take it now")
// on the step of kind, and finds its largest face (nil: none): for the document, with
// the card's gates on (capture.document_card_gates), the card flattened when one is
// found whole in the frame (card.Find, card.Flatten: the auto-capture's image); else
// the frame as it is (no card, a card partly out of the frame, the gates off, the
// portrait).
func (e *Enrollments) TakeNow(ctx context.Context, kind codes.CaptureKind, frame image.Image) (image.Image, *capture.Box, error) {
	if frame == nil {
		return nil, nil, errors.New("taking the frame: no frame")
	}
	eng, err := e.a.Engine()
	if err != nil {
		return nil, nil, fmt.Errorf("taking the frame: %w", err)
	}
	img := frame
	judged := capture.KindSelfie
	if kind == codes.CaptureDocument {
		judged = capture.KindDocument
		if e.a.cfg.Capture.DocumentCardGates {
			if fd := card.Find(frame); fd.Found && !fd.Clipped {
				if flat := card.Flatten(frame, fd, 1280); flat != nil {
					img = flat
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	v, err := precheck.EngineJudge{Engine: eng}.Judge(img, judged)
	if err != nil {
		return nil, nil, fmt.Errorf("taking the frame: %w", err)
	}
	return img, v.Face, nil
}

// Seal seals the draft with its prechecks as App.Seal does (the operator, the kiosk,
// training; a failed precheck forced by supervisor, who the seal checks is one, once,
// before the job is encoded), reusing the job Prechecks encoded, then forgets the
// imported photo and that job.
func (e *Enrollments) Seal(ctx context.Context, d Draft, pc job.Prechecks, supervisor string) error {
	if pc.Ran && !pc.OK && pc.Forced {
		pc.ForcedBy = supervisor
	}
	_, err := e.a.seal(d.JobID, pc, func() (*job.Job, error) { return e.job(d) }) // encoded once the seal is allowed
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.imported, e.importedJPEG, e.checked = nil, nil, nil
	e.mu.Unlock()
	return nil
}

// Answer is the API's answer about a sealed job: its result code, or the error code
// it failed with.
type Answer struct{ ResultCode, ErrorCode string }

// ErrNoAnswer is WaitAnswer's error when no answer will come now: the kiosk has no
// API, sending is halted or the API cannot be reached, or the job went back to the
// queue to be tried later. The job stays in the queue.
var ErrNoAnswer = errors.New("no answer from the compare API now: the job stays in the queue")

// WaitAnswer waits for the API's answer about a sealed job: the job done (its result
// code) or failed with an error code. It reads the job's entry, then again after each
// event of the queue or the sync engine (an event dropped for a full buffer leaves
// one in it, read later: the entry is read after every commit), and never polls.
func (e *Enrollments) WaitAnswer(ctx context.Context, jobID string) (Answer, error) {
	changed, stopQueue := e.a.q.Subscribe(16)
	defer stopQueue()
	events, unsubscribe := e.a.Subscribe(64)
	defer unsubscribe()
	if e.a.cfg.Compare.APIURL == "" {
		return Answer{}, ErrNoAnswer
	}
	st, err := e.a.Status(ctx)
	if err == nil && (st.Sync.Connectivity == "offline" || st.Sync.Halt != nil) {
		return Answer{}, ErrNoAnswer
	}
	for {
		if ans, done, err := e.answer(jobID); done {
			return ans, err
		}
		select {
		case <-ctx.Done():
			return Answer{}, ctx.Err()
		case _, ok := <-changed:
			if !ok {
				return Answer{}, ErrNoAnswer
			}
		case ev, ok := <-events:
			if !ok {
				return Answer{}, ErrNoAnswer
			}
			if ev.Kind != EventSync || ev.Sync == nil {
				continue
			}
			switch s := ev.Sync; {
			case s.Kind == uploader.EventOffline, s.Kind == uploader.EventHalted:
				return Answer{}, ErrNoAnswer
			case s.JobID == jobID && (s.Kind == uploader.EventRetry || s.Kind == uploader.EventHeld):
				return Answer{}, ErrNoAnswer
			}
		}
	}
}

// answer reads the job's entry: done reports whether the wait is over.
func (e *Enrollments) answer(jobID string) (a Answer, done bool, err error) {
	ent, err := e.a.q.Get(jobID)
	if err != nil {
		return Answer{}, true, fmt.Errorf("waiting for job %s: %w", jobID, err)
	}
	switch ent.State {
	case offline.StateDone:
		if ent.Result == nil {
			return Answer{}, true, fmt.Errorf("waiting for job %s: done without a result", jobID)
		}
		return Answer{ResultCode: ent.Result.Code}, true, nil
	case offline.StateFailed, offline.StateNeedsOperator:
		if ent.Code != "" {
			return Answer{ErrorCode: ent.Code}, true, nil
		}
		return Answer{}, true, fmt.Errorf("waiting for job %s: %s", jobID, ent.State)
	case offline.StateHeld, offline.StateQuarantined:
		return Answer{}, true, ErrNoAnswer
	}
	if ent.Attempts > 0 && ent.State == offline.StateQueued {
		return Answer{}, true, ErrNoAnswer // tried and put back: it will be sent later
	}
	return Answer{}, false, nil
}

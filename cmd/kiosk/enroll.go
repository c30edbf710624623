package main

// enroll.go is the enrollment wizard's service (ui.Enrollment) over the app: the app's
// cameras as live cameras, the capture procedures of internal/enroll judged by the face
// engine, the ID photo import, the prechecks (internal/precheck), sealing through
// App.Seal and the API's answer from the sync engine's events.

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/media"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
	"github.com/smartselfie/kiosk-agent/ui"
)

// uiEnrollment is ui.Enrollment over the app.
type uiEnrollment struct {
	a *app.App
	// engine is the face engine (App.Engine; a test may share one).
	engine func() (*inference.Engine, error)
	// removable lists the mount points of the removable media (USB sticks).
	removable func() []string
	// cameraWait bounds the wait for the cameras the app is still opening.
	cameraWait time.Duration
	// resultPoll is how often WaitResult reads the queue besides the sync events
	// (events may be dropped for a slow reader).
	resultPoll time.Duration

	mu     sync.Mutex
	lease  map[capture.Source]chan struct{} // one reader of a source at a time
	closed bool                             // shut: no more reads
	// imported is the last imported ID photo: its JPEG is sealed as it is.
	imported     image.Image
	importedJPEG []byte
}

func newEnrollment(a *app.App) *uiEnrollment {
	return &uiEnrollment{a: a, engine: a.Engine, removable: media.System{}.RemovableMounts, cameraWait: 10 * time.Second,
		resultPoll: time.Second, lease: map[capture.Source]chan struct{}{}}
}

// OpenCamera opens the camera of kind: the document camera for the document (the app
// gives the selfie camera when none is configured), the liveness camera for liveness
// (the selfie camera, or a scripted replay's liveness photos), the selfie camera
// otherwise. While the app still opens its cameras it waits up to cameraWait.
func (e *uiEnrollment) OpenCamera(kind ui.CaptureKind) (ui.LiveCamera, error) {
	role := ui.CameraSelfie
	if kind == ui.CaptureDocument {
		role = ui.CameraDocument
	}
	cams, err := e.a.Cameras()
	for deadline := time.Now().Add(e.cameraWait); errors.Is(err, app.ErrCamerasOpening) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		cams, err = e.a.Cameras()
	}
	if err != nil {
		return nil, &ui.NoCameraError{Role: role, Device: e.device(role), Err: err}
	}
	src := cams.Selfie
	switch kind {
	case ui.CaptureDocument:
		src = cams.Document
	case ui.CaptureLiveness:
		if cams.Liveness != nil {
			src = cams.Liveness
		}
	}
	if src == nil {
		return nil, &ui.NoCameraError{Role: role, Device: e.device(role), Err: capture.ErrNoCamera}
	}
	return &liveCamera{e: e, src: src}, nil
}

// device is what the config names for the camera of role.
func (e *uiEnrollment) device(role ui.CameraRole) string {
	s := e.a.Settings()
	if role == ui.CameraDocument {
		return s.DocumentCamera
	}
	return s.SelfieCamera
}

// acquire waits until src has no other reader (a step closing while the next opens, the
// settings' preview), until ctx ends.
func (e *uiEnrollment) acquire(ctx context.Context, src capture.Source) (release func(), err error) {
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

// shut refuses new reads of the cameras and waits, at most d, for the reads in
// progress to end: the app may then close its cameras.
func (e *uiEnrollment) shut(d time.Duration) {
	e.mu.Lock()
	e.closed = true
	leases := make([]chan struct{}, 0, len(e.lease))
	for _, l := range e.lease {
		leases = append(leases, l)
	}
	e.mu.Unlock()
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for _, l := range leases {
		select {
		case l <- struct{}{}: // held for good: nobody reads this camera again
		case <-timeout.C:
			return
		}
	}
}

// liveCamera is a ui.LiveCamera over one of the app's sources. The app owns the
// sources: Close releases nothing but the step's use of it.
type liveCamera struct {
	e   *uiEnrollment
	src capture.Source
}

// Next reads the source's next frame into dst (when it has the frame's size). An
// unplugged camera is ui.ErrCameraDisconnected once; the v4l2 source's next Next
// waits for it to come back.
func (c *liveCamera) Next(ctx context.Context, dst *image.RGBA) (*image.RGBA, error) {
	release, err := c.e.acquire(ctx, c.src)
	if err != nil {
		return nil, err
	}
	f, err := c.src.Next(ctx)
	release()
	if err != nil {
		if errors.Is(err, capture.ErrUnplugged) {
			return nil, fmt.Errorf("reading the camera: %w (%w)", ui.ErrCameraDisconnected, err)
		}
		return nil, fmt.Errorf("reading the camera: %w", err)
	}
	return frameRGBA(f, dst)
}

func (c *liveCamera) Close() error { return nil }

// frameRGBA converts f into dst when dst has f's size, or into a new image.
func frameRGBA(f capture.Frame, dst *image.RGBA) (*image.RGBA, error) {
	w, h := f.Width, f.Height
	sized := func(r image.Rectangle) *image.RGBA {
		if dst == nil || dst.Rect != r {
			return image.NewRGBA(r)
		}
		return dst
	}
	switch f.Format {
	case capture.FormatRGB, capture.FormatYUYV:
		bpp := 3
		if f.Format == capture.FormatYUYV {
			bpp = 2
		}
		if w <= 0 || h <= 0 || f.Stride < w*bpp || len(f.Data) < f.Stride*(h-1)+w*bpp || (bpp == 2 && w%2 != 0) {
			return nil, fmt.Errorf("converting a %v frame %dx%d: %w", f.Format, w, h, capture.ErrShortFrame)
		}
		out := sized(image.Rect(0, 0, w, h))
		if bpp == 2 {
			capture.YUYVToRGBA(out, f.Data, f.Stride)
			return out, nil
		}
		for y := 0; y < h; y++ {
			s := f.Data[y*f.Stride : y*f.Stride+w*3]
			d := out.Pix[y*out.Stride : y*out.Stride+w*4]
			for i, j := 0, 0; i+2 < len(s); i, j = i+3, j+4 {
				d[j], d[j+1], d[j+2], d[j+3] = s[i], s[i+1], s[i+2], 0xff
			}
		}
		return out, nil
	}
	img, err := f.Image()
	if err != nil {
		return nil, fmt.Errorf("converting a camera frame: %w", err)
	}
	b := img.Bounds()
	out := sized(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out, nil
}

// framesSource is the wizard's Frames as a capture.Source. skip is how many frames to
// drop before the next one is given (see replay.Scripted.Apply).
type framesSource struct {
	frames ui.Frames
	skip   int
}

func (s *framesSource) Next(ctx context.Context) (capture.Frame, error) {
	for {
		f, err := s.frames.Next(ctx)
		if err != nil {
			return capture.Frame{}, err
		}
		if f.Image == nil {
			return capture.Frame{}, fmt.Errorf("reading the preview's frame: %w", capture.ErrShortFrame)
		}
		if s.skip > 0 {
			s.skip--
			continue
		}
		return capture.FrameFromImage(f.Image, f.Time, f.Seq), nil
	}
}

func (s *framesSource) Close() error { return nil }

// Capture runs kind's procedure (internal/enroll: capture.Document, capture.Selfie for
// the portrait and the selfie, capture.LivenessSequence) over the wizard's frames,
// judged by the face engine with passive liveness, and reports each judged frame and
// each liveness prompt through hooks. A procedure that timed out without an acceptable
// frame is a *ui.CaptureError with the last frame's problems.
func (e *uiEnrollment) Capture(ctx context.Context, kind ui.CaptureKind, frames ui.Frames, hooks ui.CaptureHooks) ([]ui.Shot, error) {
	eng, err := e.engine()
	if err != nil {
		return nil, fmt.Errorf("taking the %v: %w", kind, err)
	}
	src := &framesSource{frames: frames}
	var last ui.Guidance
	var prompt capture.Prompt
	var o enroll.Options
	o.Observer = e.a // the face engine's time per frame (metrics)
	o.OnFrame = func(_ capture.Frame, g capture.Guidance) {
		if g.Image == nil {
			return // a liveness frame too soon after the last one: not judged
		}
		last = ui.Guidance{OK: g.Accepted, Problems: uiProblems(g.Problems), Face: uiBox(g.Verdict.Face)}
		if hooks.Guidance != nil {
			hooks.Guidance(last)
		}
	}
	if kind == ui.CaptureLiveness {
		scripted := false
		if cams, err := e.a.Cameras(); err == nil && cams.Scripted != nil {
			cams.Scripted.Apply(&o.Liveness)
			scripted = true
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
				hooks.Prompt(i, n, ui.Prompt(p))
			}
		}
	}
	en := enroll.New(eng, o)
	var shots []capture.Shot
	switch kind {
	case ui.CaptureDocument:
		var s capture.Shot
		s, err = en.TakeDocument(ctx, src)
		shots = []capture.Shot{s}
	case ui.CapturePortrait, ui.CaptureSelfie:
		var s capture.Shot
		s, err = en.TakeSelfie(ctx, src)
		shots = []capture.Shot{s}
	case ui.CaptureLiveness:
		shots, err = en.TakeLiveness(ctx, src)
	default:
		return nil, fmt.Errorf("capturing: unknown kind %v", kind)
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, capture.ErrNotAccepted):
		ce := &ui.CaptureError{Problems: last.Problems, Err: err}
		if kind == ui.CaptureLiveness {
			ce.Prompt = ui.Prompt(prompt)
		}
		return nil, ce
	case err != nil:
		return nil, fmt.Errorf("taking the %v: %w", kind, err)
	}
	out := make([]ui.Shot, len(shots))
	for i, s := range shots {
		out[i] = ui.Shot{Image: s.Image, Face: uiBox(s.Verdict.Face), Prompt: ui.Prompt(s.Prompt)}
	}
	return out, nil
}

func uiProblems(ps []capture.Problem) []ui.Problem {
	out := make([]ui.Problem, len(ps))
	for i, p := range ps {
		out[i] = ui.Problem(p)
	}
	return out
}

func uiBox(b *capture.Box) *ui.Box {
	if b == nil {
		return nil
	}
	return &ui.Box{X1: b.X1, Y1: b.Y1, X2: b.X2, Y2: b.Y2}
}

// maxImports bounds the files Imports lists (a stick full of photos).
const maxImports = 200

// Imports lists the .jpg, .jpeg and .png files of the import folders (ui.import_dirs)
// and of the mounted removable media (media.System.RemovableMounts: decided by the
// block device, not the file system), in each folder and down to two levels below it,
// hidden files and folders left out: media.Scan, which stops at maxImports files and
// when ctx ends (the wizard runs it off the UI goroutine).
func (e *uiEnrollment) Imports(ctx context.Context) ([]ui.ImportFile, error) {
	roots := append(slices.Clone(e.a.Settings().ImportDirs), e.removable()...)
	files, err := media.Scan(ctx, roots, media.Options{Max: maxImports})
	if err != nil && !errors.Is(err, media.ErrCapped) {
		return nil, err
	}
	out := make([]ui.ImportFile, 0, len(files))
	for _, f := range files {
		out = append(out, ui.ImportFile{Path: f.Path, Name: f.Name, Where: f.Dir})
	}
	return out, nil
}

// ImportComparison reads an ID photo within internal/imagelimit's bounds, decodes it
// (bounded too) and finds its largest face. A JPEG is sealed as it is (the ID
// authority's file); another format is encoded with the job.
func (e *uiEnrollment) ImportComparison(path string) (ui.Shot, error) {
	data, err := imagelimit.ReadRegular(path, 0) // a stick's file: no FIFO, device or link
	if err != nil {
		return ui.Shot{}, fmt.Errorf("importing the ID photo: %w", err)
	}
	img, err := inference.DecodeImage(data)
	if err != nil {
		return ui.Shot{}, fmt.Errorf("importing the ID photo %s: %w", filepath.Base(path), err)
	}
	eng, err := e.engine()
	if err != nil {
		return ui.Shot{}, fmt.Errorf("importing the ID photo: %w", err)
	}
	v, err := precheck.EngineJudge{Engine: eng}.Judge(img, capture.KindDocument)
	if err != nil {
		return ui.Shot{}, fmt.Errorf("importing the ID photo: %w", err)
	}
	e.mu.Lock()
	e.imported, e.importedJPEG = img, nil
	if job.IsJPEG(data) {
		e.importedJPEG = data
	}
	e.mu.Unlock()
	return ui.Shot{Image: img, Face: uiBox(v.Face)}, nil
}

// job encodes a draft into a job (internal/enroll: capture.EncodeJob, an imported JPEG
// as it is) and validates it.
func (e *uiEnrollment) job(d ui.Draft) (*job.Job, error) {
	en := enroll.New(nil, enroll.Options{})
	e.mu.Lock()
	jpeg := e.importedJPEG
	if e.imported == nil || d.Comparison.Image != e.imported {
		jpeg = nil
	}
	e.mu.Unlock()
	if jpeg != nil {
		if err := en.ImportComparison(jpeg, d.ComparisonType); err != nil {
			return nil, err
		}
	} else {
		en.Comparison, en.ComparisonType = d.Comparison.Image, d.ComparisonType
	}
	en.Selfie = d.Selfie.Image
	for _, l := range d.Liveness {
		en.Liveness = append(en.Liveness, l.Image)
	}
	return en.Job(job.Job{ID: d.JobID, UserID: d.UserID, AllowNewEnroll: d.AllowNewEnroll})
}

// Prechecks encodes the draft as it will be sealed and runs the one precheck policy
// (precheck.Run) on it; the app's metrics count its failures by reason.
func (e *uiEnrollment) Prechecks(ctx context.Context, d ui.Draft) (job.Prechecks, error) {
	eng, err := e.engine()
	if err != nil {
		return job.Prechecks{}, fmt.Errorf("checking the enrollment: %w", err)
	}
	j, err := e.job(d)
	if err != nil {
		return job.Prechecks{}, fmt.Errorf("checking the enrollment: %w", err)
	}
	pc, err := precheck.Run(ctx, eng, j)
	if err != nil {
		return job.Prechecks{}, fmt.Errorf("checking the enrollment: %w", err)
	}
	e.a.PrechecksRan(pc)
	return pc, nil
}

// WizardMoved tells the app's metrics where the wizard went (ui.WizardObserver).
func (e *uiEnrollment) WizardMoved(from, to string, sealed bool) { e.a.WizardMoved(from, to, sealed) }

// Seal encodes the draft, records its prechecks (forced ones with the supervisor who
// allowed them) and seals it through App.Seal (the operator, the kiosk, training),
// then forgets the imported photo.
func (e *uiEnrollment) Seal(ctx context.Context, r ui.SealRequest) error {
	pc := r.Prechecks
	if pc.Ran && !pc.OK {
		if !pc.Forced || r.Supervisor == nil {
			return fmt.Errorf("sealing job %s: a precheck failed: %w", r.Draft.JobID, offline.ErrNotSupervisor)
		}
		pc.ForcedBy = r.Supervisor.ID
	}
	j, err := e.job(r.Draft)
	if err != nil {
		return fmt.Errorf("sealing job %s: %w", r.Draft.JobID, err)
	}
	j.Prechecks = pc
	if _, err := e.a.Seal(j); err != nil {
		return err
	}
	e.mu.Lock()
	e.imported, e.importedJPEG = nil, nil
	e.mu.Unlock()
	return nil
}

// WaitResult waits for the API's answer about a sealed job: the job done (its result
// code) or failed with an error code. It returns ui.ErrOffline when the kiosk has no
// API, sending is halted or the API cannot be reached, or the job went back to the
// queue to be tried later.
func (e *uiEnrollment) WaitResult(ctx context.Context, jobID string) (ui.Outcome, error) {
	events, unsubscribe := e.a.Subscribe(64)
	defer unsubscribe()
	if e.a.Settings().APIURL == "" {
		return ui.Outcome{}, ui.ErrOffline
	}
	st, err := e.a.Status(ctx)
	if err == nil && (st.Sync.Connectivity == "offline" || st.Sync.Halt != nil) {
		return ui.Outcome{}, ui.ErrOffline
	}
	poll := time.NewTicker(e.resultPoll)
	defer poll.Stop()
	for {
		if o, done, err := e.answer(jobID); done {
			return o, err
		}
		select {
		case <-ctx.Done():
			return ui.Outcome{}, ctx.Err()
		case <-poll.C:
		case ev, ok := <-events:
			if !ok {
				return ui.Outcome{}, ui.ErrOffline
			}
			if ev.Kind != app.EventSync || ev.Sync == nil {
				continue
			}
			switch s := ev.Sync; {
			case s.Kind == uploader.EventOffline, s.Kind == uploader.EventHalted:
				return ui.Outcome{}, ui.ErrOffline
			case s.JobID == jobID && (s.Kind == uploader.EventRetry || s.Kind == uploader.EventHeld):
				return ui.Outcome{}, ui.ErrOffline
			}
		}
	}
}

// answer reads the job's entry: done reports whether the wait is over.
func (e *uiEnrollment) answer(jobID string) (o ui.Outcome, done bool, err error) {
	ent, err := e.a.Queue().Get(jobID)
	if err != nil {
		return ui.Outcome{}, true, fmt.Errorf("waiting for job %s: %w", jobID, err)
	}
	switch ent.State {
	case offline.StateDone:
		if ent.Result == nil {
			return ui.Outcome{}, true, fmt.Errorf("waiting for job %s: done without a result", jobID)
		}
		return ui.Outcome{ResultCode: ent.Result.Code}, true, nil
	case offline.StateFailed, offline.StateNeedsOperator:
		if ent.Code != "" {
			return ui.Outcome{ErrorCode: ent.Code}, true, nil
		}
		return ui.Outcome{}, true, fmt.Errorf("waiting for job %s: %s", jobID, ent.State)
	case offline.StateHeld, offline.StateQuarantined:
		return ui.Outcome{}, true, ui.ErrOffline
	}
	if ent.Attempts > 0 && ent.State == offline.StateQueued {
		return ui.Outcome{}, true, ui.ErrOffline // tried and put back: it will be sent later
	}
	return ui.Outcome{}, false, nil
}

var (
	_ ui.Enrollment     = (*uiEnrollment)(nil)
	_ ui.WizardObserver = (*uiEnrollment)(nil)
)

package kioskui

// enroll.go adapts the app's enrollment service (internal/app.Enrollments) to the
// wizard's ui.Enrollment: ui's values in, the service's out.

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/ui"
)

// uiEnrollment is ui.Enrollment (and ui.WizardObserver) over the app.
type uiEnrollment struct {
	a *app.App
	*app.Enrollments
}

func newEnrollment(a *app.App) *uiEnrollment { return &uiEnrollment{a, app.NewEnrollments(a)} }

func (e *uiEnrollment) OpenCamera(kind ui.CaptureKind) (ui.LiveCamera, error) {
	cam, err := e.Enrollments.OpenCamera(context.Background(), kind)
	if nc := (*app.NoCameraError)(nil); errors.As(err, &nc) {
		role := ui.CameraSelfie
		if nc.Document {
			role = ui.CameraDocument
		}
		return nil, &ui.NoCameraError{Role: role, Device: nc.Device, Err: nc.Err}
	} else if err != nil {
		return nil, err
	}
	return liveCamera{cam}, nil
}

// liveCamera says ui.ErrCameraDisconnected for an unplugged camera.
type liveCamera struct{ *app.LiveCamera }

func (c liveCamera) Next(ctx context.Context, dst *image.RGBA) (*image.RGBA, error) {
	img, err := c.LiveCamera.Next(ctx, dst)
	if errors.Is(err, capture.ErrUnplugged) {
		err = fmt.Errorf("%w (%w)", ui.ErrCameraDisconnected, err)
	}
	return img, err
}

// frames is the wizard's Frames as a capture.Source: each frame, a copy the wizard hands
// over, is judged as it is (capture.FrameFromRGBA: no conversion).
type frames struct{ ui.Frames }

func (s frames) Next(ctx context.Context) (capture.Frame, error) {
	f, err := s.Frames.Next(ctx)
	if err == nil && f.Image == nil {
		err = fmt.Errorf("reading the preview's frame: %w", capture.ErrShortFrame)
	}
	if err != nil {
		return capture.Frame{}, err
	}
	return capture.FrameFromRGBA(f.Image, f.Time, f.Seq), nil
}

func (frames) Close() error { return nil }

func (e *uiEnrollment) Capture(ctx context.Context, kind ui.CaptureKind, fr ui.Frames, h ui.CaptureHooks) ([]ui.Shot, error) {
	var hooks app.CaptureHooks
	if h.Guidance != nil {
		hooks.Guidance = func(g capture.Guidance) {
			h.Guidance(guidance(g))
		}
	}
	hooks.Prompt = h.Prompt
	shots, err := e.Enrollments.Capture(ctx, kind, frames{fr}, hooks)
	if ce := (*app.CaptureError)(nil); errors.As(err, &ce) {
		return nil, &ui.CaptureError{Prompt: ce.Prompt, Problems: ce.Problems, Err: ce.Err}
	} else if err != nil {
		return nil, err
	}
	out := make([]ui.Shot, len(shots))
	for i, s := range shots {
		out[i] = ui.Shot{Image: s.Image, Face: s.Verdict.Face, Prompt: s.Prompt, Origin: job.OriginAuto}
	}
	return out, nil
}

// guidance is a judged frame's guidance as the wizard reads it: the card's outline as
// fractions of the frame (nil when no card was found or looked for) and its problems.
func guidance(g capture.Guidance) ui.Guidance {
	out := ui.Guidance{OK: g.Accepted, Problems: g.Problems, Face: g.Verdict.Face}
	if c := g.Card; c != nil && c.Found && c.Width > 0 && c.Height > 0 {
		var q ui.CardOutline
		for i, p := range c.Corners {
			q[i] = ui.CardPoint{X: p.X / float64(c.Width), Y: p.Y / float64(c.Height)}
		}
		out.Card = &q
	}
	for _, p := range g.CardProblems {
		out.CardProblems = append(out.CardProblems, ui.CardProblem(p))
	}
	return out
}

func (e *uiEnrollment) TakeNow(ctx context.Context, kind ui.CaptureKind, frame image.Image) (ui.Shot, error) {
	img, face, err := e.Enrollments.TakeNow(ctx, kind, frame)
	return ui.Shot{Image: img, Face: face, Origin: job.OriginManual}, err
}

// DocumentRead is the review's reading of the document's zone: the number in full
// (personal data, for the review screen only), the type, issuing state and expiry of a
// zone whose check digits hold.
func (e *uiEnrollment) DocumentRead(jobID string) *ui.DocumentRead {
	return documentRead(e.Enrollments.DocumentRead(jobID))
}

// ReadDocument reads a document image's zone now (ui.customer_id_from).
func (e *uiEnrollment) ReadDocument(ctx context.Context, img image.Image) (*ui.DocumentRead, error) {
	r, err := e.Enrollments.ReadDocument(ctx, img)
	if err != nil {
		return nil, err
	}
	return documentRead(r), nil
}

// documentRead is a reading of the zone as ui shows it (nil: no zone found).
func documentRead(r *precheck.DocumentRead) *ui.DocumentRead {
	if r == nil || r.Doc == nil {
		return nil
	}
	d := r.Doc
	if !d.Valid() {
		return &ui.DocumentRead{}
	}
	out := &ui.DocumentRead{Valid: true, Number: d.DocumentNumber, Type: d.DocumentCode, IssuingState: d.IssuingState,
		Expired: d.Expired(r.Now)}
	if d.ExpiryDate.Valid {
		out.Expiry = d.ExpiryDate.Time
	}
	return out
}

func (e *uiEnrollment) Imports(ctx context.Context) ([]ui.ImportFile, error) {
	files, err := e.Enrollments.Imports(ctx)
	out := make([]ui.ImportFile, len(files))
	for i, f := range files {
		out[i] = ui.ImportFile(f)
	}
	return out, err
}

func (e *uiEnrollment) ImportComparison(path string) (ui.Shot, error) {
	img, face, err := e.Enrollments.ImportComparison(path)
	return ui.Shot{Image: img, Face: face, Origin: job.OriginImport}, err
}

func draft(d ui.Draft) app.Draft {
	out := app.Draft{JobID: d.JobID, UserID: d.UserID, ComparisonType: d.ComparisonType, AllowNewEnroll: d.AllowNewEnroll,
		Comparison: d.Comparison.Image, Selfie: d.Selfie.Image, ComparisonOrigin: d.Comparison.Origin}
	for _, l := range d.Liveness {
		out.Liveness = append(out.Liveness, l.Image)
	}
	return out
}

func (e *uiEnrollment) Prechecks(ctx context.Context, d ui.Draft) (job.Prechecks, error) {
	return e.Enrollments.Prechecks(ctx, draft(d))
}

func (e *uiEnrollment) Seal(ctx context.Context, r ui.SealRequest) error {
	var sup string
	if r.Supervisor != nil {
		sup = r.Supervisor.ID
	}
	return e.Enrollments.Seal(ctx, draft(r.Draft), r.Prechecks, sup)
}

func (e *uiEnrollment) WaitResult(ctx context.Context, jobID string) (ui.Outcome, error) {
	ans, err := e.WaitAnswer(ctx, jobID)
	if errors.Is(err, app.ErrNoAnswer) {
		err = ui.ErrOffline
	}
	return ui.Outcome{ResultCode: ans.ResultCode, ErrorCode: ans.ErrorCode}, err
}

// WizardMoved tells the app's metrics where the wizard went (ui.WizardObserver).
func (e *uiEnrollment) WizardMoved(from, to string, sealed bool) { e.a.WizardMoved(from, to, sealed) }

var (
	_ ui.Enrollment     = (*uiEnrollment)(nil)
	_ ui.WizardObserver = (*uiEnrollment)(nil)
)

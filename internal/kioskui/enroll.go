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
			h.Guidance(ui.Guidance{OK: g.Accepted, Problems: g.Problems, Face: g.Verdict.Face})
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
		out[i] = ui.Shot{Image: s.Image, Face: s.Verdict.Face, Prompt: s.Prompt}
	}
	return out, nil
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
	return ui.Shot{Image: img, Face: face}, err
}

func draft(d ui.Draft) app.Draft {
	out := app.Draft{JobID: d.JobID, UserID: d.UserID, ComparisonType: d.ComparisonType, AllowNewEnroll: d.AllowNewEnroll,
		Comparison: d.Comparison.Image, Selfie: d.Selfie.Image}
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

package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// cameraPreview is the settings screen's camera preview (NewCameraPreview): the camera
// opened as a capture step opens it (Enrollment.OpenCamera) and shown by the capture
// steps' own preview (live.go), with a sentence when it is missing or unplugged.
type cameraPreview struct {
	e   Enrollment
	s   SettingsStore
	clk clock.Clock
}

// NewCameraPreview is the settings' Previewer over e's cameras: the document camera for
// the device the settings name as the document camera (unless it is the selfie camera
// too), the selfie camera otherwise.
func NewCameraPreview(e Enrollment, s SettingsStore, clk clock.Clock) Previewer {
	return cameraPreview{e: e, s: s, clk: clk}
}

// Preview shows the camera's frames until stop is called (which returns once the
// camera is no longer read, or after 2 s for a camera that does not return).
func (c cameraPreview) Preview(device string) (fyne.CanvasObject, func()) {
	kind := CaptureSelfie
	if set, err := c.s.Settings(); err == nil {
		var selfie, doc string
		for _, cam := range set.Cameras {
			if cam.Role == CameraDocument {
				doc = cam.Device
			} else {
				selfie = cam.Device
			}
		}
		if device == doc && device != selfie {
			kind = CaptureDocument
		}
	}
	p := newPreview(c.clk, nil)
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Hide()
	say := func(text string) { // on Fyne's goroutine
		msg.SetText(text)
		msg.Show()
		p.inner.Hide()
	}
	p.cameraState = func(ok bool) {
		if !ok {
			say(T("camera.disconnected"))
			return
		}
		msg.Hide()
		p.inner.Show()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		cam, err := c.e.OpenCamera(kind)
		if err != nil {
			text := T("camera.open-failed")
			var nc *NoCameraError
			if errors.As(err, &nc) {
				text = Tf("camera.missing-selfie", map[string]any{"Camera": CameraName(nc.Role), "Device": nc.Device})
			}
			do(func() { say(text) })
			return
		}
		defer cam.Close()
		p.run(ctx, cam)
	}()
	stop := func() {
		cancel()
		// The app closes its cameras at shutdown: the reader ends first. A camera that
		// does not return on its context is not waited for long (the screen).
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	return container.NewStack(p.obj, msg), stop
}

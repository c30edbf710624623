package main

// preview.go is the settings screen's camera preview (ui.Previewer) over the app's
// cameras, read as the wizard's steps read them (liveCamera).

import (
	"context"
	"errors"
	"image"
	"image/color"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/ui"
)

// fyneDo changes the preview's widgets on Fyne's goroutine (a test runs the changes on
// its own).
var fyneDo = fyne.Do

// uiPreview previews the camera the settings screen names: the document camera for
// its description, the selfie camera otherwise.
type uiPreview struct{ e *uiEnrollment }

// Preview shows the camera's frames until stop is called (which returns once the
// camera is no longer read). It paints at the camera's
// rate at most, into one of three buffers that is neither on screen nor waiting to be
// painted, and says so in words when the camera is missing or unplugged.
func (p uiPreview) Preview(device string) (fyne.CanvasObject, func()) {
	s := p.e.a.Settings()
	do := fyneDo
	kind := ui.CaptureSelfie
	if device == s.DocumentCamera && device != s.SelfieCamera {
		kind = ui.CaptureDocument
	}
	img := canvas.NewImageFromImage(nil)
	img.ScaleMode = canvas.ImageScaleFastest
	img.FillMode = canvas.ImageFillContain
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	msg.Hide()
	bg := canvas.NewRectangle(color.NRGBA{R: 0x20, G: 0x24, B: 0x2c, A: 0xff})
	obj := container.NewStack(bg, img, msg)
	say := func(text string) {
		do(func() {
			msg.SetText(text)
			msg.Show()
			img.Hide()
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	stop := func() {
		cancel()
		// The app closes its cameras at shutdown: the reader ends first. A camera
		// that does not return on its context is not waited for long (the screen).
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	go func() {
		defer close(done)
		cam, err := p.e.OpenCamera(kind)
		if err != nil {
			var nc *ui.NoCameraError
			if errors.As(err, &nc) {
				say(ui.Tf("camera.missing-selfie", map[string]any{"Camera": ui.CameraName(nc.Role), "Device": nc.Device}))
			} else {
				say(ui.T("camera.open-failed"))
			}
			return
		}
		defer cam.Close()
		var (
			mu              sync.Mutex
			bufs            [3]*image.RGBA
			onScreen, ready = -1, -1
			shown           = true
		)
		for ctx.Err() == nil {
			mu.Lock()
			free := 0
			for free == onScreen || free == ready {
				free++
			}
			mu.Unlock()
			frame, err := cam.Next(ctx, bufs[free])
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				shown = false
				say(ui.T("camera.disconnected"))
				if !errors.Is(err, ui.ErrCameraDisconnected) {
					select { // a camera that fails at once is not asked again faster than twice a second
					case <-ctx.Done():
						return
					case <-time.After(500 * time.Millisecond):
					}
				}
				continue
			}
			mu.Lock()
			bufs[free] = frame
			if ready >= 0 { // the last frame is not painted yet: this one waits its turn
				mu.Unlock()
				continue
			}
			ready = free
			mu.Unlock()
			show := !shown
			shown = true
			do(func() {
				mu.Lock()
				i := ready
				onScreen, ready = i, -1
				mu.Unlock()
				if i < 0 {
					return
				}
				if show {
					msg.Hide()
					img.Show()
				}
				img.Image = bufs[i]
				img.Refresh()
			})
		}
	}()
	return obj, stop
}

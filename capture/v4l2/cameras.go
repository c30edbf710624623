package v4l2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Cameras are the kiosk's open cameras, as the config (key "capture") chooses them.
type Cameras struct {
	// Selfie faces the customer: the selfie and the liveness frames.
	Selfie *Source
	// Document scans the ID document: its own camera when capture.document_camera is
	// set, otherwise the same Source as Selfie.
	Document *Source
}

// Separate reports whether the document has a camera of its own.
func (c *Cameras) Separate() bool { return c.Document != c.Selfie }

// Close closes both cameras.
func (c *Cameras) Close() error {
	err := c.Selfie.Close()
	if c.Separate() {
		err = errors.Join(err, c.Document.Close())
	}
	return err
}

// OpenCameras opens the selfie camera and, when the config names one, the document
// camera (at 1280x720 unless it says otherwise). Each error names the config key of the
// camera at fault; two settings that find the same device are refused before either is
// opened (the second open would only say the device is busy).
func OpenCameras(ctx context.Context, c camera.Config, clk clock.Clock, log *slog.Logger) (*Cameras, error) {
	so := FromSettings(c.SelfieCamera, false)
	so.Clock, so.Logger = clk, log
	ds, separate := c.Document()
	if separate {
		sc, err := resolve(so)
		if err != nil {
			return nil, fmt.Errorf("capture.selfie_camera (%s): %w", c.SelfieCamera.Describe(), err)
		}
		dc, err := resolve(FromSettings(ds, true))
		if err != nil {
			return nil, fmt.Errorf("capture.document_camera (%s): %w", ds.Describe(), err)
		}
		if camera.SameDevice(sc.Path, dc.Path) {
			return nil, fmt.Errorf("capture.selfie_camera (%s) and capture.document_camera (%s) both find %s: make them name different cameras (kioskctl cameras lists them)",
				c.SelfieCamera.Describe(), ds.Describe(), sc.Path)
		}
	}
	selfie, err := Open(ctx, so)
	if err != nil {
		return nil, fmt.Errorf("capture.selfie_camera (%s): %w", c.SelfieCamera.Describe(), err)
	}
	cams := &Cameras{Selfie: selfie, Document: selfie}
	if !separate {
		return cams, nil
	}
	do := FromSettings(ds, true)
	do.Clock, do.Logger = clk, log
	if cams.Document, err = Open(ctx, do); err != nil {
		selfie.Close()
		return nil, fmt.Errorf("capture.document_camera (%s): %w", ds.Describe(), err)
	}
	return cams, nil
}

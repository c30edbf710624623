// Package camera holds the settings that choose and set up the kiosk's cameras (config key
// "capture"). It is a leaf, so the config does not link the V4L2 driver code; capture/v4l2
// turns Settings into its Options.
package camera

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Settings choose one camera and the format asked of it. Every field may be left out.
//
// A camera is found by Path when it is set, otherwise as the first camera (by device
// number) whose name contains Name and whose bus contains Bus. A stable Path such as
// /dev/v4l/by-id/usb-…-video-index0 (udev's link, named after the camera's USB id and
// serial) survives a replug into another port and a reboot that renumbers /dev/video*;
// Name alone does too, when no two cameras share a model.
type Settings struct {
	Path string `json:"path,omitempty"`
	Name string `json:"name,omitempty"`
	Bus  string `json:"bus,omitempty"`
	// Width and Height are the target frame size (0: 640x480 for the selfie camera,
	// 1280x720 for a document camera); the nearest size the camera offers is taken.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// FPS is the target frame rate (0: 30), best effort.
	FPS int `json:"fps,omitempty"`
	// Formats is the order of preference among MJPG, JPEG, YUYV, RGB3 (empty: MJPG,
	// YUYV, RGB3).
	Formats []string `json:"formats,omitempty"`
	// FrameTimeoutMS bounds the wait for one frame before the camera is judged stuck
	// (0: 3000).
	FrameTimeoutMS int `json:"frame_timeout_ms,omitempty"`
}

// Config is the "capture" config key.
type Config struct {
	// SelfieCamera faces the customer: the selfie and the liveness frames.
	SelfieCamera Settings `json:"selfie_camera"`
	// DocumentCamera scans the ID document. Left out (no path, name or bus), the
	// selfie camera scans the document too.
	DocumentCamera Settings `json:"document_camera"`
}

// Formats the capture code can convert, by their V4L2 four-character codes.
var Formats = []string{"MJPG", "JPEG", "YUYV", "RGB3"}

// Chosen reports whether s names a camera (path, name or bus), rather than "the first one".
func (s Settings) Chosen() bool { return s.Path != "" || s.Name != "" || s.Bus != "" }

// FrameTimeout is FrameTimeoutMS as a duration (0 when unset).
func (s Settings) FrameTimeout() time.Duration {
	return time.Duration(s.FrameTimeoutMS) * time.Millisecond
}

// Document returns the document camera's settings and true, or false when the selfie
// camera scans the documents too.
func (c Config) Document() (Settings, bool) {
	return c.DocumentCamera, c.DocumentCamera.Chosen()
}

// Validate reports every problem in c at once, naming the config key.
func (c Config) Validate() error {
	errs := c.SelfieCamera.validate("capture.selfie_camera")
	errs = append(errs, c.DocumentCamera.validate("capture.document_camera")...)
	s, d := c.SelfieCamera, c.DocumentCamera
	if d.Chosen() && d.Path == s.Path && d.Name == s.Name && d.Bus == s.Bus {
		errs = append(errs, errors.New("capture.document_camera chooses the same camera as capture.selfie_camera: leave document_camera out to scan documents with the selfie camera"))
	}
	return errors.Join(errs...)
}

func (s Settings) validate(key string) []error {
	var errs []error
	if s.Path != "" && !filepath.IsAbs(s.Path) {
		errs = append(errs, fmt.Errorf("%s.path %q is not an absolute path: use /dev/videoN or a /dev/v4l/by-id/ link (kioskctl cameras lists them)", key, s.Path))
	}
	if s.Width < 0 || s.Height < 0 || (s.Width == 0) != (s.Height == 0) {
		errs = append(errs, fmt.Errorf("%s: width %d and height %d: give both, positive, or neither", key, s.Width, s.Height))
	}
	if s.Width > 8192 || s.Height > 8192 {
		errs = append(errs, fmt.Errorf("%s: %dx%d is larger than any camera: use the size kioskctl cameras lists", key, s.Width, s.Height))
	}
	if s.FPS < 0 || s.FPS > 240 {
		errs = append(errs, fmt.Errorf("%s.fps %d is not between 1 and 240 (0 for the default, 30)", key, s.FPS))
	}
	if s.FrameTimeoutMS < 0 || (s.FrameTimeoutMS > 0 && s.FrameTimeoutMS < 100) {
		errs = append(errs, fmt.Errorf("%s.frame_timeout_ms %d is too short: at least 100 (0 for the default, 3000)", key, s.FrameTimeoutMS))
	}
	for _, f := range s.Formats {
		known := false
		for _, k := range Formats {
			known = known || f == k
		}
		if !known {
			errs = append(errs, fmt.Errorf("%s.formats: %q is not one of %s", key, f, strings.Join(Formats, ", ")))
		}
	}
	return errs
}

// Match reports whether a camera with this path, name and bus is the one s chooses (a
// camera that could not be opened has an empty name and matches only by path).
func (s Settings) Match(path, name, bus string) bool {
	if s.Path != "" {
		return SameDevice(s.Path, path)
	}
	return name != "" && strings.Contains(name, s.Name) && strings.Contains(bus, s.Bus)
}

// SameDevice reports whether two device paths name the same node, after resolving links
// (/dev/v4l/by-id/… → /dev/videoN).
func SameDevice(a, b string) bool {
	if a == b {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// Describe says which camera s chooses, for messages: `path "/dev/video2"`,
// `name "C920" on bus "usb-…"`, or "the first camera".
func (s Settings) Describe() string {
	switch {
	case s.Path != "":
		return fmt.Sprintf("path %q", s.Path)
	case s.Name != "" && s.Bus != "":
		return fmt.Sprintf("name %q on bus %q", s.Name, s.Bus)
	case s.Name != "":
		return fmt.Sprintf("name %q", s.Name)
	case s.Bus != "":
		return fmt.Sprintf("bus %q", s.Bus)
	}
	return "the first camera"
}

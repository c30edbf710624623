// Package camera holds the types that choose and set up the kiosk's cameras: Settings for
// one camera and Config for the pair (selfie and document). It is a leaf, so code that
// picks a camera does not link the V4L2 driver code; capture/v4l2 turns Settings into its
// Options. The config file's "capture" section is internal/config's; internal/parts
// turns it into a Config, and the config validates it.
package camera

import (
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
	Path string
	Name string
	Bus  string
	// Width and Height are the target frame size (0: 640x480 for the selfie camera,
	// 1280x720 for a document camera); the nearest size the camera offers is taken.
	Width  int
	Height int
	// FPS is the target frame rate (0: 30), best effort.
	FPS int
	// Formats is the order of preference among MJPG, JPEG, YUYV, RGB3 (empty: MJPG,
	// YUYV, RGB3).
	Formats []string
	// FrameTimeout bounds the wait for one frame before the camera is judged stuck
	// (0: 3 s).
	FrameTimeout time.Duration
}

// Config is the pair of cameras.
type Config struct {
	// SelfieCamera faces the customer: the selfie and the liveness frames.
	SelfieCamera Settings
	// DocumentCamera scans the ID document. Left out (no path, name or bus), the
	// selfie camera scans the document too.
	DocumentCamera Settings
}

// Chosen reports whether s names a camera (path, name or bus), rather than "the first one".
func (s Settings) Chosen() bool { return s.Path != "" || s.Name != "" || s.Bus != "" }

// Document returns the document camera's settings and true, or false when the selfie
// camera scans the documents too.
func (c Config) Document() (Settings, bool) {
	return c.DocumentCamera, c.DocumentCamera.Chosen()
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

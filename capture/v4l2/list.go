package v4l2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/vladimirvivien/go4vl/v4l2"
)

// Camera describes one video capture device.
type Camera struct {
	Path    string   `json:"path"`
	Name    string   `json:"name"`   // the card name, e.g. "HD Pro Webcam C920"
	Driver  string   `json:"driver"` // e.g. "uvcvideo"
	Bus     string   `json:"bus"`    // e.g. "usb-0000:00:14.0-2"
	Formats []Format `json:"formats"`
}

// Format is one pixel format a camera offers.
type Format struct {
	FourCC      string `json:"fourcc"` // e.g. "MJPG", "YUYV"
	Description string `json:"description"`
	Sizes       []Size `json:"sizes"`
}

// Size is one frame size and its frame rates (empty when the driver does not say).
// For stepwise/continuous sizes, Width/Height are the maximum and Stepwise is true.
type Size struct {
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	FPS      []float64 `json:"fps,omitempty"`
	Stepwise bool      `json:"stepwise,omitempty"`
}

// devDir is where device nodes are looked up (a variable for tests).
var devDir = "/dev"

// List returns the video capture devices, by path. Devices that cannot be opened are
// still listed with Name "" when the reason is permission or busy; other nodes (metadata,
// output, codecs) are left out.
func List() ([]Camera, error) {
	paths, err := filepath.Glob(filepath.Join(devDir, "video*"))
	if err != nil {
		return nil, fmt.Errorf("listing cameras: %w", err)
	}
	slices.SortFunc(paths, func(a, b string) int { return nodeNumber(a) - nodeNumber(b) })
	var out []Camera
	var firstErr error
	for _, p := range paths {
		c, err := Describe(p)
		switch {
		case err == nil:
			out = append(out, c)
		case errors.Is(err, errNotCapture):
		case errors.Is(err, capture.ErrPermission), errors.Is(err, capture.ErrBusy):
			out = append(out, Camera{Path: p})
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

func nodeNumber(p string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "video"))
	return n
}

var errNotCapture = errors.New("not a video capture device")

// Describe opens path and reports what it is and offers.
func Describe(path string) (Camera, error) {
	fd, err := openFD(path)
	if err != nil {
		return Camera{}, err
	}
	defer v4l2.CloseDevice(fd)
	c, err := describeFD(path, fd)
	if err != nil {
		return Camera{}, fmt.Errorf("describing %s: %w", path, err)
	}
	return c, nil
}

func openFD(path string) (uintptr, error) {
	fd, err := v4l2.OpenDevice(path, syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		return 0, fmt.Errorf("opening %s: %w", path, classify(err))
	}
	return fd, nil
}

func describeFD(path string, fd uintptr) (Camera, error) {
	capb, err := v4l2.GetCapability(fd)
	if err != nil {
		return Camera{}, classify(err)
	}
	if capb.GetCapabilities()&v4l2.CapVideoCapture == 0 || capb.GetCapabilities()&v4l2.CapStreaming == 0 {
		return Camera{}, errNotCapture
	}
	c := Camera{Path: path, Name: capb.Card, Driver: capb.Driver, Bus: capb.BusInfo}
	descs, err := v4l2.GetAllFormatDescriptions(fd)
	if err != nil && len(descs) == 0 {
		return c, nil // a camera that does not enumerate: still listed
	}
	for _, d := range descs {
		f := Format{FourCC: fourCC(d.PixelFormat), Description: d.Description}
		sizes, _ := v4l2.GetFormatFrameSizes(fd, d.PixelFormat)
		for _, s := range sizes {
			sz := Size{Width: int(s.Size.MaxWidth), Height: int(s.Size.MaxHeight)}
			if s.Type != v4l2.FrameSizeTypeDiscrete {
				sz.Stepwise = true
			} else {
				sz.FPS = frameRates(fd, d.PixelFormat, s.Size.MaxWidth, s.Size.MaxHeight)
			}
			f.Sizes = append(f.Sizes, sz)
		}
		c.Formats = append(c.Formats, f)
	}
	return c, nil
}

func frameRates(fd uintptr, pf v4l2.FourCCType, w, h uint32) []float64 {
	var out []float64
	for i := uint32(0); i < 32; i++ {
		iv, err := v4l2.GetFormatFrameInterval(fd, i, pf, w, h)
		if err != nil {
			break
		}
		if iv.Interval.Min.Numerator > 0 {
			out = append(out, float64(iv.Interval.Min.Denominator)/float64(iv.Interval.Min.Numerator))
		}
		if iv.Type != v4l2.FrameIntervalTypeDiscrete {
			if iv.Interval.Max.Numerator > 0 {
				out = append(out, float64(iv.Interval.Max.Denominator)/float64(iv.Interval.Max.Numerator))
			}
			break
		}
	}
	return out
}

func fourCC(f v4l2.FourCCType) string {
	b := []byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)}
	return strings.TrimRight(string(b), " \x00")
}

// classify maps an OS error to capture's sentinels, keeping the original in the chain.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%w (%w)", capture.ErrPermission, err)
	case errors.Is(err, syscall.EBUSY):
		return fmt.Errorf("%w (%w)", capture.ErrBusy, err)
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return fmt.Errorf("%w (%w)", capture.ErrUnplugged, err)
	}
	return err
}

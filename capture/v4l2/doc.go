// Package v4l2 is the camera Source of capture, over Linux V4L2 through go4vl (the only
// importer of go4vl in the agent).
//
// List enumerates the video capture devices (path, name, driver, bus, formats, sizes,
// frame rates). Open picks one by Options (path, or name/bus so that a camera replugged
// into another port is found again), negotiates MJPEG, then YUYV, then RGB24, at the
// size nearest the target, and streams. Frames are copied out of go4vl's pooled buffers
// at once and the buffers released, so a capture.Frame owns its pixels.
//
// Faults become the sentinel errors of capture: a vanished device is ErrUnplugged (the
// Next that notices it returns it once; later calls reopen with capped backoff until the
// camera returns or the context ends), EBUSY is ErrBusy, EACCES/EPERM is ErrPermission
// (add the user to group "video"), no usable pixel format is ErrUnsupportedFormat, and
// a camera that stops delivering frames gives ErrTimeout after Options.FrameTimeout:
// nothing blocks forever.
//
// Caveats: go4vl v0.5.0 needs extra CGO_CFLAGS against Debian 12's kernel headers (see
// the Makefile). Only single-planar capture with mmap buffers is supported. The tests
// that need a device run in a VM with the kernel's vivid driver (vivid/run.sh); on a
// machine without /dev/video* they skip.
package v4l2

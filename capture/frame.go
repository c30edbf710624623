package capture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"sync/atomic"
	"time"
)

// PixelFormat is the layout of a Frame's Data.
type PixelFormat int

// Pixel formats.
const (
	// FormatRGB is packed 8-bit R,G,B, Stride bytes a row.
	FormatRGB PixelFormat = iota + 1
	// FormatYUYV is packed 4:2:2 Y0 U Y1 V, Stride bytes a row (Width must be even).
	FormatYUYV
	// FormatMJPEG is one JPEG image (Stride is unused); its Huffman tables may be missing.
	FormatMJPEG
	// FormatRGBA is packed 8-bit R,G,B,A, Stride bytes a row: an *image.RGBA's pixels,
	// already converted (FrameFromRGBA); Image shares them, converting nothing.
	FormatRGBA
)

// String names the format as V4L2 tools do.
func (p PixelFormat) String() string {
	switch p {
	case FormatRGB:
		return "RGB3"
	case FormatYUYV:
		return "YUYV"
	case FormatMJPEG:
		return "MJPG"
	case FormatRGBA:
		return "AB24"
	}
	return fmt.Sprintf("PixelFormat(%d)", int(p))
}

// Frame is one captured image. It owns Data: nothing else writes to it.
type Frame struct {
	Format PixelFormat
	Width  int
	Height int
	// Stride is the number of bytes of one row (RGB, YUYV).
	Stride int
	Data   []byte
	// Time is when the frame was captured (the source's clock).
	Time time.Time
	// Seq is the driver's sequence number (or the source's count); a gap means frames
	// were dropped.
	Seq uint64
}

// Image converts the frame to an image: *image.RGBA for RGB and YUYV, the JPEG decoder's
// image for MJPEG, and for RGBA the frame's own pixels as an *image.RGBA (no conversion:
// the image shares Data).
func (f Frame) Image() (image.Image, error) {
	switch f.Format {
	case FormatRGBA:
		if err := f.checkPacked(4); err != nil {
			return nil, err
		}
		return &image.RGBA{Pix: f.Data, Stride: f.Stride, Rect: image.Rect(0, 0, f.Width, f.Height)}, nil
	case FormatRGB:
		conversions.Add(1)
		return rgbToRGBA(f, nil)
	case FormatYUYV:
		if err := f.checkPacked(2); err != nil {
			return nil, err
		}
		conversions.Add(1)
		dst := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
		YUYVToRGBA(dst, f.Data, f.Stride)
		return dst, nil
	case FormatMJPEG:
		conversions.Add(1)
		img, err := DecodeMJPEG(f.Data)
		if err != nil {
			return nil, err
		}
		return img, nil
	}
	return nil, fmt.Errorf("converting frame: %w: %v", ErrUnsupportedFormat, f.Format)
}

// ImageInto converts the frame into dst when dst has the frame's size, else into a new
// image, and returns the image written: the one conversion of a camera frame for a live
// preview, whose buffers are reused frame after frame. An RGBA frame is copied.
func (f Frame) ImageInto(dst *image.RGBA) (*image.RGBA, error) {
	sized := func(w, h int) *image.RGBA {
		if r := image.Rect(0, 0, w, h); dst == nil || dst.Rect != r {
			return image.NewRGBA(r)
		}
		return dst
	}
	switch f.Format {
	case FormatRGBA:
		if err := f.checkPacked(4); err != nil {
			return nil, err
		}
		out := sized(f.Width, f.Height)
		for y := 0; y < f.Height; y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+f.Width*4], f.Data[y*f.Stride:])
		}
		return out, nil
	case FormatRGB:
		if err := f.checkPacked(3); err != nil {
			return nil, err
		}
		conversions.Add(1)
		return rgbToRGBA(f, sized(f.Width, f.Height))
	case FormatYUYV:
		if err := f.checkPacked(2); err != nil {
			return nil, err
		}
		conversions.Add(1)
		out := sized(f.Width, f.Height)
		YUYVToRGBA(out, f.Data, f.Stride)
		return out, nil
	}
	img, err := f.Image() // MJPEG: the decoder's image, drawn into dst
	if err != nil {
		return nil, fmt.Errorf("converting a camera frame: %w", err)
	}
	b := img.Bounds()
	out := sized(b.Dx(), b.Dy())
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out, nil
}

// conversions counts the frames converted to pixels (RGB, YUYV or MJPEG to RGBA).
var conversions atomic.Uint64

// Conversions returns how many frames were converted to pixels (RGB, YUYV or MJPEG to
// RGBA, by Image or ImageInto) since the process started; an RGBA frame is not
// converted. The kiosk converts each camera frame once: tests and benchmarks count it.
func Conversions() uint64 { return conversions.Load() }

func (f Frame) checkPacked(bpp int) error {
	if f.Width <= 0 || f.Height <= 0 || f.Stride < f.Width*bpp || len(f.Data) < f.Stride*(f.Height-1)+f.Width*bpp {
		return fmt.Errorf("converting %v frame %dx%d stride %d with %d bytes: %w", f.Format, f.Width, f.Height, f.Stride, len(f.Data), ErrShortFrame)
	}
	if f.Format == FormatYUYV && f.Width%2 != 0 {
		return fmt.Errorf("converting YUYV frame of odd width %d: %w", f.Width, ErrShortFrame)
	}
	return nil
}

// rgbToRGBA converts an RGB frame into dst (of the frame's size; nil: a new image).
func rgbToRGBA(f Frame, dst *image.RGBA) (*image.RGBA, error) {
	if err := f.checkPacked(3); err != nil {
		return nil, err
	}
	if dst == nil {
		dst = image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	}
	for y := 0; y < f.Height; y++ {
		s := f.Data[y*f.Stride : y*f.Stride+f.Width*3]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+f.Width*4]
		for i, j := 0, 0; i+2 < len(s); i, j = i+3, j+4 {
			d[j], d[j+1], d[j+2], d[j+3] = s[i], s[i+1], s[i+2], 0xff
		}
	}
	return dst, nil
}

// FrameFromRGBA makes an RGBA frame of img's pixels, without copying or converting
// them: the frame owns img from then on (the caller hands it over and no longer writes
// to it). A procedure judges it as it is (Image shares the pixels).
func FrameFromRGBA(img *image.RGBA, t time.Time, seq uint64) Frame {
	b := img.Bounds()
	pix := img.Pix[img.PixOffset(b.Min.X, b.Min.Y):]
	return Frame{Format: FormatRGBA, Width: b.Dx(), Height: b.Dy(), Stride: img.Stride, Data: pix, Time: t, Seq: seq}
}

// FrameFromImage makes an RGB frame that owns a copy of img's pixels.
func FrameFromImage(img image.Image, t time.Time, seq uint64) Frame {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	f := Frame{Format: FormatRGB, Width: w, Height: h, Stride: w * 3, Data: make([]byte, w*h*3), Time: t, Seq: seq}
	if rgba, ok := img.(*image.RGBA); ok {
		for y := 0; y < h; y++ {
			s := rgba.Pix[y*rgba.Stride : y*rgba.Stride+w*4]
			d := f.Data[y*f.Stride : y*f.Stride+w*3]
			for i, j := 0, 0; j+2 < len(d); i, j = i+4, j+3 {
				d[j], d[j+1], d[j+2] = s[i], s[i+1], s[i+2]
			}
		}
		return f
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			f.Data[i], f.Data[i+1], f.Data[i+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
			i += 3
		}
	}
	return f
}

// Source yields frames. Next blocks until a frame is ready, ctx is done, or the source
// fails (ErrUnplugged, ErrTimeout, ErrClosed, ...). Close releases the device; Next after
// Close returns ErrClosed. A Source is used by one goroutine at a time.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	Close() error
}

// Errors of sources and procedures. Test with errors.Is.
var (
	// ErrUnplugged means the camera went away (unplugged, or its driver disconnected it).
	ErrUnplugged = errors.New("camera disconnected: check the USB cable; it will be reopened when it returns")
	// ErrBusy means another program holds the camera (EBUSY): close the other program.
	ErrBusy = errors.New("camera busy: another program is using it; close that program")
	// ErrPermission means the device may not be opened: add the kiosk user to group
	// "video" (usermod -aG video USER, then log in again) or install the packaged udev rule.
	ErrPermission = errors.New("no permission to open the camera: add the kiosk user to group \"video\" (usermod -aG video USER, then log in again) or install the kiosk's udev rule")
	// ErrUnsupportedFormat means the camera offers no pixel format capture can convert.
	ErrUnsupportedFormat = errors.New("unsupported pixel format: the camera offers neither MJPEG, YUYV nor RGB; use another camera")
	// ErrNoCamera means no camera matched the configuration.
	ErrNoCamera = errors.New("no matching camera: plug one in, or check the camera settings (path, name, bus)")
	// ErrTimeout means no frame or no acceptable frame came in time.
	ErrTimeout = errors.New("timed out")
	// ErrClosed means the source was closed.
	ErrClosed = errors.New("source closed")
	// ErrShortFrame means a frame's data does not match its size and format.
	ErrShortFrame = errors.New("frame data too short for its size")
	// ErrBadJPEG means an MJPEG frame could not be decoded.
	ErrBadJPEG = errors.New("bad MJPEG frame")
)

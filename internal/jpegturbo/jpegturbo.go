package jpegturbo

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>

// decode_planes decodes into three caller-owned planes (Go memory; the pointer arrays
// live on the C stack, as cgo requires).
static int decode_planes(tjhandle h, const unsigned char *src, unsigned long n,
		unsigned char *y, unsigned char *cb, unsigned char *cr, int ystride, int cstride,
		int w, int hgt, int flags) {
	unsigned char *planes[3] = {y, cb, cr};
	int strides[3] = {ystride, cstride, cstride};
	return tjDecompressToYUVPlanes(h, src, n, planes, w, strides, hgt, flags);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"unsafe"
)

var (
	// ErrCorrupt means libjpeg-turbo could not decode the data: not a JPEG, truncated,
	// or corrupt (the error carries libjpeg's message).
	ErrCorrupt = errors.New("not a complete, valid JPEG")
	// ErrTooLarge means the header names more pixels than Options.MaxPixels.
	ErrTooLarge = errors.New("JPEG too large")
	// ErrUnsupported means a valid JPEG this package does not decode: CMYK or YCCK
	// colour, or a chroma subsampling TurboJPEG cannot classify. image/jpeg may.
	ErrUnsupported = errors.New("JPEG kind not decoded by libjpeg-turbo")
)

// Subsampling is the JPEG's chroma subsampling.
type Subsampling int

// The subsamplings, as TurboJPEG names them.
const (
	Sub444  Subsampling = C.TJSAMP_444
	Sub422  Subsampling = C.TJSAMP_422
	Sub420  Subsampling = C.TJSAMP_420
	SubGray Subsampling = C.TJSAMP_GRAY
	Sub440  Subsampling = C.TJSAMP_440
	Sub411  Subsampling = C.TJSAMP_411
)

// ColorSpace is the JPEG's colour space.
type ColorSpace int

// The colour spaces, as TurboJPEG names them.
const (
	RGB   ColorSpace = C.TJCS_RGB
	YCbCr ColorSpace = C.TJCS_YCbCr
	Gray  ColorSpace = C.TJCS_GRAY
	CMYK  ColorSpace = C.TJCS_CMYK
	YCCK  ColorSpace = C.TJCS_YCCK
)

// Header is what a JPEG's header says.
type Header struct {
	Width, Height int
	Subsampling   Subsampling
	ColorSpace    ColorSpace
}

// Options tune Decode; the zero value decodes at full size.
type Options struct {
	// ReduceTo, when > 0, decodes an image whose longer side exceeds it at the smallest
	// of 1/2, 1/4, 1/8 of its size that keeps the longer side at least ReduceTo.
	ReduceTo int
	// MaxPixels, when > 0, refuses (ErrTooLarge) a JPEG whose header names more pixels,
	// before anything is allocated.
	MaxPixels int
}

// Scale returns the divisor (1, 2, 4 or 8) Decode uses for a w×h image, and the
// decoded size.
func (o Options) Scale(w, h int) (div, sw, sh int) {
	div = 1
	if o.ReduceTo > 0 {
		for div < 8 && max(w, h)/(div*2) >= o.ReduceTo {
			div *= 2
		}
	}
	// TJSCALED: libjpeg rounds scaled sizes up.
	return div, (w + div - 1) / div, (h + div - 1) / div
}

// DecodeHeader reads a JPEG's size, subsampling and colour space without decoding it.
func DecodeHeader(data []byte) (Header, error) {
	if len(data) == 0 {
		return Header{}, fmt.Errorf("reading JPEG header: the data is empty: %w", ErrCorrupt)
	}
	h := C.tjInitDecompress()
	if h == nil {
		return Header{}, fmt.Errorf("reading JPEG header: libjpeg-turbo: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	return header(h, data)
}

func header(h C.tjhandle, data []byte) (Header, error) {
	var w, ht, sub, cs C.int
	if C.tjDecompressHeader3(h, (*C.uchar)(unsafe.Pointer(unsafe.SliceData(data))), C.ulong(len(data)), &w, &ht, &sub, &cs) != 0 {
		return Header{}, fmt.Errorf("reading JPEG header with libjpeg-turbo: %s: %w", errStr(h), headerErr(h))
	}
	return Header{Width: int(w), Height: int(ht), Subsampling: Subsampling(sub), ColorSpace: ColorSpace(cs)}, nil
}

// headerErr tells an unclassifiable subsampling (a valid but unusual JPEG) from damage.
func headerErr(h C.tjhandle) error {
	if strings.Contains(errStr(h), "subsampling") {
		return ErrUnsupported
	}
	return ErrCorrupt
}

func errStr(h C.tjhandle) string { return C.GoString(C.tjGetErrorStr2(h)) }

// Decode decodes a JPEG (see the package doc for the image types returned). Errors wrap
// ErrCorrupt, ErrUnsupported or ErrTooLarge.
func Decode(data []byte, opt Options) (image.Image, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("decoding JPEG: the data is empty: %w", ErrCorrupt)
	}
	h := C.tjInitDecompress()
	if h == nil {
		return nil, fmt.Errorf("decoding JPEG: libjpeg-turbo: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	hd, err := header(h, data)
	if err != nil {
		return nil, err
	}
	if hd.Width <= 0 || hd.Height <= 0 {
		return nil, fmt.Errorf("decoding JPEG: the header is incomplete (size %dx%d): %w", hd.Width, hd.Height, ErrCorrupt)
	}
	if opt.MaxPixels > 0 && int64(hd.Width)*int64(hd.Height) > int64(opt.MaxPixels) {
		return nil, fmt.Errorf("decoding JPEG: %dx%d is more than %d pixels: %w", hd.Width, hd.Height, opt.MaxPixels, ErrTooLarge)
	}
	_, w, ht := opt.Scale(hd.Width, hd.Height)
	src := (*C.uchar)(unsafe.Pointer(unsafe.SliceData(data)))
	n := C.ulong(len(data))
	const flags = C.TJFLAG_STOPONWARNING
	var img image.Image
	var rc C.int
	switch {
	case hd.ColorSpace == CMYK || hd.ColorSpace == YCCK:
		return nil, fmt.Errorf("decoding JPEG: CMYK/YCCK colour: %w", ErrUnsupported)
	case hd.ColorSpace == YCbCr && (hd.Subsampling == Sub420 || hd.Subsampling == Sub422 || hd.Subsampling == Sub444):
		ratio := image.YCbCrSubsampleRatio444
		switch hd.Subsampling {
		case Sub420:
			ratio = image.YCbCrSubsampleRatio420
		case Sub422:
			ratio = image.YCbCrSubsampleRatio422
		}
		m := newPlanes(w, ht, hd.Subsampling, ratio)
		rc = C.decode_planes(h, src, n, (*C.uchar)(&m.Y[0]), (*C.uchar)(&m.Cb[0]), (*C.uchar)(&m.Cr[0]),
			C.int(m.YStride), C.int(m.CStride), C.int(w), C.int(ht), flags)
		img = m
	case hd.ColorSpace == Gray || hd.Subsampling == SubGray:
		m := image.NewGray(image.Rect(0, 0, w, ht))
		rc = C.tjDecompress2(h, src, n, (*C.uchar)(&m.Pix[0]), C.int(w), C.int(m.Stride), C.int(ht), C.TJPF_GRAY, flags)
		img = m
	default: // RGB JPEGs, 4:4:0 and 4:1:1
		m := image.NewRGBA(image.Rect(0, 0, w, ht))
		rc = C.tjDecompress2(h, src, n, (*C.uchar)(&m.Pix[0]), C.int(w), C.int(m.Stride), C.int(ht), C.TJPF_RGBA, flags)
		img = m
	}
	if rc != 0 {
		msg := errStr(h)
		if msg == "" || msg == "No error" { // a warning libjpeg did not format
			msg = "damaged data"
		}
		return nil, fmt.Errorf("decoding JPEG with libjpeg-turbo: %s: %w", msg, ErrCorrupt)
	}
	return img, nil
}

// newPlanes allocates a w×h *image.YCbCr with the plane sizes TurboJPEG writes: the luma
// plane is padded to the chroma block (an even width and, for 4:2:0, height), so
// writing it never runs into the chroma planes. Rect stays w×h.
func newPlanes(w, h int, sub Subsampling, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	yw, yh := int(C.tjPlaneWidth(0, C.int(w), C.int(sub))), int(C.tjPlaneHeight(0, C.int(h), C.int(sub)))
	cw, ch := int(C.tjPlaneWidth(1, C.int(w), C.int(sub))), int(C.tjPlaneHeight(1, C.int(h), C.int(sub)))
	buf := make([]uint8, yw*yh+2*cw*ch)
	return &image.YCbCr{
		Y: buf[: yw*yh : yw*yh], Cb: buf[yw*yh : yw*yh+cw*ch : yw*yh+cw*ch], Cr: buf[yw*yh+cw*ch:],
		YStride: yw, CStride: cw, SubsampleRatio: ratio, Rect: image.Rect(0, 0, w, h),
	}
}

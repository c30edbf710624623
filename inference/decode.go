package inference

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/jpegturbo"
)

// Limits of DecodeImage and DecodeFile (internal/imagelimit states the bound: a decode
// holds at most MaxFileBytes + MaxDecodeBytes, whatever the file claims).
const (
	// MinImageSide is the smallest width or height accepted.
	MinImageSide = 32
	// MaxDecodePixels is the largest image (width·height) decoded at all: 36
	// megapixels (imagelimit.MaxPixels).
	MaxDecodePixels = imagelimit.MaxPixels
	// MaxDecodeBytes is the most memory a decode may need, estimated from the header
	// for the decoder that runs and for DecodeImage's conversions: 192 MiB
	// (imagelimit.MaxDecodeBytes). Progressive and CMYK JPEGs and 16-bit PNGs cost more
	// per pixel, so their largest accepted size is smaller than MaxDecodePixels.
	MaxDecodeBytes = imagelimit.MaxDecodeBytes
	// MaxImageSide is the longest side kept after decoding: larger images are scaled
	// down (a face needs far fewer pixels), which bounds the memory of every later stage.
	MaxImageSide = 2048
	// MaxFileBytes is the largest image file DecodeFile reads: 64 MiB
	// (imagelimit.MaxFileBytes).
	MaxFileBytes = imagelimit.MaxFileBytes
)

var (
	// ErrBadImage means the data is not a readable JPEG or PNG (empty, truncated,
	// corrupt, or another format).
	ErrBadImage = errors.New("not a readable JPEG or PNG image")
	// ErrImageTooSmall means the image is smaller than MinImageSide on a side.
	ErrImageTooSmall = errors.New("image too small")
	// ErrImageTooLarge means the image has more than MaxDecodePixels pixels, decoding
	// it would need more than MaxDecodeBytes, or the file has more than MaxFileBytes
	// bytes. It is imagelimit.ErrTooLarge: errors.As finds an *imagelimit.TooLargeError
	// with the figures.
	ErrImageTooLarge = imagelimit.ErrTooLarge
)

// DecodeImage decodes a JPEG or PNG, turns it upright by its EXIF orientation, flattens
// any transparency onto white, and scales it down to at most MaxImageSide pixels on its
// longer side. It reads the header first and refuses, before decoding, an image over
// MaxDecodePixels or one whose decode would need more than MaxDecodeBytes. Errors wrap
// ErrBadImage, ErrImageTooSmall or ErrImageTooLarge.
func DecodeImage(data []byte) (image.Image, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("decoding image: the data is empty (0 bytes): %w", ErrBadImage)
	}
	hd, err := imagelimit.ReadHeader(data)
	if err != nil {
		return nil, fmt.Errorf("decoding image: %v: %w", err, ErrBadImage)
	}
	format := hd.Format
	if format != "jpeg" && format != "png" {
		return nil, fmt.Errorf("decoding image: format %s is not supported, use JPEG or PNG: %w", format, ErrBadImage)
	}
	if hd.Width < MinImageSide || hd.Height < MinImageSide {
		return nil, fmt.Errorf("decoding image: %dx%d pixels, a face needs at least %dx%d: %w",
			hd.Width, hd.Height, MinImageSide, MinImageSide, ErrImageTooSmall)
	}
	if err := hd.CheckPixels(); err != nil {
		return nil, fmt.Errorf("decoding image: %w", err)
	}
	// The decode's memory, from its estimate (CMYK's 4 bytes a pixel and the conversion
	// copy included), is taken from the process's imagelimit.DecodeBudget for the whole
	// decode: concurrent decodes (a server's workers) never need more together.
	release := imagelimit.Reserve(decodeEstimate(hd))
	defer release()
	var img image.Image
	orient := 1
	switch format {
	case "jpeg":
		img, err = decodeJPEG(data, hd)
		orient = exifOrientation(data)
	case "png":
		native := hd.ColorType == 2 && hd.Depth == 8 && !hd.TRNS // image.RGBA, opaque
		if err := hd.CheckMemory(hd.GoDecodeBytes() + postDecodeBytes(hd.Width, hd.Height, native)); err != nil {
			return nil, fmt.Errorf("decoding image: %w", err)
		}
		img, err = png.Decode(bytes.NewReader(data))
	}
	if errors.Is(err, ErrImageTooLarge) {
		return nil, fmt.Errorf("decoding image: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("decoding %s (%dx%d, %d bytes; truncated or corrupt?): %v: %w",
			format, hd.Width, hd.Height, len(data), err, ErrBadImage)
	}
	img = flattenAlpha(img)
	img = downscale(img, MaxImageSide)
	img = orientImage(img, orient)
	return img, nil
}

// decodeEstimate is what DecodeImage may need for hd, the larger of what the two JPEG
// decoders would take (libjpeg-turbo, then image/jpeg for what it refuses: CMYK and the
// unusual), with DecodeImage's own work after them.
func decodeEstimate(hd imagelimit.Header) int64 {
	if hd.Format == "png" {
		native := hd.ColorType == 2 && hd.Depth == 8 && !hd.TRNS
		return hd.GoDecodeBytes() + postDecodeBytes(hd.Width, hd.Height, native)
	}
	go_ := hd.GoDecodeBytes() + postDecodeBytes(hd.Width, hd.Height, false)
	if len(hd.Components) == 4 {
		return go_ // libjpeg-turbo refuses CMYK from the header: image/jpeg decodes it
	}
	div, dw, dh := jpegturbo.Options{ReduceTo: MaxImageSide, MaxPixels: MaxDecodePixels}.Scale(hd.Width, hd.Height)
	return max(hd.TurboDecodeBytes(div)+postDecodeBytes(dw, dh, len(hd.Components) == 3), min(go_, imagelimit.MaxDecodeBytes))
}

// postDecodeBytes estimates the memory of DecodeImage's own work on a decoded w×h
// image: flattening transparency or converting an image the box filter cannot read in
// place (4 bytes a pixel unless native: YCbCr planes or opaque RGBA), the box-reduced
// copy, and the final image of at most MaxImageSide with its orientation (48 MiB).
func postDecodeBytes(w, h int, native bool) int64 {
	p := int64(w) * int64(h)
	n := int64(48 << 20)
	if !native {
		n += 4 * p
	}
	if k := max(w, h) / MaxImageSide; k >= 2 {
		n += 4 * p / int64(k*k)
	}
	return n
}

// decodeJPEG decodes with libjpeg-turbo (internal/jpegturbo): *image.YCbCr planes as
// stored for the common subsamplings, and a huge image at 1/2, 1/4 or 1/8 of its size,
// never below MaxImageSide, so downscale has less to do and memory stays bounded. What
// TurboJPEG refuses (CMYK, an unusual subsampling, or anything libjpeg warns about, such
// as a truncated file or an unknown JFIF version) goes to image/jpeg, which accepts or
// rejects it as before; when both fail, the error carries both reasons. Each decoder
// runs only if its memory estimate (imagelimit) fits MaxDecodeBytes: image/jpeg decodes
// at full size, and needs 4 bytes a sample more for a progressive file.
func decodeJPEG(data []byte, hd imagelimit.Header) (image.Image, error) {
	opt := jpegturbo.Options{ReduceTo: MaxImageSide, MaxPixels: MaxDecodePixels}
	if len(hd.Components) != 4 { // libjpeg-turbo refuses CMYK/YCCK from the header
		div, dw, dh := opt.Scale(hd.Width, hd.Height)
		if err := hd.CheckMemory(hd.TurboDecodeBytes(div) + postDecodeBytes(dw, dh, len(hd.Components) == 3)); err != nil {
			return nil, err
		}
	}
	img, terr := jpegturbo.Decode(data, opt)
	if terr == nil {
		return img, nil
	}
	if errors.Is(terr, jpegturbo.ErrTooLarge) { // libjpeg read a larger size than image.DecodeConfig
		return nil, fmt.Errorf("%v: %w", terr, ErrImageTooLarge)
	}
	if err := hd.CheckMemory(hd.GoDecodeBytes() + postDecodeBytes(hd.Width, hd.Height, false)); err != nil {
		return nil, fmt.Errorf("libjpeg-turbo did not decode it (%v) and image/jpeg: %w", terr, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%v; %v", err, terr)
	}
	return img, nil
}

// DecodeFile reads (imagelimit.ReadFile: at most MaxFileBytes, from a file, a FIFO or
// a device alike) and decodes an image file; errors name the file.
func DecodeFile(path string) (image.Image, error) {
	data, err := ReadImageFile(path)
	if err != nil {
		return nil, err
	}
	img, err := DecodeImage(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// ReadImageFile reads an image file of at most MaxFileBytes without decoding it
// (imagelimit.ReadFile); errors name the file and wrap ErrImageTooLarge or, for a
// folder, ErrBadImage.
func ReadImageFile(path string) ([]byte, error) {
	data, err := imagelimit.ReadFile(path, MaxFileBytes)
	if errors.Is(err, imagelimit.ErrFolder) {
		return nil, fmt.Errorf("%w: %w", err, ErrBadImage)
	}
	return data, err
}

// flattenAlpha composites an image with transparency onto white; opaque images are
// returned as they are.
func flattenAlpha(img image.Image) image.Image {
	type opaquer interface{ Opaque() bool }
	if o, ok := img.(opaquer); ok && o.Opaque() {
		return img
	}
	switch img.(type) {
	case *image.YCbCr, *image.Gray, *image.Gray16, *image.CMYK:
		return img
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	return dst
}

// downscale scales img so that its longer side is at most maxSide (antialiased).
func downscale(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= maxSide && h <= maxSide {
		return img
	}
	s := float64(maxSide) / float64(max(w, h))
	nw, nh := max(1, int(float64(w)*s+0.5)), max(1, int(float64(h)*s+0.5))
	// A box pre-reduction by the integer part of the factor does the antialiasing; the
	// rest (at most 2x) is bilinear. (x/image/draw's kernel scalers would allocate a
	// float buffer of dstW·srcH·32 bytes: 390 MB for 8000x6000.)
	if k := int(1 / s); k >= 2 {
		img = boxReduce(img, k)
	}
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

// boxReduce averages k×k blocks into an RGBA image (k ≥ 2), reading the source a row
// at a time (a YCbCr source is never converted whole).
func boxReduce(img image.Image, k int) image.Image {
	r := toRaster(img, nil)
	w, h := r.w/k, r.h/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sums := make([]uint32, 3*w)
	row := make([]uint8, 3*r.w)
	n := uint32(k * k)
	for y := 0; y < h; y++ {
		clear(sums)
		for dy := 0; dy < k; dy++ {
			r.rowRGB(y*k+dy, row)
			for x := 0; x < w; x++ {
				p := row[3*x*k:]
				for dx := 0; dx < k; dx++ {
					sums[3*x] += uint32(p[3*dx])
					sums[3*x+1] += uint32(p[3*dx+1])
					sums[3*x+2] += uint32(p[3*dx+2])
				}
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			out[4*x] = uint8(sums[3*x] / n)
			out[4*x+1] = uint8(sums[3*x+1] / n)
			out[4*x+2] = uint8(sums[3*x+2] / n)
			out[4*x+3] = 255
		}
	}
	return dst
}

// orientImage applies an EXIF orientation (1..8) so the result is upright.
func orientImage(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	r := toRGB(img, nil)
	w, h := r.w, r.h
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		row := r.pix[y*r.stride:]
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // rotated 90 clockwise to view
				dx, dy = h-1-y, x
			case 7: // transverse
				dx, dy = h-1-y, w-1-x
			case 8: // rotated 90 counter-clockwise to view
				dx, dy = y, w-1-x
			}
			p := row[x*r.bpp:]
			q := dst.Pix[dy*dst.Stride+4*dx:]
			q[0], q[1], q[2], q[3] = p[0], p[1], p[2], 255
		}
	}
	return dst
}

// exifOrientation returns the EXIF orientation tag of a JPEG (1 when absent or unreadable).
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan: no more metadata
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			v := int(bo.Uint16(t[e+8:]))
			if v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

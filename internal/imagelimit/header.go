package imagelimit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG
	_ "image/png"  // and PNG
)

// Header is what an image file declares about itself: enough to know, before
// decoding, what decoding it costs.
type Header struct {
	Format        string // "jpeg" or "png"; another image.DecodeConfig format name otherwise
	Width, Height int

	// JPEG: the frame header (SOF).
	Progressive bool
	Components  []Sampling // one per component, in frame order

	// PNG: the IHDR chunk, and whether a tRNS chunk gives transparency.
	Depth      int // bits per sample
	ColorType  int // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
	Interlaced bool
	TRNS       bool
}

// Sampling is a JPEG component's sampling factors.
type Sampling struct{ H, V int }

// ErrUnreadable means the header could not be read (not an image, truncated, corrupt).
var ErrUnreadable = errors.New("image header unreadable")

// ReadHeader reads the header of an image (image.DecodeConfig, then the JPEG frame
// header or the PNG chunks before the image data). Errors wrap ErrUnreadable.
func ReadHeader(data []byte) (Header, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Header{}, fmt.Errorf("reading the image header (%d bytes): %v: %w", len(data), err, ErrUnreadable)
	}
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height}
	switch format {
	case "jpeg":
		err = h.readJPEG(data)
	case "png":
		err = h.readPNG(data)
	}
	if err != nil {
		return Header{}, fmt.Errorf("reading the %s header: %w", format, err)
	}
	return h, nil
}

func (h *Header) readJPEG(d []byte) error {
	for i := 2; i+4 <= len(d); {
		if d[i] != 0xFF { // extraneous bytes between segments: decoders skip them too
			i++
			continue
		}
		m := d[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) {
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(d[i+2:]))
		if n < 2 || i+2+n > len(d) {
			break
		}
		seg := d[i+4 : i+2+n]
		switch m {
		case 0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
			if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) || seg[5] == 0 {
				break
			}
			h.Progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE
			for c := 0; c < int(seg[5]); c++ {
				s := seg[6+3*c+1]
				h.Components = append(h.Components, Sampling{H: max(int(s>>4), 1), V: max(int(s&15), 1)})
			}
			return nil
		}
		i += 2 + n
	}
	return fmt.Errorf("no frame header: %w", ErrUnreadable)
}

func (h *Header) readPNG(d []byte) error {
	if len(d) < 33 {
		return fmt.Errorf("truncated IHDR: %w", ErrUnreadable)
	}
	h.Depth, h.ColorType, h.Interlaced = int(d[24]), int(d[25]), d[28] != 0
	for i := 8; i+8 <= len(d); {
		n := int(binary.BigEndian.Uint32(d[i:]))
		typ := string(d[i+4 : i+8])
		if typ == "IDAT" || n < 0 || n > len(d) {
			break
		}
		if typ == "tRNS" {
			h.TRNS = true
		}
		i += 12 + n
	}
	return nil
}

// Kind names the file's kind for messages, e.g. "progressive CMYK JPEG", "16-bit RGBA PNG".
func (h Header) Kind() string {
	switch h.Format {
	case "jpeg":
		s := ""
		if h.Progressive {
			s = "progressive "
		}
		switch len(h.Components) {
		case 1:
			return s + "greyscale JPEG"
		case 4:
			return s + "CMYK JPEG"
		}
		return s + "colour JPEG"
	case "png":
		name := map[int]string{0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale+alpha", 6: "RGBA"}[h.ColorType]
		s := fmt.Sprintf("%d-bit %s PNG", h.Depth, name)
		if h.Interlaced {
			s = "interlaced " + s
		}
		return s
	}
	return h.Format + " image"
}

// Pixels is Width·Height.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// CheckPixels refuses (a *TooLargeError) an image over MaxPixels.
func (h Header) CheckPixels() error {
	if h.Pixels() > MaxPixels {
		return &TooLargeError{Width: h.Width, Height: h.Height, Kind: h.Kind(), Need: h.Pixels(), Limit: MaxPixels, Unit: UnitPixels}
	}
	return nil
}

// CheckMemory refuses (a *TooLargeError) a decode whose estimated need is over
// MaxDecodeBytes.
func (h Header) CheckMemory(need int64) error {
	if need > MaxDecodeBytes {
		return &TooLargeError{Width: h.Width, Height: h.Height, Kind: h.Kind(), Need: need, Limit: MaxDecodeBytes, Unit: UnitMemory}
	}
	return nil
}

// samples is the number of JPEG samples over all components, padded to whole blocks
// and MCUs as decoders allocate them.
func (h Header) samples() int64 {
	if len(h.Components) <= 1 {
		return int64(ceilDiv(h.Width, 8)*8) * int64(ceilDiv(h.Height, 8)*8)
	}
	hmax, vmax := 1, 1
	for _, c := range h.Components {
		hmax, vmax = max(hmax, c.H), max(vmax, c.V)
	}
	mx, my := int64(ceilDiv(h.Width, 8*hmax)), int64(ceilDiv(h.Height, 8*vmax))
	var n int64
	for _, c := range h.Components {
		n += mx * int64(c.H) * 8 * my * int64(c.V) * 8
	}
	return n
}

// libjpegOverhead covers libjpeg-turbo's working memory besides a progressive file's
// coefficient buffer (Huffman tables, an MCU row, the upsampler's rows).
const libjpegOverhead = 4 << 20

// TurboDecodeBytes estimates what libjpeg-turbo (internal/jpegturbo) needs to decode
// the JPEG at 1/div of its size: the output (RGBA at most, 4 bytes a pixel) and, for a
// progressive file, the whole-image coefficient buffer (2 bytes a sample at full size,
// whatever the scale).
func (h Header) TurboDecodeBytes(div int) int64 {
	div = max(div, 1)
	out := int64(ceilDiv(h.Width, div)) * int64(ceilDiv(h.Height, div)) * 4
	if len(h.Components) == 1 {
		out /= 4
	}
	need := out + libjpegOverhead
	if h.Progressive {
		need += 2 * h.samples()
	}
	return need
}

// GoDecodeBytes estimates what the standard library's decoder (image/jpeg, image/png)
// needs at full size:
//   - JPEG: the sample planes (1 byte a sample); CMYK, a 4-byte-a-pixel copy more; a
//     progressive file, a coefficient buffer of 4 bytes a sample.
//   - PNG: the image (1, 2, 4 or 8 bytes a pixel by colour type and depth), half as
//     much again when interlaced (the passes), and two rows.
func (h Header) GoDecodeBytes() int64 {
	p := h.Pixels()
	switch h.Format {
	case "jpeg":
		s := h.samples()
		need := s
		if len(h.Components) == 4 {
			need += 4 * p
		}
		if h.Progressive {
			need += 4 * s
		}
		return need
	case "png":
		bpp := h.PNGBytesPerPixel()
		need := bpp * p
		if h.Interlaced {
			need += bpp * p / 2
		}
		return need + 2*(int64(h.Width)*bpp+1)
	}
	return 4 * p
}

// PNGBytesPerPixel is the size of a pixel of the image image/png returns.
func (h Header) PNGBytesPerPixel() int64 {
	wide := h.Depth == 16
	switch h.ColorType {
	case 0:
		if h.TRNS {
			break
		}
		if wide {
			return 2
		}
		return 1
	case 3:
		return 1
	}
	if wide {
		return 8
	}
	return 4
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

package capture

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/jpegturbo"
)

// YUYVToRGBA converts packed YUYV 4:2:2 (BT.601, limited range, as UVC cameras send
// it) into dst, whose bounds give the size. src holds rows of stride bytes. Integer
// math over slices; no allocation.
func YUYVToRGBA(dst *image.RGBA, src []byte, stride int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+w*2]
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for i, j := 0, 0; i+3 < len(s) && j+7 < len(d); i, j = i+4, j+8 {
			p := s[i : i+4 : i+4]
			q := d[j : j+8 : j+8]
			u := int32(p[1]) - 128
			v := int32(p[3]) - 128
			rv := 409*v + 128
			gu := -100*u - 208*v + 128
			bu := 516*u + 128
			c0 := 298 * (int32(p[0]) - 16)
			c1 := 298 * (int32(p[2]) - 16)
			q[0] = clip8((c0 + rv) >> 8)
			q[1] = clip8((c0 + gu) >> 8)
			q[2] = clip8((c0 + bu) >> 8)
			q[3] = 0xff
			q[4] = clip8((c1 + rv) >> 8)
			q[5] = clip8((c1 + gu) >> 8)
			q[6] = clip8((c1 + bu) >> 8)
			q[7] = 0xff
		}
	}
}

func clip8(v int32) uint8 {
	if uint32(v) <= 255 {
		return uint8(v)
	}
	return uint8(^(v >> 31)) // negative → 0, above 255 → 255
}

// DecodeMJPEG decodes one MJPEG frame. Frames without a DHT segment (common on UVC
// webcams) get the standard tables of JPEG Annex K inserted before their first SOS.
// A frame whose header declares more than imagelimit.MaxPixels, or whose decode would
// need more than imagelimit.MaxDecodeBytes, is refused before decoding (an error
// wrapping imagelimit.ErrTooLarge).
func DecodeMJPEG(b []byte) (image.Image, error) {
	fixed, err := WithHuffmanTables(b)
	if err != nil {
		return nil, err
	}
	h, err := imagelimit.ReadHeader(fixed)
	if err != nil {
		return nil, fmt.Errorf("decoding MJPEG frame of %d bytes: %w: %v", len(b), ErrBadJPEG, err)
	}
	if err := h.CheckPixels(); err != nil {
		return nil, fmt.Errorf("decoding MJPEG frame: %w", err)
	}
	// libjpeg-turbo first (several times faster); Go's decoder for what it refuses.
	var terr error
	if terr = h.CheckMemory(h.TurboDecodeBytes(1)); terr == nil {
		img, err := jpegturbo.Decode(fixed, jpegturbo.Options{MaxPixels: imagelimit.MaxPixels})
		if err == nil {
			return img, nil
		}
		terr = err
	}
	if err := h.CheckMemory(h.GoDecodeBytes()); err != nil {
		return nil, fmt.Errorf("decoding MJPEG frame (libjpeg-turbo: %v): %w", terr, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(fixed))
	if err != nil {
		return nil, fmt.Errorf("decoding MJPEG frame of %d bytes: %w: %v (libjpeg-turbo: %v)", len(b), ErrBadJPEG, err, terr)
	}
	return img, nil
}

// WithHuffmanTables returns b unchanged if it defines Huffman tables before its first
// SOS, and otherwise a copy with the Annex K tables inserted just before the SOS.
func WithHuffmanTables(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, fmt.Errorf("decoding MJPEG frame: %w: no JPEG start marker", ErrBadJPEG)
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return nil, fmt.Errorf("decoding MJPEG frame: %w: no marker at byte %d", ErrBadJPEG, i)
		}
		m := b[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // standalone markers
			i += 2
			continue
		case m == 0xc4: // DHT present
			return b, nil
		case m == 0xda: // SOS without DHT before it
			out := make([]byte, 0, len(b)+len(dhtSegment))
			out = append(out, b[:i]...)
			out = append(out, dhtSegment...)
			return append(out, b[i:]...), nil
		case m == 0xd9:
			return nil, fmt.Errorf("decoding MJPEG frame: %w: ends before its scan", ErrBadJPEG)
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 || i+2+n > len(b) {
			return nil, fmt.Errorf("decoding MJPEG frame: %w: segment 0x%02x overruns the frame", ErrBadJPEG, m)
		}
		i += 2 + n
	}
	return nil, fmt.Errorf("decoding MJPEG frame: %w: truncated before its scan", ErrBadJPEG)
}

// dhtSegment is one DHT marker segment holding the four Annex K tables.
var dhtSegment = func() []byte {
	classID := [4]byte{0x00, 0x10, 0x01, 0x11}
	body := []byte{}
	for k, t := range annexK {
		body = append(body, classID[k])
		body = append(body, t.bits[:]...)
		body = append(body, t.values...)
	}
	n := len(body) + 2
	return append([]byte{0xff, 0xc4, byte(n >> 8), byte(n)}, body...)
}()

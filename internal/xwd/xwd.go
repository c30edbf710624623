// Package xwd takes a picture of an X screen with xwd (package x11-apps) and decodes its
// dump. The screenshot program (make screenshots) and scripts/test-arm64.sh's sign-in
// screenshot use it: Fyne's Canvas.Capture reads the GL front buffer, which Mesa's
// software renderer under Xvfb leaves black, so the picture is taken from the X server.
package xwd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
)

// Grab is the whole screen of the X display named by DISPLAY (display "" keeps the
// environment's).
func Grab(display string) (*image.RGBA, error) {
	cmd := exec.Command("xwd", "-root", "-silent")
	if display != "" {
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("grabbing the screen with xwd (package x11-apps): %w", err)
	}
	return Decode(out)
}

// Decode reads an XWD (version 7) dump of a 24- or 32-bit TrueColor screen.
func Decode(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, errors.New("reading the xwd dump: too short")
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(b[i*4:]) }
	headerSize, version := u(0), u(1)
	width, height := u(4), u(5)
	byteOrder, bpp, bpl := u(7), u(11), u(12)
	redMask, greenMask, blueMask := u(14), u(15), u(16)
	ncolors := u(19)
	if version != 7 || bpp != 32 {
		return nil, fmt.Errorf("reading the xwd dump: version %d, %d bits per pixel (want 7, 32)", version, bpp)
	}
	if width == 0 || height == 0 || width > 1<<14 || height > 1<<14 || bpl < 4*width || ncolors > 1<<16 || headerSize > 1<<16 {
		return nil, fmt.Errorf("reading the xwd dump: %dx%d, %d bytes a line, %d colours: not a screen", width, height, bpl, ncolors)
	}
	off := int(headerSize) + 12*int(ncolors)
	if len(b) < off+int(bpl)*int(height) {
		return nil, errors.New("reading the xwd dump: truncated")
	}
	shift := func(m uint32) uint {
		var s uint
		for m != 0 && m&1 == 0 {
			m >>= 1
			s++
		}
		return s
	}
	rs, gs, bs := shift(redMask), shift(greenMask), shift(blueMask)
	img := image.NewRGBA(image.Rect(0, 0, int(width), int(height)))
	for y := 0; y < int(height); y++ {
		row := b[off+y*int(bpl):]
		for x := 0; x < int(width); x++ {
			var p uint32
			if byteOrder == 0 { // LSBFirst
				p = binary.LittleEndian.Uint32(row[x*4:])
			} else {
				p = binary.BigEndian.Uint32(row[x*4:])
			}
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8((p & redMask) >> rs)
			img.Pix[i+1] = uint8((p & greenMask) >> gs)
			img.Pix[i+2] = uint8((p & blueMask) >> bs)
			img.Pix[i+3] = 0xff
		}
	}
	return img, nil
}

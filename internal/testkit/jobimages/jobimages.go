// Package jobimages makes the images of test and benchmark jobs from the vendored photos
// (testdata/photos): a selfie, liveness frames and a comparison image of the same person,
// scaled down so that a job costs the sandbox little, or padded to an exact size.
//
// Padding uses JPEG comment segments (FF FE), so a padded image still decodes to the same
// picture. It is test equipment; the agent never imports it.
package jobimages

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// Set is the images of one job.
type Set struct {
	Selfie     []byte
	Liveness   [][]byte
	Comparison []byte
}

// Size is the sum of the image sizes.
func (s Set) Size() int {
	n := len(s.Selfie) + len(s.Comparison)
	for _, l := range s.Liveness {
		n += len(l)
	}
	return n
}

// Make returns a job of one person: the selfie scaled to selfieSide pixels on its longest
// side, frames liveness frames (slightly different crops) at frameSide, and a second photo
// as the comparison image at selfieSide.
func Make(selfieSide, frameSide, frames int) (Set, error) {
	a, err := decode("obama_1.jpg")
	if err != nil {
		return Set{}, err
	}
	b, err := decode("obama_2.jpg")
	if err != nil {
		return Set{}, err
	}
	var s Set
	if s.Selfie, err = encode(scale(a, a.Bounds(), selfieSide)); err != nil {
		return Set{}, err
	}
	if s.Comparison, err = encode(scale(b, b.Bounds(), selfieSide)); err != nil {
		return Set{}, err
	}
	r := a.Bounds()
	for i := 0; i < frames; i++ {
		// Crop a few per cent off a different side each time: distinct frames, same face.
		d := r.Dx() * (i + 1) / 100
		crop := image.Rect(r.Min.X+d*(i%2), r.Min.Y+d*((i/2)%2), r.Max.X-d*((i+1)%2), r.Max.Y-d*((i/2+1)%2))
		f, err := encode(scale(a, crop, frameSide))
		if err != nil {
			return Set{}, err
		}
		s.Liveness = append(s.Liveness, f)
	}
	return s, nil
}

// PadTo grows the comparison image with comment segments until the set is total bytes.
// A segment takes at least 4 bytes, so growing by 1 to 3 bytes is refused.
func (s Set) PadTo(total int) (Set, error) {
	need := total - s.Size()
	if need < 0 || (need > 0 && need < 4) {
		return s, fmt.Errorf("jobimages: cannot pad a %d-byte set to %d bytes", s.Size(), total)
	}
	var pad []byte
	for need > 0 {
		n := min(need, 65535+2) // FF FE, then a length (itself included) of at most 65535
		if r := need - n; r > 0 && r < 4 {
			n -= 4 // leave room for one more segment
		}
		body := n - 4
		pad = append(pad, 0xFF, 0xFE, byte((body+2)>>8), byte(body+2))
		pad = append(pad, bytes.Repeat([]byte{'k'}, body)...)
		need -= n
	}
	c := s.Comparison
	out := make([]byte, 0, len(c)+len(pad))
	out = append(out, c[:2]...) // SOI
	out = append(out, pad...)
	out = append(out, c[2:]...)
	s.Comparison = out
	return s, nil
}

func decode(name string) (image.Image, error) {
	f, err := os.Open(testimages.Path(name))
	if err != nil {
		return nil, fmt.Errorf("jobimages: %w", err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("jobimages: decoding %s: %w", name, err)
	}
	return img, nil
}

func scale(src image.Image, r image.Rectangle, side int) image.Image {
	w, h := r.Dx(), r.Dy()
	if w >= h {
		h, w = h*side/w, side
	} else {
		w, h = w*side/h, side
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, r, draw.Src, nil)
	return dst
}

func encode(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("jobimages: encoding: %w", err)
	}
	return b.Bytes(), nil
}

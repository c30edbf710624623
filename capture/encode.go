package capture

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// Longest sides of the job's images, in pixels.
const (
	SelfieMaxSide   = 640
	LivenessMaxSide = 320
	DocumentMaxSide = 1280
)

// DefaultJPEGQuality is Encode's quality when asked for 0.
const DefaultJPEGQuality = 85

// Scale returns img scaled down (never up) so its longest side is at most maxSide,
// with a Catmull-Rom filter; img itself when it already fits or maxSide <= 0.
func Scale(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if maxSide <= 0 || (w <= maxSide && h <= maxSide) {
		return img
	}
	nw, nh := maxSide, maxSide
	if w >= h {
		nh = max(1, (h*maxSide+w/2)/w)
	} else {
		nw = max(1, (w*maxSide+h/2)/h)
	}
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// Encode scales img to maxSide (see Scale) and encodes it as baseline JPEG at quality
// (0 → DefaultJPEGQuality). The output carries no EXIF or other metadata.
func Encode(img image.Image, maxSide, quality int) ([]byte, error) {
	if img == nil {
		return nil, fmt.Errorf("encoding image: no image")
	}
	if quality <= 0 {
		quality = DefaultJPEGQuality
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Scale(img, maxSide), &jpeg.Options{Quality: min(quality, 100)}); err != nil {
		return nil, fmt.Errorf("encoding image as JPEG: %w", err)
	}
	return buf.Bytes(), nil
}

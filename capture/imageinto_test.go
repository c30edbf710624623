package capture

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"
)

// A picture whose every pixel says where it is.
func wherePicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 0xff})
		}
	}
	return img
}

// ImageInto writes an RGB frame into the buffer it is given when the size fits, into a
// new one otherwise, pixel for pixel; a YUYV frame of grey converts to that grey; an
// MJPEG frame decodes into the buffer; an RGBA frame is copied, not converted; a short
// frame is refused. Each conversion is counted once.
func TestImageInto(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	pic := wherePicture(8, 6)
	f := FrameFromImage(pic, t0, 1)
	dst := image.NewRGBA(image.Rect(0, 0, 8, 6))
	before := Conversions()
	got, err := f.ImageInto(dst)
	if err != nil || got != dst || !bytes.Equal(got.Pix, pic.Pix) {
		t.Fatalf("RGB into the buffer: same %v, %v", got == dst, err)
	}
	small := image.NewRGBA(image.Rect(0, 0, 4, 4))
	got, err = f.ImageInto(small)
	if err != nil || got == small || !bytes.Equal(got.Pix, pic.Pix) {
		t.Fatalf("RGB into a buffer of another size: %v", err)
	}

	yuyv := Frame{Format: FormatYUYV, Width: 4, Height: 2, Stride: 8, Data: bytes.Repeat([]byte{128, 128}, 8)}
	got, err = yuyv.ImageInto(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(got.Pix); i += 4 {
		if p := got.Pix[i : i+4]; p[0] < 120 || p[0] > 136 || p[0] != p[1] || p[1] != p[2] || p[3] != 0xff {
			t.Fatalf("YUYV grey converted to %v", p)
		}
	}

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, pic, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	got, err = Frame{Format: FormatMJPEG, Width: 8, Height: 6, Data: buf.Bytes()}.ImageInto(dst)
	if err != nil || got != dst {
		t.Fatalf("MJPEG into the buffer: same %v, %v", got == dst, err)
	}
	if n := Conversions() - before; n != 4 {
		t.Errorf("4 frames converted, %d counted", n)
	}

	// An RGBA frame (the preview's pixels handed over) is the image itself.
	rf := FrameFromRGBA(pic, t0, 2)
	before = Conversions()
	img, err := rf.Image()
	if err != nil || img.(*image.RGBA).Pix[0:1][0] != pic.Pix[0] || &img.(*image.RGBA).Pix[0] != &pic.Pix[0] {
		t.Fatalf("RGBA frame's image: %v", err)
	}
	got, err = rf.ImageInto(small)
	if err != nil || got == small || !bytes.Equal(got.Pix, pic.Pix) {
		t.Fatalf("RGBA into a buffer: %v", err)
	}
	if n := Conversions() - before; n != 0 {
		t.Errorf("an RGBA frame was converted %d times", n)
	}

	short := f
	short.Data = short.Data[:10]
	if _, err := short.ImageInto(nil); !errors.Is(err, ErrShortFrame) {
		t.Fatalf("short frame: %v", err)
	}
}

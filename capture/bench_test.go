package capture_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

var benchSizes = []struct{ w, h int }{{640, 480}, {1280, 720}}

func BenchmarkYUYVToRGBA(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(b *testing.B) {
			src := make([]byte, s.w*s.h*2)
			for i := range src {
				src[i] = byte(i * 7)
			}
			dst := image.NewRGBA(image.Rect(0, 0, s.w, s.h))
			b.SetBytes(int64(len(src)))
			b.ResetTimer()
			for b.Loop() {
				capture.YUYVToRGBA(dst, src, s.w*2)
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/frame")
		})
	}
}

// mjpegFrame is a photo scaled to w x h, encoded as a webcam would (quality 80) and
// stripped of its Huffman tables.
func mjpegFrame(b *testing.B, w, h int) []byte {
	img, err := jpeg.Decode(bytes.NewReader(testimages.Read(b, "obama_1.jpg")))
	if err != nil {
		b.Fatal(err)
	}
	scaled := image.NewRGBA(image.Rect(0, 0, w, h))
	sb := img.Bounds()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			scaled.Set(x, y, img.At(sb.Min.X+x*sb.Dx()/w, sb.Min.Y+y*sb.Dy()/h))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scaled, &jpeg.Options{Quality: 80}); err != nil {
		b.Fatal(err)
	}
	full := buf.Bytes()
	out := append([]byte{}, full[:2]...)
	for i := 2; i+4 <= len(full); {
		m := full[i+1]
		if m == 0xda {
			return append(out, full[i:]...)
		}
		n := int(full[i+2])<<8 | int(full[i+3])
		if m != 0xc4 {
			out = append(out, full[i:i+2+n]...)
		}
		i += 2 + n
	}
	b.Fatal("no SOS")
	return nil
}

func BenchmarkDecodeMJPEG(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(b *testing.B) {
			frame := mjpegFrame(b, s.w, s.h)
			b.SetBytes(int64(len(frame)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := capture.DecodeMJPEG(frame); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/frame")
		})
	}
}

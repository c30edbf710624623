package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/testimages"
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
	img, err := inference.DecodeFile(testimages.Path("obama_1.jpg"))
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

// BenchmarkReplayAnalyze is capture + analysis: frames from the replay source at
// 640x480 (as fast as they are taken), converted and judged for a selfie by the real
// engine (detection, pose, quality gates; passive liveness as a second figure).
func BenchmarkReplayAnalyze(b *testing.B) {
	e, err := inference.Open(inference.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatalf("opening the engine (run make setup; set ONNXRUNTIME_LIB): %v", err)
	}
	defer e.Close()
	var imgs []image.Image
	for _, n := range []string{"obama_1.jpg", "biden_2.jpg", "alex_lacamoire_1.jpg", "dfA_img11.jpg"} {
		img, err := inference.DecodeFile(testimages.Path(n))
		if err != nil {
			b.Fatal(err)
		}
		// a 640x480 camera frame: crop to 4:3, then scale
		bb := img.Bounds()
		h := min(bb.Dy(), bb.Dx()*3/4)
		crop := image.NewRGBA(image.Rect(0, 0, h*4/3, h))
		for y := 0; y < h; y++ {
			for x := 0; x < h*4/3; x++ {
				crop.Set(x, y, img.At(bb.Min.X+x, bb.Min.Y+y))
			}
		}
		imgs = append(imgs, capture.Scale(crop, 640))
	}
	for _, live := range []bool{false, true} {
		b.Run(fmt.Sprintf("640x480/liveness=%v", live), func(b *testing.B) {
			src, err := replay.FromImages(imgs, replay.Options{FPS: -1})
			if err != nil {
				b.Fatal(err)
			}
			j := capture.EngineJudge{Engine: e, Liveness: live}
			ctx := context.Background()
			start := time.Now()
			b.ResetTimer()
			for b.Loop() {
				f, err := src.Next(ctx)
				if err != nil {
					b.Fatal(err)
				}
				img, err := f.Image()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := j.Judge(img, capture.KindSelfie); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fps")
		})
	}
}

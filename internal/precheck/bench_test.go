package precheck_test

import (
	"context"
	"fmt"
	"image"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// BenchmarkReplayAnalyze is capture + analysis: frames from the replay source at
// 640x480 (as fast as they are taken), converted and judged for a selfie by the real
// engine (detection, pose, quality gates; passive liveness as a second figure).
func BenchmarkReplayAnalyze(b *testing.B) {
	e := testEngine(b)
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
			j := precheck.EngineJudge{Engine: e, Liveness: live}
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

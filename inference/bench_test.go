package inference

import (
	"cmp"
	"fmt"
	"image"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

// benchFrame returns a 640x480 camera-like JPEG frame (quality 90) with one face
// filling about 18% of it.
func benchFrame(t testing.TB) []byte {
	t.Helper()
	img := photo(t, "dfA_img6.jpg")
	a, err := testEngine(t).Analyze(img, AnalyzeOptions{Still: true})
	if err != nil || len(a.Faces) != 1 {
		t.Fatalf("bench frame: %v", err)
	}
	f := a.Faces[0].Box
	h := math.Sqrt(f.W() * f.H() / 0.18 * 3 / 4) // 4:3 crop with the face at 18%
	w := h * 4 / 3
	cx, cy := (f.X1+f.X2)/2, (f.Y1+f.Y2)/2
	c := cropPad(img, image.Rect(int(cx-w/2), int(cy-h/2), int(cx+w/2), int(cy+h/2)))
	b := c.Bounds()
	return encodeJPEG(t, resizeTo(c, 640, 480, b), 90)
}

func resizeTo(img image.Image, w, h int, _ image.Rectangle) image.Image {
	b := img.Bounds()
	return resize(img, math.Min(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy())))
}

func BenchmarkDecodeFrame(b *testing.B) {
	data := benchFrame(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeImage(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeFrame(b *testing.B) {
	e := testEngine(b)
	img := decodeBytes(b, benchFrame(b))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Analyze(img, AnalyzeOptions{Liveness: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbed(b *testing.B) {
	e := testEngine(b)
	img := decodeBytes(b, benchFrame(b))
	a, _ := e.Analyze(img, AnalyzeOptions{})
	for _, c := range []struct {
		name string
		fn   func(image.Image, Face) ([]float32, error)
	}{{"frame", e.EmbedFrame}, {"match", e.Embed}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.fn(img, a.Faces[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIdentical(b *testing.B) {
	img := decodeBytes(b, benchFrame(b))
	for i := 0; i < b.N; i++ {
		Identical(img, img)
	}
}

// TestBenchReport prints the stage figures of `make bench` (scripts/bench.d/inference.sh
// sets INFERENCE_BENCH=N iterations); skipped otherwise. It measures, not asserts.
func TestBenchReport(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("INFERENCE_BENCH"))
	if n <= 0 {
		t.Skip("set INFERENCE_BENCH=iterations to print the benchmark report")
	}
	// A fresh engine with the production defaults (1 worker, threads = CPUs), or
	// INFERENCE_BENCH_THREADS intra-op threads.
	threads, _ := strconv.Atoi(os.Getenv("INFERENCE_BENCH_THREADS"))
	e, err := Open(Options{Logger: quietLogger(), Threads: threads})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	data := benchFrame(t)
	img := decodeBytes(t, data)
	sc := new(scratch)
	r := toRaster(img, nil)
	a0, err := e.Analyze(img, AnalyzeOptions{Liveness: true})
	if err != nil || len(a0.Faces) != 1 {
		t.Fatalf("bench frame analysis: %v, %+v", err, a0)
	}
	face := a0.Faces[0]

	stages := []string{"decode JPEG", "raster view (no copy for YCbCr)", "detect: letterbox", "detect: ORT run", "detect: decode+NMS",
		"pose+quality", "liveness (2 crops + 2 runs)", "embed for a frame (align + run)",
		"embed for the match (refine + 5 alignments)", "identical check",
		"ANALYSIS decode→detect→quality→liveness", "analysis without decode", "bare ORT runs (detect + 2 liveness)"}
	times := make(map[string][]time.Duration)
	tm := func(name string, f func()) {
		s := time.Now()
		f()
		times[name] = append(times[name], time.Since(s))
	}
	var pre []float32
	for i := 0; i < n+20; i++ {
		if i == 20 { // warm-up done
			clear(times)
		}
		tm("decode JPEG", func() { DecodeImage(data) })
		tm("raster view (no copy for YCbCr)", func() { r = toRaster(img, nil) })
		s := math.Min(float64(yunetSize)/float64(r.w), float64(yunetSize)/float64(r.h))
		dw, dh := int(float64(r.w)*s+0.5), int(float64(r.h)*s+0.5)
		e.yunet.Do(func(sl *onnx.Slot) error {
			tm("detect: letterbox", func() { fillLetterbox(r, dw, dh, sl.In[0], yunetSize, yunetSize, sc) })
			tm("detect: ORT run", func() { sl.Run() })
			tm("detect: decode+NMS", func() { sc.faces = decodeYuNet(sl.Out, yunetSize, yunetSize, s, e.t.DetectScore, sc.faces) })
			return nil
		})
		an := &Analysis{Width: r.w, Height: r.h, Faces: []Face{face}}
		tm("pose+quality", func() {
			an.Faces[0].Pose = estimatePose(an.Faces[0].Landmarks)
			an.Quality = e.quality(r, an, sc)
		})
		tm("liveness (2 crops + 2 runs)", func() { e.liveness(r, face.Box, sc) })
		tm("embed for a frame (align + run)", func() { e.embed(r, face, false) })
		tm("embed for the match (refine + 5 alignments)", func() { e.embed(r, face, true) })
		tm("identical check", func() { Identical(img, img) })
		tm("ANALYSIS decode→detect→quality→liveness", func() {
			im, _ := DecodeImage(data)
			e.Analyze(im, AnalyzeOptions{Liveness: true})
		})
		tm("analysis without decode", func() { e.Analyze(img, AnalyzeOptions{Liveness: true}) })
		// Bare runtime: the three models on tensors already filled (by the last calls).
		var bare time.Duration
		for _, sess := range []*onnx.Session{e.yunet, e.fasV2, e.fasV1SE} {
			sess.Do(func(sl *onnx.Slot) error {
				st := time.Now()
				sl.Run()
				bare += time.Since(st)
				return nil
			})
		}
		times["bare ORT runs (detect + 2 liveness)"] = append(times["bare ORT runs (detect + 2 liveness)"], bare)
	}
	_ = pre
	pct := func(d []time.Duration, p float64) time.Duration {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%7.2f", float64(d)/1e6) }
	fmt.Printf("inference on a 640x480 JPEG frame, one face (~18%% of the frame); %d iterations; %d CPUs; ORT %s, 1 worker, %d intra-op threads\n",
		n, runtime.NumCPU(), onnx.Version(), cmp.Or(threads, min(max(runtime.NumCPU(), 1), 4)))
	fmt.Printf("%-42s %9s %9s\n", "stage", "p50 ms", "p95 ms")
	for _, st := range stages {
		fmt.Printf("%-42s %9s %9s\n", st, ms(pct(times[st], 0.5)), ms(pct(times[st], 0.95)))
	}
	whole := pct(times["ANALYSIS decode→detect→quality→liveness"], 0.5)
	noDecode := pct(times["analysis without decode"], 0.5)
	bare := pct(times["bare ORT runs (detect + 2 liveness)"], 0.5)
	fmt.Printf("overhead ratio (p50 whole analysis / p50 bare ORT runs): %.2fx (without JPEG decode: %.2fx)\n",
		float64(whole)/float64(bare), float64(noDecode)/float64(bare))
	fmt.Printf("goals: analysis p50 <= 25 ms: %s; ratio <= 1.3x: %s\n", verdict(whole <= 25*time.Millisecond), verdict(float64(whole)/float64(bare) <= 1.3))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func BenchmarkLetterbox(b *testing.B) {
	img := decodeBytes(b, benchFrame(b))
	r := toRaster(img, nil)
	t := make([]float32, 3*yunetSize*yunetSize)
	sc := new(scratch)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fillLetterbox(r, 320, 240, t, yunetSize, yunetSize, sc)
	}
}

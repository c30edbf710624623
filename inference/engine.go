package inference

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"runtime"
	"sync"

	"github.com/smartselfie/kiosk-agent/inference/models"
	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

var (
	// ErrNoFace means no face was found where one was needed (Compare, Embed,
	// ActiveLiveness). Compare wraps it naming the side: "no face in image A".
	ErrNoFace = errors.New("no face found")
	// ErrClosed means the engine was closed.
	ErrClosed = errors.New("inference engine is closed")
)

// Options configure Open. The zero value is usable: the built-in models, the runtime
// library searched by onnx.FindLibrary, default thresholds, one worker.
type Options struct {
	// RuntimeLib is the path of libonnxruntime.so.1 ("" → onnx.FindLibrary search).
	RuntimeLib string
	// ModelsDir loads the models from this folder instead of the built-in copies.
	ModelsDir string
	// Thresholds; zero fields take their defaults.
	Thresholds Thresholds
	// Workers is how many analyses may run at once (each model's session pool size);
	// 0 → 1. Further callers wait.
	Workers int
	// Threads is ONNX Runtime's intra-op thread count per run; 0 → the number of CPUs
	// divided by Workers (at least 1, at most 4).
	Threads int
	// Logger receives start-up and error events (never images); nil → slog.Default().
	Logger *slog.Logger
}

// Engine runs face analysis. It is safe for concurrent use.
type Engine struct {
	t   Thresholds
	log *slog.Logger

	mu     sync.RWMutex
	closed bool

	yunet   *onnx.Session        // fixed 320x320
	yunetDy *onnx.DynamicSession // stills
	fasV2   *onnx.Session
	fasV1SE *onnx.Session
	mfn     *onnx.Session

	scratch sync.Pool // *scratch
}

type scratch struct {
	buf    []uint8
	ax, ay axisMap
	faces  []Face
	gray   []float32
}

// Open loads the runtime and the models and creates every session.
func Open(opts Options) (*Engine, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	t := opts.Thresholds.WithDefaults()
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("opening inference engine: %w", err)
	}
	lib, err := onnx.FindLibrary(opts.RuntimeLib)
	if err != nil {
		return nil, fmt.Errorf("opening inference engine: %w", err)
	}
	if err := onnx.Init(lib); err != nil {
		return nil, fmt.Errorf("opening inference engine: %w", err)
	}
	set, err := models.Load(opts.ModelsDir)
	if err != nil {
		return nil, fmt.Errorf("opening inference engine: %w", err)
	}
	workers := max(opts.Workers, 1)
	threads := opts.Threads
	if threads <= 0 {
		threads = min(max(runtime.NumCPU()/workers, 1), 4)
	}
	so := onnx.SessionOptions{Pool: workers, IntraOpThreads: threads}
	e := &Engine{t: t, log: log}
	e.scratch.New = func() any { return new(scratch) }
	fail := func(err error) (*Engine, error) {
		e.closeSessions()
		return nil, fmt.Errorf("opening inference engine: %w", err)
	}
	var yOut []onnx.TensorSpec
	for i, name := range yunetOutputs {
		s := int64(yunetStrides[i%3])
		n := (yunetSize / s) * (yunetSize / s)
		k := []int64{1, 1, 4, 10}[i/3]
		yOut = append(yOut, onnx.TensorSpec{Name: name, Shape: []int64{1, n, k}})
	}
	if e.yunet, err = onnx.NewSession("yunet_320", set.YuNet320,
		[]onnx.TensorSpec{{Name: "input", Shape: []int64{1, 3, yunetSize, yunetSize}}}, yOut, so); err != nil {
		return fail(err)
	}
	if e.yunetDy, err = onnx.NewDynamicSession("yunet_dynamic", set.YuNetDynamic, "input", yunetOutputs, so); err != nil {
		return fail(err)
	}
	fasIn := []onnx.TensorSpec{{Name: "input", Shape: []int64{1, 3, 80, 80}}}
	fasOut := []onnx.TensorSpec{{Name: "output", Shape: []int64{1, 3}}}
	if e.fasV2, err = onnx.NewSession("minifasnet_v2", set.MiniFASNetV2, fasIn, fasOut, so); err != nil {
		return fail(err)
	}
	if e.fasV1SE, err = onnx.NewSession("minifasnet_v1se", set.MiniFASNetV1SE, fasIn, fasOut, so); err != nil {
		return fail(err)
	}
	if e.mfn, err = onnx.NewSession("mobilefacenet", set.MobileFaceNet,
		[]onnx.TensorSpec{{Name: "input0", Shape: []int64{1, 3, 112, 112}}},
		[]onnx.TensorSpec{{Name: "output0", Shape: []int64{1, 128}}}, so); err != nil {
		return fail(err)
	}
	log.Info("inference engine ready", "runtime", lib, "ort_version", onnx.Version(),
		"workers", workers, "threads", threads, "models_dir", opts.ModelsDir)
	return e, nil
}

// Thresholds returns the thresholds in force (defaults filled in).
func (e *Engine) Thresholds() Thresholds { return e.t }

// Close frees every session; analyses in progress finish first.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.closeSessions()
	return nil
}

func (e *Engine) closeSessions() {
	for _, s := range []*onnx.Session{e.yunet, e.fasV2, e.fasV1SE, e.mfn} {
		if s != nil {
			s.Close()
		}
	}
	if e.yunetDy != nil {
		e.yunetDy.Close()
	}
}

// begin marks a call in progress; it fails once the engine is closed.
func (e *Engine) begin() error {
	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

func (e *Engine) end() { e.mu.RUnlock() }

func (e *Engine) getScratch() *scratch  { return e.scratch.Get().(*scratch) }
func (e *Engine) putScratch(s *scratch) { e.scratch.Put(s) }

// AnalyzeOptions choose what Analyze runs.
type AnalyzeOptions struct {
	// Still runs the dynamic detector at up to Thresholds.StillMaxSide pixels (for
	// photos and documents) instead of the fixed 320x320 one (for live frames).
	Still bool
	// Liveness runs passive liveness on every face and gates on it.
	Liveness bool
}

// Analyze finds the faces of img, estimates their pose, applies the quality gates to the
// largest face, and (if asked) judges liveness.
func (e *Engine) Analyze(img image.Image, o AnalyzeOptions) (*Analysis, error) {
	var a *Analysis
	err := e.withRaster(img, "analysing image", func(r raster, sc *scratch) (err error) {
		a, err = e.analyze(r, o, sc)
		return err
	})
	return a, err
}

// withRaster runs fn on img as a raster, with a scratch buffer, while the engine is open.
func (e *Engine) withRaster(img image.Image, what string, fn func(raster, *scratch) error) error {
	if img == nil {
		return fmt.Errorf("%s: %w: no image", what, ErrBadImage)
	}
	if err := e.begin(); err != nil {
		return err
	}
	defer e.end()
	sc := e.getScratch()
	defer e.putScratch(sc)
	r := toRaster(img, sc.buf)
	if r.bpp == 3 && r.ycc == nil {
		sc.buf = r.pix
	}
	return fn(r, sc)
}

func (e *Engine) analyze(r raster, o AnalyzeOptions, sc *scratch) (*Analysis, error) {
	if r.w < MinImageSide || r.h < MinImageSide {
		return nil, fmt.Errorf("analysing image: %dx%d pixels: %w", r.w, r.h, ErrImageTooSmall)
	}
	faces, err := e.detect(r, o.Still, sc)
	if err != nil {
		return nil, err
	}
	a := &Analysis{Width: r.w, Height: r.h, Faces: faces}
	for i := range a.Faces {
		a.Faces[i].Pose = estimatePose(a.Faces[i].Landmarks)
	}
	if o.Liveness {
		for i := range a.Faces {
			lv, err := e.liveness(r, a.Faces[i].Box, sc)
			if err != nil {
				return nil, err
			}
			a.Faces[i].Liveness = lv
		}
	}
	a.Quality = e.quality(r, a, sc)
	return a, nil
}

// detect runs YuNet and returns the faces by descending score (a fresh slice).
func (e *Engine) detect(r raster, still bool, sc *scratch) ([]Face, error) {
	var faces []Face
	if still {
		var err error
		faces, err = e.detectDynamic(r, sc)
		if err != nil {
			return nil, err
		}
	} else {
		s := math.Min(float64(yunetSize)/float64(r.w), float64(yunetSize)/float64(r.h))
		dw := min(max(int(float64(r.w)*s+0.5), 1), yunetSize)
		dh := min(max(int(float64(r.h)*s+0.5), 1), yunetSize)
		err := e.yunet.Do(func(sl *onnx.Slot) error {
			in := sl.In[0]
			fillLetterbox(r, dw, dh, in, yunetSize, yunetSize, sc)
			if err := sl.Run(); err != nil {
				return err
			}
			sc.faces = decodeYuNet(sl.Out, yunetSize, yunetSize, s, e.t.DetectScore, sc.faces)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("detecting faces: %w", err)
		}
		faces = append([]Face(nil), sc.faces...)
	}
	clipFaces(faces, r.w, r.h)
	return faces, nil
}

// fillLetterbox writes r scaled to dw×dh into the top-left of a zeroed pw×ph BGR tensor.
func fillLetterbox(r raster, dw, dh int, t []float32, pw, ph int, sc *scratch) {
	src := r
	// Downscaling by more than 2 with bilinear sampling aliases, and then the landmarks
	// (and the embeddings aligned on them) depend on the source resolution: area-average
	// to the detector's size first. Exactly 2 (640x480 frames) is already a 2x2 mean.
	if float64(r.w) > 2*float64(dw) && !(r.w == 2*dw && r.h == 2*dh) {
		src = areaResize(r, dw, dh)
	}
	plane := pw * ph
	if dw < pw || dh < ph {
		for c := 0; c < 3; c++ {
			p := t[c*plane : (c+1)*plane]
			for y := 0; y < dh; y++ {
				clear(p[y*pw+dw : (y+1)*pw])
			}
			clear(p[dh*pw:])
		}
	}
	resizeToCHW(src, 0, 0, src.w-1, src.h-1, dw, dh, t, pw, ph, ordBGR, unitMul, zeroAdd, &sc.ax, &sc.ay)
}

func (e *Engine) detectDynamic(r raster, sc *scratch) ([]Face, error) {
	s := math.Min(1, float64(e.t.StillMaxSide)/float64(max(r.w, r.h)))
	dw := max(int(float64(r.w)*s+0.5), 1)
	dh := max(int(float64(r.h)*s+0.5), 1)
	pw, ph := (dw+31)/32*32, (dh+31)/32*32
	t := make([]float32, 3*pw*ph)
	fillLetterbox(r, dw, dh, t, pw, ph, sc)
	outs, err := e.yunetDy.Run([]int64{1, 3, int64(ph), int64(pw)}, t)
	if err != nil {
		return nil, fmt.Errorf("detecting faces: %w", err)
	}
	data := make([][]float32, len(outs))
	for i, o := range outs {
		data[i] = o.Data
	}
	// Scale factor from source pixels to detector pixels, per axis equal up to rounding.
	return append([]Face(nil), decodeYuNet(data, pw, ph, float64(dw)/float64(r.w), e.t.DetectScore, nil)...), nil
}

// Largest returns the index of the face with the largest box (the first of equals), or
// -1 when there is none. Every "the customer's face" in the agent is this one.
func Largest(faces []Face) int {
	best, bi := -1.0, -1
	for i, f := range faces {
		if a := f.Box.W() * f.Box.H(); a > best {
			best, bi = a, i
		}
	}
	return bi
}

// Embed returns the L2-normalised 128-d embedding of face f of img (the face's
// landmarks in img's coordinates, as Analyze returns them) for matching: the landmarks
// refined and the alignment averaged (refine.go), so that the similarity of two images
// hardly moves when one is scaled or re-encoded. It costs about ten model runs.
func (e *Engine) Embed(img image.Image, f Face) ([]float32, error) {
	return e.embedImage(img, f, true)
}

// EmbedFrame is Embed with one alignment on f's landmarks as given: a tenth of the
// cost, for checking that the live frames show the person of the selfie, not for the
// match decision.
func (e *Engine) EmbedFrame(img image.Image, f Face) ([]float32, error) {
	return e.embedImage(img, f, false)
}

func (e *Engine) embedImage(img image.Image, f Face, precise bool) ([]float32, error) {
	var emb []float32
	err := e.withRaster(img, "embedding face", func(r raster, _ *scratch) (err error) {
		emb, err = e.embed(r, f, precise)
		return err
	})
	return emb, err
}

// Similarity is the cosine similarity of two embeddings (-1..1; 0 if either is empty
// or their lengths differ).
func Similarity(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// Compare compares the largest face of a with the largest face of b (stills detector).
// An error about one image is a *SideError naming it ("A"/"B"); a side without a face
// wraps ErrNoFace ("no face in image A").
func (e *Engine) Compare(a, b image.Image) (*Comparison, error) {
	ea, err := e.embedLargest(a, "A")
	if err != nil {
		return nil, err
	}
	eb, err := e.embedLargest(b, "B")
	if err != nil {
		return nil, err
	}
	sim := Similarity(ea, eb)
	return &Comparison{
		Similarity: sim,
		Threshold:  e.t.Match,
		Match:      sim >= e.t.Match,
		Identical:  Identical(a, b),
	}, nil
}

// SideError is an error of Compare about one of its two images; Side is "A" or "B".
// errors.Is(err, ErrNoFace) tells a side without a face.
type SideError struct {
	Side string
	Err  error
}

func (e *SideError) Error() string { return e.Err.Error() }
func (e *SideError) Unwrap() error { return e.Err }

func (e *Engine) embedLargest(img image.Image, side string) ([]float32, error) {
	if img == nil {
		return nil, &SideError{side, fmt.Errorf("comparing: image %s: %w: no image", side, ErrBadImage)}
	}
	an, err := e.Analyze(img, AnalyzeOptions{Still: true})
	if err != nil {
		return nil, &SideError{side, fmt.Errorf("comparing: image %s: %w", side, err)}
	}
	i := Largest(an.Faces)
	if i < 0 {
		return nil, &SideError{side, fmt.Errorf("no face in image %s: %w", side, ErrNoFace)}
	}
	emb, err := e.Embed(img, an.Faces[i])
	if err != nil {
		return nil, &SideError{side, fmt.Errorf("comparing: image %s: %w", side, err)}
	}
	return emb, nil
}

package inference

import (
	"fmt"
	"math"

	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

// Embedding (inference/models/PROVENANCE.md §4): similarity transform from the 5
// landmarks to the ArcFace 112x112 template, bilinear warp with a black border, RGB
// normalised with ImageNet mean/std, MobileFaceNet, L2-normalise.

var arcfaceTemplate = [5]Point{
	{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041},
}

// similarity is x' = a·x − b·y + tx, y' = b·x + a·y + ty.
type similarity struct{ a, b, tx, ty float64 }

// estimateSimilarity fits the least-squares similarity (rotation, uniform scale,
// translation; no reflection) taking src onto dst (the Umeyama estimate).
func estimateSimilarity(src, dst [5]Point) similarity {
	var ms, md Point
	for i := 0; i < 5; i++ {
		ms.X += src[i].X / 5
		ms.Y += src[i].Y / 5
		md.X += dst[i].X / 5
		md.Y += dst[i].Y / 5
	}
	var dot, cross, ss float64
	for i := 0; i < 5; i++ {
		sx, sy := src[i].X-ms.X, src[i].Y-ms.Y
		dx, dy := dst[i].X-md.X, dst[i].Y-md.Y
		dot += sx*dx + sy*dy
		cross += sx*dy - sy*dx
		ss += sx*sx + sy*sy
	}
	if ss == 0 {
		return similarity{a: 1}
	}
	a, b := dot/ss, cross/ss
	return similarity{a: a, b: b, tx: md.X - (a*ms.X - b*ms.Y), ty: md.Y - (b*ms.X + a*ms.Y)}
}

func (s similarity) inverse() similarity {
	d := s.a*s.a + s.b*s.b
	if d == 0 {
		return similarity{a: 1}
	}
	ia, ib := s.a/d, -s.b/d
	return similarity{a: ia, b: ib, tx: -(ia*s.tx - ib*s.ty), ty: -(ib*s.tx + ia*s.ty)}
}

func (s similarity) apply(p Point) Point {
	return Point{X: s.a*p.X - s.b*p.Y + s.tx, Y: s.b*p.X + s.a*p.Y + s.ty}
}

var (
	imagenetMul = [3]float32{1 / (255 * 0.229), 1 / (255 * 0.224), 1 / (255 * 0.225)}
	imagenetAdd = [3]float32{-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225}
)

// warpAligned writes the aligned 112x112 face into t (CHW, RGB, ImageNet-normalised).
// Sampling as OpenCV's warpAffine: pixel centres at integer coordinates, bilinear,
// constant 0 outside.
func warpAligned(r raster, landmarks [5]Point, t []float32) {
	inv := estimateSimilarity(landmarks, arcfaceTemplate).inverse()
	const n = 112
	plane := n * n
	for v := 0; v < n; v++ {
		for u := 0; u < n; u++ {
			p := inv.apply(Point{X: float64(u), Y: float64(v)})
			x0, y0 := int(math.Floor(p.X)), int(math.Floor(p.Y))
			fx, fy := float32(p.X-float64(x0)), float32(p.Y-float64(y0))
			var px [3]float32
			for k := 0; k < 4; k++ {
				xi, yi := x0+k&1, y0+k>>1
				if xi < 0 || yi < 0 || xi >= r.w || yi >= r.h {
					continue
				}
				wx, wy := 1-fx, 1-fy
				if k&1 == 1 {
					wx = fx
				}
				if k>>1 == 1 {
					wy = fy
				}
				cr, cg, cb := r.rgbAt(xi, yi)
				w := wx * wy
				px[0] += w * cr
				px[1] += w * cg
				px[2] += w * cb
			}
			i := v*n + u
			for c := 0; c < 3; c++ {
				t[c*plane+i] = px[c]*imagenetMul[c] + imagenetAdd[c]
			}
		}
	}
}

func (e *Engine) embed(r raster, f Face) ([]float32, error) {
	out := make([]float32, 128)
	err := e.mfn.Do(func(sl *onnx.Slot) error {
		warpAligned(r, f.Landmarks, sl.In[0])
		if err := sl.Run(); err != nil {
			return err
		}
		copy(out, sl.Out[0])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedding face: %w", err)
	}
	var n float64
	for _, v := range out {
		n += float64(v) * float64(v)
	}
	if n == 0 {
		return nil, fmt.Errorf("embedding face: the model returned a zero vector")
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range out {
		out[i] *= inv
	}
	return out, nil
}

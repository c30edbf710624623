package inference

import (
	"errors"
	"fmt"
	"math"

	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

// Embedding (inference/models/PROVENANCE.md §4): similarity transform from the 5
// landmarks to the ArcFace 112x112 template, bilinear warp with a black border, RGB
// normalised with ImageNet mean/std, MobileFaceNet, L2-normalise.
//
// Two departures from the reference. The match embedding (Engine.Embed, not
// EmbedFrame) refines the landmarks and averages five alignments: see refine.go.
// And (OpenCV's warpAffine has no prefilter) when the warp
// shrinks the face by more than prefilterScale, the face's neighbourhood is first
// area-averaged to prefilterScale pixels per template pixel and the bilinear warp
// samples that. Unfiltered, a face several times the template's size aliases and its
// embedding depends on the source resolution: the same photo at full size and scaled to
// 640 px moved by up to 0.043 in cosine with the same landmarks, 0.0045 prefiltered
// (TestEmbedScaleInvariance). The stills detector's letterbox area-averages for the
// same reason (fillLetterbox), so landmarks move less with the source resolution too.

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
func warpAligned(r raster, landmarks [5]Point, t []float32) {
	warpCHW(r, estimateSimilarity(landmarks, arcfaceTemplate).inverse(), 112, t, ordRGB, imagenetMul, imagenetAdd)
}

// warpCHW writes r, sampled through inv (output pixel → source pixel), into the n×n CHW
// tensor t with channel order ord and value·mul + add per output channel. Sampling as
// OpenCV's warpAffine: pixel centres at integer coordinates, bilinear, constant 0
// outside (before mul and add).
func warpCHW(r raster, inv similarity, n int, t []float32, ord [3]int, mul, add [3]float32) {
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
				t[c*plane+i] = px[ord[c]]*mul[c] + add[c]
			}
		}
	}
}

// prefilterScale is the resolution, in pixels per template pixel, of the area-averaged
// face the warp samples when the face is larger than that.
const prefilterScale = 2.0

// alignSource returns the raster and landmarks the aligned face is sampled from: r
// itself, or, when the warp would shrink the face by more than prefilterScale, the
// face's neighbourhood area-averaged to prefilterScale pixels per template pixel with
// the landmarks mapped into it.
func alignSource(r raster, landmarks [5]Point) (raster, [5]Point) {
	fwd := estimateSimilarity(landmarks, arcfaceTemplate)
	p := prefilter(r, prefilterScale*math.Hypot(fwd.a, fwd.b), []similarity{fwd.inverse()}, 112)
	return p.r, p.from(landmarks)
}

// prefiltered is a neighbourhood of a raster area-averaged by f (averaged pixels per
// source pixel) from source origin (x0, y0); f = 1 is the raster itself.
type prefiltered struct {
	r      raster
	f      float64
	x0, y0 float64
}

// from maps source coordinates into the averaged raster: averaged pixel j covers source
// [x0 + j/f, x0 + (j+1)/f), so its centre is at source x0 − 0.5 + (j+0.5)/f (pixel
// centres at integers).
func (p prefiltered) from(lm [5]Point) [5]Point {
	for i, q := range lm {
		lm[i] = Point{X: (q.X-p.x0+0.5)*p.f - 0.5, Y: (q.Y-p.y0+0.5)*p.f - 0.5}
	}
	return lm
}

// to maps a point of the averaged raster back to source coordinates.
func (p prefiltered) to(q Point) Point {
	return Point{X: (q.X+0.5)/p.f - 0.5 + p.x0, Y: (q.Y+0.5)/p.f - 0.5 + p.y0}
}

// prefilter returns r area-averaged by f < 1 over the part of it that the n×n outputs
// of the inverse maps invs sample (with a margin for the bilinear taps), or r itself
// when f ≥ 1 (nothing to average) or that part lies outside r.
func prefilter(r raster, f float64, invs []similarity, n int) prefiltered {
	if f <= 0 || f >= 1 || math.IsNaN(f) {
		return prefiltered{r: r, f: 1}
	}
	lo, hi := Point{X: math.Inf(1), Y: math.Inf(1)}, Point{X: math.Inf(-1), Y: math.Inf(-1)}
	fn := float64(n)
	for _, inv := range invs {
		for _, c := range [4]Point{{X: -1, Y: -1}, {X: fn, Y: -1}, {X: -1, Y: fn}, {X: fn, Y: fn}} {
			p := inv.apply(c)
			lo.X, lo.Y = math.Min(lo.X, p.X), math.Min(lo.Y, p.Y)
			hi.X, hi.Y = math.Max(hi.X, p.X), math.Max(hi.Y, p.Y)
		}
	}
	m := 2 / f // two averaged pixels
	x0, y0 := max(int(math.Floor(lo.X-m)), 0), max(int(math.Floor(lo.Y-m)), 0)
	x1, y1 := min(int(math.Ceil(hi.X+m))+1, r.w), min(int(math.Ceil(hi.Y+m))+1, r.h)
	if x1-x0 < 2 || y1-y0 < 2 {
		return prefiltered{r: r, f: 1} // outside the image: the warp gives black
	}
	return prefiltered{r: areaReduce(r, x0, y0, x1, y1, f), f: f, x0: float64(x0), y0: float64(y0)}
}

// areaReduce returns source rectangle [x0,x1)×[y0,y1) of r scaled by f < 1 with an
// area (box) filter, as packed RGB of ceil(w·f)×ceil(h·f) pixels.
func areaReduce(r raster, x0, y0, x1, y1 int, f float64) raster {
	sw, sh := x1-x0, y1-y0
	w, h := int(math.Ceil(float64(sw)*f)), int(math.Ceil(float64(sh)*f))
	if r.ycc != nil {
		return areaYCbCr(r, float64(x0), float64(y0), 1/f, 1/f, w, h)
	}
	return areaRGB(r, float64(x0), float64(y0), 1/f, 1/f, w, h)
}

// areaResize returns r scaled down to exactly w×h with an area (box) filter.
func areaResize(r raster, w, h int) raster {
	sx, sy := float64(r.w)/float64(w), float64(r.h)/float64(h)
	if r.ycc != nil {
		return areaYCbCr(r, 0, 0, sx, sy, w, h)
	}
	return areaRGB(r, 0, 0, sx, sy, w, h)
}

// areaRGB is the area filter on a packed RGB(A) raster.
func areaRGB(r raster, ox, oy, sx, sy float64, w, h int) raster {
	c := areaPlanes(r.pix, r.stride, r.w, r.h, r.bpp, 3, ox, oy, sx, sy, w, h)
	out := raster{pix: make([]uint8, 3*w*h), w: w, h: h, stride: 3 * w, bpp: 3}
	for i := range c[0] {
		out.pix[3*i], out.pix[3*i+1], out.pix[3*i+2] = uint8(c[0][i]+0.5), uint8(c[1][i]+0.5), uint8(c[2][i]+0.5)
	}
	return out
}

// areaYCbCr is the area filter on the planes of a ycc raster (Y at full resolution,
// Cb and Cr at theirs; the conversion is linear, as in resizeYCbCrToCHW): w×h pixels
// of sx×sy source pixels from (ox, oy), as packed RGB.
func areaYCbCr(r raster, ox, oy, sx, sy float64, w, h int) raster {
	m := r.ycc
	b := m.Rect.Min
	yy := areaPlanes(m.Y, m.YStride, r.w, r.h, 1, 1, ox, oy, sx, sy, w, h)[0]
	// Chroma column 0 starts at luma x = (cx0 << hs) − b.X (relative, ≤ 0).
	hsz, vsz := float64(int(1)<<r.hs), float64(int(1)<<r.vs)
	cox := (ox + float64(b.X-r.cx0<<r.hs)) / hsz
	coy := (oy + float64(b.Y-r.cy0<<r.vs)) / vsz
	cw := (b.X+r.w-1)>>r.hs - r.cx0 + 1
	ch := (b.Y+r.h-1)>>r.vs - r.cy0 + 1
	cb := areaPlanes(m.Cb, m.CStride, cw, ch, 1, 1, cox, coy, sx/hsz, sy/vsz, w, h)[0]
	cr := areaPlanes(m.Cr, m.CStride, cw, ch, 1, 1, cox, coy, sx/hsz, sy/vsz, w, h)[0]
	out := raster{pix: make([]uint8, 3*w*h), w: w, h: h, stride: 3 * w, bpp: 3}
	for i := range yy {
		R, G, B := yccToRGB(yy[i], cb[i], cr[i])
		out.pix[3*i], out.pix[3*i+1], out.pix[3*i+2] = uint8(R+0.5), uint8(G+0.5), uint8(B+0.5)
	}
	return out
}

// planeSpans returns, for w output pixels of size sz from o on a plane n pixels long,
// the first source index and the weights (the covered part of each source pixel,
// normalised; clipped to the plane).
func planeSpans(n int, o, sz float64, w int) ([]int32, [][]float32) {
	i0s, ws := make([]int32, w), make([][]float32, w)
	for j := 0; j < w; j++ {
		a := min(max(o+float64(j)*sz, 0), float64(n-1))
		e := min(max(o+float64(j+1)*sz, a+1e-6), float64(n))
		i0, i1 := int(a), min(int(math.Ceil(e)), n)
		wt := make([]float32, max(i1-i0, 1))
		var sum float64
		for i := i0; i < i0+len(wt); i++ {
			c := max(math.Min(e, float64(i+1))-math.Max(a, float64(i)), 0)
			wt[i-i0] = float32(c)
			sum += c
		}
		for i := range wt {
			if sum > 0 {
				wt[i] /= float32(sum)
			} else {
				wt[i] = 1 / float32(len(wt))
			}
		}
		i0s[j], ws[j] = int32(i0), wt
	}
	return i0s, ws
}

// areaPlanes area-averages the first nch channels of an 8-bit image of nw×nh pixels of
// bpp interleaved channels into w×h pixels of sx×sy from (ox, oy), one float plane per
// channel: per output row the weighted sum of its source rows, then the horizontal taps.
func areaPlanes(p []uint8, stride, nw, nh, bpp, nch int, ox, oy, sx, sy float64, w, h int) [][]float32 {
	xi, xw := planeSpans(nw, ox, sx, w)
	yi, yw := planeSpans(nh, oy, sy, h)
	// Horizontal taps as a fixed count k per output (zero-padded, kept inside the row).
	k := 1
	for _, wt := range xw {
		k = max(k, len(wt))
	}
	k = min(k, nw)
	base := make([]int32, w)
	taps := make([]float32, w*k)
	for j := range xw {
		b := min(int(xi[j]), nw-k)
		base[j] = int32(b)
		copy(taps[j*k+int(xi[j])-b:], xw[j])
	}
	// Only the columns the taps read.
	c0, c1 := int(base[0]), int(base[w-1])+k
	out := make([][]float32, nch)
	for c := range out {
		out[c] = make([]float32, w*h)
	}
	acc := make([]float32, (c1-c0)*bpp)
	for j := 0; j < h; j++ {
		clear(acc)
		for t, wt := range yw[j] {
			row := p[(int(yi[j])+t)*stride+c0*bpp:][:len(acc)]
			for i, v := range row {
				acc[i] += wt * float32(v)
			}
		}
		for c := 0; c < nch; c++ {
			dst := out[c][j*w : (j+1)*w]
			if bpp == 1 {
				switch k { // the common tap counts, unrolled
				case 2:
					for x := range dst {
						b, t := int(base[x])-c0, taps[2*x:2*x+2:2*x+2]
						a := acc[b : b+2 : b+2]
						dst[x] = t[0]*a[0] + t[1]*a[1]
					}
					continue
				case 3:
					for x := range dst {
						b, t := int(base[x])-c0, taps[3*x:3*x+3:3*x+3]
						a := acc[b : b+3 : b+3]
						dst[x] = t[0]*a[0] + t[1]*a[1] + t[2]*a[2]
					}
					continue
				}
			}
			for x := range dst {
				b := (int(base[x])-c0)*bpp + c
				var v float32
				for i, t := range taps[x*k : (x+1)*k] {
					v += t * acc[b+i*bpp]
				}
				dst[x] = v
			}
		}
	}
	return out
}

// alignJitter are the alignments whose embeddings a precise embedding averages: the
// template moved by (dx, dy) template pixels and scaled by s about its centre. The
// first is the plain alignment. See refine.go for why and the figures.
var alignJitter = [...]struct{ dx, dy, s float64 }{
	{0, 0, 1},
	{2.5, 0, 1.02},
	{0, 2.5, 0.98},
	{-2.5, 0, 1.02},
	{0, -2.5, 0.98},
}

// embed returns the L2-normalised embedding of face f of r. Precise (for the match):
// the mean of the embeddings of the face aligned on the refined landmarks
// (refineLandmarks) with each alignJitter. Otherwise (live frames): one embedding
// aligned on f's landmarks.
func (e *Engine) embed(r raster, f Face, precise bool) ([]float32, error) {
	lm, jitter := f.Landmarks, alignJitter[:1]
	if precise {
		var err error
		if lm, err = e.refineLandmarks(r, lm); err != nil {
			return nil, fmt.Errorf("embedding face: %w", err)
		}
		jitter = alignJitter[:]
	}
	out := make([]float32, 128)
	src, lm := alignSource(r, lm)
	fwd := estimateSimilarity(lm, arcfaceTemplate)
	err := e.mfn.Do(func(sl *onnx.Slot) error {
		for _, j := range jitter {
			warpCHW(src, jittered(fwd, j.dx, j.dy, j.s).inverse(), 112, sl.In[0], ordRGB, imagenetMul, imagenetAdd)
			if err := sl.Run(); err != nil {
				return err
			}
			if err := addUnit(out, sl.Out[0]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedding face: %w", err)
	}
	if err := normalise(out); err != nil {
		return nil, fmt.Errorf("embedding face: %w", err)
	}
	return out, nil
}

// jittered returns fwd followed by a scale by s about the template's centre and a move
// by (dx, dy), in template pixels.
func jittered(fwd similarity, dx, dy, s float64) similarity {
	const c = 56 // the 112x112 template's centre
	j := similarity{a: s, tx: c*(1-s) + dx, ty: c*(1-s) + dy}
	t := j.apply(Point{X: fwd.tx, Y: fwd.ty})
	return similarity{a: s * fwd.a, b: s * fwd.b, tx: t.X, ty: t.Y}
}

var errZeroEmbedding = errors.New("the model returned a zero vector")

// addUnit adds v, L2-normalised, to sum (of the same length).
func addUnit(sum, v []float32) error {
	n := norm(v)
	if n == 0 {
		return errZeroEmbedding
	}
	for i, x := range v {
		sum[i] += x / n
	}
	return nil
}

// normalise scales v to unit length.
func normalise(v []float32) error {
	n := norm(v)
	if n == 0 {
		return errZeroEmbedding
	}
	for i := range v {
		v[i] /= n
	}
	return nil
}

func norm(v []float32) float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	return float32(math.Sqrt(n))
}

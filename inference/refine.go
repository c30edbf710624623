package inference

import (
	"fmt"
	"math"
)

// Landmark refinement for the embedding.
//
// The embedding is aligned on the detector's five landmarks, and YuNet's landmarks move
// by a pixel or two when the same photo is scaled and re-encoded (the job's 640 px JPEG
// selfie against the original): the aligned crop shifts with them, and the similarity of
// a same-person pair moved by up to 0.039 (issue 6 asks for 0.02), though with the
// landmarks held fixed the JPEG step moved it by 0.005 at most.
//
// So a match embedding (Engine.Embed) first detects the face again in refineViews
// canonical views: the image warped so that the face is upright and of a fixed size on
// a refineCanvas square, each view at a slightly different zoom and offset. A view's
// content depends on the face, not on the source's resolution or pixel grid, and the
// mean of the views' landmarks, mapped back, damps the detector's jitter (on the photos
// re-encoded as a job's selfie, the landmarks move 0.013 of the eye distance on average,
// 0.019 as detected: TestRefineLandmarks). The embedding then averages five alignments
// a few template pixels apart (alignJitter), which makes it a smoother function of the
// landmarks. Measured over 11 same-person pairs, full size against the job's images
// (640 px selfie, 1280 px document): the similarity moves by 0.011 at most with the
// selfie at JPEG quality 80–95 (0.039 before), and the gap between same-person and
// different-person similarities widened (TestMatchPairs). It costs 5 detector runs at
// 224x224 and 5 embedding runs, about 80 ms on one thread against 12 ms.

const refineCanvas = 224 // pixels, a multiple of 32 as YuNet wants

// refineViews are the canonical views: the ArcFace template scaled by zoom, centred on
// the canvas, moved by (dx, dy) canvas pixels.
var refineViews = [...]struct{ zoom, dx, dy float64 }{
	{0.84, -1.5, 1.5},
	{0.92, 0, 0},
	{1.00, 1.5, -1.5},
	{1.08, -1.5, 1.5},
	{1.16, 0, 0},
}

// viewTemplate returns where view v puts the five landmarks on the canvas.
func viewTemplate(zoom, dx, dy float64) [5]Point {
	var dst [5]Point
	off := (refineCanvas - 112*zoom) / 2
	for i, p := range arcfaceTemplate {
		dst[i] = Point{X: p.X*zoom + off + dx, Y: p.Y*zoom + off + dy}
	}
	return dst
}

// refineLandmarks returns the mean of the landmarks that the stills detector finds in
// the canonical views of the face with landmarks lm, in r's coordinates; lm itself when
// no view finds the face (a face the views cannot place, such as a strong profile).
func (e *Engine) refineLandmarks(r raster, lm [5]Point) ([5]Point, error) {
	var dsts [len(refineViews)][5]Point
	invs := make([]similarity, len(refineViews))
	minScale := math.Inf(1)
	for i, v := range refineViews {
		dsts[i] = viewTemplate(v.zoom, v.dx, v.dy)
		fwd := estimateSimilarity(lm, dsts[i])
		invs[i] = fwd.inverse()
		minScale = math.Min(minScale, math.Hypot(fwd.a, fwd.b))
	}
	if math.IsNaN(minScale) || math.IsInf(minScale, 0) || minScale == 0 {
		return lm, nil
	}
	// Sample an area-averaged neighbourhood, as the embedding's warp does.
	src := prefilter(r, prefilterScale*minScale, invs, refineCanvas)
	slm := src.from(lm)
	const n = refineCanvas
	t := make([]float32, 3*n*n)
	data := make([][]float32, len(yunetOutputs))
	var sum [5]Point
	found := 0
	for i := range refineViews {
		inv := estimateSimilarity(slm, dsts[i]).inverse()
		warpCHW(src.r, inv, n, t, ordBGR, unitMul, zeroAdd)
		outs, err := e.yunetDy.Run([]int64{1, 3, n, n}, t)
		if err != nil {
			return lm, fmt.Errorf("refining landmarks: %w", err)
		}
		for j, o := range outs {
			data[j] = o.Data
		}
		f, ok := viewFace(decodeYuNet(data, n, n, 1, e.t.DetectScore, nil), dsts[i], refineViews[i].zoom)
		if !ok {
			continue
		}
		for k, p := range f.Landmarks {
			q := src.to(inv.apply(p))
			sum[k].X += q.X
			sum[k].Y += q.Y
		}
		found++
	}
	if found == 0 {
		return lm, nil
	}
	for k := range sum {
		sum[k].X /= float64(found)
		sum[k].Y /= float64(found)
	}
	return sum, nil
}

// viewFace picks the face of a canonical view whose landmarks' centre lies nearest the
// template's, if within a quarter of the template's width (a neighbour's face in the
// view is not the face being refined).
func viewFace(faces []Face, dst [5]Point, zoom float64) (Face, bool) {
	var want Point
	for _, p := range dst {
		want.X += p.X / 5
		want.Y += p.Y / 5
	}
	best, bd := -1, 0.25*112*zoom
	for i, f := range faces {
		var c Point
		for _, p := range f.Landmarks {
			c.X += p.X / 5
			c.Y += p.Y / 5
		}
		if d := math.Hypot(c.X-want.X, c.Y-want.Y); d < bd {
			best, bd = i, d
		}
	}
	if best < 0 {
		return Face{}, false
	}
	return faces[best], true
}

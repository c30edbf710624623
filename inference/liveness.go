package inference

import (
	"fmt"
	"math"

	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

// Passive liveness (inference/models/PROVENANCE.md §3): two MiniFASNet models on crops
// of 2.7× and 4.0× the face box, 80x80 BGR 0..255; softmax each; the score is the mean
// probability of class 1 (real).

// fasCrop returns the inclusive crop rectangle of upstream CropImage._get_new_box.
func fasCrop(b Box, imgW, imgH int, scale float64) (x0, y0, x1, y1 int) {
	x, y, bw, bh := b.X1, b.Y1, b.W(), b.H()
	if bw < 1 {
		bw = 1
	}
	if bh < 1 {
		bh = 1
	}
	sw, sh := float64(imgW), float64(imgH)
	scale = math.Min((sh-1)/bh, math.Min((sw-1)/bw, scale))
	nw, nh := bw*scale, bh*scale
	cx, cy := bw/2+x, bh/2+y
	ltx, lty := cx-nw/2, cy-nh/2
	rbx, rby := cx+nw/2, cy+nh/2
	if ltx < 0 {
		rbx -= ltx
		ltx = 0
	}
	if lty < 0 {
		rby -= lty
		lty = 0
	}
	if rbx > sw-1 {
		ltx -= rbx - sw + 1
		rbx = sw - 1
	}
	if rby > sh-1 {
		lty -= rby - sh + 1
		rby = sh - 1
	}
	x0, y0, x1, y1 = int(ltx), int(lty), int(rbx), int(rby)
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(max(x1, x0), imgW-1), min(max(y1, y0), imgH-1)
	return
}

func (e *Engine) liveness(r raster, b Box, sc *scratch) (*Liveness, error) {
	run := func(s *onnx.Session, scale float64) (float64, error) {
		var p float64
		err := s.Do(func(sl *onnx.Slot) error {
			x0, y0, x1, y1 := fasCrop(b, r.w, r.h, scale)
			resizeToCHW(r, x0, y0, x1, y1, 80, 80, sl.In[0], 80, 80, ordBGR, unitMul, zeroAdd, &sc.ax, &sc.ay)
			if err := sl.Run(); err != nil {
				return err
			}
			p = softmax3(sl.Out[0])[1]
			return nil
		})
		return p, err
	}
	p1, err := run(e.fasV2, 2.7)
	if err != nil {
		return nil, fmt.Errorf("judging liveness: %w", err)
	}
	p2, err := run(e.fasV1SE, 4.0)
	if err != nil {
		return nil, fmt.Errorf("judging liveness: %w", err)
	}
	score := (p1 + p2) / 2
	return &Liveness{Score: score, Live: score >= e.t.Liveness}, nil
}

func softmax3(v []float32) [3]float64 {
	m := math.Max(float64(v[0]), math.Max(float64(v[1]), float64(v[2])))
	var out [3]float64
	var sum float64
	for i := 0; i < 3; i++ {
		out[i] = math.Exp(float64(v[i]) - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

package inference

import (
	"math"
	"sort"
)

// YuNet decoding (inference/models/PROVENANCE.md §1).

const (
	yunetSize = 320
	nmsIoU    = 0.45
)

var yunetStrides = [3]int{8, 16, 32}

// yunetOutputs names the 12 outputs in the order the decoder expects.
var yunetOutputs = []string{
	"cls_8", "cls_16", "cls_32", "obj_8", "obj_16", "obj_32",
	"bbox_8", "bbox_16", "bbox_32", "kps_8", "kps_16", "kps_32",
}

// decodeYuNet turns the 12 outputs of a W×H input into faces in source-image coordinates
// (dividing by scale), keeping those scoring above thr, after NMS.
func decodeYuNet(out [][]float32, inW, inH int, scale float64, thr float64, faces []Face) []Face {
	faces = faces[:0]
	for si, s := range yunetStrides {
		cols := inW / s
		rows := inH / s
		n := cols * rows
		cls, obj, bbox, kps := out[si], out[3+si], out[6+si], out[9+si]
		if len(cls) < n || len(obj) < n || len(bbox) < 4*n || len(kps) < 10*n {
			continue
		}
		fs := float64(s)
		for i := 0; i < n; i++ {
			c, o := clamp01(cls[i]), clamp01(obj[i])
			score := float64(c * o)
			if score <= thr {
				continue
			}
			ax, ay := float64(i%cols)*fs, float64(i/cols)*fs
			b := bbox[4*i : 4*i+4]
			cx, cy := float64(b[0])*fs+ax, float64(b[1])*fs+ay
			w, h := math.Exp(float64(b[2]))*fs, math.Exp(float64(b[3]))*fs
			f := Face{
				Box:   Box{X1: (cx - w/2) / scale, Y1: (cy - h/2) / scale, X2: (cx + w/2) / scale, Y2: (cy + h/2) / scale},
				Score: score,
			}
			k := kps[10*i : 10*i+10]
			for j := 0; j < 5; j++ {
				f.Landmarks[j] = Point{X: (float64(k[2*j])*fs + ax) / scale, Y: (float64(k[2*j+1])*fs + ay) / scale}
			}
			faces = append(faces, f)
		}
	}
	return nms(faces, nmsIoU)
}

func clamp01(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// nms keeps the best-scoring faces, dropping any that overlaps a kept one by more than iou.
func nms(faces []Face, iou float64) []Face {
	sort.SliceStable(faces, func(i, j int) bool { return faces[i].Score > faces[j].Score })
	kept := faces[:0]
	for _, f := range faces {
		ok := true
		for _, k := range kept {
			if boxIoU(f.Box, k.Box) > iou {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, f)
		}
	}
	return kept
}

func boxIoU(a, b Box) float64 {
	ix := math.Min(a.X2, b.X2) - math.Max(a.X1, b.X1)
	iy := math.Min(a.Y2, b.Y2) - math.Max(a.Y1, b.Y1)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	union := a.W()*a.H() + b.W()*b.H() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// clipFaces clips boxes and landmarks to the image.
func clipFaces(faces []Face, w, h int) {
	fw, fh := float64(w), float64(h)
	for i := range faces {
		b := &faces[i].Box
		b.X1, b.X2 = clampF(b.X1, 0, fw), clampF(b.X2, 0, fw)
		b.Y1, b.Y2 = clampF(b.Y1, 0, fh), clampF(b.Y2, 0, fh)
	}
}

func clampF(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

package inference

import (
	"fmt"
	"math"
)

const qualitySide = 128 // the face box is sampled to 128x128 grey for light and blur

// faceStats measures the face box: mean luminance, share of saturated pixels, and the
// variance of the 4-neighbour Laplacian, on the box scaled to 128x128 grey pixels.
func faceStats(r raster, b Box, sc *scratch) (mean, saturated, sharpness float64) {
	x0, y0 := int(math.Max(0, b.X1)), int(math.Max(0, b.Y1))
	x1, y1 := min(int(b.X2), r.w-1), min(int(b.Y2), r.h-1)
	if x1 <= x0 || y1 <= y0 {
		return 0, 0, 0
	}
	const n = qualitySide
	makeAxis(&sc.ax, n, x0, x1, float64(x1-x0+1)/n)
	makeAxis(&sc.ay, n, y0, y1, float64(y1-y0+1)/n)
	if cap(sc.gray) < n*n {
		sc.gray = make([]float32, n*n)
	}
	g := sc.gray[:n*n]
	var sum float64
	sat := 0
	for y := 0; y < n; y++ {
		ya, yb := int(sc.ay.i0[y]), int(sc.ay.i1[y])
		fy := sc.ay.f[y]
		for x := 0; x < n; x++ {
			a, c := int(sc.ax.i0[x]), int(sc.ax.i1[x])
			fx := sc.ax.f[x]
			v := (1-fy)*((1-fx)*r.lumaAt(a, ya)+fx*r.lumaAt(c, ya)) + fy*((1-fx)*r.lumaAt(a, yb)+fx*r.lumaAt(c, yb))
			g[y*n+x] = v
			sum += float64(v)
			if v >= 250 {
				sat++
			}
		}
	}
	mean = sum / (n * n)
	saturated = float64(sat) / (n * n)
	var ls, ls2 float64
	for y := 1; y < n-1; y++ {
		for x := 1; x < n-1; x++ {
			i := y*n + x
			l := float64(g[i-1] + g[i+1] + g[i-n] + g[i+n] - 4*g[i])
			ls += l
			ls2 += l * l
		}
	}
	m := float64((n - 2) * (n - 2))
	sharpness = ls2/m - (ls/m)*(ls/m)
	return mean, saturated, sharpness
}

// quality applies the gates to the largest face of a.
func (e *Engine) quality(r raster, a *Analysis, sc *scratch) Quality {
	t := e.t
	q := Quality{Problems: []Problem{}}
	add := func(code, msg string, args ...any) {
		q.Problems = append(q.Problems, Problem{Code: code, Message: fmt.Sprintf(msg, args...)})
	}
	if len(a.Faces) == 0 {
		add(ProblemNoFace, "No face found: the customer should face the camera, fully in the picture.")
		return q
	}
	if len(a.Faces) > 1 {
		add(ProblemManyFaces, "%d faces in the picture: only the customer may be in view.", len(a.Faces))
	}
	f := a.Faces[Largest(a.Faces)]
	W, H := float64(a.Width), float64(a.Height)
	area := f.Box.W() * f.Box.H() / (W * H)
	if area < t.MinFaceArea {
		add(ProblemTooSmall, "The face fills %.0f%% of the picture (at least %.0f%% needed): the customer should come closer.", 100*area, 100*t.MinFaceArea)
	} else if area > t.MaxFaceArea {
		add(ProblemTooClose, "The face fills %.0f%% of the picture (at most %.0f%%): the customer should move back a little.", 100*area, 100*t.MaxFaceArea)
	}
	cx, cy := (f.Box.X1+f.Box.X2)/2, (f.Box.Y1+f.Box.Y2)/2
	if dx, dy := math.Abs(cx-W/2)/W, math.Abs(cy-H/2)/H; dx > t.MaxOffCentre || dy > t.MaxOffCentre {
		add(ProblemOffCentre, "The face is off-centre: the customer should be in the middle of the picture.")
	}
	eye := math.Hypot(f.Landmarks[1].X-f.Landmarks[0].X, f.Landmarks[1].Y-f.Landmarks[0].Y)
	if eye < t.MinInterEyePx {
		add(ProblemEyesTooClose, "The eyes are %.0f pixels apart (at least %.0f needed): the customer should come closer or the camera needs a higher resolution.", eye, t.MinInterEyePx)
	}
	p := f.Pose
	if math.Abs(p.Yaw) > t.MaxYaw || math.Abs(p.Pitch) > t.MaxPitch || math.Abs(p.Roll) > t.MaxRoll {
		add(ProblemPose, "The head is turned or tilted (yaw %.0f°, pitch %.0f°, roll %.0f°): the customer should look straight at the camera.", p.Yaw, p.Pitch, p.Roll)
	}
	mean, sat, sharp := faceStats(r, f.Box, sc)
	if mean < t.MinLuminance {
		add(ProblemTooDark, "The face is too dark (brightness %.0f, at least %.0f needed): add light in front of the customer.", mean, t.MinLuminance)
	} else if mean > t.MaxLuminance || sat > t.MaxSaturated {
		add(ProblemOverExposed, "The face is over-exposed (brightness %.0f, %.0f%% of it white): reduce the light on the customer or move away from a window.", mean, 100*sat)
	}
	if sharp < t.MinSharpness {
		add(ProblemBlurred, "The face is blurred (sharpness %.0f, at least %.0f needed): the customer should hold still; clean the lens.", sharp, t.MinSharpness)
	}
	if f.Liveness != nil && !f.Liveness.Live {
		add(ProblemNotLive, "The face does not look live (score %.2f): it may be a photo or a screen; take the picture of the customer in person.", f.Liveness.Score)
	}
	q.OK = len(q.Problems) == 0
	return q
}

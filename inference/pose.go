package inference

import "math"

// Head pose from the 5 landmarks (a rough, model-free estimate).
//
// Roll is the angle of the line between the eyes. The landmarks are then rotated by
// −roll, and, with a simple head model (eyes at ±e on a plane, the nose tip about one
// eye distance/2 in front of it, as in average adult faces):
//   - yaw: the nose tip's horizontal offset from the face's mid-line (between the eye
//     midpoint and the mouth midpoint) over the eye distance; tan(yaw) ≈ 2·offset/eyeDist.
//   - pitch: the nose tip's height between the eye line (0) and the mouth line (1)
//     compared with its frontal ratio r0; tan(pitch) ≈ 2·(r0 − ratio). Looking up moves
//     the nose towards the eyes. r0 = 0.60 is calibrated on the test photos (mostly
//     frontal portraits: their median pitch is then about 0); the ArcFace template's
//     0.494 would make every frontal face about −12°, as YuNet puts the nose tip lower.
//
// Signs follow Pose: yaw > 0 when the face turns towards the image's right, pitch > 0
// when it tilts up, roll > 0 when it leans clockwise in the image.

const frontalNoseRatio = 0.60

func estimatePose(l [5]Point) Pose {
	le, re, nose, lm, rm := l[0], l[1], l[2], l[3], l[4]
	roll := math.Atan2(re.Y-le.Y, re.X-le.X)
	c, s := math.Cos(-roll), math.Sin(-roll)
	rot := func(p Point) Point {
		return Point{X: p.X*c - p.Y*s, Y: p.X*s + p.Y*c}
	}
	le, re, nose, lm, rm = rot(le), rot(re), rot(nose), rot(lm), rot(rm)
	eyeMid := Point{X: (le.X + re.X) / 2, Y: (le.Y + re.Y) / 2}
	mouthMid := Point{X: (lm.X + rm.X) / 2, Y: (lm.Y + rm.Y) / 2}
	eyeDist := math.Hypot(re.X-le.X, re.Y-le.Y)
	span := mouthMid.Y - eyeMid.Y
	if eyeDist < 1e-6 || span < 1e-6 {
		return Pose{Roll: deg(roll)}
	}
	ratio := (nose.Y - eyeMid.Y) / span
	midX := eyeMid.X + (mouthMid.X-eyeMid.X)*ratio
	yaw := math.Atan(2 * (nose.X - midX) / eyeDist)
	pitch := math.Atan(2 * (frontalNoseRatio - ratio))
	return Pose{Yaw: deg(yaw), Pitch: deg(pitch), Roll: deg(roll)}
}

func deg(r float64) float64 { return r * 180 / math.Pi }

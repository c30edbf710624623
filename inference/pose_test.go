package inference

import (
	"math"
	"testing"
)

// Mirroring an image horizontally flips the sign of yaw and roll and keeps pitch.
// Landmarks are noisy (about ±5° of yaw on stills, more at 320x320), so the magnitudes
// are compared with a tolerance, on the photos whose head is clearly turned.
func TestPoseMirrorFlipsYaw(t *testing.T) {
	e := testEngine(t)
	cases := []struct {
		still bool
		tol   float64 // |yaw + mirrored yaw| allowed
		names []string
	}{
		{true, 10, []string{"obama_2.jpg", "obama_3.jpg", "biden_1.jpg", "live_minivision_T1.jpg", "spoof_minivision_F1.jpg", "dfA_img11.jpg", "dfC_img21.jpg"}},
		{false, 15, []string{"obama_2.jpg", "obama_3.jpg", "live_minivision_T1.jpg", "spoof_minivision_F1.jpg"}},
	}
	for _, c := range cases {
		for _, name := range c.names {
			img := photo(t, name)
			o := AnalyzeOptions{Still: c.still}
			a, err := e.Analyze(img, o)
			if err != nil || len(a.Faces) != 1 {
				t.Fatalf("%s: %v %v", name, err, a)
			}
			m, err := e.Analyze(mirror(img), o)
			if err != nil || len(m.Faces) != 1 {
				t.Fatalf("%s mirrored: %v %v", name, err, m)
			}
			p, q := a.Faces[0].Pose, m.Faces[0].Pose
			if math.Abs(p.Yaw) < 10 {
				t.Fatalf("%s (still=%v): yaw %.1f too small for a sign check", name, c.still, p.Yaw)
			}
			if math.Signbit(p.Yaw) == math.Signbit(q.Yaw) || math.Abs(p.Yaw+q.Yaw) > c.tol {
				t.Errorf("%s (still=%v): yaw %.1f, mirrored %.1f: want opposite", name, c.still, p.Yaw, q.Yaw)
			}
			if math.Abs(p.Roll+q.Roll) > c.tol {
				t.Errorf("%s (still=%v): roll %.1f, mirrored %.1f: want opposite", name, c.still, p.Roll, q.Roll)
			}
			if math.Abs(p.Pitch-q.Pitch) > c.tol {
				t.Errorf("%s (still=%v): pitch %.1f, mirrored %.1f: want about equal", name, c.still, p.Pitch, q.Pitch)
			}
		}
	}
	// obama_3.jpg: the face turns towards the image's right (checked by eye): yaw > 0.
	a, _ := e.Analyze(photo(t, "obama_3.jpg"), AnalyzeOptions{Still: true})
	if y := a.Faces[0].Pose.Yaw; y < 15 {
		t.Errorf("obama_3.jpg yaw %.1f, want clearly positive", y)
	}
}

func TestEstimatePose(t *testing.T) {
	tpl := arcfaceTemplate
	// Rotate the frontal template by 20° clockwise in the image (y down).
	rot := func(l [5]Point, deg float64) [5]Point {
		c, s := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
		var out [5]Point
		for i, p := range l {
			x, y := p.X-56, p.Y-70
			out[i] = Point{X: 56 + x*c - y*s, Y: 70 + x*s + y*c}
		}
		return out
	}
	shiftNose := func(l [5]Point, dx, dy float64) [5]Point {
		l[2].X += dx
		l[2].Y += dy
		return l
	}
	cases := []struct {
		name      string
		l         [5]Point
		check     func(p Pose) bool
		condition string
	}{
		{"frontal template", tpl, func(p Pose) bool { return math.Abs(p.Yaw) < 2 && math.Abs(p.Roll) < 1 && math.Abs(p.Pitch) < 15 }, "yaw≈0 roll≈0"},
		{"rolled clockwise", rot(tpl, 20), func(p Pose) bool { return math.Abs(p.Roll-20) < 0.5 && math.Abs(p.Yaw) < 2 }, "roll 20"},
		{"nose right", shiftNose(tpl, 10, 0), func(p Pose) bool { return p.Yaw > 20 }, "yaw > 20"},
		{"nose left", shiftNose(tpl, -10, 0), func(p Pose) bool { return p.Yaw < -20 }, "yaw < -20"},
		{"nose up (looking up)", shiftNose(tpl, 0, -8), func(p Pose) bool { return p.Pitch > 10 }, "pitch > 10"},
		{"nose down", shiftNose(tpl, 0, 8), func(p Pose) bool { return p.Pitch < -10 }, "pitch < -10"},
		{"rolled and turned", rot(shiftNose(tpl, 10, 0), -25), func(p Pose) bool { return p.Yaw > 20 && math.Abs(p.Roll+25) < 1 }, "yaw > 20, roll -25"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if p := estimatePose(c.l); !c.check(p) {
				t.Errorf("pose %+v, want %s", p, c.condition)
			}
		})
	}
}

func TestLargest(t *testing.T) {
	box := func(w, h float64) Face { return Face{Box: Box{X1: 10, Y1: 10, X2: 10 + w, Y2: 10 + h}} }
	cases := []struct {
		name  string
		faces []Face
		want  int
	}{
		{"none", nil, -1},
		{"one", []Face{box(5, 5)}, 0},
		{"largest last", []Face{box(5, 5), box(4, 9), box(10, 10)}, 2},
		{"by area, not width", []Face{box(20, 2), box(6, 8)}, 1},
		{"first of equals", []Face{box(3, 3), box(9, 9), box(9, 9)}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Largest(tc.faces); got != tc.want {
				t.Fatalf("Largest = %d, want %d", got, tc.want)
			}
		})
	}
}

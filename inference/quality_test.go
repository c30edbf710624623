package inference

import (
	"image"
	"math"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// framed crops a photo around its face so that the face box fills share of the image
// area, with the face centre at (cx, cy) as fractions of the crop (0.5 = centred), then
// scales it to width w.
func framed(t *testing.T, name string, share, cx, cy float64, w int) image.Image {
	t.Helper()
	img := photo(t, name)
	a, err := testEngine(t).Analyze(img, AnalyzeOptions{Still: true})
	if err != nil || len(a.Faces) != 1 {
		t.Fatalf("%s: %v", name, err)
	}
	f := a.Faces[0].Box
	side := math.Sqrt(f.W() * f.H() / share) // a square crop
	fx, fy := (f.X1+f.X2)/2, (f.Y1+f.Y2)/2
	x0, y0 := int(fx-cx*side), int(fy-cy*side)
	c := cropPad(img, image.Rect(x0, y0, x0+int(side), y0+int(side)))
	return resize(c, float64(w)/side)
}

// cropPad copies a rectangle of img, grey where it lies outside the image.
func cropPad(img image.Image, r image.Rectangle) *image.RGBA {
	src := toRGB(img, nil)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			q := out.Pix[y*out.Stride+4*x:]
			sx, sy := r.Min.X+x, r.Min.Y+y
			if sx < 0 || sy < 0 || sx >= src.w || sy >= src.h {
				q[0], q[1], q[2], q[3] = 128, 128, 128, 255
				continue
			}
			p := src.pix[sy*src.stride+sx*src.bpp:]
			q[0], q[1], q[2], q[3] = p[0], p[1], p[2], 255
		}
	}
	return out
}

func boxBlur(img image.Image, radius, passes int) image.Image {
	r := toRGB(img, nil)
	src := image.NewRGBA(image.Rect(0, 0, r.w, r.h))
	for y := 0; y < r.h; y++ {
		for x := 0; x < r.w; x++ {
			p := r.pix[y*r.stride+x*r.bpp:]
			copy(src.Pix[y*src.Stride+4*x:], []uint8{p[0], p[1], p[2], 255})
		}
	}
	dst := image.NewRGBA(src.Rect)
	for k := 0; k < passes; k++ {
		for y := 0; y < r.h; y++ {
			for x := 0; x < r.w; x++ {
				var s [3]int
				n := 0
				for d := -radius; d <= radius; d++ {
					xx, yy := x+d, y+d
					if k%2 == 0 {
						yy = y
					} else {
						xx = x
					}
					if xx < 0 || yy < 0 || xx >= r.w || yy >= r.h {
						continue
					}
					p := src.Pix[yy*src.Stride+4*xx:]
					s[0] += int(p[0])
					s[1] += int(p[1])
					s[2] += int(p[2])
					n++
				}
				q := dst.Pix[y*dst.Stride+4*x:]
				q[0], q[1], q[2], q[3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
			}
		}
		src, dst = dst, src
	}
	return src
}

func TestQualityGates(t *testing.T) {
	e := testEngine(t)
	good := framed(t, "dfA_img6.jpg", 0.18, 0.5, 0.5, 480)
	cases := []struct {
		name  string
		img   image.Image
		want  []string // problems that must be there
		clean bool     // no problems at all
	}{
		{"well framed", good, nil, true},
		{"too small", framed(t, "dfA_img6.jpg", 0.05, 0.5, 0.5, 640), []string{ProblemTooSmall}, false},
		{"too close", framed(t, "dfA_img6.jpg", 0.45, 0.5, 0.5, 480), []string{ProblemTooClose}, false},
		{"off-centre", framed(t, "dfB_img3.jpg", 0.12, 0.22, 0.5, 480), []string{ProblemOffCentre}, false},
		{"eyes too close (low resolution)", framed(t, "dfA_img6.jpg", 0.18, 0.5, 0.5, 120), []string{ProblemEyesTooClose}, false},
		{"turned head", framed(t, "obama_3.jpg", 0.18, 0.5, 0.5, 480), []string{ProblemPose}, false},
		{"too dark", mapPixels(good, func(v float64) float64 { return v * 0.2 }), []string{ProblemTooDark}, false},
		{"over-exposed", mapPixels(good, func(v float64) float64 { return v*2.2 + 60 }), []string{ProblemOverExposed}, false},
		{"blurred", boxBlur(good, 6, 4), []string{ProblemBlurred}, false},
		{"no face", photo(t, "noface_cat_chelsea.png"), []string{ProblemNoFace}, false},
		{"several faces", photo(t, "two_people.jpg"), []string{ProblemManyFaces}, false},
		{"spoof", photo(t, "spoof_minivision_F1.jpg"), []string{ProblemNotLive}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := e.Analyze(c.img, AnalyzeOptions{Liveness: true})
			if err != nil {
				t.Fatal(err)
			}
			q := a.Quality
			for _, code := range c.want {
				if !q.Has(code) {
					t.Errorf("no %s in %+v", code, q.Problems)
				}
			}
			if c.clean && (!q.OK || len(q.Problems) != 0) {
				t.Errorf("well-framed face not OK: %+v", q.Problems)
			}
			if !c.clean && q.OK {
				t.Errorf("quality OK with problems expected")
			}
			for _, p := range q.Problems {
				if p.Message == "" || p.Code == "" {
					t.Errorf("problem without code or message: %+v", p)
				}
			}
		})
	}
	// Sharpness: the good crop measures well above the default minimum, the blurred one below.
	sc := new(scratch)
	for _, c := range []struct {
		name  string
		img   image.Image
		above bool
	}{{"sharp", good, true}, {"blurred", boxBlur(good, 6, 4), false}} {
		a, _ := e.Analyze(c.img, AnalyzeOptions{})
		_, _, sharp := faceStats(toRaster(c.img, nil), a.Faces[0].Box, sc)
		if (sharp >= e.t.MinSharpness) != c.above {
			t.Errorf("%s: sharpness %.1f vs minimum %.1f", c.name, sharp, e.t.MinSharpness)
		}
		t.Logf("%s: sharpness %.1f", c.name, sharp)
	}
}

// None of the vendored face photos is blurred, too dark or over-exposed; their
// sharpness range is logged (it is how MinSharpness was chosen).
func TestPhotosLightAndSharpness(t *testing.T) {
	e := testEngine(t)
	sc := new(scratch)
	lo, hi := math.Inf(1), 0.0
	for _, m := range testimages.Manifest(t) {
		if m.Faces == 0 {
			continue
		}
		img := photo(t, m.File)
		for _, still := range []bool{false, true} {
			a, err := e.Analyze(img, AnalyzeOptions{Still: still})
			if err != nil {
				t.Fatal(err)
			}
			for _, code := range []string{ProblemBlurred, ProblemTooDark, ProblemOverExposed} {
				if a.Quality.Has(code) {
					t.Errorf("%s (still=%v): %s", m.File, still, code)
				}
			}
			f := a.Faces[Largest(a.Faces)]
			mean, sat, sharp := faceStats(toRaster(img, nil), f.Box, sc)
			lo, hi = math.Min(lo, sharp), math.Max(hi, sharp)
			t.Logf("%-36s still=%-5v luminance %5.1f saturated %4.1f%% sharpness %7.1f", m.File, still, mean, 100*sat, sharp)
		}
	}
	t.Logf("sharpness of the face photos: %.1f .. %.1f (minimum %.1f)", lo, hi, e.t.MinSharpness)
}

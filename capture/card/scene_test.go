package card

import (
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// The tests composite the vendored passport specimen (testdata/photos) on a desk, as a
// document camera would see it, with a known position, so the finder's answers can be
// checked against the truth.

func specimen(t testing.TB) *image.RGBA {
	t.Helper()
	fh, err := os.Open(filepath.Join("..", "..", "testdata", "photos", "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	// the data page inside its drawn border, at TD3's aspect
	w := 1186
	h := int(float64(w)/AspectPassport + 0.5)
	r := image.Rect(70, 24, 70+w, 24+h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return out
}

type scene struct {
	W, H    int
	Corners Quad    // where the card lies; zero: no card
	Light   float64 // multiplies the card's and the desk's light (1: the card's white at 215)
	Blur    int     // box blur passes of radius 2 over the frame
	Glare   []glare // in the card's own coordinates (0..1)
	Seed    int64
}

type glare struct{ X, Y, R float64 }

func (s scene) render(t testing.TB, card *image.RGBA) *image.RGBA {
	t.Helper()
	if s.Light == 0 {
		s.Light = 1
	}
	rng := rand.New(rand.NewSource(s.Seed + 1))
	out := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	cw, ch := float64(card.Bounds().Dx()), float64(card.Bounds().Dy())
	var inv Homography
	has := s.Corners != Quad{}
	if has {
		hm, ok := RectToQuad(cw, ch, s.Corners)
		if !ok {
			t.Fatal("degenerate corners")
		}
		inv = invert(hm)
	}
	for y := 0; y < s.H; y++ {
		for x := 0; x < s.W; x++ {
			// a wooden desk: a brown gradient and a little noise
			base := 95 + 30*float64(x)/float64(s.W) - 15*float64(y)/float64(s.H) + rng.Float64()*6
			r, g, b := base*1.1, base*0.85, base*0.6
			if has {
				u, v := inv.Apply(float64(x)+0.5, float64(y)+0.5)
				if u >= 0 && v >= 0 && u < cw && v < ch {
					o := card.PixOffset(int(u), int(v))
					k := 215.0 / 255
					r, g, b = float64(card.Pix[o])*k, float64(card.Pix[o+1])*k, float64(card.Pix[o+2])*k
					for _, gl := range s.Glare {
						d := math.Hypot(u/cw-gl.X, (v/ch-gl.Y)*ch/cw)
						if d < gl.R {
							a := 1 - d/gl.R
							add := 400 * a
							r, g, b = r+add, g+add, b+add
						}
					}
				}
			}
			o := out.PixOffset(x, y)
			out.Pix[o] = clamp8(r * s.Light)
			out.Pix[o+1] = clamp8(g * s.Light)
			out.Pix[o+2] = clamp8(b * s.Light)
			out.Pix[o+3] = 255
		}
	}
	for i := 0; i < s.Blur; i++ {
		out = boxBlur(out, 2)
	}
	return out
}

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, v+0.5)))
}

func invert(h Homography) Homography {
	a, b, c, d, e, f, g, hh, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	det := a*(e*i-f*hh) - b*(d*i-f*g) + c*(d*hh-e*g)
	return Homography{
		(e*i - f*hh) / det, (c*hh - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*hh - e*g) / det, (b*g - a*hh) / det, (a*e - b*d) / det,
	}
}

func boxBlur(src *image.RGBA, r int) *image.RGBA {
	b := src.Bounds()
	out := image.NewRGBA(b)
	w, h := b.Dx(), b.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s [3]int
			n := 0
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					xx, yy := min(max(x+dx, 0), w-1), min(max(y+dy, 0), h-1)
					o := src.PixOffset(xx, yy)
					s[0] += int(src.Pix[o])
					s[1] += int(src.Pix[o+1])
					s[2] += int(src.Pix[o+2])
					n++
				}
			}
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
		}
	}
	return out
}

// placed is a card of the given width (pixels) centred at (cx, cy), turned by rot
// degrees, its right side shortened by persp (0.2: 20 % shorter, seen at an angle).
func placed(cx, cy, w, rot, persp float64) Quad {
	h := w / AspectPassport
	pts := Quad{{-w / 2, -h / 2}, {w / 2, -h / 2 * (1 - persp)}, {w / 2, h / 2 * (1 - persp)}, {-w / 2, h / 2}}
	s, c := math.Sincos(rot * math.Pi / 180)
	for i, p := range pts {
		pts[i] = Point{cx + p.X*c - p.Y*s, cy + p.X*s + p.Y*c}
	}
	return pts
}

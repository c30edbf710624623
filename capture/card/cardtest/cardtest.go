// Package cardtest draws document camera frames for tests and benchmarks: a card (the
// passport specimen of testdata/photos, a synthetic ID-1 card, or any image) on a desk at
// a known place, turned, seen at an angle, blurred, dark, with glare spots; the truth is
// the Scene itself.
//
// IDCard draws a synthetic ID-1 identity card of the fictional Utopia (1012x638, 85.6x54
// mm): a guilloche background, a portrait cropped around the face box the caller gives
// (cardtest links no engine: find the face with inference first), the printed fields and
// a TD1 zone in Go Mono whose check digits and composite hold (internal/mrz.EncodeTD1).
// Customers are the demo customers: one card per identity of testdata/photos with a
// second photo to match it against (customer A: deepface_A, dfA_img5.jpg), each with the
// engine's face box in its portrait stored (TestCustomersFaceBoxes checks it).
//
//	c, _ := cardtest.CustomerOf("deepface_A")
//	img, err := cardtest.CustomerCard("testdata/photos", c)
//	zone, _ := c.Holder.Zone() // the three lines printed
package cardtest

import (
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand"
	"os"

	"github.com/smartselfie/kiosk-agent/capture/card"
)

// Specimen is the data page of the passport specimen (testdata/photos'
// id_specimen_utopia_passport_td3.jpg, at path) inside its drawn border, at TD3's aspect.
func Specimen(path string) (*image.RGBA, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// the data page inside its drawn border, at TD3's aspect
	w := 1186
	h := int(float64(w)/card.AspectPassport + 0.5)
	if b := img.Bounds(); b.Dx() < 70+w || b.Dy() < 24+h {
		return nil, fmt.Errorf("%s: %dx%d is not the specimen", path, b.Dx(), b.Dy())
	}
	r := image.Rect(70, 24, 70+w, 24+h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return out, nil
}

// Scene is a document camera's frame: a card (any image) lying on a wooden desk.
type Scene struct {
	W, H    int
	Corners card.Quad // where the card lies; zero: no card
	Light   float64   // multiplies the card's and the desk's light (1: the card's white at 215)
	Blur    int       // box blur passes of radius 2 over the frame
	Glare   []Glare   // in the card's own coordinates (0..1)
	Seed    int64     // the desk's noise
}

// Glare is a round light spot centred at (X, Y) of the card (0..1 of its width and
// height), of radius R (share of its width).
type Glare struct{ X, Y, R float64 }

// Render draws the frame with the card c.
func (s Scene) Render(c *image.RGBA) *image.RGBA {
	if s.Light == 0 {
		s.Light = 1
	}
	rng := rand.New(rand.NewSource(s.Seed + 1))
	out := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	cw, ch := float64(c.Bounds().Dx()), float64(c.Bounds().Dy())
	var inv card.Homography
	has := s.Corners != card.Quad{}
	if has {
		hm, ok := card.RectToQuad(cw, ch, s.Corners)
		if !ok {
			has = false
		}
		inv = hm.Invert()
	}
	for y := 0; y < s.H; y++ {
		for x := 0; x < s.W; x++ {
			// a wooden desk: a brown gradient and a little noise
			base := 95 + 30*float64(x)/float64(s.W) - 15*float64(y)/float64(s.H) + rng.Float64()*6
			r, g, b := base*1.1, base*0.85, base*0.6
			if has {
				u, v := inv.Apply(float64(x)+0.5, float64(y)+0.5)
				if u >= 0 && v >= 0 && u < cw && v < ch {
					o := c.PixOffset(int(u), int(v))
					k := Paper / 255
					r, g, b = float64(c.Pix[o])*k, float64(c.Pix[o+1])*k, float64(c.Pix[o+2])*k
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

// Paper is the grey the card's white has in a scene of Light 1.
const Paper = 215.0

// Placed is a passport page of the given width (pixels) centred at (cx, cy), turned by
// rot degrees, its right side shortened by persp (0.2: 20 % shorter, seen at an angle).
func Placed(cx, cy, w, rot, persp float64) card.Quad {
	return PlacedAspect(cx, cy, w, card.AspectPassport, rot, persp)
}

// PlacedAspect is Placed for a card of any aspect (width over height): card.AspectID1
// for an ID-1 card.
func PlacedAspect(cx, cy, w, aspect, rot, persp float64) card.Quad {
	h := w / aspect
	pts := card.Quad{{X: -w / 2, Y: -h / 2}, {X: w / 2, Y: -h / 2 * (1 - persp)}, {X: w / 2, Y: h / 2 * (1 - persp)}, {X: -w / 2, Y: h / 2}}
	s, c := math.Sincos(rot * math.Pi / 180)
	for i, p := range pts {
		pts[i] = card.Point{X: cx + p.X*c - p.Y*s, Y: cy + p.X*s + p.Y*c}
	}
	return pts
}

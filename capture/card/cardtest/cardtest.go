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
//
// DocSet is the labelled document set of the benchmarks (testdata/docset, written by
// scripts/docset): every specimen in previews and stills with each frame's labels per
// gate from its scene; WriteManifest and ReadManifest are its manifest.csv, and
// Frame.FoundRight tells a finding that is the frame's card.
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

// Scene is a document camera's frame: a card (any image) lying on a desk.
type Scene struct {
	W, H       int
	Corners    card.Quad  // where the card lies; zero: no card
	Light      float64    // multiplies the card's and the desk's light (1: the card's white at 215)
	Blur       int        // box blur passes of radius 2 over the frame
	Glare      []Glare    // in the card's own coordinates (0..1)
	Seed       int64      // the desk's noise
	Background Background // what the card lies on
}

// Background is what the card lies on.
type Background int

const (
	BackgroundWood    Background = iota // a brown wooden desk (the zero value)
	BackgroundSlate                     // a dark grey-blue cloth
	BackgroundCounter                   // a light grey laminate counter, a little darker than the card's paper
	BackgroundTiles                     // a tiled counter: strong straight edges of its own
)

var backgroundNames = []string{"wood", "slate", "counter", "tiles"}

func (b Background) String() string {
	if int(b) < len(backgroundNames) && b >= 0 {
		return backgroundNames[b]
	}
	return fmt.Sprintf("background(%d)", int(b))
}

// ParseBackground reads a Background's name.
func ParseBackground(s string) (Background, error) {
	for i, n := range backgroundNames {
		if n == s {
			return Background(i), nil
		}
	}
	return 0, fmt.Errorf("no background %q (want wood, slate, counter or tiles)", s)
}

// desk is the background's colour at (x, y) of a w x h frame, before the light.
func (b Background) desk(x, y, w, h int, noise float64) (float64, float64, float64) {
	fx, fy := float64(x)/float64(w), float64(y)/float64(h)
	switch b {
	case BackgroundSlate:
		v := 48 + 14*fx + noise*8
		return v * 0.9, v, v * 1.15
	case BackgroundCounter:
		v := 138 + 20*fx - 10*fy + noise*5
		return v, v, v * 0.97
	case BackgroundTiles:
		// 60 px tiles with 3 px grout lines
		gx, gy := x%60 < 3, y%60 < 3
		v := 150 + 20*float64((x/60+y/60)%2) + noise*6
		if gx || gy {
			v = 90 + noise*6
		}
		return v * 1.05, v, v * 0.92
	}
	base := 95 + 30*fx - 15*fy + noise*6
	return base * 1.1, base * 0.85, base * 0.6
}

// cardPixel is the card's colour at (u, v) of c's pixels as the scene lights it before
// its Light: the paper at Paper and the glare spots added.
func cardPixel(c *image.RGBA, s Scene, u, v float64) (float64, float64, float64) {
	cw, ch := float64(c.Bounds().Dx()), float64(c.Bounds().Dy())
	o := c.PixOffset(int(u), int(v))
	k := Paper / 255
	r, g, b := float64(c.Pix[o])*k, float64(c.Pix[o+1])*k, float64(c.Pix[o+2])*k
	for _, gl := range s.Glare {
		d := math.Hypot(u/cw-gl.X, (v/ch-gl.Y)*ch/cw)
		if d < gl.R {
			add := 400 * (1 - d/gl.R)
			r, g, b = r+add, g+add, b+add
		}
	}
	return r, g, b
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
			r, g, b := s.Background.desk(x, y, s.W, s.H, rng.Float64())
			if has {
				u, v := inv.Apply(float64(x)+0.5, float64(y)+0.5)
				if u >= 0 && v >= 0 && u < cw && v < ch {
					r, g, b = cardPixel(c, s, u, v)
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

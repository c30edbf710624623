package enrolltest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// The document camera's frame: a scripted replay camera's size (internal/app scales a
// scripted replay's frames to 960 pixels at most).
const (
	DocumentWidth  = 960
	DocumentHeight = 720
)

// Card is the ID-1 card of the customer whose portrait is the vendored photo portrait
// (testimages): the portrait on the left of a printed card.
func Card(portrait string) (*image.RGBA, error) {
	img, err := inference.DecodeFile(testimages.Path(portrait))
	if err != nil {
		return nil, fmt.Errorf("the card of %s: %w", portrait, err)
	}
	return idCard(img), nil
}

// idCard draws an ID-1 card (1012x638 pixels, 85.6x54 mm at 300 dpi) with portrait on
// its left: a pale card, a light blue band near its top, grey lines of print.
func idCard(portrait image.Image) *image.RGBA {
	const w, h = 1012, 638
	c := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(c, c.Bounds(), image.NewUniform(color.RGBA{236, 240, 232, 255}), image.Point{}, draw.Src)
	draw.Draw(c, image.Rect(30, 30, w-30, 110), image.NewUniform(color.RGBA{150, 180, 225, 255}), image.Point{}, draw.Src)
	// the portrait, cropped to 3:4 around its middle
	pr := image.Rect(50, 150, 50+300, 150+400)
	b := portrait.Bounds()
	cw, ch := b.Dx(), b.Dx()*4/3
	if ch > b.Dy() {
		cw, ch = b.Dy()*3/4, b.Dy()
	}
	x0, y0 := b.Min.X+(b.Dx()-cw)/2, b.Min.Y+(b.Dy()-ch)/2
	for y := pr.Min.Y; y < pr.Max.Y; y++ {
		for x := pr.Min.X; x < pr.Max.X; x++ {
			sx := x0 + (x-pr.Min.X)*cw/pr.Dx()
			sy := y0 + (y-pr.Min.Y)*ch/pr.Dy()
			c.Set(x, y, portrait.At(sx, sy))
		}
	}
	// lines of print beside the portrait and under the band
	for i, n := range []int{420, 300, 520, 260, 380, 460} {
		y := 170 + i*60
		draw.Draw(c, image.Rect(400, y, 400+n, y+22), image.NewUniform(color.RGBA{60, 60, 70, 255}), image.Point{}, draw.Src)
		draw.Draw(c, image.Rect(400, y+28, 400+n/3, y+36), image.NewUniform(color.RGBA{140, 140, 150, 255}), image.Point{}, draw.Src)
	}
	return c
}

// A DocumentScene is one frame of the document camera.
type DocumentScene struct {
	Name  string // the file's name in the document folder
	Kind  string // "tilted", "glared" or "good"
	Scene cardtest.Scene
}

// Good reports whether the frame holds every card gate.
func (s DocumentScene) Good() bool { return s.Kind == "good" }

// DocumentScenes are the frames the document camera shows of the card c (an ID-1 card or a
// passport page: its own aspect), in this order: turned by 25 degrees and less lit (2
// frames), held straight under a glare spot on the card (2), held straight and still (5).
// Each frame differs from the others by the desk's noise.
func DocumentScenes(c *image.RGBA) []DocumentScene {
	aspect := float64(c.Bounds().Dx()) / float64(c.Bounds().Dy())
	cx, cy := DocumentWidth/2.0, DocumentHeight/2.0
	good := Placed(cx, cy, 640, aspect, 2)
	tilted := Placed(cx, cy, 600, aspect, 25)
	glare := []cardtest.Glare{{X: 0.62, Y: 0.45, R: 0.12}}
	var out []DocumentScene
	add := func(kind string, s cardtest.Scene) {
		s.W, s.H, s.Seed = DocumentWidth, DocumentHeight, int64(len(out)+1)
		out = append(out, DocumentScene{Name: fmt.Sprintf("%02d-%s.jpg", len(out)+1, kind), Kind: kind, Scene: s})
	}
	for range 2 {
		add("tilted", cardtest.Scene{Corners: tilted, Light: 0.85})
	}
	for range 2 {
		add("glared", cardtest.Scene{Corners: good, Glare: glare})
	}
	for range 5 {
		add("good", cardtest.Scene{Corners: good})
	}
	return out
}

// Placed is a card of the given width (pixels) and aspect (width over height) centred at
// (cx, cy), turned by rot degrees.
func Placed(cx, cy, w, aspect, rot float64) card.Quad {
	h := w / aspect
	q := card.Quad{{X: -w / 2, Y: -h / 2}, {X: w / 2, Y: -h / 2}, {X: w / 2, Y: h / 2}, {X: -w / 2, Y: h / 2}}
	s, co := math.Sincos(rot * math.Pi / 180)
	for i, p := range q {
		q[i] = card.Point{X: cx + p.X*co - p.Y*s, Y: cy + p.X*s + p.Y*co}
	}
	return q
}

// WriteDocument writes dir's document folder (made if missing; its images replaced): the
// DocumentScenes of the card c as JPEG files, which a replay camera shows in name order,
// looping.
func WriteDocument(dir string, c *image.RGBA) error {
	doc := filepath.Join(dir, replay.DocumentDir)
	if err := os.MkdirAll(doc, 0o755); err != nil {
		return fmt.Errorf("writing the document camera: %w", err)
	}
	old, err := os.ReadDir(doc)
	if err != nil {
		return fmt.Errorf("writing the document camera: %w", err)
	}
	for _, e := range old {
		if n := strings.ToLower(e.Name()); strings.HasSuffix(n, ".jpg") || strings.HasSuffix(n, ".jpeg") || strings.HasSuffix(n, ".png") {
			if err := os.Remove(filepath.Join(doc, e.Name())); err != nil {
				return fmt.Errorf("writing the document camera: %w", err)
			}
		}
	}
	for _, s := range DocumentScenes(c) {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, s.Scene.Render(c), &jpeg.Options{Quality: 92}); err != nil {
			return fmt.Errorf("writing the document camera: %w", err)
		}
		if err := os.WriteFile(filepath.Join(doc, s.Name), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing the document camera: %w", err)
		}
	}
	return nil
}

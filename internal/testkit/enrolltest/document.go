package enrolltest

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// The document camera's frame: a scripted replay camera's size (internal/app scales a
// scripted replay's frames to 960 pixels at most).
const (
	DocumentWidth  = 960
	DocumentHeight = 720
)

// Card is the synthetic ID-1 card (cardtest.IDCard) of the demo customer whose portrait
// is the vendored photo portrait (cardtest.Customers): their portrait, the fictional
// holder's printed fields and a TD1 zone whose check digits hold.
func Card(portrait string) (*image.RGBA, error) {
	i := slices.IndexFunc(cardtest.Customers, func(c cardtest.Customer) bool { return c.Portrait == portrait })
	if i < 0 {
		return nil, fmt.Errorf("the card of %s: not a demo customer's portrait (capture/card/cardtest.Customers)", portrait)
	}
	c, err := cardtest.CustomerCard(filepath.Dir(testimages.Path(portrait)), cardtest.Customers[i])
	if err != nil {
		return nil, fmt.Errorf("the card of %s: %w", portrait, err)
	}
	return c, nil
}

// Holder is who the card of Card(portrait) names (the zero Holder when none).
func Holder(portrait string) cardtest.Holder {
	for _, c := range cardtest.Customers {
		if c.Portrait == portrait {
			return c.Holder
		}
	}
	return cardtest.Holder{}
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
// frames), held straight under a glare spot on the card (2), held straight and still
// (12: a capture that judges every second or third frame, as a busy kiosk does, still
// sees three good frames in a row). Each frame differs from the others by the desk's
// noise.
func DocumentScenes(c *image.RGBA) []DocumentScene {
	aspect := float64(c.Bounds().Dx()) / float64(c.Bounds().Dy())
	cx, cy := DocumentWidth/2.0, DocumentHeight/2.0
	good := cardtest.PlacedAspect(cx, cy, 640, aspect, 2, 0)
	tilted := cardtest.PlacedAspect(cx, cy, 600, aspect, 25, 0)
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
	for range 12 {
		add("good", cardtest.Scene{Corners: good})
	}
	return out
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

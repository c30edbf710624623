package card_test

import (
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
)

// The finder on each background of the labelled set (cardtest.Background): the card is
// found where it lies and of its class; a background alone gives no card. An external
// test package: cardtest draws the scenes and imports card.

var photos = filepath.Join("..", "..", "testdata", "photos")

func specimenOf(t *testing.T, name string) *image.RGBA {
	t.Helper()
	c, err := cardtest.LoadSpecimen(photos, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// placements are good preview frames' cards: centred or a little off, a little turned,
// at the distances the gates accept.
var placements = []struct{ cx, cy, w, rot float64 }{
	{320, 240, 460, 0}, {330, 232, 420, -3}, {308, 250, 470, 2.5}, {316, 244, 390, 4},
}

func checkFoundRight(t *testing.T, bg cardtest.Background, specimens []string) {
	t.Helper()
	for _, name := range specimens {
		c := specimenOf(t, name)
		aspect, class := card.AspectID1, card.ClassID1
		if name == cardtest.SpecimenTD3 {
			aspect, class = card.AspectPassport, card.ClassPassport
		}
		for i, p := range placements {
			t.Run(fmt.Sprintf("%s/%s/%d", bg, name, i), func(t *testing.T) {
				s := cardtest.Scene{W: 640, H: 480, Seed: int64(i + 1), Background: bg,
					Corners: cardtest.PlacedAspect(p.cx, p.cy, p.w, aspect, p.rot, 0)}
				fd := card.Find(s.Render(c))
				if !fd.Found {
					t.Fatalf("no card found on %s", bg)
				}
				if fd.Class != class {
					t.Errorf("class %q, want %q (aspect %.3f)", fd.Class, class, fd.Aspect)
				}
				// as the labelled set's FoundRight: each corner within 2 % of the diagonal
				tol := 0.02 * math.Hypot(640, 480)
				for k := range s.Corners {
					if d := math.Hypot(fd.Corners[k].X-s.Corners[k].X, fd.Corners[k].Y-s.Corners[k].Y); d > tol {
						t.Errorf("corner %d at (%.0f,%.0f), want (%.0f,%.0f) within %.0f px", k,
							fd.Corners[k].X, fd.Corners[k].Y, s.Corners[k].X, s.Corners[k].Y, tol)
					}
				}
			})
		}
	}
}

// A light grey counter, a little darker than the card's paper: the outline of a tinted
// card lies in its chroma as much as in its grey.
func TestFindOnLightCounter(t *testing.T) {
	checkFoundRight(t, cardtest.BackgroundCounter, cardtest.Specimens())
}

// The backgrounds alone: nothing on them is a card.
func TestNoCardOnBareBackgrounds(t *testing.T) {
	c := specimenOf(t, cardtest.SpecimenTD3) // not placed: Corners zero
	for _, bg := range []cardtest.Background{cardtest.BackgroundWood, cardtest.BackgroundSlate, cardtest.BackgroundCounter, cardtest.BackgroundTiles} {
		for seed := int64(1); seed <= 3; seed++ {
			s := cardtest.Scene{W: 640, H: 480, Seed: seed, Background: bg}
			if fd := card.Find(s.Render(c)); fd.Found {
				t.Errorf("%s (seed %d): a card found at %v on the bare background", bg, seed, fd.Corners)
			}
		}
	}
}

// Photographs hold no card: a face, people, a cat, a cup. Their convex outline runs along
// the picture's frame, which is not a card's.
func TestNoCardInPhotographs(t *testing.T) {
	for _, name := range []string{"obama_1.jpg", "biden_1.jpg", "dfB_img3.jpg", "dfC_img21.jpg", "selfie_many_people.jpg",
		"two_people.jpg", "astronaut.png", "noface_cat_chelsea.png", "noface_coffee.png"} {
		fh, err := os.Open(filepath.Join(photos, name))
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fd := card.Find(img); fd.Found {
			t.Errorf("%s: a card found at %v (fill %.2f)", name, fd.Corners, fd.Fill)
		}
	}
}

// A tiled counter: the grout's lines run to the frame's border and meet the card's
// sides; they are dropped, and the card is found, not a tile. Not every scene yet (the
// labelled set's tiles are the finder's known gap: docs/benchmarks.md): at least half
// of these good frames are found right, and a card found elsewhere is never a tile.
func TestFindOnTiles(t *testing.T) {
	right, n := 0, 0
	tol := 0.02 * math.Hypot(640, 480)
	for _, name := range cardtest.Specimens() {
		c := specimenOf(t, name)
		aspect := card.AspectID1
		if name == cardtest.SpecimenTD3 {
			aspect = card.AspectPassport
		}
		for i, p := range placements {
			s := cardtest.Scene{W: 640, H: 480, Seed: int64(i + 1), Background: cardtest.BackgroundTiles,
				Corners: cardtest.PlacedAspect(p.cx, p.cy, p.w, aspect, p.rot, 0)}
			fd := card.Find(s.Render(c))
			n++
			ok := fd.Found
			for k := range s.Corners {
				if math.Hypot(fd.Corners[k].X-s.Corners[k].X, fd.Corners[k].Y-s.Corners[k].Y) > tol {
					ok = false
				}
			}
			if ok {
				right++
				continue
			}
			t.Logf("%s/%d: found %v at %v", name, i, fd.Found, fd.Corners)
			// a tile is 60x60 pixels in these frames (cardtest's desk)
			if w, h := fd.Corners.Size(); fd.Found && w < 75 && h < 75 {
				t.Errorf("%s/%d: a tile taken for the card (%.0fx%.0f at %v)", name, i, w, h, fd.Corners)
			}
		}
	}
	t.Logf("found right on tiles: %d of %d", right, n)
	if 2*right < n {
		t.Errorf("found right on tiles %d of %d, want at least half", right, n)
	}
}

package card_test

import (
	"image"
	"math"
	"slices"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
)

// The tests draw the vendored passport specimen (testdata/photos) on a desk with
// cardtest, as a document camera would see it, at a known place, so the finder's
// answers can be checked against the truth.

// specimen is the passport specimen's data page (cardtest.LoadSpecimen).
func specimen(tb testing.TB) *image.RGBA {
	tb.Helper()
	c, err := cardtest.LoadSpecimen(photos, cardtest.SpecimenTD3)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func cornersNear(t *testing.T, got, want card.Quad, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Hypot(got[i].X-want[i].X, got[i].Y-want[i].Y); d > tol {
			t.Errorf("corner %d at (%.1f,%.1f), want (%.1f,%.1f) within %.0f px (off by %.1f)", i, got[i].X, got[i].Y, want[i].X, want[i].Y, tol, d)
		}
	}
}

func TestFindGoodCard(t *testing.T) {
	page := specimen(t)
	want := cardtest.Placed(320, 240, 420, 3, 0)
	img := cardtest.Scene{W: 640, H: 480, Corners: want}.Render(page)
	f := card.Find(img)
	if !f.Found {
		t.Fatal("no card found")
	}
	cornersNear(t, f.Corners, want, 4)
	if f.Class != card.ClassPassport {
		t.Errorf("class %q (aspect %.3f), want passport", f.Class, f.Aspect)
	}
	if p := card.DefaultGates().Check(f); len(p) != 0 {
		t.Errorf("problems %v on a good card: %+v", p, f)
	}
	if math.Abs(f.Rotation-3) > 1.5 {
		t.Errorf("rotation %.1f°, want 3°", f.Rotation)
	}
	t.Logf("%+v", f)
}

func TestFindIDCardShape(t *testing.T) {
	// the specimen squeezed to ID-1's aspect
	page := specimen(t)
	w := 400.0
	h := w / card.AspectID1
	want := card.Quad{{120, 240 - h/2}, {120 + w, 240 - h/2}, {120 + w, 240 + h/2}, {120, 240 + h/2}}
	f := card.Find(cardtest.Scene{W: 640, H: 480, Corners: want}.Render(page))
	if !f.Found || f.Class != card.ClassID1 {
		t.Fatalf("found %v class %q aspect %.3f, want an ID-1 card", f.Found, f.Class, f.Aspect)
	}
	cornersNear(t, f.Corners, want, 4)
}

// Each scene spoils one thing; its problem must be the one reported (first) and the
// card still found where it is there.
func TestGatesOnSpoiledFrames(t *testing.T) {
	page := specimen(t)
	g := card.DefaultGates()
	cases := []struct {
		name  string
		s     cardtest.Scene
		want  card.Problem
		first bool
	}{
		{"no card", cardtest.Scene{W: 640, H: 480}, card.ProblemNoDocument, true},
		{"out of frame", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(560, 240, 420, 0, 0)}, card.ProblemOutOfFrame, true},
		{"too far", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 190, 2, 0)}, card.ProblemTooFar, true},
		{"off centre", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(460, 340, 320, 0, 0)}, card.ProblemOffCentre, true},
		{"turned", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 380, 22, 0)}, card.ProblemTilted, true},
		{"at an angle", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 0, 0.25)}, card.ProblemTilted, true},
		{"dark", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 0, 0), Light: 0.3}, card.ProblemTooDark, true},
		{"glare on the card", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 0, 0), Glare: []cardtest.Glare{{X: 0.6, Y: 0.35, R: 0.18}}}, card.ProblemGlare, true},
		{"glare on the portrait", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 0, 0), Glare: []cardtest.Glare{{X: 0.2, Y: 0.5, R: 0.06}}}, card.ProblemGlare, true},
		{"glare on the MRZ", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 0, 0), Glare: []cardtest.Glare{{X: 0.5, Y: 0.85, R: 0.05}}}, card.ProblemGlare, true},
		{"blurred", cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 0, 0), Blur: 2}, card.ProblemBlurred, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := card.Find(c.s.Render(page))
			p := g.Check(f)
			t.Logf("problems %v: found %v fill %.2f off %.2f rot %.1f skew %.2f light %.0f glare %.3f/%.3f/%.3f sharp %.0f",
				p, f.Found, f.Fill, f.OffCentre, f.Rotation, f.Skew, f.Light, f.Glare, f.GlareFace, f.GlareMRZ, f.Sharpness)
			if c.want != card.ProblemNoDocument && !f.Found {
				t.Fatal("the card was not found")
			}
			if len(p) == 0 || (c.first && p[0] != c.want) || !slices.Contains(p, c.want) {
				t.Errorf("problems %v, want %s first", p, c.want)
			}
		})
	}
}

func TestTrackerCapturesOnStableGoodFrames(t *testing.T) {
	page := specimen(t)
	tr := card.Tracker{Gates: card.DefaultGates()}
	good := cardtest.Placed(320, 240, 420, 1, 0)
	frames := []struct {
		s     cardtest.Scene
		ready bool
	}{
		{cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 380, 20, 0)}, false},                    // tilted
		{cardtest.Scene{W: 640, H: 480, Corners: good, Glare: []cardtest.Glare{{X: 0.2, Y: 0.5, R: 0.08}}}, false}, // glare
		{cardtest.Scene{W: 640, H: 480, Corners: good}, false},                                                     // good, first still frame
		{cardtest.Scene{W: 640, H: 480, Corners: good, Seed: 2}, false},                                            // 2
		{cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(330, 240, 420, 1, 0), Seed: 3}, false},            // moved 10 px: 1.25 % of the diagonal
		{cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(330, 240, 420, 1, 0), Seed: 4}, false},            // 1
		{cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(330, 240, 420, 1, 0), Seed: 5}, false},            // 2
		{cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(330, 240, 420, 1, 0), Seed: 6}, true},             // 3
	}
	for i, fr := range frames {
		v := tr.Add(card.Find(fr.s.Render(page)))
		if v.Ready != fr.ready {
			t.Errorf("frame %d: ready %v (problems %v, run %d), want %v", i, v.Ready, v.Problems, v.Run, fr.ready)
		}
	}
}

// The flattened card is the specimen again: compared with the specimen scaled to the
// same size, its grey differs little; the frame's crop around it does not compare.
func TestFlattenIsTheCard(t *testing.T) {
	page := specimen(t)
	truth := cardtest.Placed(320, 240, 420, 8, 0.1)
	img := cardtest.Scene{W: 640, H: 480, Corners: truth}.Render(page)
	f := card.Find(img)
	if !f.Found {
		t.Fatal("no card")
	}
	flat := card.Flatten(img, f, 0)
	fw, fh := flat.Bounds().Dx(), flat.Bounds().Dy()
	if a := float64(fw) / float64(fh); math.Abs(a-card.AspectPassport) > 0.02 {
		t.Errorf("flattened %dx%d, aspect %.3f, want %.3f", fw, fh, a, card.AspectPassport)
	}
	// compared at 64 pixels wide: the layout, not the strokes of the letters
	const cw, ch = 64, 45
	ref := resample(page, cw, ch)
	// the same warp on the true corners is as near as the frame's pixels allow
	best := meanGreyDiff(resample(card.Flatten(img, card.Finding{Found: true, Corners: truth, Class: card.ClassPassport}, 0), cw, ch), ref, 215.0/255)
	d := meanGreyDiff(resample(flat, cw, ch), ref, 215.0/255)
	t.Logf("mean difference %.1f grey levels (%.1f on the true corners)", d, best)
	if d > best+5 {
		t.Errorf("the flattened card differs from the specimen by %.1f grey levels on average, %.1f on the true corners", d, best)
	}
	// the unflattened box around the card is not the card: the same measure must tell them apart
	box := resample(crop(img, image.Rect(60, 60, 580, 420)), cw, ch)
	if d := meanGreyDiff(box, ref, 215.0/255); d < best+15 {
		t.Errorf("the frame's box differs by only %.1f: the measure cannot tell", d)
	}
}

func crop(img *image.RGBA, r image.Rectangle) *image.RGBA {
	return img.SubImage(r).(*image.RGBA)
}

func resample(src *image.RGBA, w, h int) *image.RGBA {
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// box average of the source pixels under the output pixel
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+(x+1)*b.Dx()/w
			y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+(y+1)*b.Dy()/h
			var s [3]int
			n := 0
			for yy := y0; yy < max(y1, y0+1); yy++ {
				for xx := x0; xx < max(x1, x0+1); xx++ {
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

// grey is the pixel's luma (as the finder reads it).
func grey(img *image.RGBA, x, y int) float64 {
	p := img.Pix[img.PixOffset(x, y):]
	return float64((299*int(p[0]) + 587*int(p[1]) + 114*int(p[2])) / 1000)
}

// meanGreyDiff compares a with b's grey times k (the scene's light on the card).
func meanGreyDiff(a, b *image.RGBA, k float64) float64 {
	w, h := a.Bounds().Dx(), a.Bounds().Dy()
	s := 0.0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s += math.Abs(grey(a, x, y) - k*grey(b, x, y))
		}
	}
	return s / float64(w*h)
}

// The card's gates run on every preview frame: the goal is 5 ms a frame at 640x480
// (docs/benchmarks.md). Find borrows a pooled Finder; a Finder kept by the camera loop
// is the same work; a 1280x720 frame is read at the same small size.
func BenchmarkFind640x480(b *testing.B) {
	img := cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 3, 0.05)}.Render(specimen(b))
	benchFind(b, func() { card.Find(img) })
}

func BenchmarkFinder640x480(b *testing.B) {
	img := cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 3, 0.05)}.Render(specimen(b))
	var fd card.Finder
	benchFind(b, func() { fd.Find(img) })
}

func BenchmarkFinder1280x720(b *testing.B) {
	img := cardtest.Scene{W: 1280, H: 720, Corners: cardtest.Placed(640, 360, 840, 3, 0.05)}.Render(specimen(b))
	var fd card.Finder
	benchFind(b, func() { fd.Find(img) })
}

func benchFind(b *testing.B, find func()) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		find()
	}
}

// A Finder reused over frames of different sizes, with and without a card, gives what a
// fresh one gives (its buffers carry nothing from one frame to the next).
func TestFinderReusedIsFresh(t *testing.T) {
	page := specimen(t)
	frames := []*image.RGBA{
		cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 420, 3, 0.05)}.Render(page),
		cardtest.Scene{W: 1280, H: 720, Corners: cardtest.Placed(600, 380, 700, -6, 0)}.Render(page),
		cardtest.Scene{W: 640, H: 480}.Render(page),
		cardtest.Scene{W: 640, H: 480, Corners: cardtest.Placed(560, 240, 420, 0, 0)}.Render(page),
		cardtest.Scene{W: 800, H: 600, Corners: cardtest.Placed(400, 300, 500, 10, 0.1), Glare: []cardtest.Glare{{X: 0.5, Y: 0.85, R: 0.05}}}.Render(page),
	}
	var fd card.Finder
	for round := 0; round < 2; round++ {
		for i, img := range frames {
			got := fd.Find(img)
			var fresh card.Finder
			if want := fresh.Find(img); got != want {
				t.Errorf("round %d frame %d: reused card.Finder gave %+v, a fresh one %+v", round, i, got, want)
			}
			if i == 0 && !got.Found {
				t.Errorf("frame 0: no card")
			}
		}
	}
	// any other image type is read through At: the same pixels, the same finding
	nrgba := image.NewNRGBA(frames[1].Bounds())
	copy(nrgba.Pix, frames[1].Pix)
	if got, want := fd.Find(nrgba), fd.Find(frames[1]); got != want {
		t.Errorf("an NRGBA frame gave %+v, the same RGBA one %+v", got, want)
	}
	// a sub-image (an RGBA whose bounds do not start at 0) finds the same card, moved
	big := cardtest.Scene{W: 720, H: 540, Corners: cardtest.Placed(360+40, 270+30, 420, 3, 0.05)}.Render(page)
	sub := big.SubImage(image.Rect(40, 30, 680, 510)).(*image.RGBA)
	f := fd.Find(sub)
	want := cardtest.Placed(400, 300, 420, 3, 0.05)
	if !f.Found {
		t.Fatal("no card in the sub-image")
	}
	cornersNear(t, f.Corners, want, 4)
}

func TestCornersOnTurnedAndSkewedCards(t *testing.T) {
	page := specimen(t)
	for _, c := range []struct{ rot, persp float64 }{{8, 0.1}, {-8, 0.1}, {4, 0.1}, {0, 0.1}, {8, 0}} {
		want := cardtest.Placed(320, 240, 420, c.rot, c.persp)
		f := card.Find(cardtest.Scene{W: 640, H: 480, Corners: want}.Render(page))
		if !f.Found {
			t.Errorf("turned %.0f°, skew %.2f: no card", c.rot, c.persp)
			continue
		}
		cornersNear(t, f.Corners, want, 4)
	}
}

// Flatten runs once a document is taken (not per frame): the sharpest card of the run
// warped to its true aspect, from a 1280x720 frame at the card's apparent width.
func BenchmarkFlatten1280x720(b *testing.B) {
	img := cardtest.Scene{W: 1280, H: 720, Corners: cardtest.Placed(640, 360, 900, 3, 0.05)}.Render(specimen(b))
	f := card.Find(img)
	if !f.Found {
		b.Fatal("no card")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		card.Flatten(img, f, 1280)
	}
}

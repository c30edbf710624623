package capture

import (
	"context"
	"errors"
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// frames replays images as RGBA frames on a fake clock.
type frames struct {
	c      *clock.Fake
	imgs   []*image.RGBA
	i      int
	period time.Duration
}

func (s *frames) Next(ctx context.Context) (Frame, error) {
	if s.i >= len(s.imgs) {
		return Frame{}, ErrClosed
	}
	s.c.Advance(s.period)
	f := FrameFromRGBA(s.imgs[s.i], s.c.Now(), uint64(s.i))
	s.i++
	return f, nil
}

func (s *frames) Close() error { return nil }

// A document that arrives turned, then glared, then good: taken on the good frames only,
// as the card flattened; each earlier frame says why not, in the card's codes.
func TestDocumentWithTheCardsGates(t *testing.T) {
	spec, err := cardtest.Specimen(filepath.Join("..", "testdata", "photos", "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	good := cardtest.Placed(320, 240, 420, 2, 0)
	scenes := []cardtest.Scene{
		{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 380, 25, 0)},
		{W: 640, H: 480, Corners: cardtest.Placed(320, 240, 380, 25, 0), Seed: 1},
		{W: 640, H: 480, Corners: good, Glare: []cardtest.Glare{{X: 0.2, Y: 0.5, R: 0.08}}, Seed: 2},
		{W: 640, H: 480, Corners: good, Glare: []cardtest.Glare{{X: 0.2, Y: 0.5, R: 0.08}}, Seed: 3},
		{W: 640, H: 480, Corners: good, Seed: 4}, // still where the glared card was: the run starts
		{W: 640, H: 480, Corners: good, Seed: 5},
		{W: 640, H: 480, Corners: good, Seed: 6},
		{W: 640, H: 480, Corners: good, Seed: 7},
		{W: 640, H: 480, Corners: good, Seed: 8},
	}
	src := &frames{c: clock.NewFake(time0), period: 100 * time.Millisecond}
	for _, s := range scenes {
		src.imgs = append(src.imgs, s.Render(spec))
	}
	j := &boxJudge{}
	gates := card.DefaultGates()
	var seen [][]card.Problem
	shot, err := Document(context.Background(), src, j, DocumentOptions{Clock: src.c, Card: &gates,
		OnFrame: func(f Frame, g Guidance) { seen = append(seen, g.CardProblems) }})
	if err != nil {
		t.Fatal(err)
	}
	if shot.Frame.Seq < 4 {
		t.Errorf("kept frame %d, want one of the good frames (4 on)", shot.Frame.Seq)
	}
	if src.i != 7 {
		t.Errorf("%d frames read, want 7 (the third good frame)", src.i)
	}
	if shot.Card == nil {
		t.Fatal("no card on the shot")
	}
	b := shot.Image.Bounds()
	if a := float64(b.Dx()) / float64(b.Dy()); math.Abs(a-card.AspectPassport) > 0.02 || b.Dx() < 380 || b.Dx() > 460 {
		t.Errorf("the shot is %dx%d: not the card flattened", b.Dx(), b.Dy())
	}
	// The shot's verdict is the judge's on the flattened card: its face box is in the
	// card's pixels, not in the frame's.
	if n := len(j.judged); n == 0 || j.judged[n-1] != b.Size() {
		t.Errorf("the last image judged is %v, not the flattened card (%v)", j.judged, b.Size())
	}
	if f := shot.Verdict.Face; f == nil || *f != boxOf(b) {
		t.Errorf("the shot's face box %v, want %v (the flattened card's)", f, boxOf(b))
	}
	want := []card.Problem{card.ProblemTilted, card.ProblemTilted, card.ProblemGlare, card.ProblemGlare}
	for i, w := range want {
		if i >= len(seen) || len(seen[i]) == 0 || seen[i][0] != w {
			t.Errorf("frame %d: card problems %v, want %s first", i, seen[i], w)
		}
	}
	for i := len(want); i < len(seen); i++ {
		if len(seen[i]) != 0 {
			t.Errorf("good frame %d: card problems %v", i, seen[i])
		}
	}
}

// boxJudge accepts every image with one face, its box the image's middle third, and
// records the sizes it judged.
type boxJudge struct{ judged []image.Point }

func (j *boxJudge) Judge(img image.Image, k Kind) (Verdict, error) {
	j.judged = append(j.judged, img.Bounds().Size())
	b := boxOf(img.Bounds())
	return Verdict{OK: true, Faces: 1, Face: &b, Score: 0.5}, nil
}

func boxOf(r image.Rectangle) Box {
	w, h := float64(r.Dx()), float64(r.Dy())
	return Box{X1: float64(r.Min.X) + w/3, Y1: float64(r.Min.Y) + h/3, X2: float64(r.Min.X) + 2*w/3, Y2: float64(r.Min.Y) + 2*h/3}
}

// A card whose flattened picture shows no face (the frame's face was elsewhere, or the
// flattening lost it) is not kept, and the step says why: the guidance after the run
// names no_face, and the step's error at its end too.
func TestDocumentFlattenedWithoutAFaceSaysWhy(t *testing.T) {
	spec, err := cardtest.Specimen(filepath.Join("..", "testdata", "photos", "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	good := cardtest.Placed(320, 240, 420, 2, 0)
	src := &frames{c: clock.NewFake(time0), period: 100 * time.Millisecond}
	for i := range 12 {
		src.imgs = append(src.imgs, cardtest.Scene{W: 640, H: 480, Corners: good, Seed: int64(i)}.Render(spec))
	}
	j := &frameOnlyJudge{frame: image.Pt(640, 480)}
	gates := card.DefaultGates()
	var last Guidance
	noFace := 0
	_, err = Document(context.Background(), src, j, DocumentOptions{Clock: src.c, Card: &gates, Timeout: time.Second,
		OnFrame: func(f Frame, g Guidance) {
			last = g
			if !g.Accepted && len(g.Problems) > 0 && g.Problems[0] == ProblemNoFace {
				noFace++
			}
		}})
	if !errors.Is(err, ErrNotAccepted) || !strings.Contains(err.Error(), string(ProblemNoFace)) {
		t.Fatalf("the step ended with %v, want not accepted: no_face", err)
	}
	if noFace == 0 {
		t.Errorf("no guidance said no_face (last: %+v)", last.Problems)
	}
}

// frameOnlyJudge finds a face on images of the camera frame's size only: never on a
// flattened card.
type frameOnlyJudge struct{ frame image.Point }

func (j *frameOnlyJudge) Judge(img image.Image, k Kind) (Verdict, error) {
	if img.Bounds().Size() != j.frame {
		return Verdict{Problems: []Problem{ProblemNoFace}}, nil
	}
	b := boxOf(img.Bounds())
	return Verdict{OK: true, Faces: 1, Face: &b, Score: 0.5}, nil
}

package capture

import (
	"context"
	"image"
	"math"
	"path/filepath"
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
	j := &fakeJudge{verdict: func(i int, k Kind) Verdict { return Verdict{OK: true, Faces: 1, Score: 0.5} }}
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

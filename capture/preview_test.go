package capture

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// seen records what OnFrame was given.
type seen struct {
	frames []int // frame indexes
	g      []Guidance
}

func (s *seen) on(f Frame, g Guidance) {
	s.frames = append(s.frames, int(f.Data[0]))
	s.g = append(s.g, g)
}

// Every frame a procedure reads reaches OnFrame with its guidance, and the kept frame is
// the very frame (no copy) the preview saw.
func TestOnFrame(t *testing.T) {
	t.Run("selfie", func(t *testing.T) {
		c := clock.NewFake(time0)
		src := &scripted{c: c, period: 100 * time.Millisecond, n: 100}
		j := &fakeJudge{verdict: func(i int, k Kind) Verdict {
			if i < 2 {
				return Verdict{Faces: 1, Problems: []Problem{ProblemTooDark}}
			}
			return Verdict{OK: true, Faces: 1, Score: float64(i)}
		}}
		var s seen
		var kept Frame
		shot, err := Selfie(context.Background(), src, j, SelfieOptions{Clock: c, OnFrame: func(f Frame, g Guidance) {
			s.on(f, g)
			if g.Accepted {
				kept = f
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.frames, []int{0, 1, 2, 3, 4}) {
			t.Fatalf("preview saw frames %v, want 0..4", s.frames)
		}
		if g := s.g[0]; g.Kind != KindSelfie || g.Accepted || !slices.Equal(g.Problems, []Problem{ProblemTooDark}) || g.Image == nil {
			t.Errorf("guidance of a dark frame: %+v", g)
		}
		if &shot.Frame.Data[0] != &kept.Data[0] {
			t.Error("the kept frame's data is not the data the preview saw")
		}
	})
	t.Run("liveness", func(t *testing.T) {
		c := clock.NewFake(time0)
		src := &scripted{c: c, period: 100 * time.Millisecond, n: 1000}
		j := &fakeJudge{verdict: func(i int, k Kind) Verdict {
			return Verdict{OK: true, Faces: 1, Answers: []Prompt{PromptStraight}}
		}}
		var s seen
		shots, err := LivenessSequence(context.Background(), src, j, LivenessOptions{Clock: c, Frames: 4,
			Prompts: []Prompt{PromptStraight, PromptLeft}, PromptTimeout: 2 * time.Second, OnFrame: s.on})
		if err == nil || len(shots) != 1 {
			t.Fatalf("%d shots, err %v: want one, then the left prompt unanswered", len(shots), err)
		}
		var skipped, unanswered, accepted int
		for _, g := range s.g {
			switch {
			case g.Image == nil:
				skipped++
			case g.Accepted:
				accepted++
				if g.Step != 0 || g.Prompt != PromptStraight {
					t.Errorf("accepted guidance %+v", g)
				}
			case slices.Contains(g.Problems, ProblemPromptNotFollowed):
				unanswered++
				if g.Step != 1 || g.Prompt != PromptLeft {
					t.Errorf("unanswered guidance %+v", g)
				}
			}
		}
		if accepted != 1 || unanswered == 0 || skipped == 0 || len(s.frames) != int(src.seq) {
			t.Errorf("accepted %d, unanswered %d, skipped %d, seen %d of %d frames", accepted, unanswered, skipped, len(s.frames), src.seq)
		}
	})
	t.Run("document", func(t *testing.T) {
		c := clock.NewFake(time0)
		grey := func(i int) uint8 { return uint8(min(i, 3) * 60) }
		src := &scripted{c: c, period: 100 * time.Millisecond, n: 100, grey: grey}
		j := &fakeJudge{verdict: func(i int, k Kind) Verdict { return Verdict{OK: true, Faces: 1, Score: 1} }}
		var s seen
		if _, err := Document(context.Background(), src, j, DocumentOptions{Clock: c, OnFrame: s.on}); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(s.g[1].Problems, ProblemMoving) || s.g[1].Accepted || !s.g[len(s.g)-1].Accepted {
			t.Errorf("guidance %+v", s.g)
		}
	})
}

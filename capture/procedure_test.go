package capture

import (
	"context"
	"errors"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

var time0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// scripted is a fake camera: frame i carries i in its first pixel's red channel and
// its grey level (for motion); every Next advances the fake clock by period.
type scripted struct {
	c      *clock.Fake
	period time.Duration
	n      int
	grey   func(i int) uint8
	seq    uint64
	err    error // returned once n frames were given, if set
}

func (s *scripted) Next(ctx context.Context) (Frame, error) {
	if int(s.seq) >= s.n {
		if s.err != nil {
			return Frame{}, s.err
		}
		return Frame{}, ErrClosed
	}
	s.c.Advance(s.period)
	g := uint8(128)
	if s.grey != nil {
		g = s.grey(int(s.seq))
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = g, g, g, 255
	}
	img.Pix[0] = uint8(s.seq)
	f := FrameFromImage(img, s.c.Now(), s.seq)
	s.seq++
	return f, nil
}
func (s *scripted) Close() error { return nil }

// fakeJudge gives the verdict verdicts(i) for frame i and records what it judged.
type fakeJudge struct {
	verdict func(i int, k Kind) Verdict
	judged  []int
}

func (j *fakeJudge) Judge(img image.Image, k Kind) (Verdict, error) {
	i := int(color.RGBAModel.Convert(img.At(0, 0)).(color.RGBA).R)
	j.judged = append(j.judged, i)
	return j.verdict(i, k), nil
}

func frameIndex(s Shot) int { return int(s.Frame.Data[0]) }

func TestSelfie(t *testing.T) {
	bad := Verdict{Faces: 1, Problems: []Problem{ProblemBlurred}}
	cases := []struct {
		name      string
		frames    int
		ok        map[int]float64 // frame → score of an acceptable verdict
		wantFrame int
		wantErr   error
	}{
		{"best of a settled run", 20, map[int]float64{3: 0.5, 4: 0.9, 5: 0.7}, 4, nil},
		{"a broken run restarts", 20, map[int]float64{2: 0.99, 3: 0.5, 6: 0.6, 7: 0.7, 8: 0.8}, 2, nil},
		{"best so far at the timeout", 200, map[int]float64{10: 0.4, 50: 0.8}, 50, nil},
		{"nothing acceptable", 200, nil, 0, ErrNotAccepted},
		{"source fails", 5, nil, 0, ErrUnplugged},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := clock.NewFake(time0)
			src := &scripted{c: c, period: 100 * time.Millisecond, n: tc.frames, err: ErrUnplugged}
			j := &fakeJudge{verdict: func(i int, k Kind) Verdict {
				if k != KindSelfie {
					t.Errorf("kind %v", k)
				}
				if s, ok := tc.ok[i]; ok {
					return Verdict{OK: true, Faces: 1, Score: s}
				}
				return bad
			}}
			shot, err := Selfie(context.Background(), src, j, SelfieOptions{Clock: c, Timeout: 10 * time.Second})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr == ErrNotAccepted && !strings.Contains(err.Error(), string(ProblemBlurred)) {
					t.Fatalf("error does not name the problem: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := frameIndex(shot); got != tc.wantFrame {
				t.Fatalf("kept frame %d, want %d", got, tc.wantFrame)
			}
		})
	}
}

func TestLivenessSequence(t *testing.T) {
	poseOf := func(i int) Pose {
		switch (i / 2) % 3 { // two frames each: straight, left, right, ...
		case 1:
			return Pose{Yaw: 30}
		case 2:
			return Pose{Yaw: -30}
		}
		return Pose{}
	}
	c := clock.NewFake(time0)
	src := &scripted{c: c, period: 100 * time.Millisecond, n: 1000}
	j := &fakeJudge{verdict: func(i int, k Kind) Verdict {
		return Verdict{OK: i%7 != 5, Faces: 1, Pose: poseOf(i), Answers: answers(poseOf(i))}
	}}
	var shown []Prompt
	shots, err := LivenessSequence(context.Background(), src, j, LivenessOptions{
		Clock:    c,
		OnPrompt: func(i int, p Prompt) { shown = append(shown, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shots) != 8 || len(shown) != 8 {
		t.Fatalf("%d shots, %d prompts; want 8 (the default)", len(shots), len(shown))
	}
	for i, s := range shots {
		if s.Prompt != DefaultPrompts[i] || shown[i] != s.Prompt {
			t.Fatalf("shot %d prompt %q, shown %q, want %q", i, s.Prompt, shown[i], DefaultPrompts[i])
		}
		if !s.Verdict.Answered(s.Prompt) || !slices.Contains(answers(poseOf(frameIndex(s))), s.Prompt) || !s.Verdict.OK {
			t.Fatalf("shot %d (frame %d) does not answer %q", i, frameIndex(s), s.Prompt)
		}
		if i > 0 {
			if gap := s.Frame.Time.Sub(shots[i-1].Frame.Time); gap < MinLivenessGap {
				t.Fatalf("shots %d and %d are %v apart", i-1, i, gap)
			}
		}
	}
	// Frames within the gap are not even judged.
	for k := 1; k < len(j.judged); k++ {
		if j.judged[k] == j.judged[k-1] {
			t.Fatalf("frame %d judged twice", j.judged[k])
		}
	}
}

// answers is a fake judge's turn rule: straight within 10°, left/right from 20° of yaw.
func answers(p Pose) []Prompt {
	switch {
	case p.Yaw >= 20:
		return []Prompt{PromptLeft}
	case p.Yaw <= -20:
		return []Prompt{PromptRight}
	case p.Yaw > -10 && p.Yaw < 10:
		return []Prompt{PromptStraight}
	}
	return nil
}

// A Satisfied option overrides the judge's answers.
func TestLivenessSatisfiedOverrides(t *testing.T) {
	c := clock.NewFake(time0)
	src := &scripted{c: c, period: 100 * time.Millisecond, n: 1000}
	// The judge says every frame answers only "left"; the option accepts any pose.
	j := &fakeJudge{verdict: func(int, Kind) Verdict {
		return Verdict{OK: true, Faces: 1, Answers: []Prompt{PromptLeft}}
	}}
	o := LivenessOptions{Clock: c, Frames: 4, Prompts: []Prompt{PromptStraight}, PromptTimeout: time.Second}
	if _, err := LivenessSequence(context.Background(), src, j, o); !errors.Is(err, ErrNotAccepted) {
		t.Fatalf("without Satisfied, a straight prompt was answered by a left turn: %v", err)
	}
	o.Satisfied = func(Prompt, Pose) bool { return true }
	shots, err := LivenessSequence(context.Background(), src, j, o)
	if err != nil || len(shots) != 4 {
		t.Fatalf("with Satisfied accepting all: %d shots, %v", len(shots), err)
	}
}

func TestLivenessSequenceErrors(t *testing.T) {
	cases := []struct {
		name    string
		o       LivenessOptions
		pose    Pose
		wantErr error
		wantN   int
	}{
		{"prompt never answered", LivenessOptions{Frames: 4, Prompts: []Prompt{PromptStraight, PromptLeft}}, Pose{}, ErrNotAccepted, 1},
		{"too many frames", LivenessOptions{Frames: 9}, Pose{}, nil, 0},
		{"too few frames", LivenessOptions{Frames: 3}, Pose{}, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := clock.NewFake(time0)
			tc.o.Clock = c
			src := &scripted{c: c, period: 100 * time.Millisecond, n: 1000}
			j := &fakeJudge{verdict: func(int, Kind) Verdict { return Verdict{OK: true, Faces: 1, Pose: tc.pose, Answers: answers(tc.pose)} }}
			shots, err := LivenessSequence(context.Background(), src, j, tc.o)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == ErrNotAccepted && !strings.Contains(err.Error(), string(ProblemPromptNotFollowed)) {
				t.Fatalf("error does not say the prompt was not followed: %v", err)
			}
			if len(shots) != tc.wantN {
				t.Fatalf("%d shots kept, want %d", len(shots), tc.wantN)
			}
		})
	}
}

func TestDocument(t *testing.T) {
	cases := []struct {
		name      string
		grey      func(i int) uint8
		ok        func(i int) bool
		wantFrame int
		wantErr   error
	}{
		{"still from the start", func(int) uint8 { return 100 }, func(i int) bool { return i >= 2 }, 4, nil},
		{"moving, then still", func(i int) uint8 { return uint8(min(i, 10) * 20) }, func(int) bool { return true }, 12, nil},
		{"always moving", func(i int) uint8 { return uint8(i%2) * 100 }, func(int) bool { return true }, 0, ErrNotAccepted},
		{"never sharp", func(int) uint8 { return 100 }, func(int) bool { return false }, 0, ErrNotAccepted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := clock.NewFake(time0)
			src := &scripted{c: c, period: 100 * time.Millisecond, n: 1000, grey: tc.grey}
			j := &fakeJudge{verdict: func(i int, k Kind) Verdict {
				if k != KindDocument {
					t.Errorf("kind %v", k)
				}
				if tc.ok(i) {
					return Verdict{OK: true, Faces: 1, Score: 1 - float64(i)/1000}
				}
				return Verdict{Faces: 1, Problems: []Problem{ProblemBlurred}}
			}}
			shot, err := Document(context.Background(), src, j, DocumentOptions{Clock: c, Timeout: 5 * time.Second})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The best score of the still run is its first frame (scores fall with i).
			if got := frameIndex(shot); got != tc.wantFrame-2 {
				t.Fatalf("kept frame %d, want %d", got, tc.wantFrame-2)
			}
		})
	}
}

func TestProceduresStopOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := clock.NewFake(time0)
	src := ctxSource{}
	j := &fakeJudge{verdict: func(int, Kind) Verdict { return Verdict{} }}
	if _, err := Selfie(ctx, src, j, SelfieOptions{Clock: c}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Selfie: %v", err)
	}
	if _, err := LivenessSequence(ctx, src, j, LivenessOptions{Clock: c}); !errors.Is(err, context.Canceled) {
		t.Fatalf("LivenessSequence: %v", err)
	}
	if _, err := Document(ctx, src, j, DocumentOptions{Clock: c}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Document: %v", err)
	}
}

type ctxSource struct{}

func (ctxSource) Next(ctx context.Context) (Frame, error) { <-ctx.Done(); return Frame{}, ctx.Err() }
func (ctxSource) Close() error                            { return nil }

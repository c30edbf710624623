package inference

import (
	"errors"
	"image"
	"testing"
)

func TestPromptSatisfied(t *testing.T) {
	th := DefaultThresholds()
	cases := []struct {
		name string
		p    Prompt
		pose Pose
		want bool
	}{
		{"straight, frontal", PromptStraight, Pose{Yaw: 3, Pitch: -5, Roll: 2}, true},
		{"straight, turned", PromptStraight, Pose{Yaw: 25}, false},
		{"straight, rolled", PromptStraight, Pose{Roll: 40}, false},
		{"left, turned to the image right", PromptLeft, Pose{Yaw: 25}, true},
		{"left, turned the other way", PromptLeft, Pose{Yaw: -25}, false},
		{"left, barely", PromptLeft, Pose{Yaw: 10}, false},
		{"right", PromptRight, Pose{Yaw: -22}, true},
		{"right, frontal", PromptRight, Pose{Yaw: 0}, false},
		{"up", PromptUp, Pose{Pitch: 15}, true},
		{"up, looking down", PromptUp, Pose{Pitch: -15}, false},
		{"down", PromptDown, Pose{Pitch: -15}, true},
		{"unknown prompt", Prompt("blink"), Pose{}, false},
		{"no prompt, any pose", PromptAny, Pose{Yaw: 40, Pitch: -20}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PromptSatisfied(c.p, c.pose, th); got != c.want {
				t.Errorf("PromptSatisfied(%s, %+v) = %v, want %v", c.p, c.pose, got, c.want)
			}
		})
	}
}

func TestActiveLiveness(t *testing.T) {
	e := testEngine(t)
	selfie := photo(t, "obama_1.jpg")
	// obama_3.jpg turns the head to the image's right: the customer's left (checked by
	// eye); its mirror image turns to their right.
	left := photo(t, "obama_3.jpg")
	right := mirror(left)
	reencoded := decodeBytes(t, encodeJPEG(t, left, 60))
	other := photo(t, "biden_1.jpg")
	// The vendor's SDKs send liveness frames at 320 px, JPEG quality 80.
	small := func(img image.Image) image.Image {
		b := img.Bounds()
		return decodeBytes(t, encodeJPEG(t, resize(img, 320/float64(max(b.Dx(), b.Dy()))), 80))
	}
	noFace := photo(t, "noface_coffee.png")
	// The same pose twice, in two pictures that are not the same image.
	still := photo(t, "obama_2.jpg")
	stillBright := mapPixels(still, func(v float64) float64 { return v*1.3 + 30 })

	problems := func(r *ActiveLivenessResult) map[string]bool {
		m := map[string]bool{}
		for _, p := range r.Problems {
			m[p.Code] = true
		}
		for _, f := range r.Frames {
			for _, p := range f.Problems {
				m[p.Code] = true
			}
		}
		return m
	}
	cases := []struct {
		name   string
		frames []LivenessFrame
		pass   bool
		codes  []string
	}{
		{"prompts followed", []LivenessFrame{{left, PromptLeft}, {right, PromptRight}}, true, nil},
		{"prompts followed, 320-px frames", []LivenessFrame{{small(left), PromptLeft}, {small(right), PromptRight}}, true, nil},
		{"wrong direction", []LivenessFrame{{left, PromptRight}, {right, PromptLeft}}, false, []string{ProblemPromptNotFollowed}},
		{"same frame twice", []LivenessFrame{{left, PromptLeft}, {right, PromptRight}, {reencoded, PromptLeft}}, false, []string{ProblemIdenticalFrames}},
		{"selfie reused as a frame", []LivenessFrame{{selfie, PromptStraight}, {left, PromptLeft}}, false, []string{ProblemIdenticalFrames}},
		{"another person", []LivenessFrame{{left, PromptLeft}, {other, PromptLeft}}, false, []string{ProblemDifferentPerson}},
		{"no face in a frame", []LivenessFrame{{left, PromptLeft}, {noFace, PromptRight}}, false, []string{ProblemNoFace}},
		{"no frames", nil, false, []string{ProblemNoFrames}},
		{"no prompts, head turned both ways", []LivenessFrame{{left, PromptAny}, {right, PromptAny}}, true, nil},
		{"no prompts, head still", []LivenessFrame{{still, PromptAny}, {stillBright, PromptAny}}, false, []string{ProblemNoMovement}},
		{"missing image", []LivenessFrame{{nil, PromptLeft}}, false, []string{ProblemNoFace}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.ActiveLiveness(selfie, c.frames)
			if err != nil {
				t.Fatal(err)
			}
			if r.Passed != c.pass {
				t.Errorf("Passed = %v, want %v; result %+v", r.Passed, c.pass, r)
			}
			got := problems(r)
			for _, code := range c.codes {
				if !got[code] {
					t.Errorf("no %s problem; got %v", code, got)
				}
			}
			if c.pass && len(got) != 0 {
				t.Errorf("passed with problems %v", got)
			}
			if len(r.Frames) != len(c.frames) {
				t.Errorf("%d frame results for %d frames", len(r.Frames), len(c.frames))
			}
			for i, f := range r.Frames {
				if f.Index != i || f.OK != (len(f.Problems) == 0) {
					t.Errorf("frame %d: %+v", i, f)
				}
			}
		})
	}
	if _, err := e.ActiveLiveness(noFace, []LivenessFrame{{left, PromptLeft}}); !errors.Is(err, ErrNoFace) {
		t.Errorf("selfie without a face: err = %v, want ErrNoFace", err)
	}
	if _, err := e.ActiveLiveness(nil, nil); !errors.Is(err, ErrBadImage) {
		t.Errorf("nil selfie: err = %v, want ErrBadImage", err)
	}
}

package precheck_test

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func photos(t *testing.T, names ...string) []image.Image {
	t.Helper()
	var out []image.Image
	for _, n := range names {
		img, err := inference.DecodeFile(testimages.Path(n))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, img)
	}
	return out
}

// The procedures end to end: replayed photos, the real engine as judge.
func TestProceduresWithEngine(t *testing.T) {
	j := precheck.EngineJudge{Engine: testEngine(t)}
	ctx := context.Background()

	t.Run("selfie skips the bad frames", func(t *testing.T) {
		// a photo without a face and one with two, then a good selfie
		src, err := replay.FromImages(photos(t, "noface_coffee.png", "two_people.jpg", "alex_lacamoire_1.jpg"), replay.Options{FPS: -1, MaxSide: 640})
		if err != nil {
			t.Fatal(err)
		}
		var seen []bool
		shot, err := capture.Selfie(ctx, src, j, capture.SelfieOptions{Settle: 1, OnVerdict: func(v capture.Verdict) { seen = append(seen, v.OK) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != 3 || seen[0] || seen[1] || !seen[2] || shot.Frame.Seq != 3 || !shot.Verdict.OK || shot.Verdict.Face == nil {
			t.Fatalf("verdicts %v, kept frame %d", seen, shot.Frame.Seq)
		}
	})

	t.Run("liveness follows the prompts", func(t *testing.T) {
		// straight (alex 1: yaw ~1°) and turned faces (obama 2: yaw -17°, dfC 21: +14°),
		// replayed at 10 fps; a lower turn threshold so these photos answer the prompts
		th := inference.Thresholds{TurnYaw: 10}
		src, err := replay.FromImages(photos(t, "alex_lacamoire_1.jpg", "obama_2.jpg", "dfC_img21.jpg"), replay.Options{FPS: 10, MaxSide: 640})
		if err != nil {
			t.Fatal(err)
		}
		prompts := []capture.Prompt{capture.PromptStraight, capture.PromptRight, capture.PromptLeft, capture.PromptStraight}
		shots, err := capture.LivenessSequence(ctx, src, j, capture.LivenessOptions{
			Frames: 4, Prompts: prompts,
			Satisfied: func(p capture.Prompt, pose capture.Pose) bool { return satisfied(p, pose, th) },
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range shots {
			if !satisfied(prompts[i], s.Verdict.Pose, th) {
				t.Fatalf("shot %d (yaw %.1f) does not answer %q", i, s.Verdict.Pose.Yaw, prompts[i])
			}
			if i > 0 && s.Frame.Time.Sub(shots[i-1].Frame.Time) < 250*time.Millisecond {
				t.Fatalf("shots %d and %d %v apart", i-1, i, s.Frame.Time.Sub(shots[i-1].Frame.Time))
			}
		}
	})

	t.Run("document", func(t *testing.T) {
		src, err := replay.FromImages(photos(t, "id_specimen_utopia_passport_td3.jpg"), replay.Options{FPS: -1})
		if err != nil {
			t.Fatal(err)
		}
		shot, err := capture.Document(ctx, src, j, capture.DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		next, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// a still run of 3 frames was read (the 4th is next); the best of it is kept
		if shot.Verdict.Faces < 1 || shot.Frame.Seq < 1 || shot.Frame.Seq > 3 || next.Seq != 4 {
			t.Fatalf("document shot: %d faces, frame %d, next frame %d (want the best of frames 1-3)", shot.Verdict.Faces, shot.Frame.Seq, next.Seq)
		}
	})
}

// satisfied is inference.PromptSatisfied over capture's types.
func satisfied(p capture.Prompt, pose capture.Pose, th inference.Thresholds) bool {
	return inference.PromptSatisfied(inference.Prompt(p), inference.Pose{Yaw: pose.Yaw, Pitch: pose.Pitch, Roll: pose.Roll}, th)
}

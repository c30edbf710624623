package ui_test

import (
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/ui"
)

func TestOneInstructionAtATime(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind ui.CaptureKind
		g    ui.Guidance
		want string // a translation key, or an internal/messages code
	}{
		{"good", ui.CaptureSelfie, ui.Guidance{OK: true}, "guide.good"},
		{"two people before light", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemTooDark, ui.ProblemManyFaces}}, "guidance.several_faces"},
		{"light before size", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemTooSmall, ui.ProblemTooDark}}, "guidance.too_dark"},
		{"closer", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemBlurred, ui.ProblemTooSmall}}, "guidance.face_too_small"},
		{"straight", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemPose}}, "guidance.head_pose"},
		{"not live", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemNotLive}}, "guidance.not_live"},
		// The bundled printed photo's verdict: its head is turned too, but a photo
		// cannot look straight; the one thing to say is that it is not live.
		{"not live before pose", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemPose, ui.ProblemNotLive}}, "guidance.not_live"},
		{"not live before light and size", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemTooSmall, ui.ProblemTooDark, ui.ProblemOffCentre, ui.ProblemNotLive}}, "guidance.not_live"},
		{"two people before not live", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{ui.ProblemNotLive, ui.ProblemManyFaces}}, "guidance.several_faces"},
		{"document glare", ui.CaptureDocument, ui.Guidance{Problems: []ui.Problem{ui.ProblemOverExposed}}, "guidance.document.over_exposed"},
		{"document moving", ui.CaptureDocument, ui.Guidance{Problems: []ui.Problem{ui.ProblemMoving}}, "guidance.moving"},
		{"document no face", ui.CaptureDocument, ui.Guidance{Problems: []ui.Problem{ui.ProblemNoFace}}, "guidance.document.no_face"},
		{"document pose", ui.CaptureDocument, ui.Guidance{Problems: []ui.Problem{ui.ProblemPose}}, "guide.doc.show"},
		{"unknown code", ui.CaptureSelfie, ui.Guidance{Problems: []ui.Problem{"new_gate"}}, "guide.wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := ui.T(tc.want)
			if strings.HasPrefix(tc.want, "guidance.") {
				want = messages.Text("en", tc.want)
			}
			if got := ui.InstructionText(tc.kind, tc.g, ""); got != want || got == tc.want {
				t.Errorf("%q, want %q", got, want)
			}
		})
	}
	// A prompt not followed repeats the prompt.
	g := ui.Guidance{Problems: []ui.Problem{ui.ProblemPromptNotFollowed}}
	if got := ui.InstructionText(ui.CaptureLiveness, g, ui.PromptLeft); got != ui.PromptText(ui.PromptLeft) {
		t.Errorf("prompt not followed: %q", got)
	}
}

func TestCheckLines(t *testing.T) {
	yes, no := true, false
	light := func(pc job.Prechecks) map[ui.CheckKind]ui.Light {
		m := map[ui.CheckKind]ui.Light{}
		for _, l := range ui.CheckLines(pc) {
			m[l.Check] = l.Light
		}
		return m
	}
	ok := job.Prechecks{Ran: true, OK: true, Match: &yes, Identical: &no}
	for c, l := range light(ok) {
		if l != ui.LightGreen {
			t.Errorf("passing job: check %d is %d", c, l)
		}
	}
	for c, l := range light(job.Prechecks{}) {
		if l != ui.LightAmber {
			t.Errorf("checks not run: check %d is %d", c, l)
		}
	}
	for _, tc := range []struct {
		code, image string
		check       ui.CheckKind
	}{
		{"not_live", "selfie", ui.CheckPassiveLiveness},
		{"several_faces", "selfie", ui.CheckOneFace},
		{"no_face", "comparison", ui.CheckOneFace},
		{"blurred", "selfie", ui.CheckQuality},
		{"different_person", "liveness", ui.CheckSamePerson},
		{"no_head_movement", "liveness", ui.CheckSamePerson},
		{"no_match", "pair", ui.CheckMatch},
		{"identical", "pair", ui.CheckNotSamePicture},
	} {
		pc := ok
		pc.OK = false
		pc.Problems = []job.PrecheckProblem{{Image: tc.image, Code: tc.code}}
		got := light(pc)
		for _, c := range ui.Checks {
			want := ui.LightGreen
			if c == tc.check {
				want = ui.LightRed
			}
			if got[c] != want {
				t.Errorf("%s: check %d is %d, want %d", tc.code, c, got[c], want)
			}
		}
	}
	// No comparison made: the match is amber, not green.
	pc := job.Prechecks{Ran: true, OK: false, Problems: []job.PrecheckProblem{{Image: "comparison", Code: "no_face"}}}
	if l := light(pc); l[ui.CheckMatch] != ui.LightAmber || l[ui.CheckOneFace] != ui.LightRed {
		t.Errorf("no comparison: %v", l)
	}
}

// A review line names the image and says its code's sentence; the pair's codes and a
// comparison image without a face have sentences that name their images.
func TestCheckLineSentences(t *testing.T) {
	text := func(image, code string) string {
		for _, l := range ui.CheckLines(job.Prechecks{Ran: true, Problems: []job.PrecheckProblem{{Image: image, Code: code}}}) {
			if l.Light == ui.LightRed {
				return l.Text
			}
		}
		t.Fatalf("%s on %s: no red line", code, image)
		return ""
	}
	for _, tc := range []struct{ image, code, want string }{
		{"selfie", "too_dark", ui.T("pc.image.selfie") + " too dark. Add light and retake it."},
		{"liveness[2]", "no_face", ui.T("pc.image.liveness") + " no face found."},
		{"comparison", "no_face", messages.Text("en", "precheck.comparison_no_face")},
		{"pair", "no_match", messages.Text("en", "precheck.no_match")},
		{"selfie", "new_check", ui.T("pc.image.selfie") + " a check failed."},
	} {
		if got := text(tc.image, tc.code); got != tc.want {
			t.Errorf("%s on %s: %q, want %q", tc.code, tc.image, got, tc.want)
		}
	}
}

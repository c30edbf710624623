package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/enroll/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testimages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// buttons are the visible buttons labelled text, in the screen's order.
func (r *erig) buttons(text string) []*widget.Button {
	var out []*widget.Button
	fake.WalkCanvas(r.win.Canvas(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			out = append(out, b)
		}
	})
	return out
}

// importAndContinue takes the ID photo from the stick on the comparison step.
func (r *erig) importAndContinue() {
	r.t.Helper()
	r.waitText(ui.T("import.help"))
	r.tap("id-photo.jpg  ·  KINGSTON")
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
}

// A printed photo held up as the selfie (the bundled spoof): the selfie step tells the
// customer, in one instruction, to face the camera themself; once the step gives up
// the agent may take it anyway; the review shows the failed liveness check with its
// reason and offers only the supervisor's seal; sealed with Zawadi's PIN, the job is
// recorded as forced.
func TestEnrollmentSpoofSelfie(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	replay := enrolltest.ReplayDir(t)
	// The photo is stored sideways with an EXIF orientation, which the replay camera
	// does not apply (a camera's frames have none): the selfie camera shows it upright.
	img, err := inference.DecodeFile(testimages.Path("spoof_minivision_F1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(replay, enroll.ReplaySelfie, "a.jpg"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newEnrollRig(t, replay, importDir(t), false)
	r.start("CUST-A-0004", job.IDPhoto)
	r.importAndContinue()
	r.waitText(ui.T("selfie.title"))
	r.waitText(ui.Msg("guidance.not_live"))
	for _, wrong := range []string{ui.Msg("guidance.head_pose"), ui.Msg("guidance.no_face")} {
		if r.has(wrong) {
			t.Fatalf("the selfie step of a printed photo says %q: %q", wrong, r.texts())
		}
	}
	if r.has(ui.T("capture.take-anyway")) {
		t.Fatal("the selfie can be taken anyway before the step gave up")
	}
	r.waitText(ui.T("capture.take-anyway")) // the procedure timed out on not-live frames
	if !strings.Contains(strings.Join(r.texts(), "\n"), ui.Msg("guidance.not_live")) {
		t.Fatalf("the step gave up without saying why: %q", r.texts())
	}
	r.tap(ui.T("capture.take-anyway"))
	r.waitText(ui.T("liveness.title"))
	r.waitText(ui.T("review.title"))
	r.waitFor("the checks", func() bool { return !r.has(ui.T("review.checking")) })
	why := ui.T("pc.image.selfie") + " t" + strings.TrimPrefix(ui.Msg("precheck.not_live"), "T")
	if !r.has(why) || r.has(ui.T("check.live.ok")) || !r.has(ui.T("review.failed")) {
		t.Fatalf("the review does not say the selfie is not live: %q", r.texts())
	}
	if fake.FindButton(r.win.Canvas(), ui.T("review.seal")) != nil {
		t.Fatal("a job with a printed selfie can be sealed without a supervisor")
	}
	r.tap(ui.T("review.force"))
	r.tapIf("Zawadi Mwangi")
	r.pin(supervisorPIN)
	r.waitText(ui.T("result.saved")) // the sandbox is down: sealed, to be sent
	e := r.onlyJob()
	if !e.Forced || e.PrechecksOK {
		t.Fatalf("queue entry %+v", e)
	}
	j, err := r.a.Queue().Load(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	notLive := false
	for _, p := range j.Prechecks.Problems {
		notLive = notLive || p.Code == "not_live" && p.Image == "selfie"
	}
	if !notLive || j.Prechecks.ForcedBy != "zawadi" {
		t.Fatalf("sealed prechecks %+v", j.Prechecks)
	}
	evs, err := r.a.Queue().Audit(offline.AuditFilter{Kind: offline.AuditEnrolled, JobID: e.ID})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, "allowed by supervisor zawadi") {
		t.Fatalf("audit: %+v, %v", evs, err)
	}
}

// From the review the agent retakes the selfie: the selfie step runs again, the review
// comes back without the liveness step (its four frames kept), all green, and seals.
func TestEnrollmentRetakeSelfie(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	r := newEnrollRig(t, enrolltest.ReplayDir(t), importDir(t), false)
	r.start("CUST-A-0005", job.IDPhoto)
	r.importAndContinue()
	r.toReview()
	retakes := r.buttons(ui.T("review.retake"))
	if len(retakes) != 3 {
		t.Fatalf("%d Retake buttons, want 3 (comparison, selfie, liveness): %q", len(retakes), r.texts())
	}
	frames := ui.Tf("review.liveness", map[string]any{"N": 4})
	if !r.has(frames) {
		t.Fatalf("the review does not show four head movements: %q", r.texts())
	}
	test.Tap(retakes[1])
	r.waitText(ui.T("selfie.title"))
	liveness := false
	r.waitFor("the review again", func() bool {
		liveness = liveness || r.has(ui.T("liveness.title"))
		return r.has(ui.T("review.title")) && !r.has(ui.T("review.checking"))
	})
	if liveness {
		t.Fatal("retaking the selfie took the liveness frames again")
	}
	if !r.has(frames) {
		t.Fatalf("the liveness frames were not kept: %q", r.texts())
	}
	for _, s := range okChecks() {
		if !r.has(s) {
			t.Fatalf("review after the retake: %q missing; the screen shows %q", s, r.texts())
		}
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.T("result.saved"))
	if e := r.onlyJob(); e.Forced || !e.PrechecksOK || e.LivenessFrames != 4 {
		t.Fatalf("queue entry %+v", e)
	}
}

// The customer does not turn as asked (a plain replay camera: the same photo, looking
// straight, for every prompt): the liveness step asks to turn left, says after a while
// that the head did not turn, and starts the head movements again from the first.
func TestEnrollmentLivenessNotFollowed(t *testing.T) {
	if testing.Short() {
		t.Skip("an enrollment with the face engine")
	}
	replay := filepath.Join(t.TempDir(), "camera") // not laid out for OpenReplay: the liveness step reads the selfie camera
	os.MkdirAll(replay, 0o755)
	if err := os.WriteFile(filepath.Join(replay, "a.jpg"), testimages.Read(t, "dfA_img6.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newEnrollRig(t, replay, importDir(t), false)
	r.start("CUST-A-0006", job.IDPhoto)
	r.importAndContinue()
	r.waitText(ui.T("selfie.title"))
	r.waitText(ui.T("liveness.title"))
	count := func(n int) string {
		return ui.Tf("liveness.count", map[string]any{"N": n, "Total": job.MaxLiveness})
	}
	r.waitFor("the second head movement", func() bool { return r.has(count(2)) })
	r.waitText(ui.Msg("prompt.left"))
	failed := ui.T("liveness.failed.left")
	r.waitText(failed)
	if r.has(count(3)) {
		t.Fatalf("the sequence went on past a prompt not followed: %q", r.texts())
	}
	// Started again: the first movement, then the second, with the reason still shown
	// until the first frame is taken.
	r.waitFor("the first head movement again", func() bool { return r.has(count(1)) })
	if !r.has(failed) {
		t.Fatalf("the restart hid why: %q", r.texts())
	}
	r.waitFor("the second head movement again", func() bool { return r.has(count(2)) })
	if r.has(ui.T("review.title")) || len(r.buttons(ui.T("review.seal"))) > 0 {
		t.Fatalf("a sequence not followed reached the review: %q", r.texts())
	}
	if es, err := r.a.Queue().List(offline.ListOptions{}); err != nil || len(es) != 0 {
		t.Fatalf("queue: %v, %v", es, err)
	}
}

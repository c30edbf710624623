package kioskui

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
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
	r.waitText("id-photo.jpg  ·  KINGSTON") // listed off the UI goroutine
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
	camDir := enrolltest.ReplayDir(t)
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
	if err := os.WriteFile(filepath.Join(camDir, replay.SelfieDir, "a.jpg"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newEnrollRig(t, camDir, importDir(t), false)
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
	camDir := filepath.Join(t.TempDir(), "camera") // not laid out for replay.OpenScripted: the liveness step reads the selfie camera
	os.MkdirAll(camDir, 0o755)
	if err := os.WriteFile(filepath.Join(camDir, "a.jpg"), testimages.Read(t, "dfA_img6.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newEnrollRig(t, camDir, importDir(t), false)
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

// unplugged is a camera that can be pulled out and plugged back in, as the v4l2 source
// behaves: pulled out, one Next says capture.ErrUnplugged and the next ones wait for
// the camera to come back.
type unplugged struct {
	capture.Source
	mu   sync.Mutex
	out  bool
	told bool
	back chan struct{}
}

func (u *unplugged) set(out bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if out && !u.out {
		u.out, u.told, u.back = true, false, make(chan struct{})
	} else if !out && u.out {
		u.out = false
		close(u.back)
	}
}

func (u *unplugged) Next(ctx context.Context) (capture.Frame, error) {
	u.mu.Lock()
	if u.out {
		back := u.back
		if !u.told {
			u.told = true
			u.mu.Unlock()
			return capture.Frame{}, fmt.Errorf("reading the replay camera: %w", capture.ErrUnplugged)
		}
		u.mu.Unlock()
		select {
		case <-back:
		case <-ctx.Done():
			return capture.Frame{}, ctx.Err()
		}
	} else {
		u.mu.Unlock()
	}
	return u.Source.Next(ctx)
}

// The camera is pulled out in the middle of the head movements: the step shows the
// banner, and once it is back the movements go on; the comparison image and the
// selfie are kept (no step goes back), and the review shows six green checks.
func TestEnrollmentCameraUnpluggedDuringLiveness(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	r := newEnrollRig(t, enrolltest.ReplayDir(t), importDir(t), false)
	var cams *app.Cameras
	r.waitFor("the cameras", func() bool {
		var err error
		cams, err = r.a.Cameras()
		return err == nil
	})
	cam := &unplugged{Source: cams.Liveness}
	cams.Liveness = cam // before any step reads it
	r.start("CUST-A-0007", job.IDPhoto)
	r.importAndContinue()
	r.waitText(ui.T("selfie.title"))
	r.waitText(ui.T("liveness.title"))
	count := func(n int) string {
		return ui.Tf("liveness.count", map[string]any{"N": n, "Total": 4})
	}
	r.waitFor("the second head movement", func() bool { return r.has(count(2)) })
	cam.set(true)
	banner := ui.T("camera.disconnected")
	r.waitText(banner)
	if !r.has(ui.T("liveness.title")) || !r.has(count(2)) {
		t.Fatalf("unplugged: %q", r.texts())
	}
	cam.set(false)
	selfieAgain := false
	r.waitFor("the review", func() bool {
		selfieAgain = selfieAgain || r.has(ui.T("import.help")) ||
			r.has(ui.T("selfie.title")) && !r.has(ui.T("review.title")) // the review's caption is the title's word
		return r.has(ui.T("review.title")) && !r.has(ui.T("review.checking"))
	})
	if selfieAgain {
		t.Fatal("the camera's absence sent the wizard back to an earlier step")
	}
	if r.has(banner) {
		t.Fatalf("the banner stays once the camera is back: %q", r.texts())
	}
	for _, s := range okChecks() {
		if !r.has(s) {
			t.Fatalf("review: %q missing; the screen shows %q", s, r.texts())
		}
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.T("result.saved"))
	if e := r.onlyJob(); e.Forced || !e.PrechecksOK || e.LivenessFrames != 4 {
		t.Fatalf("queue entry %+v", e)
	}
}

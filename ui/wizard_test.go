package ui_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// pump holds the wizard's widget changes until the test runs them, one at a time, on
// its own goroutine (as Fyne's goroutine would).
type pump struct {
	mu sync.Mutex
	q  []func()
}

func (p *pump) do(f func()) {
	p.mu.Lock()
	p.q = append(p.q, f)
	p.mu.Unlock()
}

// one runs the oldest pending change; false when there was none.
func (p *pump) one() bool {
	p.mu.Lock()
	if len(p.q) == 0 {
		p.mu.Unlock()
		return false
	}
	f := p.q[0]
	p.q = p.q[1:]
	p.mu.Unlock()
	f()
	return true
}

// wrig is a shell with the wizard over the fake enrollment service.
type wrig struct {
	*rig
	enr  *fake.Enrollment
	pump *pump
}

func newWizardRig(t *testing.T, sc fake.Scenario) *wrig {
	t.Helper()
	return newWizardRigIn(t, sc, "en")
}

// newWizardRigIn is newWizardRig with the operator's language lang; opts change the
// shell's dependencies before it is built.
func newWizardRigIn(t *testing.T, sc fake.Scenario, lang string, opts ...func(*ui.Deps)) *wrig {
	t.Helper()
	p := &pump{}
	restore := ui.SetDo(p.do)
	if sc.Interval == 0 {
		sc.Interval = 2 * time.Millisecond
	}
	enr := fake.NewEnrollment(clock.Real{}, sc)
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme())
	r := &rig{t: t, clk: clock.NewFake(t0)}
	r.deps = fake.Demo(r.clk, lang, false, false)
	r.ops = r.deps.Operators.(*fake.Operators)
	r.queue = r.deps.Queue.(*fake.Queue)
	enr.Queue = r.queue
	r.deps.Enrollment = enr
	r.deps.ResultWait = 5 * time.Second
	for _, o := range opts {
		o(&r.deps)
	}
	w := a.NewWindow("kiosk")
	w.Resize(fyne.NewSize(1024, 600))
	r.win = &interceptWindow{Window: w}
	var err error
	if r.shell, err = ui.NewShell(r.win, r.deps); err != nil {
		t.Fatal(err)
	}
	wr := &wrig{rig: r, enr: enr, pump: p}
	t.Cleanup(func() {
		_ = ui.SetLanguage("en")
		restore()
	})
	t.Cleanup(r.shell.Stop) // runs first: the wizard's goroutines end
	return wr
}

// waitFor runs the wizard's pending changes one by one until cond holds (10 s at most:
// a bound against a hung test, not a measure of speed).
func (r *wrig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("waiting for %s: screen shows %q", what, fake.Texts(r.canvas()))
		}
		if !r.pump.one() {
			time.Sleep(time.Millisecond)
		}
	}
}

func (r *wrig) waitText(text string) {
	r.t.Helper()
	r.waitFor(strings.TrimSpace(text), func() bool { return r.has(text) })
}

// buttons lists the visible buttons labelled text.
func (r *wrig) buttons(text string) []*widget.Button {
	var out []*widget.Button
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			out = append(out, b)
		}
	})
	return out
}

func (r *wrig) entry() *ui.TextField {
	var e *ui.TextField
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if x, ok := o.(*ui.TextField); ok && e == nil {
			e = x
		}
	})
	if e == nil {
		r.t.Fatalf("no entry on screen: %q", fake.Texts(r.canvas()))
	}
	return e
}

// start signs in and goes through consent and the customer screen with source.
func (r *wrig) start(source job.ComparisonType) {
	r.t.Helper()
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.new"))
	if !r.has(ui.T("consent.what")) || !r.has(ui.T("consent.no")) {
		r.t.Fatalf("consent screen does not say what is captured: %q", fake.Texts(r.canvas()))
	}
	if r.enr.Opened(ui.CaptureDocument)+r.enr.Opened(ui.CaptureSelfie) != 0 {
		r.t.Fatal("a camera was opened before consent")
	}
	r.tap(ui.T("consent.agree"))
	// The id field has the focus: the keyboard is up.
	if !r.shell.KeyboardVisible() {
		r.t.Fatalf("no keyboard on the customer step: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("wizard.continue"))
	if !r.has(ui.T("customer.user-id.invalid")) {
		r.t.Fatalf("an empty customer id was not refused: %q", fake.Texts(r.canvas()))
	}
	if r.shell.KeyboardVisible() {
		r.t.Fatal("the keyboard stays up after Continue")
	}
	test.Tap(r.entry())
	r.keys("CUST-0042")
	if !r.has(ui.T("customer.user-id")) || r.has(ui.T("customer.user-id.invalid")) {
		r.t.Fatalf("a valid id still refused: %q", fake.Texts(r.canvas()))
	}
	if !slices.ContainsFunc(fake.Texts(r.canvas()), func(s string) bool { return strings.HasPrefix(s, "k-") && job.ValidID(s) }) {
		r.t.Fatalf("no job id shown: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.SourceText(source))
	r.tap(ui.T("wizard.continue"))
}

// scanDocument waits for the document and keeps it.
func (r *wrig) scanDocument() {
	r.t.Helper()
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
}

// toReview waits for the selfie and liveness steps to end on the review's checks.
func (r *wrig) toReview() {
	r.t.Helper()
	r.waitText(ui.T("review.title"))
	r.waitFor("the checks", func() bool { return !r.has(ui.T("review.checking")) })
}

func sealed(t *testing.T, e *fake.Enrollment, n int) ui.SealRequest {
	t.Helper()
	s := e.SealedRequests()
	if len(s) != n {
		t.Fatalf("%d jobs sealed, want %d", len(s), n)
	}
	return s[n-1]
}

func TestEnrollmentMatch(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.start(job.Document)
	r.waitText(ui.T("document.title"))
	r.scanDocument()
	r.waitText(ui.T("selfie.title"))
	r.waitText(ui.T("liveness.title"))
	r.waitText(ui.Tf("liveness.count", map[string]any{"N": 3, "Total": 8}))
	r.toReview()
	for _, k := range []string{"check.one-face.ok", "check.quality.ok", "check.live.ok", "check.same-person.ok", "check.match.ok", "check.not-identical.ok"} {
		if !r.has(ui.T(k)) {
			t.Errorf("review lacks %q: %q", ui.T(k), fake.Texts(r.canvas()))
		}
	}
	if !r.has(ui.Tf("review.liveness", map[string]any{"N": 8})) {
		t.Errorf("review does not show 8 liveness frames: %q", fake.Texts(r.canvas()))
	}
	if fake.FindButton(r.canvas(), ui.T("review.force")) != nil {
		t.Error("a passing job offers the supervisor's seal")
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	req := sealed(t, r.enr, 1)
	if req.Prechecks.Forced || req.Supervisor != nil || !req.Prechecks.OK {
		t.Errorf("a passing job sealed with %+v, supervisor %v", req.Prechecks, req.Supervisor)
	}
	d := req.Draft
	if d.UserID != "CUST-0042" || d.ComparisonType != job.Document || !job.ValidID(d.JobID) || d.Operator.ID != "op-1" ||
		d.Comparison.Image == nil || d.Selfie.Image == nil || len(d.Liveness) != 8 {
		t.Errorf("sealed draft: user %q type %q job %q operator %q, images %v %v %d",
			d.UserID, d.ComparisonType, d.JobID, d.Operator.ID, d.Comparison.Image != nil, d.Selfie.Image != nil, len(d.Liveness))
	}
	if j, ok := r.queue.Job(d.JobID); !ok || j.ResultCode != "0840" {
		t.Errorf("queue: %+v, %v", j, ok)
	}
	if !r.has(ui.Tf("result.code", map[string]any{"Code": "0840"})) {
		t.Errorf("result screen does not show the code: %q", fake.Texts(r.canvas()))
	}
	if !r.has(ui.Tf("result.job", map[string]any{"ID": d.JobID})) {
		t.Errorf("result screen does not name the job: %q", fake.Texts(r.canvas()))
	}
	// The next customer starts at once, with a new job id.
	r.tap(ui.T("result.next"))
	if !r.has(ui.T("consent.title")) {
		t.Fatalf("next customer: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("consent.agree"))
	if r.has(d.JobID) || r.entry().Text != "" {
		t.Errorf("the next customer sees the last one's ids: %q", fake.Texts(r.canvas()))
	}
}

func TestEnrollmentOffline(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Offline: true})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.T("result.saved"))
	if !r.has(ui.T("result.saved-detail")) {
		t.Errorf("saved screen: %q", fake.Texts(r.canvas()))
	}
	req := sealed(t, r.enr, 1)
	if j, ok := r.queue.Job(req.Draft.JobID); !ok || j.State != ui.JobQueued {
		t.Errorf("offline job in the queue: %+v %v", j, ok)
	}
	r.tap(ui.T("result.next"))
	if !r.has(ui.T("consent.agree")) {
		t.Fatalf("next customer: %q", fake.Texts(r.canvas()))
	}
}

func TestSpoofSelfieNeedsSupervisor(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Selfie: "spoof_minivision_F1.jpg", Document: "spoof_minivision_F1.jpg"})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	why := ui.T("pc.image.selfie") + " t" + strings.TrimPrefix(ui.Msg("precheck.not_live"), "T")
	if !r.has(why) {
		t.Fatalf("review does not say the selfie is not live: %q", fake.Texts(r.canvas()))
	}
	if r.has(ui.T("check.live.ok")) || !r.has(ui.T("review.failed")) {
		t.Errorf("review: %q", fake.Texts(r.canvas()))
	}
	if b := fake.FindButton(r.canvas(), ui.T("review.seal")); b != nil {
		t.Fatal("a failed job offers the plain seal")
	}
	r.tap(ui.T("review.force"))
	// An operator's PIN is not a supervisor's: the gate only lists supervisors, and a
	// wrong PIN is refused.
	r.pin(fake.OperatorPIN)
	if !r.has(ui.Tf("signin.wrong-pin-left", map[string]any{"N": fake.MaxFails - 1})) || len(r.enr.SealedRequests()) != 0 {
		t.Fatalf("the gate let a wrong PIN seal: %q", fake.Texts(r.canvas()))
	}
	r.pin(fake.SupervisorPIN)
	r.waitFor("the result", func() bool { return r.has(ui.T("result.title")) })
	req := sealed(t, r.enr, 1)
	if !req.Prechecks.Forced || req.Prechecks.OK || req.Supervisor == nil || req.Supervisor.ID != "sup-1" {
		t.Errorf("forced seal: %+v by %v", req.Prechecks, req.Supervisor)
	}
}

func TestDocumentOfSomeoneElse(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Document: "biden_2.jpg"})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	if !r.has(ui.Msg("precheck.no_match")) || r.has(ui.T("check.match.ok")) {
		t.Fatalf("review does not say the photos do not match: %q", fake.Texts(r.canvas()))
	}
	if !r.has(ui.T("check.live.ok")) {
		t.Errorf("a live selfie is not shown as live: %q", fake.Texts(r.canvas()))
	}
	if fake.FindButton(r.canvas(), ui.T("review.seal")) != nil {
		t.Error("a job that does not match offers the plain seal")
	}
}

func TestLivenessRestartsWhenTheHeadDoesNotTurn(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{LivenessFailures: 1})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.PromptText(ui.PromptLeft))
	r.waitText(ui.T("liveness.failed.left"))
	// The sequence starts again from the first prompt.
	r.waitText(ui.Tf("liveness.count", map[string]any{"N": 1, "Total": 8}))
	r.toReview()
	if r.enr.Opened(ui.CaptureLiveness) != 1 {
		t.Errorf("liveness camera opened %d times, want 1 (the sequence restarts on it)", r.enr.Opened(ui.CaptureLiveness))
	}
	if !r.has(ui.T("check.same-person.ok")) {
		t.Errorf("review: %q", fake.Texts(r.canvas()))
	}
}

func TestCameraUnpluggedMidLiveness(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{DisconnectAtPrompt: 3})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.T("camera.disconnected"))
	if !r.has(ui.T("liveness.title")) {
		t.Fatalf("the banner is not on the liveness step: %q", fake.Texts(r.canvas()))
	}
	r.enr.Reconnect()
	r.waitFor("the banner to go", func() bool { return !r.has(ui.T("camera.disconnected")) })
	r.toReview()
	// The document and the selfie taken before the unplug are kept.
	if r.enr.Opened(ui.CaptureDocument) != 1 || r.enr.Opened(ui.CaptureSelfie) != 1 {
		t.Errorf("cameras opened %s %d, %s %d, %s %d: an earlier step was taken again", "document", r.enr.Opened(ui.CaptureDocument), "selfie", r.enr.Opened(ui.CaptureSelfie), "liveness", r.enr.Opened(ui.CaptureLiveness))
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	d := sealed(t, r.enr, 1).Draft
	if d.Comparison.Image == nil || d.Selfie.Image == nil || len(d.Liveness) != 8 {
		t.Errorf("sealed images: %v %v %d", d.Comparison.Image != nil, d.Selfie.Image != nil, len(d.Liveness))
	}
}

func TestRetakeSelfieFromReview(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Selfie: "spoof_minivision_F1.jpg"})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	first := r.enr.SealedRequests()
	if len(first) != 0 || r.has(ui.T("check.live.ok")) {
		t.Fatalf("spoof selfie: %q", fake.Texts(r.canvas()))
	}
	retakes := r.buttons(ui.T("review.retake"))
	if len(retakes) != 3 {
		t.Fatalf("%d Retake buttons, want 3 (comparison, selfie, liveness)", len(retakes))
	}
	r.enr.SetScenario(fake.Scenario{Interval: 2 * time.Millisecond}) // the customer stands in front of the camera
	test.Tap(retakes[1])
	r.waitText(ui.T("selfie.title"))
	// Back to review after the selfie alone: liveness is not taken again.
	r.toReview()
	if !r.has(ui.T("check.live.ok")) || !r.has(ui.T("check.match.ok")) {
		t.Fatalf("after the retake: %q", fake.Texts(r.canvas()))
	}
	if r.enr.Opened(ui.CaptureSelfie) != 2 || r.enr.Opened(ui.CaptureLiveness) != 1 || r.enr.Opened(ui.CaptureDocument) != 1 {
		t.Errorf("cameras opened %s %d, %s %d, %s %d; want the selfie twice, the others once", "document", r.enr.Opened(ui.CaptureDocument), "selfie", r.enr.Opened(ui.CaptureSelfie), "liveness", r.enr.Opened(ui.CaptureLiveness))
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if req := sealed(t, r.enr, 1); req.Prechecks.Forced || !req.Prechecks.OK {
		t.Errorf("sealed %+v", req.Prechecks)
	}
}

func TestNoDocumentCameraImportsAnIDPhoto(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{NoCamera: []ui.CameraRole{ui.CameraDocument}})
	r.start(job.Document)
	missing := ui.Tf("camera.missing", map[string]any{"Camera": ui.CameraName(ui.CameraDocument), "Device": "/dev/video2"})
	r.waitText(missing)
	// No camera, nothing to take: no greyed "Take it now" beside "Import a photo instead".
	if b := fake.FindButton(r.canvas(), ui.T("capture.take-now")); b != nil && b.Visible() {
		t.Error("Take it now is shown with no document camera")
	}
	r.tap(ui.T("capture.import-instead"))
	r.waitText(ui.T("import.help"))
	r.waitText("id-photo-obama.jpg  ·  USB KINGSTON") // listed off the UI goroutine
	r.tap("id-photo-obama.jpg  ·  USB KINGSTON")
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	if !r.has(ui.T("check.match.ok")) || !r.has(ui.T("review.id-photo")) {
		t.Fatalf("review of an imported ID photo: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if d := sealed(t, r.enr, 1).Draft; d.ComparisonType != job.IDPhoto {
		t.Errorf("sealed as %q, want ID_PHOTO", d.ComparisonType)
	}
}

func TestConsentLanguageAndBack(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.new"))
	r.tap("Français")
	fr := loadFR(t)
	for _, k := range []string{"consent.title", "consent.what", "consent.agree"} {
		if !r.has(fr[k]) {
			t.Errorf("French consent lacks %q: %q", fr[k], fake.Texts(r.canvas()))
		}
	}
	if r.has(ui.T("home.new")) {
		t.Error("French consent screen")
	}
	r.tap(fr["consent.agree"])
	r.tap(fr["wizard.back"])
	if !r.has(fr["consent.title"]) {
		t.Fatalf("back from the customer: %q", fake.Texts(r.canvas()))
	}
	// Refusing says so, in the operator's language again, and nothing was taken.
	r.tap(fr["consent.decline"])
	if !r.has(ui.T("consent.declined")) || ui.Language() != "en" {
		t.Fatalf("after refusing: %s %q", ui.Language(), fake.Texts(r.canvas()))
	}
	if r.enr.Opened(ui.CaptureDocument)+r.enr.Opened(ui.CaptureSelfie) != 0 {
		t.Error("a camera opened")
	}
	r.tap(ui.T("nav.home"))
	if r.shell.Screen() != ui.ScreenHome || !r.has("New enrollment") {
		t.Fatalf("home after refusing: %s %q", r.shell.Screen(), fake.Texts(r.canvas()))
	}
}

// Stop asks first, and the highlighted answer keeps the enrollment going.
func TestStopAsksWithNoAsTheDefault(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.T("selfie.title"))
	r.tap(ui.T("wizard.cancel"))
	yes, no := fake.FindButton(r.canvas(), ui.T("wizard.cancel-yes")), fake.FindButton(r.canvas(), ui.T("wizard.cancel-no"))
	if yes == nil || no == nil || no.Importance != widget.HighImportance || yes.Importance == widget.HighImportance {
		t.Fatalf("the dialog's answers: %q", fake.Texts(r.canvas()))
	}
	test.Tap(no)
	if r.shell.Screen() != ui.ScreenEnrollment || !r.has(ui.T("selfie.title")) {
		t.Fatalf("No stopped the enrollment: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("wizard.cancel"))
	r.tap(ui.T("wizard.cancel-yes"))
	if r.shell.Screen() != ui.ScreenHome {
		t.Fatalf("Yes did not stop: %s", r.shell.Screen())
	}
}

// Back never throws away what was taken: from the head movements it shows the selfie
// taken (Continue goes on with it), and from the review the head movements taken.
func TestBackKeepsWhatWasTaken(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Hold: ui.CaptureLiveness, HoldAt: 2})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.Tf("liveness.count", map[string]any{"N": 3, "Total": 8}))
	selfie := r.enr.Captured(ui.CaptureSelfie)
	r.tap(ui.T("wizard.back"))
	if !r.has(ui.T("selfie.title")) || !r.has(ui.T("wizard.taken")) {
		t.Fatalf("back from the head movements: %q", fake.Texts(r.canvas()))
	}
	for r.pump.one() {
	}
	if r.enr.Opened(ui.CaptureSelfie) != 1 || !r.has(ui.T("wizard.taken")) {
		t.Fatalf("the selfie was taken again (%d cameras opened): %q", r.enr.Opened(ui.CaptureSelfie), fake.Texts(r.canvas()))
	}
	r.enr.SetScenario(fake.Scenario{Interval: 2 * time.Millisecond})
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("wizard.back"))
	if !r.has(ui.T("liveness.title")) || !r.has(ui.T("wizard.taken")) {
		t.Fatalf("back from the review: %q", fake.Texts(r.canvas()))
	}
	for r.pump.one() {
	}
	if r.enr.Opened(ui.CaptureLiveness) != 2 {
		t.Fatalf("liveness cameras opened %d times, want 2 (before Back, and after Continue)", r.enr.Opened(ui.CaptureLiveness))
	}
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if d := sealed(t, r.enr, 1).Draft; d.Selfie.Image != selfie[0].Image {
		t.Error("the sealed selfie is not the one taken before Back")
	}
}

// The customer id is fixed from the review, on the keyboard, and nothing is taken again.
func TestFixCustomerIDFromReview(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	if !r.has(ui.Tf("wizard.customer", map[string]any{"ID": "CUST-0042"})) {
		t.Fatalf("the review does not name the customer: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("review.change"))
	if !r.has(ui.T("customer.title")) || r.entry().Text != "CUST-0042" {
		t.Fatalf("the customer step: %q", fake.Texts(r.canvas()))
	}
	test.Tap(r.entry())
	r.tap(ui.T("keyboard.clear"))
	r.keys("CUST-0043")
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	if !r.has(ui.Tf("wizard.customer", map[string]any{"ID": "CUST-0043"})) {
		t.Fatalf("the review after the change: %q", fake.Texts(r.canvas()))
	}
	for _, k := range []ui.CaptureKind{ui.CaptureDocument, ui.CaptureSelfie, ui.CaptureLiveness} {
		if n := r.enr.Opened(k); n != 1 {
			t.Errorf("camera %v opened %d times, want 1", k, n)
		}
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if d := sealed(t, r.enr, 1).Draft; d.UserID != "CUST-0043" {
		t.Errorf("sealed for %q", d.UserID)
	}
	if !r.has(ui.Tf("wizard.customer", map[string]any{"ID": "CUST-0043"})) {
		t.Errorf("the result does not name the customer: %q", fake.Texts(r.canvas()))
	}
}

func loadFR(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("translations/fr.json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// fits fails when the screen needs more than the kiosk's 1024x600 (cut text, a window
// that grows past the screen).
func (r *wrig) fits(where string) {
	r.t.Helper()
	c := r.canvas()
	need := neededSize(c)
	r.t.Logf("%s: %v", where, need)
	if need.Width > 1024 || need.Height > 600 {
		r.t.Errorf("%s (%s): the screen needs %.0fx%.0f, more than 1024x600", where, ui.Language(), need.Width, need.Height)
	}
}

// neededSize is the size the canvas's content needs, measured as a real window does once
// it has drawn the screen. Fyne's test canvas lays out only what was resized: a
// word-wrapped label set or added since (a failed check's message) still has no width,
// and measures one line where the real window, having laid it out, finds two (the review
// measured 576 here and 601 on the screen). So lay the whole tree out at the canvas's
// size first, twice (a label's height follows the width the first pass gives it), and add
// the window's padding.
func neededSize(c fyne.Canvas) fyne.Size {
	for range 2 {
		relayout(c.Content())
	}
	m := c.Content().MinSize()
	if c.(interface{ Padded() bool }).Padded() {
		m = m.Add(fyne.NewSquareSize(2 * theme.Padding()))
	}
	return m
}

// relayout lays o's tree out at the sizes its containers give now.
func relayout(o fyne.CanvasObject) {
	switch x := o.(type) {
	case *fyne.Container:
		if x.Layout != nil {
			x.Layout.Layout(x.Objects, x.Size())
		}
		for _, c := range x.Objects {
			relayout(c)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		r.Layout(x.Size())
		for _, c := range r.Objects() {
			relayout(c)
		}
	}
}

// Every step fits 1024x600 in French, whose sentences are the longest.
func TestEveryStepFitsInFrench(t *testing.T) {
	for i, sc := range []fake.Scenario{{}, {Selfie: "spoof_minivision_F1.jpg", Answer: &ui.Outcome{ErrorCode: "2209"}}, {Offline: true}} {
		t.Run(fmt.Sprint(i), func(t *testing.T) { fitsInFrench(t, sc) })
	}
}

func fitsInFrench(t *testing.T, sc fake.Scenario) {
	{
		r := newWizardRigIn(t, sc, "fr")
		r.signIn("Amina Diallo", fake.OperatorPIN)
		r.tap(ui.T("home.new"))
		r.fits("consent")
		r.tap(ui.T("consent.agree"))
		r.fits("customer")
		// The job id on one line beside its caption (a broken id is cut at the fold
		// with the keyboard up).
		line := widget.NewLabel("x").MinSize().Height
		ids := 0
		fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "k-") && job.ValidID(l.Text) {
				ids++
				if h := l.Size().Height; h > line+0.5 {
					t.Errorf("the customer step's job id %q is %.0f high, more than one line (%.0f)", l.Text, h, line)
				}
			}
		})
		if ids != 1 {
			t.Errorf("the customer step shows %d job ids, want 1", ids)
		}
		test.Type(r.entry(), "CUST-0042")
		r.tap(ui.T("wizard.continue"))
		r.waitText(ui.T("document.title"))
		r.fits("document")
		r.scanDocument()
		r.waitText(ui.T("selfie.title"))
		r.fits("selfie")
		r.waitText(ui.T("liveness.title"))
		r.waitText(ui.Tf("liveness.count", map[string]any{"N": 2, "Total": 8}))
		r.fits("liveness")
		r.toReview()
		r.fits("review")
		if b := fake.FindButton(r.canvas(), ui.T("review.seal")); b != nil {
			test.Tap(b)
		} else {
			r.tap(ui.T("review.force"))
			r.fits("supervisor gate")
			r.pin(fake.SupervisorPIN)
		}
		r.waitFor("the answer", func() bool { return !r.has(ui.T("result.sealed")) })
		r.fits("result")
	}
}

// A late answer: the result screen waits ResultWait on the injected clock, then says the
// job is saved and will be sent.
func TestLateAnswerSaysSaved(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Late: true})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.T("result.sealed"))
	if r.has(ui.T("result.saved")) {
		t.Fatal("saved before the wait ended")
	}
	r.waitFor("the result wait's timer", func() bool { return r.clk.Pending() > 0 })
	r.clk.Advance(5*time.Second - time.Millisecond)
	for i := 0; i < 50 && r.pump.one(); i++ {
	}
	if r.has(ui.T("result.saved")) {
		t.Fatal("saved before ResultWait (5 s)")
	}
	r.clk.Advance(time.Millisecond)
	r.waitText(ui.T("result.saved"))
}

func TestNoSelfieCamera(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{NoCamera: []ui.CameraRole{ui.CameraSelfie}})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.Tf("camera.missing-selfie", map[string]any{"Camera": ui.CameraName(ui.CameraSelfie), "Device": "/dev/video0"}))
	if !r.has(ui.T("selfie.title")) {
		t.Fatalf("not on the selfie step: %q", fake.Texts(r.canvas()))
	}
}

// ellipse is the selfie step's oval guide.
func (r *wrig) ellipse() *canvas.Ellipse {
	var e *canvas.Ellipse
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Ellipse); ok {
			e = x
		}
	})
	if e == nil {
		r.t.Fatalf("no oval guide on screen: %q", fake.Texts(r.canvas()))
	}
	return e
}

// The oval's colour says adjust (amber) or good (green), and one instruction shows at a
// time: the first of the frame's problems in the wizard's order.
func TestSelfieGuide(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1}) // too small and too dark
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.Msg("guidance.too_dark"))
	if r.has(ui.Msg("guidance.face_too_small")) {
		t.Error("two instructions at once")
	}
	red, green, _, _ := r.ellipse().StrokeColor.RGBA()
	if !(red > green) {
		t.Errorf("oval while adjusting: %v, want amber", r.ellipse().StrokeColor)
	}
	r.shell.Stop()

	r = newWizardRig(t, fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 3}) // good
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.T("guide.good"))
	red, green, _, _ = r.ellipse().StrokeColor.RGBA()
	if !(green > red) {
		t.Errorf("oval when good: %v, want green", r.ellipse().StrokeColor)
	}
}

// The wizard tells its Enrollment's WizardObserver (the kiosk's metrics) every move: a
// customer started, each step left for the next, and the end: left at a step before the
// seal (abandoned), or after the seal with the job in the queue.
func TestWizardMovesObserved(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.T("selfie.title"))
	r.tap(ui.T("wizard.cancel"))
	r.tap(ui.T("wizard.cancel-yes"))
	want := []string{">consent", "consent>customer", "customer>comparison", "comparison>selfie", "selfie>closed"}
	if got := r.enr.Moves(); !slices.Equal(got, want) {
		t.Fatalf("moves of an enrollment stopped at the selfie:\n got %q\nwant %q", got, want)
	}

	r.tap(ui.T("home.new"))
	r.tap(ui.T("consent.agree"))
	test.Type(r.entry(), "CUST-0043")
	r.tap(ui.SourceText(job.Document))
	r.tap(ui.T("wizard.continue"))
	r.scanDocument()
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	r.tap(ui.T("result.next"))
	got := r.enr.Moves()[len(want):]
	want = []string{">consent", "consent>customer", "customer>comparison", "comparison>selfie", "selfie>liveness",
		"liveness>review", "review>result+sealed", "result>closed+sealed", ">consent"}
	if !slices.Equal(got, want) {
		t.Fatalf("moves of a sealed enrollment and the next customer:\n got %q\nwant %q", got, want)
	}
}

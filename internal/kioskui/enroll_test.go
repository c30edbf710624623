package kioskui

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

func TestMain(m *testing.M) { inferencetest.Main(m) }

// pump holds the wizard's widget changes until the test runs them on its goroutine, as
// Fyne's goroutine would.
type pump struct {
	mu sync.Mutex
	q  []func()
}

func (p *pump) do(f func()) {
	p.mu.Lock()
	p.q = append(p.q, f)
	p.mu.Unlock()
}

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

// sandboxAt is the compare sandbox (the real engine's verdicts) on a loopback port.
type sandboxAt struct {
	t    *testing.T
	sbx  *sandbox.Sandbox
	addr string
	stop context.CancelFunc
	done chan error
}

func newSandbox(t *testing.T, eng *inference.Engine, key []byte) *sandboxAt {
	t.Helper()
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: key, ProductActive: true}},
		DBPath: filepath.Join(t.TempDir(), "sandbox.db"), Analyzer: sandbox.NewEngineAnalyzer(eng, sandbox.EngineOptions{}),
		CallbackAttempts: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sbx.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // started by start(); until then nothing answers there
	return &sandboxAt{t: t, sbx: sbx, addr: addr}
}

func (s *sandboxAt) start() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("starting the sandbox again on %s: %v", s.addr, err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop, s.done = stop, make(chan error, 1)
	go func() { s.done <- s.sbx.Serve(ctx, ln, time.Second) }()
	s.t.Cleanup(func() { stop(); <-s.done })
}

// erig is the whole kiosk: the real app (queue, operators, sync engine, replay camera)
// with the real engine, sending to the real sandbox, behind the real shell and wizard
// on a test window.
type erig struct {
	t     *testing.T
	a     *app.App
	sbx   *sandboxAt
	win   fyne.Window
	shell *ui.Shell
	pump  *pump
}

// newEnrollRig starts the app over replayDir's camera, with importDir as the import
// folder; the sandbox is started when online.
// rigOptions change a rig: the sandbox's key (another than the kiosk's: the sandbox
// answers 2205) and the kiosk's config.
type rigOptions struct {
	sandboxKey []byte
	config     func(*config.Config)
	// enrollment, if set, wraps the wizard's service (a recorder).
	enrollment func(*uiEnrollment) ui.Enrollment
}

func newEnrollRig(t *testing.T, replayDir, importDir string, online bool, opts ...rigOptions) *erig {
	t.Helper()
	eng := inferencetest.Get(t)
	dir := t.TempDir()
	key := []byte("demo-key-0001")
	sbxKey := key
	for _, o := range opts {
		if o.sandboxKey != nil {
			sbxKey = o.sandboxKey
		}
	}
	keyFile := filepath.Join(dir, "api-key")
	if err := os.WriteFile(keyFile, append(key, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	sbx := newSandbox(t, eng, sbxKey)
	if online {
		sbx.start()
	}
	c := config.Default()
	c.DataDir, c.KioskID = filepath.Join(dir, "data"), "kiosk-wire"
	c.LocalAPI.Socket, c.LocalAPI.Group = filepath.Join(dir, "kiosk.sock"), strconv.Itoa(os.Getegid())
	c.Offline.MinFreeDiskMB = -1
	c.Compare.APIURL, c.Compare.PartnerID, c.Compare.APIKeyFile = "http://"+sbx.addr, "0001", keyFile
	c.Sync.CallbackURL = "http://" + sbx.addr + "/callback"
	c.Sync.RetryBase, c.Sync.RetryMax = config.Duration(200*time.Millisecond), config.Duration(time.Second)
	c.Capture.SelfieCamera.ReplayDir = replayDir
	c.UI.ImportDirs = []string{importDir}
	for _, o := range opts {
		if o.config != nil {
			o.config(&c)
		}
	}
	a, err := app.New(app.Options{Config: c, NoNetwatch: true, ExternalIdleLock: true, Version: "test", Engine: eng}) // one engine for the kiosk and the sandbox
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("the app's shutdown: %v", err)
		}
	})
	<-a.Ready()
	ops := a.Queue().Operators(offline.OperatorOptions{})
	for _, n := range []offline.NewOperator{{ID: "amina", Name: "Amina Diallo", Role: offline.RoleOperator, PIN: operatorPIN},
		{ID: "zawadi", Name: "Zawadi Mwangi", Role: offline.RoleSupervisor, PIN: supervisorPIN}} {
		if _, err := ops.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	p := &pump{}
	restore := ui.ReplaceDo(p.do)
	fa := test.NewTempApp(t)
	fa.Settings().SetTheme(ui.Theme())
	w := fa.NewWindow("kiosk")
	w.Resize(fyne.NewSize(1024, 600))
	d := deps(a, clock.Real{}, nil)
	d.ResultWait = 2 * time.Minute // the sandbox's analysis is slow on a busy machine
	for _, o := range opts {
		if o.enrollment != nil {
			d.Enrollment = o.enrollment(d.Enrollment.(*uiEnrollment))
		}
	}
	shell, err := ui.NewShell(w, d)
	if err != nil {
		t.Fatal(err)
	}
	r := &erig{t: t, a: a, sbx: sbx, win: w, shell: shell, pump: p}
	t.Cleanup(func() {
		if r.shell.Session() != nil && r.shell.Screen() == ui.ScreenEnrollment {
			r.tapIf(ui.T("status.lock")) // leaves the wizard: its goroutines end
		}
		for r.pump.one() {
		}
		restore()
		_ = ui.SetLanguage("en")
	})
	return r
}

func (r *erig) texts() []string { return fake.Texts(r.win.Canvas()) }

func (r *erig) has(text string) bool { return slices.Contains(r.texts(), text) }

func (r *erig) tap(text string) {
	r.t.Helper()
	for r.pump.one() {
	}
	b := fake.FindButton(r.win.Canvas(), text)
	if b == nil {
		r.t.Fatalf("no button %q on %s; texts %q", text, r.shell.Screen(), r.texts())
	}
	test.Tap(b)
}

func (r *erig) tapIf(text string) {
	if b := fake.FindButton(r.win.Canvas(), text); b != nil {
		test.Tap(b)
	}
}

// waitFor runs the wizard's pending changes until cond holds (a bound against a hung
// test, not a measure of speed: the engine judges every frame on a busy machine).
func (r *erig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("waiting for %s: the screen shows %q", what, r.texts())
		}
		if !r.pump.one() {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func (r *erig) waitText(text string) {
	r.t.Helper()
	r.waitFor(strings.TrimSpace(text), func() bool { return r.has(text) })
}

func (r *erig) pin(p string) {
	r.t.Helper()
	for _, d := range p {
		r.tap(string(d))
	}
	r.tap(ui.T("pin.ok"))
}

func (r *erig) entry() *ui.TextField {
	var e *ui.TextField
	fake.WalkCanvas(r.win.Canvas(), func(o fyne.CanvasObject) {
		if x, ok := o.(*ui.TextField); ok && e == nil {
			e = x
		}
	})
	if e == nil {
		r.t.Fatalf("no entry on screen: %q", r.texts())
	}
	return e
}

// start signs Amina in and goes through consent and the customer screen.
func (r *erig) start(user string, source job.ComparisonType) {
	r.t.Helper()
	r.tap("Amina Diallo")
	r.pin(operatorPIN)
	r.tap(ui.T("home.new"))
	r.tap(ui.T("consent.agree"))
	test.Type(r.entry(), user)
	r.tap(ui.SourceText(source))
	r.tap(ui.T("wizard.continue"))
}

// toReview waits through the selfie and liveness steps (the replayed customer) to the
// review's checks, and returns the checks' sentences shown.
func (r *erig) toReview() {
	r.t.Helper()
	r.waitText(ui.T("selfie.title"))
	r.waitText(ui.T("liveness.title"))
	r.waitText(ui.T("review.title"))
	r.waitFor("the checks", func() bool { return !r.has(ui.T("review.checking")) })
}

// okChecks are the six green sentences of a job that passes every precheck.
func okChecks() []string {
	return []string{ui.T("check.one-face.ok"), ui.T("check.quality.ok"), ui.T("check.live.ok"),
		ui.T("check.same-person.ok"), ui.T("check.match.ok"), ui.T("check.not-identical.ok")}
}

func (r *erig) entryOf(id string) offline.Entry {
	r.t.Helper()
	e, err := r.a.Queue().Get(id)
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// jobID is the job id the customer screen showed (the only one sealed).
func (r *erig) onlyJob() offline.Entry {
	r.t.Helper()
	es, err := r.a.Queue().List(offline.ListOptions{})
	if err != nil || len(es) != 1 {
		r.t.Fatalf("queue: %v, %v", es, err)
	}
	return es[0]
}

// importDir is a folder with the replayed customer's photo on file, as an ID
// authority's photo on a USB stick would be.
func importDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "KINGSTON")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "id-photo.jpg"), testimages.Read(t, enrolltest.Comparison), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a photo"), 0o644)
	return filepath.Dir(dir)
}

// A good enrollment, the whole way: the ID photo imported from the stick, the selfie
// and the liveness frames judged by the engine, six green checks, sealed into the
// queue as Amina's training job, sent to the sandbox, which answers 0840, and the
// result screen says it is a match.
func TestEnrollmentGood(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	r := newEnrollRig(t, enrolltest.ReplayDir(t), importDir(t), true)
	r.start("CUST-A-0001", job.IDPhoto)

	photo := "id-photo.jpg  ·  KINGSTON"
	r.waitText(ui.T("import.help"))
	r.waitText(photo) // listed off the UI goroutine
	if r.has("notes.txt  ·  KINGSTON") {
		t.Fatalf("a text file is offered as a photo: %q", r.texts())
	}
	r.tap(photo)
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))

	r.toReview()
	for _, s := range okChecks() {
		if !r.has(s) {
			t.Fatalf("review: %q missing; the screen shows %q", s, r.texts())
		}
	}
	if fake.FindButton(r.win.Canvas(), ui.T("review.force")) != nil {
		t.Fatal("a job that passed every check asks for a supervisor")
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if !r.has(ui.T("result.advice.match")) {
		t.Fatalf("result: %q", r.texts())
	}

	e := r.onlyJob()
	if e.State != offline.StateDone || e.Result == nil || e.Result.Code != "0840" || !e.PrechecksOK || e.Forced ||
		e.ComparisonType != job.IDPhoto || e.LivenessFrames != 4 {
		t.Fatalf("queue entry %+v", e)
	}
	if e.CaptureOrigin != job.OriginImport {
		t.Errorf("an imported ID photo recorded as %q, want import", e.CaptureOrigin)
	}
	// Delivered, its images are purged (offline.purge_images_after 0): the audit log
	// keeps who enrolled it.
	if evs, err := r.a.Queue().Audit(offline.AuditFilter{Kind: offline.AuditEnrolled, JobID: e.ID}); err != nil ||
		len(evs) != 1 || evs[0].Operator != "amina" || evs[0].Detail != "" {
		t.Fatalf("audit: %+v, %v", evs, err)
	}
	if rec, known, err := r.sbx.sbx.Job("0001", e.ID); err != nil || !known || rec.Code != "0840" {
		t.Fatalf("the sandbox recorded %+v, %v, %v", rec, known, err)
	}
	if !r.has(ui.Tf("result.job", map[string]any{"ID": e.ID})) {
		t.Errorf("the result screen does not name job %s: %q", e.ID, r.texts())
	}
}

// The network is down: the job is sealed, the result screen says it is saved and will
// be sent; once the sandbox answers again the job is delivered (0840) and the queue
// screen shows the answer in words.
func TestEnrollmentOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	r := newEnrollRig(t, enrolltest.ReplayDir(t), importDir(t), false)
	r.start("CUST-A-0002", job.IDPhoto)
	r.waitText(ui.T("import.help"))
	r.waitText("id-photo.jpg  ·  KINGSTON") // listed off the UI goroutine
	r.tap("id-photo.jpg  ·  KINGSTON")
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.T("result.saved"))
	if !r.has(ui.T("result.saved-detail")) {
		t.Fatalf("offline result: %q", r.texts())
	}
	e := r.onlyJob()
	if e.State == offline.StateDone || e.Result != nil {
		t.Fatalf("delivered with the sandbox down: %+v", e)
	}
	j, err := r.a.Queue().Load(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.OperatorID != "amina" || !j.Training || j.KioskID != "kiosk-wire" || j.UserID != "CUST-A-0002" ||
		!j.Prechecks.Ran || !j.Prechecks.OK || len(j.Liveness) != 4 {
		t.Fatalf("sealed job: operator %q, training %v, kiosk %q, user %q, prechecks %+v",
			j.OperatorID, j.Training, j.KioskID, j.UserID, j.Prechecks)
	}
	if string(j.Comparison) != string(testimages.Read(t, enrolltest.Comparison)) {
		t.Error("the imported ID photo was not sealed as it is")
	}

	r.sbx.start()
	r.a.Sync().ConnectivityChanged()
	deadline := time.Now().Add(3 * time.Minute)
	for e = r.entryOf(e.ID); e.State != offline.StateDone; e = r.entryOf(e.ID) {
		if time.Now().After(deadline) || e.State == offline.StateFailed {
			t.Fatalf("not delivered once the sandbox is up: %+v", e)
		}
		time.Sleep(50 * time.Millisecond)
		r.a.Sync().ConnectivityChanged()
	}
	if e.Result == nil || e.Result.Code != "0840" {
		t.Fatalf("delivered: %+v", e.Result)
	}
	r.tap(ui.T("nav.home"))
	r.tap(ui.T("home.queue"))
	if !slices.ContainsFunc(r.texts(), func(s string) bool { return strings.Contains(s, ui.ResultText("0840")) }) {
		t.Fatalf("the queue screen does not show the answer: %q", r.texts())
	}
}

// The document scanned shows someone else: the review says the selfie does not match
// it and offers only the supervisor's seal; sealed with Zawadi's PIN, the job records
// the force and the audit log names her.
func TestEnrollmentDocumentOfSomeoneElse(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	inferencetest.SetOCRModels(t) // go test without make: the checkout's models
	camDir := enrolltest.ReplayDir(t)
	passportScenes(t, camDir)
	r := newEnrollRig(t, camDir, importDir(t), true)
	if got := r.a.Settings().DocumentCamera; got != "replay "+filepath.Join(camDir, replay.DocumentDir) {
		t.Errorf("the settings name the document camera %q", got)
	}
	r.start("CUST-A-0003", job.Document)
	r.waitText(ui.T("document.title"))
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	// The specimen expired on 2012-04-15: the review warns, with the sign and the word,
	// and shows the number read from the zone in full (there only).
	if !r.has(ui.Msg("precheck.document_expired", "Date", "2012-04-15")) || !r.has(ui.T("review.warning")) {
		t.Errorf("the review does not warn that the document expired: %q", r.texts())
	}
	if !r.has("L898902C3 · P · UTO") {
		t.Errorf("the review does not show the document number: %q", r.texts())
	}
	noMatch := slices.ContainsFunc(r.texts(), func(s string) bool {
		return strings.Contains(s, ui.Msg("precheck.no_match"))
	})
	if r.has(ui.T("check.match.ok")) || !noMatch {
		t.Fatalf("the review says the selfie matches someone else's document: %q", r.texts())
	}
	if !r.has(ui.T("review.failed")) {
		t.Fatalf("the review does not say a check failed: %q", r.texts())
	}
	if fake.FindButton(r.win.Canvas(), ui.T("review.seal")) != nil {
		t.Fatal("a failed job can be sealed without a supervisor")
	}
	r.tap(ui.T("review.force"))
	r.tapIf("Zawadi Mwangi") // the gate lists the supervisors (one here: chosen already)
	r.pin(supervisorPIN)
	r.waitFor("the answer", func() bool { return r.has(ui.ResultText("0841")) || r.has(ui.T("result.saved")) })
	e := r.onlyJob()
	if !e.Forced || e.PrechecksOK {
		t.Fatalf("queue entry %+v", e)
	}
	// The passport's zone was read: its type and country are in the job's local record
	// (which outlives the images, purged once the API answered).
	if e.Document == nil || *e.Document != (job.DocumentRecord{Format: "TD3", Type: "P", IssuingState: "UTO"}) {
		t.Fatalf("the document's record %+v", e.Document)
	}
	if e.CaptureOrigin != job.OriginAuto {
		t.Errorf("the document taken by the step recorded as %q, want auto", e.CaptureOrigin)
	}
	// The number is on the review screen only: not in the sealed job, its entry, nor on
	// the result screen.
	if j, err := r.a.Queue().Load(e.ID); err == nil { // (unless purged already, the answer in)
		if b, _ := json.Marshal(j); strings.Contains(string(b), "L898902C3") || j.CaptureOrigin != job.OriginAuto {
			t.Errorf("the sealed job: origin %q, number kept %v", j.CaptureOrigin, strings.Contains(string(b), "L898902C3"))
		}
	}
	if b, _ := json.Marshal(e); strings.Contains(string(b), "L898902C3") {
		t.Error("the queue entry keeps the document number")
	}
	for _, s := range r.texts() {
		if strings.Contains(s, "L898902C3") {
			t.Errorf("the result screen shows the document number: %q", s)
		}
	}
	if r.a.Settings().DocumentManualAfter != 20*time.Second {
		t.Errorf("Take it now after %v, want the default 20s", r.a.Settings().DocumentManualAfter)
	}
	evs, err := r.a.Queue().Audit(offline.AuditFilter{Kind: offline.AuditEnrolled, JobID: e.ID})
	if err != nil || len(evs) != 1 || evs[0].Operator != "amina" || !strings.Contains(evs[0].Detail, "allowed by supervisor zawadi") {
		t.Fatalf("audit: %+v, %v", evs, err)
	}
	if e.Result == nil || e.Result.Code != "0841" || !r.has(ui.ResultText("0841")) {
		t.Fatalf("the sandbox's answer %+v; the screen shows %q", e.Result, r.texts())
	}
}

// The service refuses a forced seal whose supervisor is not one.
func TestSealForcedNeedsSupervisor(t *testing.T) {
	r := newShellRig(t)
	if _, err := r.a.SignIn("amina", operatorPIN); err != nil {
		t.Fatal(err)
	}
	enr := newEnrollment(r.a)
	pc := job.Prechecks{Ran: true, Forced: true, Problems: []job.PrecheckProblem{{Image: "pair", Code: "no_match"}}}
	d := ui.Draft{JobID: "k-forced", UserID: "u", ComparisonType: job.Portrait}
	if err := enr.Seal(context.Background(), ui.SealRequest{Draft: d, Prechecks: pc}); !errors.Is(err, offline.ErrNotSupervisor) {
		t.Fatalf("forced without a supervisor: %v", err)
	}
	j := &job.Job{ID: "k-forced", UserID: "u", ComparisonType: job.Portrait, Prechecks: pc,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
	for i := range 4 {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
	}
	j.Prechecks.ForcedBy = "amina"
	if _, err := r.a.Seal(j); !errors.Is(err, offline.ErrNotSupervisor) {
		t.Fatalf("forced by an operator: %v", err)
	}
	j.Prechecks.ForcedBy = "zawadi"
	if _, err := r.a.Seal(j); err != nil {
		t.Fatalf("forced by a supervisor: %v", err)
	}
}

// The settings' preview shows the replay camera's frames at their size, then stops.
func TestSettingsPreview(t *testing.T) {
	r := newEnrollRig(t, enrolltest.ReplayDir(t), importDir(t), false)
	obj, stop := deps(r.a, clock.Real{}, nil).Preview.Preview(r.a.Settings().SelfieCamera) // r's pump runs the widgets' changes
	var img *canvas.Image
	fake.Walk(obj, func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Image); ok {
			img = x
		}
	})
	if img == nil {
		t.Fatal("no image in the preview")
	}
	r.waitFor("a frame", func() bool { return img.Image != nil })
	b := img.Image.Bounds()
	if b.Dx() < 100 || b.Dy() < 100 || !img.Visible() {
		t.Fatalf("preview frame %v, visible %v", b, img.Visible())
	}
	stop()
	for r.pump.one() {
	}
}

// passportScenes puts the passport specimen (someone else) in front of camDir's document
// camera: its data page on a desk, turned, glared, then held straight
// (enrolltest.DocumentScenes), as the card's gates want it.
func passportScenes(t *testing.T, camDir string) {
	t.Helper()
	spec, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := enrolltest.WriteDocument(camDir, spec); err != nil {
		t.Fatal(err)
	}
}

package ui_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// rig is a shell in a test window over fakes.
type rig struct {
	t     *testing.T
	clk   *clock.Fake
	deps  ui.Deps
	ops   *fake.Operators
	queue *fake.Queue
	win   *interceptWindow
	shell *ui.Shell
	quit  int
}

// interceptWindow records the close intercept (the test window never calls it).
type interceptWindow struct {
	fyne.Window
	intercept func()
}

func (w *interceptWindow) SetCloseIntercept(f func()) { w.intercept = f; w.Window.SetCloseIntercept(f) }

func newRig(t *testing.T, lang string, jobs ...ui.Job) *rig {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme())
	r := &rig{t: t, clk: clock.NewFake(t0)}
	r.deps = fake.Demo(r.clk, lang, false, false)
	r.ops = r.deps.Operators.(*fake.Operators)
	if jobs != nil {
		r.deps.Queue = fake.NewQueue(jobs...)
	}
	r.queue = r.deps.Queue.(*fake.Queue)
	r.deps.Quit = func() { r.quit++ }
	w := a.NewWindow("kiosk")
	w.Resize(fyne.NewSize(1024, 600))
	r.win = &interceptWindow{Window: w}
	var err error
	if r.shell, err = ui.NewShell(r.win, r.deps); err != nil {
		t.Fatal(err)
	}
	r.shell.Kiosk(true)
	t.Cleanup(func() { _ = ui.SetLanguage("en") })
	return r
}

func (r *rig) canvas() fyne.Canvas { return r.win.Canvas() }

// tap taps the button labelled text, failing the test when there is none.
func (r *rig) tap(text string) {
	r.t.Helper()
	b := fake.FindButton(r.canvas(), text)
	if b == nil {
		r.t.Fatalf("no button %q on screen %s; texts: %q", text, r.shell.Screen(), fake.Texts(r.canvas()))
	}
	test.Tap(b)
}

// pin taps the digits of pin, then OK.
func (r *rig) pin(pin string) {
	r.t.Helper()
	for _, d := range pin {
		r.tap(string(d))
	}
	r.tap(ui.T("pin.ok"))
}

func (r *rig) has(text string) bool { return slices.Contains(fake.Texts(r.canvas()), text) }

func (r *rig) hasPrefix(prefix string) bool {
	return slices.ContainsFunc(fake.Texts(r.canvas()), func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func (r *rig) signIn(name, pin string) {
	r.t.Helper()
	r.tap(name)
	r.pin(pin)
	if r.shell.Screen() != ui.ScreenHome {
		r.t.Fatalf("signing in as %s: on %s, texts %q", name, r.shell.Screen(), fake.Texts(r.canvas()))
	}
}

func TestSignInLockout(t *testing.T) {
	r := newRig(t, "en")
	r.tap("Amina Diallo")
	for i := 1; i <= fake.MaxFails; i++ {
		r.pin("999999")
		if r.shell.Screen() != ui.ScreenSignIn {
			t.Fatalf("wrong PIN %d signed in", i)
		}
		// Before the lock, each wrong PIN says how many tries are left.
		want := ui.Tf("signin.wrong-pin-left", map[string]any{"N": fake.MaxFails - i})
		if i == fake.MaxFails-1 {
			want = ui.T("signin.wrong-pin-last")
		}
		if i < fake.MaxFails && !r.has(want) {
			t.Fatalf("wrong PIN %d: no %q in %q", i, want, fake.Texts(r.canvas()))
		}
	}
	locked := func(left string) string {
		return ui.Tf("signin.locked", map[string]any{"Time": left})
	}
	if !r.has(locked("5 min")) {
		t.Fatalf("after %d wrong PINs: no lockout message with 5 min left in %q", fake.MaxFails, fake.Texts(r.canvas()))
	}
	// The right PIN during the lock is refused, and the message counts down.
	r.clk.Advance(90 * time.Second)
	r.pin(fake.OperatorPIN)
	if r.shell.Screen() != ui.ScreenSignIn {
		t.Fatal("the right PIN signed in during the lockout")
	}
	if !r.has(locked("3 min 30 s")) {
		t.Fatalf("during the lock: want 3 min 30 s left, texts %q", fake.Texts(r.canvas()))
	}
	r.clk.Advance(3*time.Minute + 29*time.Second)
	r.pin(fake.OperatorPIN)
	if r.shell.Screen() != ui.ScreenSignIn || !r.has(locked("1 s")) {
		t.Fatalf("one second before the end: screen %s, texts %q", r.shell.Screen(), fake.Texts(r.canvas()))
	}
	r.clk.Advance(time.Second)
	r.pin(fake.OperatorPIN)
	if r.shell.Screen() != ui.ScreenHome {
		t.Fatalf("after the lock: the right PIN left us on %s", r.shell.Screen())
	}
	if !r.has("Amina Diallo") || !r.has(ui.T("status.lock")) {
		t.Fatalf("status bar lacks the operator: %q", fake.Texts(r.canvas()))
	}
}

func TestIdleLock(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("Amina Diallo", fake.OperatorPIN) // idle lock 5 min in DemoSettings
	r.clk.Advance(4*time.Minute + 59*time.Second)
	r.shell.CheckIdle()
	if r.shell.Screen() != ui.ScreenHome {
		t.Fatalf("locked before 5 minutes: %s", r.shell.Screen())
	}
	r.tap(ui.T("home.queue")) // a touch starts the count again
	r.clk.Advance(4*time.Minute + 59*time.Second)
	r.shell.CheckIdle()
	if r.shell.Screen() != ui.ScreenQueue || r.shell.Session() == nil {
		t.Fatalf("a touch did not postpone the lock: %s", r.shell.Screen())
	}
	r.clk.Advance(time.Second)
	r.shell.CheckIdle()
	if !r.shell.Locked() || r.shell.Session() == nil {
		t.Fatalf("not locked 5 minutes after the last touch: %s", r.shell.Screen())
	}
	if !r.has(ui.T("lock.title")) || !r.has(ui.Tf("lock.idle", map[string]any{"Time": "5 min"})) {
		t.Fatalf("no lock screen with the idle message: %q", fake.Texts(r.canvas()))
	}
	if !slices.Equal(r.ops.Ended, []ui.EndReason{ui.EndIdle}) {
		t.Fatalf("sign-outs recorded: %v, want [idle-lock]", r.ops.Ended)
	}
	// Going anywhere needs the PIN again.
	if b := fake.FindButton(r.canvas(), ui.T("home.queue")); b != nil {
		t.Fatal("home buttons still reachable after the lock")
	}
	if fake.FindButton(r.canvas(), ui.T("status.lock")) != nil {
		t.Error("a Lock button on the lock screen")
	}
	// Another operator's PIN does not open it; the operator's own does, where it was.
	r.pin(fake.SupervisorPIN)
	if !r.shell.Locked() || !r.has(ui.Tf("signin.wrong-pin-left", map[string]any{"N": fake.MaxFails - 1})) {
		t.Fatalf("the lock opened with another PIN: %q", fake.Texts(r.canvas()))
	}
	r.pin(fake.OperatorPIN)
	if r.shell.Locked() || r.shell.Screen() != ui.ScreenQueue {
		t.Fatalf("after the PIN: locked %v on %s", r.shell.Locked(), r.shell.Screen())
	}
	// With nothing open, the operator may sign out from the lock screen.
	r.tap(ui.T("status.lock"))
	r.tap(ui.T("home.sign-out"))
	if r.shell.Screen() != ui.ScreenSignIn || r.shell.Session() != nil {
		t.Fatalf("sign out from the lock: %s", r.shell.Screen())
	}
	if !slices.Equal(r.ops.Ended, []ui.EndReason{ui.EndIdle, ui.EndLock, ui.EndSignOut}) {
		t.Fatalf("sign-outs recorded: %v, want [idle-lock lock sign-out]", r.ops.Ended)
	}
}

func allStateJobs() []ui.Job {
	var jobs []ui.Job
	for i, s := range ui.JobStates {
		j := ui.Job{ID: "job-" + s.String(), Created: t0.Add(-time.Duration(i+1) * time.Minute), State: s}
		switch s {
		case ui.JobDone:
			j.ResultCode = "0840"
		case ui.JobFailed:
			j.ErrorCode = "2413"
		case ui.JobSending:
			j.Progress = 0.25
		}
		jobs = append(jobs, j)
	}
	return jobs
}

func TestQueueScreen(t *testing.T) {
	r := newRig(t, "en", allStateJobs()...)
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.queue"))
	for _, s := range ui.JobStates {
		if !r.has(ui.StateText(s)) {
			t.Errorf("state %s (%q) not shown", s, ui.StateText(s))
		}
	}
	for _, want := range []string{ui.ResultText("0840"), ui.ErrorText("2413")} {
		if !r.has(want) {
			t.Errorf("outcome %q not shown", want)
		}
	}
	var bars []float64
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if p, ok := o.(*widget.ProgressBar); ok {
			bars = append(bars, p.Value)
		}
	})
	if !slices.Equal(bars, []float64{0.25}) {
		t.Errorf("progress bars %v, want one at 0.25 for the sending job", bars)
	}
	if fake.FindButton(r.canvas(), ui.T("queue.purge")) != nil {
		t.Error("an operator is offered Purge")
	}
	retries := func() int {
		n := 0
		fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == ui.T("queue.retry") {
				n++
			}
		})
		return n
	}
	if n := retries(); n != 3 { // failed, held, needs-operator
		t.Fatalf("%d Retry buttons, want 3", n)
	}
	// Newest first: the failed job's Retry is the first after the held one's? Find it by
	// tapping until the failed job is queued.
	before, _ := r.queue.Job("job-failed")
	if before.State != ui.JobFailed {
		t.Fatal("fixture: job-failed is not failed")
	}
	// The rows are newest first: held (3rd), needs-operator (4th), failed (5th).
	var buttons []*widget.Button
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == ui.T("queue.retry") {
			buttons = append(buttons, b)
		}
	})
	test.Tap(buttons[2])
	after, _ := r.queue.Job("job-failed")
	if after.State != ui.JobQueued {
		t.Fatalf("retry left the failed job %s", after.State)
	}
	if n := retries(); n != 2 {
		t.Fatalf("after a retry: %d Retry buttons, want 2", n)
	}
}

func TestQueuePurgeSupervisor(t *testing.T) {
	r := newRig(t, "en", allStateJobs()...)
	r.signIn("Fatou Ndiaye", fake.SupervisorPIN)
	r.tap(ui.T("home.queue"))
	var purges []*widget.Button
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == ui.T("queue.purge") {
			purges = append(purges, b)
		}
	})
	if len(purges) != 4 { // needs-operator, failed, quarantined, done
		t.Fatalf("%d Purge buttons for a supervisor, want 4", len(purges))
	}
	test.Tap(purges[len(purges)-1]) // the oldest: done
	r.tap(ui.T("common.yes"))
	if !slices.Equal(r.queue.Purged, []string{"job-done"}) {
		t.Fatalf("purged %v, want [job-done]", r.queue.Purged)
	}
}

// supervisorLiar lists an operator as a supervisor: the gate must still check the role
// of the session the store returns.
type supervisorLiar struct{ *fake.Operators }

func (l supervisorLiar) List() ([]ui.Operator, error) {
	ops, err := l.Operators.List()
	for i := range ops {
		ops[i].Role = ui.RoleSupervisor
	}
	return ops, err
}

func TestSettingsNeedSupervisor(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.settings"))
	if r.shell.Screen() != ui.ScreenHome || !r.has(ui.T("gate.settings.title")) {
		t.Fatalf("settings not behind the gate: screen %s", r.shell.Screen())
	}
	r.pin(fake.OperatorPIN) // the operator's PIN under the supervisor's name
	if r.shell.Screen() == ui.ScreenSettings {
		t.Fatal("an operator's PIN opened the settings")
	}
	if !r.has(ui.Tf("signin.wrong-pin-left", map[string]any{"N": fake.MaxFails - 1})) {
		t.Fatalf("no refusal shown: %q", fake.Texts(r.canvas()))
	}
	r.pin(fake.SupervisorPIN)
	if r.shell.Screen() != ui.ScreenSettings {
		t.Fatalf("the supervisor's PIN left us on %s", r.shell.Screen())
	}
	if !r.has(ui.T("settings.key-present")) || !r.has("https://testapi.smileidentity.com/v1") {
		t.Fatalf("settings lack the key state or the API URL: %q", fake.Texts(r.canvas()))
	}
}

func TestSettingsRefuseOperatorRole(t *testing.T) {
	r := newRig(t, "en")
	r.deps.Operators = supervisorLiar{r.ops}
	var err error
	if r.shell, err = ui.NewShell(r.win, r.deps); err != nil {
		t.Fatal(err)
	}
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.settings")) // the gate's list starts with Amina (claimed supervisor)
	r.pin(fake.OperatorPIN)
	if r.shell.Screen() == ui.ScreenSettings || !r.has(ui.T("gate.not-supervisor")) {
		t.Fatalf("an operator's session opened the settings (screen %s)", r.shell.Screen())
	}
}

func TestCloseAsksSupervisor(t *testing.T) {
	r := newRig(t, "en")
	if r.win.intercept == nil {
		t.Fatal("Kiosk did not set a close intercept")
	}
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.win.intercept()
	if !r.has(ui.T("gate.close.title")) {
		t.Fatal("closing did not ask for a supervisor")
	}
	r.tap(ui.T("common.cancel"))
	if r.quit != 0 || r.has(ui.T("gate.close.title")) {
		t.Fatal("cancel quit the app")
	}
	r.win.intercept()
	r.pin(fake.OperatorPIN)
	if r.quit != 0 {
		t.Fatal("an operator's PIN closed the app")
	}
	r.pin(fake.SupervisorPIN)
	if r.quit != 1 {
		t.Fatalf("the supervisor's PIN: quit called %d times, want 1", r.quit)
	}
	if !slices.Equal(r.ops.Ended, []ui.EndReason{ui.EndClose}) {
		t.Fatalf("sign-outs %v, want [close]", r.ops.Ended)
	}
}

func TestStatusBarAndAlerts(t *testing.T) {
	r := newRig(t, "en")
	st := fake.DemoStatus(t0, true, true)
	r.deps.Status.(*fake.Status).Set(st)
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.shell.Refresh()
	for _, want := range []string{
		ui.T("training.banner"), ui.T("status.halted"),
		ui.Tf("status.waiting", map[string]any{"N": st.Waiting}),
		st.Halt.Reason, // English shows the sync engine's own sentence
		ui.T("alert.disk.title"), ui.T("alert.queue.title"),
		ui.Tf("alert.camera.title", map[string]any{"Camera": ui.CameraName(ui.CameraDocument)}),
	} {
		if !r.has(want) {
			t.Errorf("home lacks %q", want)
		}
	}
}

// TestFrenchScreens visits every screen in French: no text an operator sees is an
// English sentence (one whose French differs) or a bare translation key.
func TestFrenchScreens(t *testing.T) {
	en, fr := readJSON(t, "en"), readJSON(t, "fr")
	english := map[string]string{}
	for k, v := range en {
		if fr[k] != v {
			english[v] = k
		}
	}
	// internal/messages' sentences too (the code-driven ones: results, errors, halts),
	// and their codes shown bare.
	for _, c := range messages.Codes("en") {
		if e := messages.Text("en", c); e != messages.Text("fr", c) {
			english[e] = c
		}
		en[c] = c
	}
	r := newRig(t, "fr", allStateJobs()...)
	r.deps.Status.(*fake.Status).Set(fake.DemoStatus(t0, true, true))
	r.shell.Refresh()
	check := func(where string) {
		t.Helper()
		// The status bar is on every screen.
		if !r.has(fr["status.halted"]) || !r.has(strings.ReplaceAll(fr["status.waiting"], "{{.N}}", "463")) {
			t.Errorf("%s: no status bar", where)
		}
		for _, s := range fake.Texts(r.canvas()) {
			if k, ok := english[s]; ok {
				t.Errorf("%s: English %q (key %s) on a French screen", where, s, k)
			}
			if _, ok := en[s]; ok {
				t.Errorf("%s: the key %q is shown instead of its translation", where, s)
			}
		}
	}
	check("sign-in")
	r.signIn("Fatou Ndiaye", fake.SupervisorPIN)
	check("home")
	for _, to := range []string{"home.queue", "home.status", "home.about"} {
		r.tap(fr[to])
		check(to)
		r.tap(fr["nav.home"])
	}
	r.tap(fr["home.settings"])
	check("gate")
	r.pin(fake.SupervisorPIN)
	if r.shell.Screen() != ui.ScreenSettings {
		t.Fatalf("settings did not open: %s", r.shell.Screen())
	}
	check("settings")
}

func readJSON(t *testing.T, code string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("translations/" + code + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewShellNeedsDeps(t *testing.T) {
	test.NewTempApp(t)
	d := fake.Demo(clock.NewFake(t0), "en", false, false)
	d.Queue, d.Clock = nil, nil
	_, err := ui.NewShell(test.NewWindow(nil), d)
	if err == nil || !strings.Contains(err.Error(), "Deps.Clock, Deps.Queue not set") {
		t.Fatalf("NewShell with no queue and no clock: %v", err)
	}
}

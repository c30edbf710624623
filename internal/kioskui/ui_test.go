package kioskui

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

const (
	operatorPIN   = "274915"
	supervisorPIN = "739146"
)

// shellRig is the real app (operator store, queue) behind the real shell on a test
// window, both on one fake clock.
type shellRig struct {
	t     *testing.T
	a     *app.App
	clk   *clock.Fake
	win   fyne.Window
	shell *ui.Shell
}

func newShellRig(t *testing.T) *shellRig {
	t.Helper()
	// Widget changes from the screens' goroutines (the settings' camera preview) are
	// queued instead of run at once: Fyne's test driver would run them on those
	// goroutines, beside the test's taps, and its text shaper is not safe for that.
	var p pump
	t.Cleanup(ui.ReplaceDo(p.do))
	dir := t.TempDir()
	c := config.Default()
	c.DataDir, c.KioskID = dir, "kiosk-ui"
	c.LocalAPI.Socket, c.LocalAPI.Group = filepath.Join(dir, "kiosk.sock"), strconv.Itoa(os.Getegid())
	c.Offline.MinFreeDiskMB = -1
	c.UI.ImportDirs = []string{filepath.Join(dir, "import")}
	clk := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	a, err := app.New(app.Options{Config: c, Clock: clk, NoCameras: true, NoNetwatch: true, ExternalIdleLock: true, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ops := a.Queue().Operators(offline.OperatorOptions{})
	for _, n := range []offline.NewOperator{{ID: "amina", Name: "Amina Diallo", Role: offline.RoleOperator, PIN: operatorPIN},
		{ID: "zawadi", Name: "Zawadi Mwangi", Role: offline.RoleSupervisor, PIN: supervisorPIN}} {
		if _, err := ops.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	fa := test.NewTempApp(t)
	fa.Settings().SetTheme(ui.Theme())
	w := fa.NewWindow("kiosk")
	w.Resize(fyne.NewSize(1024, 600))
	shell, err := ui.NewShell(w, deps(a, clk, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ui.SetLanguage("en") })
	return &shellRig{t: t, a: a, clk: clk, win: w, shell: shell}
}

func (r *shellRig) tap(text string) {
	r.t.Helper()
	b := fake.FindButton(r.win.Canvas(), text)
	if b == nil {
		r.t.Fatalf("no button %q on %s; texts %q", text, r.shell.Screen(), fake.Texts(r.win.Canvas()))
	}
	test.Tap(b)
}

func (r *shellRig) pin(p string) {
	r.t.Helper()
	for _, d := range p {
		r.tap(string(d))
	}
	r.tap(ui.T("pin.ok"))
}

func (r *shellRig) audit(kind string) []offline.AuditEvent {
	r.t.Helper()
	evs, err := r.a.Queue().Audit(offline.AuditFilter{Kind: kind})
	if err != nil {
		r.t.Fatal(err)
	}
	return evs
}

// The shell over the real app: the store's lockout shows on the sign-in screen and
// ends on the clock; the supervisor gate checks a supervisor's PIN without taking
// over the operator's session; the shell's idle lock locks the app's session; every
// step is in the audit log.
func TestShellOverTheApp(t *testing.T) {
	r := newShellRig(t)
	r.tap("Amina Diallo")
	for range 5 {
		r.pin("999999")
	}
	if r.shell.Screen() != ui.ScreenSignIn || len(r.audit(offline.AuditLockout)) != 1 {
		t.Fatalf("after 5 wrong PINs: screen %s, lockouts %v", r.shell.Screen(), r.audit(offline.AuditLockout))
	}
	if !slices.Contains(fake.Texts(r.win.Canvas()), ui.Tf("signin.locked", map[string]any{"Time": "5 min"})) {
		t.Fatalf("no lockout message: %q", fake.Texts(r.win.Canvas()))
	}
	r.pin(operatorPIN)
	if r.shell.Screen() != ui.ScreenSignIn {
		t.Fatal("the right PIN signed in during the lock")
	}
	r.clk.Advance(5 * time.Minute)
	r.pin(operatorPIN)
	if r.shell.Screen() != ui.ScreenHome {
		t.Fatalf("after the lock: on %s, %q", r.shell.Screen(), fake.Texts(r.win.Canvas()))
	}
	if s, ok := r.a.Session(); !ok || s.Operator.ID != "amina" || s.Locked {
		t.Fatalf("app session = %+v", s)
	}

	r.tap(ui.T("home.settings"))
	r.pin(supervisorPIN) // the gate's list holds the one supervisor
	if r.shell.Screen() != ui.ScreenSettings {
		t.Fatalf("the supervisor's PIN left us on %s: %q", r.shell.Screen(), fake.Texts(r.win.Canvas()))
	}
	if s, _ := r.a.Session(); s.Operator.ID != "amina" {
		t.Fatalf("the gate took over the session: %+v", s)
	}
	if evs := r.audit(offline.AuditAuthorized); len(evs) != 1 || evs[0].Operator != "zawadi" {
		t.Fatalf("gate audit = %+v", evs)
	}

	// A job sealed under the session shows on the queue screen's source.
	j := &job.Job{ID: "ui-job-1", UserID: "u1", ComparisonType: job.Portrait,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
	for i := range 4 {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
	}
	if _, err := r.a.Seal(j); err != nil {
		t.Fatal(err)
	}
	jobs, err := uiQueue{r.a}.Jobs()
	if err != nil || len(jobs) != 1 || jobs[0].ID != "ui-job-1" || jobs[0].State != ui.JobQueued {
		t.Fatalf("queue = %+v, %v", jobs, err)
	}
	if st := newUIStatus(r.a).Status(); st.Waiting != 1 || st.QueueLimit != 1000 || st.Training {
		t.Fatalf("status = %+v", st)
	}

	r.clk.Advance(5 * time.Minute)
	r.shell.CheckIdle()
	if !r.shell.Locked() {
		t.Fatalf("not locked after 5 idle minutes: %s", r.shell.Screen())
	}
	if s, _ := r.a.Session(); !s.Locked {
		t.Fatal("the shell's idle lock did not lock the app's session")
	}
	if evs := r.audit(offline.AuditSessionLocked); len(evs) != 1 || evs[0].Operator != "amina" {
		t.Fatalf("lock audit = %+v", evs)
	}
	// Amina's PIN resumes her session where it was.
	r.pin(operatorPIN)
	if r.shell.Locked() || r.shell.Screen() != ui.ScreenSettings {
		t.Fatalf("resume: locked %v on %s", r.shell.Locked(), r.shell.Screen())
	}
	if s, _ := r.a.Session(); s.Locked || s.Operator.ID != "amina" {
		t.Fatalf("app session after the resume = %+v", s)
	}
	// Locked again, a supervisor's PIN is checked for one action (ending what the
	// session holds) without taking the session over; then the end is recorded.
	r.tap(ui.T("status.lock"))
	ops := uiOperators{r.a}
	if _, err := ops.SignIn("zawadi", supervisorPIN); err != nil {
		t.Fatal(err)
	}
	if s, _ := r.a.Session(); !s.Locked || s.Operator.ID != "amina" {
		t.Fatalf("the supervisor's PIN took over the locked session: %+v", s)
	}
	if evs := r.audit(offline.AuditAuthorized); len(evs) != 2 || evs[1].Operator != "zawadi" {
		t.Fatalf("gate audit = %+v", evs)
	}
	ops.SignOut(*r.shell.Session(), ui.EndSupervisor)
	if _, ok := r.a.Session(); ok {
		t.Fatal("the session is still open")
	}
	if evs := r.audit(offline.AuditSignOut); len(evs) != 1 || evs[0].Operator != "amina" || !strings.Contains(evs[0].Detail, "supervisor") {
		t.Fatalf("sign-out audit = %+v", evs)
	}
}

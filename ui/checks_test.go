package ui_test

import (
	"errors"
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

// pending are the checks' screen changes (their fyne.Do), run by waitShown on the
// test's goroutine.
var pending = make(chan func(), 16)

// waitShown runs the checks' screen changes until text is on screen (10 s at most: a
// bound against a hung test, not a measure of speed).
func waitShown(r *rig, text string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !r.has(text) {
		if time.Now().After(deadline) {
			r.t.Fatalf("waiting for %q: screen shows %q", text, fake.Texts(r.canvas()))
		}
		select {
		case f := <-pending:
			f()
		case <-time.After(time.Millisecond):
		}
	}
}

// newRigWith is newRig with deps changed by edit before the shell is built.
func newRigWith(t *testing.T, lang string, edit func(*ui.Deps)) *rig {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(ui.Theme())
	r := &rig{t: t, clk: clock.NewFake(t0)}
	r.deps = fake.Demo(r.clk, lang, false, false)
	r.ops = r.deps.Operators.(*fake.Operators)
	r.queue = r.deps.Queue.(*fake.Queue)
	edit(&r.deps)
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

// runHeld taps Run checks and lets the run end once the screen says it runs.
func runHeld(r *rig, c *fake.Checks) {
	r.t.Helper()
	started := c.Hold()
	r.tap(ui.T("status.run-checks"))
	<-started
	waitShown(r, ui.T("status.checks-running"))
	c.Release()
}

// apiText is the API check's finding and fix in lang (the current language).
func apiText(c *fake.Checks, lang string) string {
	a := c.Results[len(c.Results)-1]
	return messages.Text(lang, "doctor."+a.Finding, a.Args...) + "\n" +
		ui.Tf("status.check-fix", map[string]any{"Fix": messages.Text(lang, "doctor.screen.api.check-network")})
}

func checksRig(t *testing.T, lang string, c *fake.Checks) *rig {
	t.Helper()
	t.Cleanup(ui.SetDo(func(f func()) { pending <- f }))
	r := newRigWith(t, lang, func(d *ui.Deps) { d.Checks = c })
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.status"))
	return r
}

func TestStatusChecks(t *testing.T) {
	c := fake.DemoChecks()
	r := checksRig(t, "en", c)
	if !r.has(ui.T("status.checks-none")) || c.Runs() != 0 {
		t.Fatalf("the checks ran before the button (%d runs); texts %q", c.Runs(), fake.Texts(r.canvas()))
	}
	started := c.Hold()
	r.tap(ui.T("status.run-checks"))
	<-started
	waitShown(r, ui.T("status.checks-running"))
	b := fake.FindButton(r.canvas(), ui.T("status.run-checks"))
	if b == nil || !b.Disabled() {
		t.Fatal("the button is not disabled while the checks run")
	}
	r.shell.Refresh() // a status refresh does not run them again
	c.Release()
	// The API's row is the last one drawn.
	waitShown(r, apiText(c, "en"))
	if c.Runs() != 1 {
		t.Fatalf("%d runs, want 1", c.Runs())
	}
	if b := fake.FindButton(r.canvas(), ui.T("status.run-checks")); b == nil || b.Disabled() {
		t.Fatal("the button stays disabled after the run")
	}
	// Each check: its level in its colour, its finding and its fix.
	levels := map[string]widget.Importance{}
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			levels[l.Text] = l.Importance
		}
	})
	for lv, imp := range map[ui.Level]widget.Importance{ui.LevelOK: widget.SuccessImportance, ui.LevelWarn: widget.WarningImportance, ui.LevelFail: widget.DangerImportance} {
		if got, ok := levels[ui.LevelText(lv)]; !ok || got != imp {
			t.Errorf("level %q shown %v with importance %v, want %v", ui.LevelText(lv), ok, got, imp)
		}
	}
	if c.Results[5].Name != "disk" {
		t.Fatalf("demo check 5 is %s, not disk", c.Results[5].Name)
	}
	disk := messages.Text("en", "doctor.disk.low", c.Results[5].Args...) + "\n" +
		ui.Tf("status.check-fix", map[string]any{"Fix": messages.Text("en", "doctor.screen.disk.free")})
	if !r.has(disk) {
		t.Errorf("no disk finding and fix %q; texts %q", disk, fake.Texts(r.canvas()))
	}
	if !strings.Contains(disk, "150 MB free on /var/lib/kiosk-agent") {
		t.Errorf("the disk's arguments are not filled: %q", disk)
	}
	if !r.has(messages.Text("en", "doctor.kiosk.ok")) {
		t.Error("the kiosk's finding is not shown")
	}

	// A failed run says so.
	c.Err = errors.New("boom")
	runHeld(r, c)
	waitShown(r, ui.T("status.checks-failed"))
}

// The checks on a French screen are French: no English sentence of the catalog.
func TestStatusChecksFrench(t *testing.T) {
	c := fake.DemoChecks()
	r := checksRig(t, "fr", c)
	runHeld(r, c)
	waitShown(r, apiText(c, "fr"))
	english := map[string]bool{}
	for _, code := range messages.Codes("en") {
		if strings.HasPrefix(code, "doctor.") && messages.Text("en", code) != messages.Text("fr", code) {
			english[messages.Text("en", code)] = true
		}
	}
	en := readJSON(t, "en")
	fr := readJSON(t, "fr")
	for k, v := range en {
		if strings.HasPrefix(k, "status.") && fr[k] != v {
			english[v] = true
		}
	}
	for _, s := range fake.Texts(r.canvas()) {
		for e := range english {
			if strings.Contains(s, e) {
				t.Errorf("English %q on the French screen (in %q)", e, s)
			}
		}
	}
	if !r.has(apiText(c, "fr")) || !strings.Contains(apiText(c, "fr"), "injoignable") {
		t.Errorf("no French API finding; texts %q", fake.Texts(r.canvas()))
	}
}

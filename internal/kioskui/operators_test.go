package kioskui

import (
	"slices"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// Over the real operator store: wrong PINs say how many tries are left, the lockout
// says to ask a supervisor, and that is true: the supervisor unlocks the operator from
// the settings (audited with the supervisor's id) and the operator signs in with the
// same PIN.
func TestUnlockOverTheApp(t *testing.T) {
	r := newShellRig(t)
	texts := func() []string { return fake.Texts(r.win.Canvas()) }
	r.tap("Amina Diallo")
	r.pin("999999")
	if want := ui.Tf("signin.wrong-pin-left", map[string]any{"N": 4}); !slices.Contains(texts(), want) {
		t.Fatalf("first wrong PIN: no %q in %q", want, texts())
	}
	for range 4 {
		r.pin("999999")
	}
	if !slices.Contains(texts(), ui.Tf("signin.locked", map[string]any{"Time": "5 min"})) {
		t.Fatalf("no lockout message: %q", texts())
	}
	r.tap("Zawadi Mwangi")
	r.pin(supervisorPIN)
	r.tap(ui.T("home.settings"))
	r.pin(supervisorPIN)
	r.tap(ui.T("settings.operators"))
	if !slices.Contains(texts(), ui.Tf("operators.locked", map[string]any{"Time": "5 min"})) {
		t.Fatalf("the operators page does not show the lock: %q", texts())
	}
	r.tap(ui.T("operators.unlock"))
	ev := r.audit(offline.AuditOperatorUnlocked)
	if len(ev) != 1 || ev[0].Operator != "amina" || !strings.Contains(ev[0].Detail, "by zawadi") {
		t.Fatalf("unlock audit %+v: want amina, by zawadi", ev)
	}
	r.tap(ui.T("nav.home"))
	r.tap(ui.T("home.sign-out"))
	r.tap("Amina Diallo")
	r.pin(operatorPIN)
	if r.shell.Screen() != ui.ScreenHome {
		t.Fatalf("Amina cannot sign in after the unlock: %s %q", r.shell.Screen(), texts())
	}
	// The last supervisor cannot be disabled (nobody could unlock anyone after).
	if _, err := r.a.DisableOperator("zawadi", "test"); err == nil {
		t.Fatal("the last supervisor was disabled")
	}
}

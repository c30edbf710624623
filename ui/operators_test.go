package ui_test

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// openOperators signs the supervisor in and opens Settings, then Operators, through
// the supervisor gate.
func (r *rig) openOperators() {
	r.t.Helper()
	r.signIn("Fatou Ndiaye", fake.SupervisorPIN)
	r.tap(ui.T("home.settings"))
	r.pin(fake.SupervisorPIN)
	if r.shell.Screen() != ui.ScreenSettings {
		r.t.Fatalf("the gate did not open the settings: %s", r.shell.Screen())
	}
	r.tap(ui.T("settings.operators"))
	if r.shell.Screen() != ui.ScreenOperators {
		r.t.Fatalf("not on the operators page: %s", r.shell.Screen())
	}
}

// An operator locked out by wrong PINs is unlocked by a supervisor from the settings,
// by taps only, and signs in with the same PIN; the change names the supervisor.
func TestUnlockFromSettings(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			r := newRig(t, lang)
			r.tap("Amina Diallo")
			for range fake.MaxFails {
				r.pin("999999")
			}
			locked := ui.Tf("signin.locked", map[string]any{"Time": ui.DurationText(fake.FirstLock)})
			if !r.has(locked) {
				t.Fatalf("no lockout message %q: %q", locked, fake.Texts(r.canvas()))
			}
			r.openOperators()
			state := ui.Tf("operators.locked", map[string]any{"Time": ui.DurationText(fake.FirstLock)})
			if !r.has(state) {
				t.Fatalf("the operators page does not say Amina is locked (%q): %q", state, fake.Texts(r.canvas()))
			}
			r.tap(ui.T("operators.unlock"))
			if !r.has(ui.Tf("operators.unlocked", map[string]any{"Name": "Amina Diallo"})) || r.has(state) {
				t.Fatalf("after Unlock: %q", fake.Texts(r.canvas()))
			}
			if fake.FindButton(r.canvas(), ui.T("operators.unlock")) != nil {
				t.Fatal("Unlock still offered once nobody is locked")
			}
			if want := []fake.Change{{What: "unlock", ID: "op-1", By: "sup-1"}}; !slices.Equal(r.ops.Changes, want) {
				t.Fatalf("changes %+v, want %+v", r.ops.Changes, want)
			}
			r.tap(ui.T("nav.home"))
			r.tap(ui.T("home.sign-out"))
			r.signIn("Amina Diallo", fake.OperatorPIN)
		})
	}
}

// A supervisor resets a PIN: entered twice on the pad; two different PINs and a weak
// one are refused with a sentence, and the pad asks again.
func TestResetPINTwice(t *testing.T) {
	r := newRig(t, "en")
	r.openOperators()
	rows := fake.FindButtons(r.canvas(), ui.T("operators.reset-pin"))
	if len(rows) != 3 {
		t.Fatalf("%d Reset PIN buttons, want one per operator (3)", len(rows))
	}
	test.Tap(rows[0]) // sorted by name: Amina Diallo first
	if !r.has(ui.Tf("operators.reset-title", map[string]any{"Name": "Amina Diallo"})) {
		t.Fatalf("no reset title: %q", fake.Texts(r.canvas()))
	}
	r.pin("402817")
	if !r.has(ui.Tf("operators.pin-again", map[string]any{"OK": ui.T("pin.ok")})) {
		t.Fatalf("the pad does not ask again: %q", fake.Texts(r.canvas()))
	}
	r.pin("402818")
	if !r.has(ui.T("operators.pin-differ")) {
		t.Fatalf("two different PINs accepted: %q", fake.Texts(r.canvas()))
	}
	r.pin("777777")
	r.pin("777777")
	if !r.has(ui.T("operators.weak-pin") + " " + ui.Tf("operators.pin-first", map[string]any{"OK": ui.T("pin.ok")})) {
		t.Fatalf("a weak PIN is not refused in words: %q", fake.Texts(r.canvas()))
	}
	if len(r.ops.Changes) != 0 {
		t.Fatalf("changes before a good PIN: %+v", r.ops.Changes)
	}
	r.pin("402817")
	r.pin("402817")
	if !r.has(ui.Tf("operators.pin-reset", map[string]any{"Name": "Amina Diallo"})) {
		t.Fatalf("no confirmation: %q", fake.Texts(r.canvas()))
	}
	if want := []fake.Change{{What: "reset-pin", ID: "op-1", By: "sup-1"}}; !slices.Equal(r.ops.Changes, want) {
		t.Fatalf("changes %+v, want %+v", r.ops.Changes, want)
	}
	r.tap(ui.T("nav.home"))
	r.tap(ui.T("home.sign-out"))
	r.signIn("Amina Diallo", "402817")
}

// A supervisor adds an operator on the on-screen keyboard and the PIN pad, then
// disables another; the last supervisor cannot disable themselves.
func TestAddAndDisableOperators(t *testing.T) {
	r := newRig(t, "en")
	r.openOperators()
	if fake.FindButton(r.canvas(), ui.T("operators.disable")) == nil {
		t.Fatal("no Disable button")
	}
	if n := len(fake.FindButtons(r.canvas(), ui.T("operators.disable"))); n != 2 {
		t.Fatalf("%d Disable buttons: want 2 (not the supervisor's own)", n)
	}
	r.tap(ui.T("operators.add"))
	fields := textFields(r.canvas())
	if len(fields) != 2 {
		t.Fatalf("%d text fields on the add page, want 2", len(fields))
	}
	test.Tap(fields[0])
	if !r.shell.KeyboardVisible() {
		t.Fatal("no on-screen keyboard for the id")
	}
	r.keys("kofi.m")
	test.Tap(fields[1])
	r.keys("Kofi Mensah")
	r.tap(ui.T("role.supervisor"))
	r.tap(ui.T("operators.choose-pin"))
	r.pin("580362")
	r.pin("580362")
	if r.shell.Screen() != ui.ScreenOperators || !r.has(ui.Tf("operators.added", map[string]any{"Name": "Kofi Mensah"})) || !r.has("Kofi Mensah") {
		t.Fatalf("after adding: %s %q", r.shell.Screen(), fake.Texts(r.canvas()))
	}
	all, _ := r.ops.All()
	i := slices.IndexFunc(all, func(o ui.OperatorInfo) bool { return o.ID == "kofi.m" })
	if i < 0 || all[i].Name != "Kofi Mensah" || all[i].Role != ui.RoleSupervisor {
		t.Fatalf("operators %+v", all)
	}
	// Disable Jean-Baptiste (the second row's Disable: Amina, Fatou has none, Jean-Baptiste, Kofi).
	test.Tap(fake.FindButtons(r.canvas(), ui.T("operators.disable"))[1])
	r.tap(ui.T("common.yes"))
	if !r.has(ui.Tf("operators.disabled-done", map[string]any{"Name": "Jean-Baptiste Kouassi"})) || !r.has(ui.T("operators.disabled")) {
		t.Fatalf("after Disable: %q", fake.Texts(r.canvas()))
	}
	want := []fake.Change{{What: "add", ID: "kofi.m", By: "sup-1"}, {What: "disable", ID: "op-2", By: "sup-1"}}
	if !slices.Equal(r.ops.Changes, want) {
		t.Fatalf("changes %+v, want %+v", r.ops.Changes, want)
	}
	r.tap(ui.T("nav.home"))
	r.tap(ui.T("home.sign-out"))
	if r.has("Jean-Baptiste Kouassi") {
		t.Fatal("a disabled operator is still offered at sign-in")
	}
}

func textFields(c fyne.Canvas) []*ui.TextField {
	var out []*ui.TextField
	fake.WalkCanvas(c, func(o fyne.CanvasObject) {
		if f, ok := o.(*ui.TextField); ok {
			out = append(out, f)
		}
	})
	return out
}

// A PIN the store refuses for a pattern is refused in words that say which, in the
// operator's language.
func TestWeakPINSaysWhy(t *testing.T) {
	defer ui.SetLanguage("en")
	for _, lang := range []string{"en", "fr"} {
		ui.SetLanguage(lang)
		got := ui.OperatorError(&ui.WeakPINError{Rule: "keypad"})
		want := ui.Tf("operators.weak-pin-why", map[string]any{"Why": ui.Msg("pin.keypad")})
		if got != want || !strings.Contains(got, "147258") {
			t.Fatalf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := ui.OperatorError(ui.ErrWeakPIN); got != ui.T("operators.weak-pin") {
		t.Fatalf("a refusal without its rule: %q", got)
	}
}

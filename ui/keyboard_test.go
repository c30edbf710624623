package ui_test

import (
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// iconButton is the visible button with no text and the icon named like icon.
func iconButton(c fyne.Canvas, icon fyne.Resource) *widget.Button {
	var b *widget.Button
	fake.WalkCanvas(c, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && b == nil && x.Text == "" && x.Icon != nil && x.Icon.Name() == icon.Name() {
			b = x
		}
	})
	return b
}

// keys types text on the on-screen keyboard, tapping Shift when the case is not the
// keyboard's.
func (r *rig) keys(text string) {
	r.t.Helper()
	for _, c := range text {
		label := string(c)
		if c == ' ' {
			label = ui.T("keyboard.space")
		}
		b := fake.FindButton(r.canvas(), label)
		if b == nil && unicode.IsLetter(c) {
			shift := iconButton(r.canvas(), theme.MoveUpIcon())
			if shift == nil {
				r.t.Fatalf("no Shift key on screen: %q", fake.Texts(r.canvas()))
			}
			test.Tap(shift)
			b = fake.FindButton(r.canvas(), label)
		}
		if b == nil {
			r.t.Fatalf("no key %q on the keyboard: %q", label, fake.Texts(r.canvas()))
		}
		test.Tap(b)
	}
}

// letterRow is the first row of letters the keyboard shows.
func (r *rig) letterRow() string {
	var row strings.Builder
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && len([]rune(b.Text)) == 1 && unicode.IsLetter([]rune(b.Text)[0]) && row.Len() < 10 {
			row.WriteString(strings.ToLower(b.Text))
		}
	})
	return row.String()
}

func TestKeyboard(t *testing.T) {
	for _, tc := range []struct{ lang, row string }{{"en", "qwertyuiop"}, {"fr", "azertyuiop"}} {
		t.Run(tc.lang, func(t *testing.T) {
			r := newWizardRigIn(t, fake.Scenario{}, tc.lang)
			r.signIn("Amina Diallo", fake.OperatorPIN)
			if r.shell.KeyboardVisible() {
				t.Fatal("a keyboard on the home screen, with no text field")
			}
			r.tap(ui.T("home.new"))
			r.tap(ui.T("consent.agree"))
			if !r.shell.KeyboardVisible() {
				t.Fatal("the id field has the focus and no keyboard shows")
			}
			if got := r.letterRow(); got != tc.row {
				t.Errorf("first letter row %q, want %q", got, tc.row)
			}
			// Every key is large enough for a finger, at the kiosk's 1024x600.
			r.canvas().Content().Refresh()
			n := 0
			fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
				b, ok := o.(*widget.Button)
				if !ok || b.Size().Height == 0 { // the status bar, drawn anew, is laid out later
					return
				}
				if h := b.Size().Height; h < ui.MinTarget {
					t.Errorf("button %q is %.0f high, under %d", b.Text, h, ui.MinTarget)
				}
				n++
			})
			if n < 40 {
				t.Errorf("%d buttons on screen: the keyboard is not all there", n)
			}
			r.fits("customer with the keyboard")
			f := r.entry()
			// Capitals first for an id; Shift gives small letters; digits and signs.
			r.keys("AB")
			test.Tap(iconButton(r.canvas(), theme.MoveUpIcon()))
			r.keys("c-1_./@'")
			if f.Text != "ABc-1_./@'" {
				t.Fatalf("typed %q", f.Text)
			}
			test.Tap(iconButton(r.canvas(), theme.NavigateBackIcon()))
			if f.Text != "ABc-1_./@" {
				t.Fatalf("after backspace: %q", f.Text)
			}
			r.tap(ui.T("keyboard.clear"))
			if f.Text != "" {
				t.Fatalf("after Clear: %q", f.Text)
			}
			if tc.lang == "fr" {
				r.keys("éèçà")
				if strings.ToLower(f.Text) != "éèçà" {
					t.Fatalf("French letters typed as %q", f.Text)
				}
				r.tap(ui.T("keyboard.clear"))
			}
			// A physical keyboard types into the same field.
			test.Type(f, "X9")
			if f.Text != "X9" {
				t.Fatalf("typed on a physical keyboard: %q", f.Text)
			}
			// Done on the screen's only field hides the keyboard.
			r.tap(ui.T("keyboard.done"))
			if r.shell.KeyboardVisible() {
				t.Fatal("Done did not hide the keyboard")
			}
			// Tapping the field brings it back; tapping outside any button hides it.
			test.Tap(f)
			if !r.shell.KeyboardVisible() {
				t.Fatal("tapping the field did not bring the keyboard back")
			}
			test.TapCanvas(r.canvas(), fyne.NewPos(8, 120)) // beside the field, on no button
			if r.shell.KeyboardVisible() {
				t.Fatal("a tap outside the field left the keyboard up")
			}
		})
	}
}

package ui

import (
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

func TestMain(m *testing.M) {
	if err := SetLanguage("en"); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// TestTouchTargets measures, with the kiosk theme, every kind of widget an operator
// touches: none is lower than MinTarget.
func TestTouchTargets(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Theme())
	targets := map[string]fyne.CanvasObject{
		"button":           widget.NewButton("OK", nil),
		"button with icon": widget.NewButtonWithIcon("Queue", theme.HomeIcon(), nil),
		"select":           widget.NewSelect([]string{"English", "Français"}, nil),
		"entry":            widget.NewEntry(),
		"check":            widget.NewCheck("Yes", nil),
	}
	for name, o := range targets {
		w := test.NewWindow(o)
		if h := o.MinSize().Height; h < MinTarget {
			t.Errorf("%s: %v high, want at least %d", name, h, MinTarget)
		}
		w.Close()
	}
	// Without the theme the same button is too small: the test can fail.
	a.Settings().SetTheme(test.Theme())
	if h := widget.NewButton("OK", nil).MinSize().Height; h >= MinTarget {
		t.Logf("note: the test theme's button is already %v high", h)
	}
}

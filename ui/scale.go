package ui

import (
	"math"
	"os"
	"strconv"

	"fyne.io/fyne/v2"
)

// The screens are drawn for the kiosk's 1024x600 touch screen (in Fyne units). On a
// larger screen the shell in kiosk mode chooses Fyne's scale from the screen's size in
// pixels, so that the same layout fills it (1.8 at 1920x1080: larger text, keys,
// preview and thumbnails) instead of leaving most of the screen empty. FYNE_SCALE set
// in the environment when the kiosk starts wins.

// designSize is the screen the layouts are drawn for, in Fyne units.
var designSize = fyne.NewSize(1024, 600)

// ScaleFor is the Fyne scale that lays the screens out on a screen of px pixels as on
// the 1024x600 screen they are drawn for: the largest tenth at which 1024x600 units fit,
// at least 1 (touch targets stay at least MinTarget pixels) and at most 3.
func ScaleFor(px fyne.Size) float32 {
	s := min(px.Width/designSize.Width, px.Height/designSize.Height)
	s = float32(math.Floor(float64(s)*10+1e-3)) / 10
	return max(1, min(3, s))
}

// scaleLayout holds the shell's content and, once the shell is in kiosk mode, makes
// Fyne's scale follow the screen's size (ScaleFor).
type scaleLayout struct {
	s *Shell
	// on is set by Shell.Kiosk unless FYNE_SCALE was set when the kiosk started.
	on bool
	// user is the factor given to Fyne through FYNE_SCALE (Fyne multiplies it by the
	// scale it detects from the monitor's density, detected).
	user, detected float32
}

func (l *scaleLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if !l.on {
		return
	}
	c := l.s.win.Canvas()
	scale, cs := c.Scale(), c.Size() // the whole canvas (the content is padded)
	if scale <= 0 || cs.Width <= 0 || cs.Height <= 0 {
		return // not on screen yet
	}
	if l.detected == 0 {
		// Before any FYNE_SCALE of ours, Fyne's scale is the monitor's density alone.
		l.detected = scale
	}
	want := ScaleFor(fyne.NewSize(cs.Width*scale, cs.Height*scale))
	user := want / l.detected
	if math.Abs(float64(user-l.user)) < 0.01 || math.IsNaN(float64(user)) || user < 0.5 || user > 4 {
		return
	}
	l.user = user
	os.Setenv("FYNE_SCALE", strconv.FormatFloat(float64(l.user), 'f', 2, 32))
	// Fyne reads FYNE_SCALE again when its settings change: re-apply the theme, after
	// this layout pass.
	go fyne.Do(func() {
		st := fyne.CurrentApp().Settings()
		st.SetTheme(st.Theme())
	})
}

func (l *scaleLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
)

// MinTarget is the smallest height, in Fyne units (pixels at scale 1), of anything an
// operator touches. The theme's sizes give it to every button, entry and select; a
// test measures them.
const MinTarget = 48

// kioskTheme is Fyne's default theme with larger text and padding, so that every touch
// target is at least MinTarget high, and a light variant whatever the system says
// (kiosks stand in bright branches).
type kioskTheme struct{ base fyne.Theme }

// Theme is the kiosk's theme.
func Theme() fyne.Theme { return kioskTheme{base: theme.DefaultTheme()} }

func (t kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary:
		return color.NRGBA{R: 0x0b, G: 0x5c, B: 0xad, A: 0xff}
	case theme.ColorNameWarning:
		return color.NRGBA{R: 0xb3, G: 0x5c, B: 0x00, A: 0xff}
	case theme.ColorNameError:
		return color.NRGBA{R: 0xc0, G: 0x1c, B: 0x28, A: 0xff}
	case theme.ColorNameSuccess:
		return color.NRGBA{R: 0x1a, G: 0x7f, B: 0x37, A: 0xff}
	}
	return t.base.Color(n, theme.VariantLight)
}

func (t kioskTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.base.Font(s) }
func (t kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

func (t kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 18
	case theme.SizeNameHeadingText:
		return 26
	case theme.SizeNameSubHeadingText:
		return 21
	case theme.SizeNameCaptionText:
		return 15
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameInnerPadding:
		// text line height (about 1.3 x 18) + 2 x 13 >= 48
		return 13
	case theme.SizeNameInlineIcon:
		return 24
	case theme.SizeNameScrollBar:
		return 16
	case theme.SizeNameScrollBarSmall:
		return 6
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 6
	}
	return t.base.Size(n)
}

// vscroll scrolls content up and down with room kept at its right for the scroll bar
// (which Fyne draws over the content): a row's buttons never sit under the bar.
func vscroll(content fyne.CanvasObject) *container.Scroll {
	gap := theme.ScrollBarSize() + theme.Padding()
	return container.NewVScroll(container.New(layout.NewCustomPaddedLayout(0, 0, 0, gap), content))
}

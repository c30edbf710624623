package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pinKeyHeight is the height of a key of the PIN pad: larger than MinTarget, for thumbs.
const pinKeyHeight = 64

// pinPad is a PIN display and a 3x4 pad of large keys; ok is called with the PIN when
// OK is tapped (the entry is cleared first).
type pinPad struct {
	entry   PINEntry
	display *widget.Label
	ok      func(pin string)
	keys    []*widget.Button
	okKey   *widget.Button
}

func (s *Shell) newPINPad(ok func(pin string)) *pinPad {
	p := &pinPad{ok: ok}
	p.display = widget.NewLabel("")
	p.display.Alignment = fyne.TextAlignCenter
	p.display.TextStyle = fyne.TextStyle{Monospace: true, Bold: true}
	return p
}

func (p *pinPad) show() { p.display.SetText(p.entry.Masked()) }

// object builds the display and the pad.
func (p *pinPad) object(s *Shell, keyHeight float32) fyne.CanvasObject {
	var cells []fyne.CanvasObject
	key := func(r rune) fyne.CanvasObject {
		b := s.button(string(r), nil, func() { p.entry.Add(r); p.show() })
		p.keys = append(p.keys, b)
		return tall(b, keyHeight)
	}
	for _, r := range "123456789" {
		cells = append(cells, key(r))
	}
	back := s.button("", theme.NavigateBackIcon(), func() { p.entry.Back(); p.show() })
	cells = append(cells, tall(back, keyHeight), key('0'))
	p.okKey = s.button(T("pin.ok"), theme.ConfirmIcon(), func() {
		pin := p.entry.Take()
		p.show()
		if pin != "" {
			p.ok(pin)
		}
	})
	p.okKey.Importance = widget.HighImportance
	cells = append(cells, tall(p.okKey, keyHeight))
	box := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	box.CornerRadius = 6
	display := container.NewStack(box, tall(p.display, MinTarget))
	return container.NewVBox(display, container.NewGridWithColumns(3, cells...))
}

// typeDigits taps the keys for the digits of pin (tests and the keyboard use it).
func (p *pinPad) typeDigits(pin string) {
	for _, r := range pin {
		if r >= '1' && r <= '9' {
			p.keys[r-'1'].OnTapped()
		} else if r == '0' {
			p.keys[9].OnTapped()
		}
	}
}

// tall makes o at least h high.
func tall(o fyne.CanvasObject, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return container.NewStack(r, o)
}

// spacer is an empty object at least w x h.
func spacer(w, h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(w, h))
	return r
}

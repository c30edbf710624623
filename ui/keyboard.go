package ui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// This file is the on-screen keyboard: a kiosk has a touch screen and no keyboard, so
// every text field of the app is a TextField, which brings up the keyboard the shell
// draws above the status bar while the field has focus. A physical keyboard types into
// the focused field as usual.
//
// Fyne's desktop driver takes the focus away from the field on every press outside
// it, keys included; so the keyboard keeps its target field across presses (a key
// types into it and gives it the focus back) and hides when the operator taps one of
// the shell's buttons, taps outside any field, taps Done on the last field, or the
// screen changes.

// TextField is a one-line text entry that brings up the on-screen keyboard while it
// has the focus. Build it with Shell.textField; its Entry is a widget.Entry.
type TextField struct {
	widget.Entry
	kb *keyboard
	// Upper starts the keyboard in capitals when the field takes the focus (customer
	// ids are mostly written in capitals).
	Upper bool
}

// textField is a TextField on the shell's keyboard. Fields made for one screen are
// visited in the order they are made by the keyboard's Next key.
func (s *Shell) textField() *TextField {
	f := &TextField{kb: s.kb}
	f.ExtendBaseWidget(f)
	s.kb.fields = append(s.kb.fields, f)
	return f
}

// Tapped gives the field the focus: a touch screen's tap (and the test driver's) does
// not, only a mouse press does.
func (f *TextField) Tapped(ev *fyne.PointEvent) {
	f.Entry.Tapped(ev)
	f.focus()
}

// FocusGained shows the keyboard for this field.
func (f *TextField) FocusGained() {
	f.Entry.FocusGained()
	if f.kb != nil {
		f.kb.showFor(f)
	}
}

func (f *TextField) focus() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(f); c != nil && c.Focused() != fyne.Focusable(f) {
		c.Focus(f)
	}
}

// KeyboardVisible reports whether the on-screen keyboard is shown.
func (s *Shell) KeyboardVisible() bool { return s.kb.target != nil && s.kb.holder.Visible() }

// keyboard is the shell's on-screen keyboard. Its methods run on Fyne's goroutine.
type keyboard struct {
	s *Shell
	// holder is the place above the status bar; hidden with the keyboard.
	holder *fyne.Container
	target *TextField
	fields []*TextField // the fields of the screen shown, in order
	upper  bool
	// built is the language and case the keys were drawn for.
	built string
	done  *widget.Button
	shift *widget.Button
}

func newKeyboard(s *Shell) *keyboard {
	k := &keyboard{s: s, holder: container.NewStack()}
	k.holder.Hide()
	return k
}

// newScreen forgets the fields of the screen left and hides the keyboard.
func (k *keyboard) newScreen() {
	k.fields = nil
	k.hide()
}

// showFor shows the keyboard typing into f.
func (k *keyboard) showFor(f *TextField) {
	if k.target != f {
		k.upper = f.Upper
	}
	k.target = f
	k.draw()
	k.holder.Show()
	k.holder.Refresh()
}

// hide hides the keyboard and takes the focus from its field.
func (k *keyboard) hide() {
	t := k.target
	k.target = nil
	if !k.holder.Visible() {
		return
	}
	k.holder.Hide()
	k.holder.Refresh()
	if t != nil {
		if c := fyne.CurrentApp().Driver().CanvasForObject(t); c != nil && c.Focused() == fyne.Focusable(t) {
			c.Unfocus()
		}
	}
}

// next is the field after the target among the screen's visible fields (nil: none).
func (k *keyboard) next() *TextField {
	for i, f := range k.fields {
		if f != k.target {
			continue
		}
		for _, n := range k.fields[i+1:] {
			if n.Visible() && !n.Disabled() {
				return n
			}
		}
	}
	return nil
}

// keyboardLayouts are the letter rows of each language's keyboard (QWERTY, AZERTY),
// with the digits above and the signs a customer id commonly holds; the same in every
// language, as on a real keyboard. Letters are shown in the keyboard's case.
var keyboardLayouts = map[string][]string{
	"en": {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm-_"},
	"fr": {"1234567890", "azertyuiopé", "qsdfghjklmè", "wxcvbnçà-_"},
}

// keyboardSigns are the signs of the bottom row, beside the space bar.
const keyboardSigns = "./@'"

// The width of the keyboard's rows in keys, and of its special keys.
const (
	kbUnits      = 12
	kbMaxWidth   = 1280 // on a wide screen the keys stay within a thumb's reach
	kbShiftKey   = 1.5
	kbBackKey    = 2
	kbClearKey   = 2
	kbDoneKey    = 2.5
	kbSpaceUnits = kbUnits - kbClearKey - kbDoneKey - float32(len(keyboardSigns))
)

// draw (re)builds the keys for the current language and case.
func (k *keyboard) draw() {
	next := k.next()
	doneText := T("keyboard.done")
	if next != nil {
		doneText = T("keyboard.next")
	}
	want := Language() + map[bool]string{true: "+", false: "-"}[k.upper]
	if k.built == want && k.done != nil {
		k.done.SetText(doneText)
		return
	}
	k.built = want
	rows := keyboardLayouts[Language()]
	if rows == nil {
		rows = keyboardLayouts[English]
	}
	var lines []fyne.CanvasObject
	for i, r := range rows {
		var keys []fyne.CanvasObject
		var units []float32
		if i == len(rows)-1 {
			k.shift = k.key("", theme.MoveUpIcon(), func() { k.upper = !k.upper; k.draw() })
			if k.upper {
				k.shift.Importance = widget.HighImportance
			}
			keys, units = append(keys, k.shift), append(units, kbShiftKey)
		}
		for _, ch := range r {
			c := ch
			keys = append(keys, k.key(k.caseOf(string(c)), nil, func() { k.typeRune(k.caseRune(c)) }))
			units = append(units, 1)
		}
		if i == 0 {
			keys = append(keys, k.key("", theme.NavigateBackIcon(), k.backspace))
			units = append(units, kbBackKey)
		}
		lines = append(lines, container.New(&keyRowLayout{units: units}, keys...))
	}
	clear := k.key(T("keyboard.clear"), theme.ContentClearIcon(), func() {
		if k.target != nil {
			k.target.SetText("")
			k.target.focus()
		}
	})
	bottom := []fyne.CanvasObject{clear}
	units := []float32{kbClearKey}
	for _, ch := range keyboardSigns {
		c := ch
		bottom, units = append(bottom, k.key(string(c), nil, func() { k.typeRune(c) })), append(units, 1)
	}
	space := k.key(T("keyboard.space"), nil, func() { k.typeRune(' ') })
	k.done = k.key(doneText, theme.ConfirmIcon(), k.doneTapped)
	k.done.Importance = widget.HighImportance
	bottom, units = append(bottom, space, k.done), append(units, kbSpaceUnits, kbDoneKey)
	lines = append(lines, container.New(&keyRowLayout{units: units}, bottom...))
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameHeaderBackground))
	k.holder.Objects = []fyne.CanvasObject{bg, container.New(&maxWidthLayout{max: kbMaxWidth}, container.NewVBox(lines...))}
	k.holder.Refresh()
}

func (k *keyboard) caseOf(s string) string {
	if k.upper {
		return strings.ToUpper(s)
	}
	return s
}

func (k *keyboard) caseRune(r rune) rune {
	if k.upper {
		return unicode.ToUpper(r)
	}
	return r
}

// key is one key: a button at least MinTarget high whose tap counts as a touch and
// does not hide the keyboard.
func (k *keyboard) key(label string, icon fyne.Resource, tapped func()) *widget.Button {
	return widget.NewButtonWithIcon(label, icon, func() {
		k.s.Touch()
		tapped()
	})
}

func (k *keyboard) typeRune(r rune) {
	if k.target == nil {
		return
	}
	k.target.focus()
	k.target.TypedRune(r)
}

func (k *keyboard) backspace() {
	if k.target == nil {
		return
	}
	k.target.focus()
	k.target.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
}

// doneTapped moves to the next field, or hides the keyboard after the last one.
func (k *keyboard) doneTapped() {
	if n := k.next(); n != nil {
		n.focus()
		k.showFor(n)
		return
	}
	k.hide()
}

// keyRowLayout lays a row of keys out in units of a kbUnits-wide row, centred.
type keyRowLayout struct{ units []float32 }

func (l *keyRowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	unit := size.Width / kbUnits
	var total float32
	for _, u := range l.units {
		total += u
	}
	x := (size.Width - total*unit) / 2
	for i, o := range objs {
		w := l.units[i] * unit
		o.Move(fyne.NewPos(x+pad/2, 0))
		o.Resize(fyne.NewSize(w-pad, size.Height))
		x += w
	}
}

func (l *keyRowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(kbUnits*MinTarget, max(h, MinTarget))
}

// maxWidthLayout centres its objects at most max wide.
type maxWidthLayout struct{ max float32 }

func (l *maxWidthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, l.max)
	for _, o := range objs {
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
		o.Resize(fyne.NewSize(w, size.Height))
	}
}

func (l *maxWidthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// tapCatcher lies under a screen's content: a tap on no button nor field lands on it
// and hides the keyboard.
type tapCatcher struct {
	widget.BaseWidget
	tapped func()
}

func newTapCatcher(tapped func()) *tapCatcher {
	c := &tapCatcher{tapped: tapped}
	c.ExtendBaseWidget(c)
	return c
}

func (c *tapCatcher) Tapped(*fyne.PointEvent) { c.tapped() }

func (c *tapCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(theme.Color(theme.ColorNameBackground)))
}

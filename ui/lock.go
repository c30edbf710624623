package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// padlockIcon is a padlock in the shape of the theme's icons (Fyne has none): a
// shackle over a body with a keyhole, in one colour the theme recolours.
var padlockIcon = theme.NewThemedResource(fyne.NewStaticResource("padlock.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">`+
		`<path fill="#000000" d="M12 1a5 5 0 0 0-5 5v4H6a2 2 0 0 0-2 2v9a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-9a2 2 0 0 0-2-2h-1V6a5 5 0 0 0-5-5zm-3 5a3 3 0 0 1 6 0v4H9V6zm3 8a2 2 0 0 1 1 3.73V20h-2v-2.27A2 2 0 0 1 12 14z"/>`+
		`</svg>`)))

// lockScreen covers a locked session: who it belongs to, whether an enrollment is kept
// under it, the PIN pad for that operator, and the way out: a supervisor ends an open
// enrollment; with none open, the operator may simply sign out. Nothing of the
// customer shows here: anyone may stand at a locked kiosk.
func (s *Shell) lockScreen() fyne.CanvasObject {
	op := s.session.Operator
	heading := widget.NewLabelWithStyle(T("lock.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameHeadingText
	info := container.NewVBox(heading)
	if s.lockedBy == EndIdle {
		info.Add(wrapped(Tf("lock.idle", map[string]any{"Time": DurationText(s.idle.After)})))
	}
	open := s.enrollmentOpen()
	if open {
		kept := wrapped(T("lock.enrollment-kept"))
		kept.TextStyle.Bold = true
		info.Add(kept)
	}
	msg := newMessage()
	info.Add(msg)
	var out *widget.Button
	if open {
		out = s.button(T("lock.end"), theme.CancelIcon(), func() {
			s.supervisorGate(T("gate.end.title"), func(Session) { s.endLocked(EndSupervisor) })
		})
		out.Importance = widget.DangerImportance
	} else {
		out = s.button(T("home.sign-out"), theme.LogoutIcon(), func() { s.endLocked(EndSignOut) })
	}
	who := widget.NewLabelWithStyle(Tf("lock.pin-for", map[string]any{"Name": op.Name}), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	who.Wrapping = fyne.TextWrapWord
	pad := s.newPINPad(func(pin string) {
		sess, err := s.d.Operators.SignIn(op.ID, pin)
		if err != nil {
			setMessage(msg, signInMessage(err, s.d.Clock.Now()))
			return
		}
		if sess.Operator.ID != op.ID {
			setMessage(msg, signInMessage(errors.New("another operator"), s.d.Clock.Now()))
			return
		}
		s.resume(sess)
	})
	icon := widget.NewIcon(theme.NewPrimaryThemedResource(padlockIcon))
	left := container.NewBorder(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(64, 64), icon), nil, info), out, nil, nil, nil)
	right := container.NewVBox(who, pad.object(s, pinKeyHeight))
	return container.NewPadded(container.NewGridWithColumns(2, left,
		container.NewCenter(container.NewGridWrap(fyne.NewSize(400, right.MinSize().Height), right))))
}

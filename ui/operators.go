package ui

import (
	"errors"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// This file is the operators page of the settings: a supervisor (the one whose PIN
// opened the settings) lists the operators, unlocks one, resets a PIN (entered twice
// on the PIN pad), adds and disables operators. The store (OperatorAdmin) records each
// change in the audit log with the supervisor's id.

// OperatorInfo is one operator as the operators page lists it.
type OperatorInfo struct {
	Operator
	Disabled bool
	// LockedUntil is when a lockout after too many wrong PINs ends (zero: not locked).
	LockedUntil time.Time
	LastSignIn  time.Time
}

// NewOperator is what adding an operator needs.
type NewOperator struct {
	ID   string // 1 to 32 of a-z 0-9 . _ -
	Name string
	Role Role
	PIN  string
}

// OperatorAdmin is the operator store as a supervisor manages it from the settings.
// by is the supervisor whose PIN opened the settings: the audit log names them.
type OperatorAdmin interface {
	// All lists every operator, disabled ones included.
	All() ([]OperatorInfo, error)
	// Add creates an operator (ErrOperatorExists, ErrBadOperator, ErrWeakPIN).
	Add(by Session, n NewOperator) error
	// Unlock lifts a lockout; the PIN stays.
	Unlock(by Session, id string) error
	// ResetPIN sets a new PIN (ErrWeakPIN) and lifts any lockout.
	ResetPIN(by Session, id, pin string) error
	// SetDisabled disables (or enables again) an operator (ErrLastSupervisor).
	SetDisabled(by Session, id string, disabled bool) error
}

// Errors of OperatorAdmin.
var (
	// ErrWeakPIN: the PIN breaks a rule (6 to 12 digits, none of the patterns a
	// stranger tries first). A *WeakPINError says which.
	ErrWeakPIN = errors.New("PIN refused")
	// ErrOperatorExists: an operator has this id already.
	ErrOperatorExists = errors.New("operator exists")
	// ErrBadOperator: the id or the name is not valid.
	ErrBadOperator = errors.New("invalid operator")
	// ErrLastSupervisor: disabling would leave the kiosk with no supervisor.
	ErrLastSupervisor = errors.New("the last supervisor")
)

// WrongPINError is a wrong PIN with how many more wrong PINs lock the operator; it
// matches ErrWrongPIN.
type WrongPINError struct {
	Remaining int
}

func (e *WrongPINError) Error() string        { return "wrong PIN" }
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// The operators page's screens.
const (
	ScreenOperators   ScreenID = "operators"
	ScreenOperatorAdd ScreenID = "operator-add"
)

// operatorState is an operator's state in words, and its importance.
func operatorState(o OperatorInfo, now time.Time) (string, widget.Importance) {
	switch {
	case o.Disabled:
		return T("operators.disabled"), widget.MediumImportance
	case o.LockedUntil.After(now):
		return Tf("operators.locked", map[string]any{"Time": DurationText(LockLeft(&LockedError{Until: o.LockedUntil}, now))}), widget.DangerImportance
	}
	return T("operators.active"), widget.SuccessImportance
}

// RoleText is a role in words.
func RoleText(r Role) string {
	if r == RoleSupervisor {
		return T("role.supervisor")
	}
	return T("role.operator")
}

// operatorsScreen lists the operators with what the supervisor may do to each.
func (s *Shell) operatorsScreen() fyne.CanvasObject {
	msg := newMessage()
	done := widget.NewLabel("")
	done.Wrapping = fyne.TextWrapWord
	done.Importance = widget.SuccessImportance
	done.Hide()
	if s.operatorNote != "" {
		done.SetText(s.operatorNote)
		done.Show()
		s.operatorNote = ""
	}
	rows := container.NewVBox()
	var draw func()
	say := func(ok string, err error) {
		if err != nil {
			setMessage(msg, operatorError(err))
			done.Hide()
			return
		}
		setMessage(msg, "")
		done.SetText(ok)
		done.Show()
		draw()
	}
	draw = func() {
		rows.Objects = nil
		ops, err := s.d.OperatorAdmin.All()
		if err != nil {
			setMessage(msg, T("operators.read-failed"))
			return
		}
		sort.SliceStable(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
		now := s.d.Clock.Now()
		for _, o := range ops {
			rows.Add(s.operatorRow(o, now, say))
			rows.Add(widget.NewSeparator())
		}
		rows.Refresh()
	}
	draw()
	s.refreshBody = draw
	add := s.button(T("operators.add"), theme.ContentAddIcon(), func() { s.show(ScreenOperatorAdd) })
	add.Importance = widget.HighImportance
	back := s.button(T("operators.back"), theme.NavigateBackIcon(), func() { s.show(ScreenSettings) })
	top := container.NewVBox(container.NewBorder(nil, nil, back, add), done, msg)
	return s.screenFrame(T("operators.title"), container.NewBorder(top, nil, nil, nil, vscroll(rows)))
}

// operatorRow is one operator: name, id and role, state, and the actions.
func (s *Shell) operatorRow(o OperatorInfo, now time.Time, say func(string, error)) fyne.CanvasObject {
	sup := *s.supervisor
	name := widget.NewLabelWithStyle(o.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis
	who := widget.NewLabel(o.ID + " · " + RoleText(o.Role))
	who.Truncation = fyne.TextTruncateEllipsis
	stText, imp := operatorState(o, now)
	state := widget.NewLabelWithStyle(stText, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	state.Importance = imp
	state.Wrapping = fyne.TextWrapWord
	left := container.NewGridWrap(fyne.NewSize(300, name.MinSize().Height+who.MinSize().Height), container.NewVBox(name, who))
	var acts []fyne.CanvasObject
	if o.LockedUntil.After(now) && !o.Disabled {
		u := s.button(T("operators.unlock"), theme.LoginIcon(), func() {
			err := s.d.OperatorAdmin.Unlock(sup, o.ID)
			say(Tf("operators.unlocked", map[string]any{"Name": o.Name}), err)
		})
		u.Importance = widget.HighImportance
		acts = append(acts, u)
	}
	if !o.Disabled {
		acts = append(acts, s.button(T("operators.reset-pin"), theme.ViewRefreshIcon(), func() {
			s.newPINTwice(Tf("operators.reset-title", map[string]any{"Name": o.Name}), func(pin string) error {
				err := s.d.OperatorAdmin.ResetPIN(sup, o.ID, pin)
				if err == nil {
					say(Tf("operators.pin-reset", map[string]any{"Name": o.Name}), nil)
				}
				return err
			})
		}))
		if o.ID != sup.Operator.ID { // a supervisor does not lock themselves out here
			acts = append(acts, s.button(T("operators.disable"), theme.CancelIcon(), func() {
				s.confirm(Tf("operators.disable-confirm", map[string]any{"Name": o.Name}), func() {
					say(Tf("operators.disabled-done", map[string]any{"Name": o.Name}), s.d.OperatorAdmin.SetDisabled(sup, o.ID, true))
				})
			}))
		}
	} else {
		acts = append(acts, s.button(T("operators.enable"), theme.ConfirmIcon(), func() {
			say(Tf("operators.enabled-done", map[string]any{"Name": o.Name}), s.d.OperatorAdmin.SetDisabled(sup, o.ID, false))
		}))
	}
	return container.NewBorder(nil, nil, left, container.NewHBox(acts...), container.NewVBox(state))
}

// WeakPINError is a PIN refused for a rule the store names (offline.PINRule*): its
// sentence is internal/messages' "pin.<Rule>". It is ErrWeakPIN.
type WeakPINError struct{ Rule string }

func (e *WeakPINError) Error() string        { return "PIN refused: " + e.Rule }
func (e *WeakPINError) Is(target error) bool { return target == ErrWeakPIN }

// operatorError is the supervisor's words for a refused change.
func operatorError(err error) string {
	var we *WeakPINError
	switch {
	case errors.As(err, &we) && hasMsg("pin."+we.Rule):
		return Tf("operators.weak-pin-why", map[string]any{"Why": Msg("pin." + we.Rule)})
	case errors.Is(err, ErrWeakPIN):
		return T("operators.weak-pin")
	case errors.Is(err, ErrOperatorExists):
		return T("operators.exists")
	case errors.Is(err, ErrBadOperator):
		return T("operators.bad-operator")
	case errors.Is(err, ErrLastSupervisor):
		return T("operators.last-supervisor")
	case errors.Is(err, ErrUnknownOperator):
		return T("operators.unknown")
	}
	return T("operators.failed")
}

// newPINTwice asks a new PIN twice on the PIN pad in a modal; set gets it once both
// agree. An error of set (a weak PIN) is said and the pad asks again from the start.
func (s *Shell) newPINTwice(title string, set func(pin string) error) {
	s.closePopup()
	prompt := widget.NewLabel(Tf("operators.pin-first", map[string]any{"OK": T("pin.ok")}))
	prompt.Wrapping = fyne.TextWrapWord
	say := func(text string, bad bool) {
		prompt.SetText(text)
		prompt.Importance = widget.MediumImportance
		if bad {
			prompt.Importance = widget.DangerImportance
		}
		prompt.Refresh()
	}
	var first string
	pad := s.newPINPad(func(pin string) {
		if first == "" {
			first = pin
			say(Tf("operators.pin-again", map[string]any{"OK": T("pin.ok")}), false)
			return
		}
		if pin != first {
			first = ""
			say(T("operators.pin-differ"), true)
			return
		}
		first = ""
		if err := set(pin); err != nil {
			say(operatorError(err)+" "+Tf("operators.pin-first", map[string]any{"OK": T("pin.ok")}), true)
			return
		}
		s.closePopup()
	})
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Wrapping = fyne.TextWrapWord
	cancel := s.button(T("common.cancel"), theme.CancelIcon(), s.closePopup)
	content := container.NewVBox(container.NewBorder(nil, nil, nil, cancel, heading), prompt, pad.object(s, gateKeyHeight))
	s.popup = widget.NewModalPopUp(container.NewGridWrap(fyne.NewSize(460, content.MinSize().Height), content), s.win.Canvas())
	s.popup.Show()
}

// operatorAddScreen: the new operator's id, name and role (on the on-screen
// keyboard), then the PIN twice on the pad.
func (s *Shell) operatorAddScreen() fyne.CanvasObject {
	sup := *s.supervisor
	msg := newMessage()
	id := s.textField()
	id.SetPlaceHolder(T("operators.id-hint"))
	name := s.textField()
	name.SetPlaceHolder(T("operators.name-hint"))
	// The role: two large buttons, the chosen one highlighted (a touch target each).
	chosen := RoleOperator
	var roleButtons []*widget.Button
	roleBox := container.NewHBox()
	for _, r := range []Role{RoleOperator, RoleSupervisor} {
		var b *widget.Button
		b = s.button(RoleText(r), nil, func() {
			chosen = r
			for _, o := range roleButtons {
				o.Importance = widget.MediumImportance
				o.Refresh()
			}
			b.Importance = widget.HighImportance
			b.Refresh()
		})
		if r == chosen {
			b.Importance = widget.HighImportance
		}
		roleButtons = append(roleButtons, b)
		roleBox.Add(b)
	}
	row := func(label string, o fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(220, MinTarget), widget.NewLabel(label)), nil, tall(o, MinTarget))
	}
	next := s.button(T("operators.choose-pin"), theme.NavigateNextIcon(), func() {
		n := NewOperator{ID: id.Text, Name: name.Text, Role: chosen}
		if n.ID == "" || n.Name == "" {
			setMessage(msg, T("operators.fill-in"))
			return
		}
		setMessage(msg, "")
		s.newPINTwice(Tf("operators.pin-for-new", map[string]any{"Name": n.Name}), func(pin string) error {
			n.PIN = pin
			err := s.d.OperatorAdmin.Add(sup, n)
			if err != nil && !errors.Is(err, ErrWeakPIN) {
				s.closePopup()
				setMessage(msg, operatorError(err))
				return nil
			}
			if err == nil {
				s.operatorNote = Tf("operators.added", map[string]any{"Name": n.Name})
				s.closePopup()
				s.show(ScreenOperators)
			}
			return err
		})
	})
	next.Importance = widget.HighImportance
	cancel := s.button(T("common.cancel"), theme.CancelIcon(), func() { s.show(ScreenOperators) })
	form := container.NewVBox(
		row(T("operators.id"), id), row(T("operators.name"), name), row(T("operators.role"), roleBox))
	// The actions at the bottom right, the message beside them, as on the wizard's steps.
	actions := container.NewBorder(nil, nil, nil, container.NewHBox(cancel, next), msg)
	return s.screenFrame(T("operators.add-title"), container.NewBorder(nil, actions, nil, nil, vscroll(container.NewPadded(form))))
}

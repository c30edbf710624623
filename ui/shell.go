package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Deps is what the shell is built from. Every field but Preview, Enrollment,
// ResultWait, NewEnrollment and Quit is required.
type Deps struct {
	Operators Operators
	Status    StatusSource
	Queue     Queue
	Settings  SettingsStore
	Preview   Previewer // nil: the settings show no preview
	About     About
	Clock     clock.Clock
	// Enrollment is the enrollment service the wizard (issue 12) runs on; nil shows a
	// placeholder (unless NewEnrollment is set).
	Enrollment Enrollment
	// ResultWait is how long the wizard's result screen waits for the API's answer
	// (config ui.result_wait; 0: DefaultResultWait).
	ResultWait time.Duration
	// ManualAfter is how long the document and portrait steps wait before they offer
	// "Take it now" (config capture.document_manual_after; 0: at once).
	ManualAfter time.Duration
	// CustomerIDFromDocument lets the agent leave the customer's id empty when the
	// comparison image is the document: once it is taken, the document number read from
	// its zone becomes the id (config ui.customer_id_from "mrz_document_number").
	CustomerIDFromDocument bool
	// NewEnrollment, when set, replaces the wizard: it builds the enrollment screen for
	// session s; back returns home.
	NewEnrollment func(s Session, back func()) fyne.CanvasObject
	// Quit is called once a supervisor allowed closing the app; nil closes the window.
	Quit func()
	// Checks runs kioskctl doctor's checks for the status screen's "Run checks"; nil
	// shows no checks.
	Checks Checker
	// OperatorAdmin lets a supervisor manage the operators from the settings; nil
	// shows no operators page.
	OperatorAdmin OperatorAdmin
	// NewJobID makes a new enrollment's job id at the clock's time; nil: job.NewID (its
	// end is random). The screenshot program fixes it, so that its pictures stay the same.
	NewJobID func(now time.Time) string
}

// Validate says which required field of d is nil.
func (d Deps) Validate() error {
	var missing []string
	for name, ok := range map[string]bool{
		"Operators": d.Operators != nil, "Status": d.Status != nil, "Queue": d.Queue != nil,
		"Settings": d.Settings != nil, "Clock": d.Clock != nil,
	} {
		if !ok {
			missing = append(missing, "Deps."+name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("%s not set (internal/app must set every one but Preview, Enrollment, ResultWait, ManualAfter, CustomerIDFromDocument, NewEnrollment, Quit, Checks, OperatorAdmin and NewJobID)", strings.Join(missing, ", "))
}

// ScreenID names a screen of the shell.
type ScreenID string

// The screens.
const (
	ScreenSignIn     ScreenID = "sign-in"
	ScreenHome       ScreenID = "home"
	ScreenEnrollment ScreenID = "enrollment"
	ScreenQueue      ScreenID = "queue"
	ScreenStatus     ScreenID = "status"
	ScreenSettings   ScreenID = "settings"
	ScreenAbout      ScreenID = "about"
)

// Shell is the window's content: the training banner, the current screen and the
// status bar, the session and the idle lock. Its methods run on the UI goroutine
// (Fyne's), except Changed and Run.
type Shell struct {
	win fyne.Window
	d   Deps

	session *Session
	idle    IdleLock
	screen  ScreenID
	// locked is set while the lock screen covers the session's screen (kept under it).
	locked bool
	// lockedBy is why the session locked (EndLock or EndIdle).
	lockedBy EndReason
	// lockedMessage is shown on the sign-in screen after a lock.
	lockedMessage string
	// wiz is the enrollment wizard while its screen is open (nil otherwise).
	wiz *wizard
	// supervisor is the supervisor whose PIN opened the settings, while the settings
	// and the operators pages are shown (the audit names them for every change).
	supervisor *Session
	// operatorNote is the operators page's note of the last change (shown once).
	operatorNote string
	// jobID is the job whose page is shown (ScreenJob); jobNote its page's note.
	jobID, jobNote string

	root      *fyne.Container
	banner    *fyne.Container
	body      *fyne.Container
	statusBar *fyne.Container
	popup     *widget.PopUp
	kb        *keyboard
	catcher   *tapCatcher
	scaler    *scaleLayout

	lastStatus Status
	lastJobs   []Job
	checks     checksState
	// onLeave stops what the current screen started (camera previews).
	onLeave []func()
	// refreshBody rebuilds the parts of the current screen that follow the app's state.
	refreshBody func()
}

// NewShell builds the shell in w and shows the sign-in screen in the configured
// language. Call on the UI goroutine.
func NewShell(w fyne.Window, d Deps) (*Shell, error) {
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("building the UI shell: %w", err)
	}
	s := &Shell{win: w, d: d}
	if st, err := d.Settings.Settings(); err == nil {
		if st.Language != "" {
			_ = SetLanguage(st.Language)
		}
		s.idle.After = st.IdleLock
	}
	s.banner = container.NewStack()
	s.body = container.NewStack()
	s.statusBar = container.NewStack()
	s.kb = newKeyboard(s)
	s.catcher = newTapCatcher(s.kb.hide)
	s.root = container.NewBorder(s.banner, container.NewVBox(s.kb.holder, s.statusBar), nil, nil, s.body)
	s.scaler = &scaleLayout{s: s, user: 1}
	w.SetContent(container.New(s.scaler, s.root))
	s.lastStatus = d.Status.Status()
	s.show(ScreenSignIn)
	return s, nil
}

// Kiosk makes the window full screen (unless windowed), Fyne's scale follow the
// screen's size (ScaleFor; unless FYNE_SCALE is set) and closing the window ask for a
// supervisor PIN.
func (s *Shell) Kiosk(windowed bool) {
	s.scaler.on = os.Getenv("FYNE_SCALE") == ""
	s.win.SetFullScreen(!windowed)
	s.win.SetCloseIntercept(s.CloseRequested)
}

// Stop stops what the current screen started (the wizard's cameras and capture, a
// settings preview). Call it on the UI goroutine before the window closes or the shell
// is dropped.
func (s *Shell) Stop() {
	for _, stop := range s.onLeave {
		stop()
	}
	s.onLeave = nil
}

// Screen is the screen shown.
func (s *Shell) Screen() ScreenID { return s.screen }

// Session is the signed-in operator (nil: none).
func (s *Shell) Session() *Session { return s.session }

// Touch records a touch: the idle lock starts again.
func (s *Shell) Touch() { s.idle.Touch(s.d.Clock.Now()) }

// CheckIdle locks the session when nobody touched the screen for the idle time.
func (s *Shell) CheckIdle() {
	if s.session == nil || s.locked || !s.idle.Expired(s.d.Clock.Now()) {
		return
	}
	s.lock(EndIdle)
}

// Locked reports whether the lock screen covers the session.
func (s *Shell) Locked() bool { return s.locked }

// enrollmentOpen reports whether an enrollment holds a customer's data (consent given,
// not sealed yet): leaving it would lose them.
func (s *Shell) enrollmentOpen() bool {
	w := s.wiz
	return w != nil && !w.closed && w.st.Consented && !w.st.Sealed
}

// lock covers the screen with the lock screen and keeps the session and what its
// screen holds (an open enrollment: consent, ids and photos; its cameras stop). The
// same operator's PIN resumes where it was (resume); a supervisor's PIN can end it.
// why is EndLock (tapped) or EndIdle.
func (s *Shell) lock(why EndReason) {
	if s.session == nil || s.locked {
		return
	}
	s.d.Operators.SignOut(*s.session, why)
	s.locked, s.lockedBy = true, why
	s.closePopup()
	s.closeOverlays()
	if s.wiz != nil {
		s.wiz.pause()
	} else {
		s.Stop()
	}
	s.kb.newScreen()
	s.refreshBody = nil
	s.body.Objects = []fyne.CanvasObject{s.catcher, s.lockScreen()}
	s.body.Refresh()
	s.drawChrome()
}

// resume lifts the lock: the screen under it comes back as it was (the wizard at its
// step, with what it had taken).
func (s *Shell) resume(sess Session) {
	s.locked = false
	s.session = &sess
	s.lockedMessage = ""
	s.Touch()
	if s.screen == ScreenEnrollment && s.wiz != nil && !s.wiz.closed {
		s.kb.newScreen()
		s.body.Objects = []fyne.CanvasObject{s.catcher, s.wiz.root}
		s.body.Refresh()
		s.drawChrome()
		s.wiz.resume()
		return
	}
	s.show(s.screen)
}

// endLocked ends a locked session and drops what its screen held; why is recorded.
func (s *Shell) endLocked(why EndReason) {
	if s.session != nil {
		s.d.Operators.SignOut(*s.session, why)
	}
	s.locked = false
	s.session = nil
	s.lockedMessage = ""
	if why == EndSupervisor {
		s.lockedMessage = T("signin.ended")
	}
	s.show(ScreenSignIn) // closes the wizard: its images are dropped
}

// closeOverlays removes the dialogs (a confirmation) from the window.
func (s *Shell) closeOverlays() {
	c := s.win.Canvas()
	for _, o := range c.Overlays().List() {
		c.Overlays().Remove(o)
	}
}

// Changed asks for a refresh from any goroutine (the app calls it on its events).
func (s *Shell) Changed() { fyne.Do(s.Refresh) }

// Refresh reads the status (and the queue on the queue screen) and updates what
// changed: the banner, the status bar and the screen's live parts.
func (s *Shell) Refresh() {
	st := s.d.Status.Status()
	changed := !reflect.DeepEqual(st, s.lastStatus)
	s.lastStatus = st
	s.drawChrome()
	if s.refreshBody != nil && (changed || s.screen == ScreenQueue || s.screen == ScreenJob) {
		s.refreshBody()
	}
}

// Run refreshes every second and checks the idle lock, until ctx ends.
func (s *Shell) Run(ctx context.Context) {
	for {
		if err := clock.Sleep(ctx, s.d.Clock, time.Second); err != nil {
			return
		}
		fyne.Do(func() {
			s.CheckIdle()
			s.Refresh()
		})
	}
}

// CloseRequested is the window's close intercept: a supervisor PIN closes the app.
// With an enrollment open, the gate says it will be lost.
func (s *Shell) CloseRequested() {
	title := T("gate.close.title")
	if s.enrollmentOpen() {
		title = T("gate.close.enrollment")
	}
	s.supervisorGate(title, func(sup Session) {
		if s.session != nil {
			s.d.Operators.SignOut(*s.session, EndClose)
			s.session = nil
		}
		if s.d.Quit != nil {
			s.d.Quit()
			return
		}
		s.win.Close()
	})
}

// button is a widget.Button whose tap counts as a touch for the idle lock and hides
// the on-screen keyboard.
func (s *Shell) button(label string, icon fyne.Resource, tapped func()) *widget.Button {
	return widget.NewButtonWithIcon(label, icon, func() {
		s.Touch()
		s.kb.hide()
		tapped()
	})
}

// show switches to screen id.
func (s *Shell) show(id ScreenID) {
	if id != ScreenSignIn && s.session == nil {
		id = ScreenSignIn
	}
	s.Stop()
	s.kb.newScreen()
	switch id {
	case ScreenSettings, ScreenOperators, ScreenOperatorAdd:
		if s.supervisor == nil { // only through the supervisor gate
			id = ScreenHome
		}
	default:
		s.supervisor = nil
	}
	s.screen = id
	s.refreshBody = nil
	var o fyne.CanvasObject
	switch id {
	case ScreenSignIn:
		o = s.signInScreen()
	case ScreenHome:
		o = s.homeScreen()
	case ScreenEnrollment:
		o = s.enrollmentScreen()
	case ScreenQueue:
		o = s.queueScreen()
	case ScreenStatus:
		o = s.statusScreen()
	case ScreenSettings:
		o = s.settingsScreen()
	case ScreenAbout:
		o = s.aboutScreen()
	case ScreenJob:
		o = s.jobScreen()
	case ScreenOperators:
		o = s.operatorsScreen()
	case ScreenOperatorAdd:
		o = s.operatorAddScreen()
	}
	s.body.Objects = []fyne.CanvasObject{s.catcher, o}
	s.body.Refresh()
	s.drawChrome()
}

// drawChrome draws the training banner and the status bar.
func (s *Shell) drawChrome() {
	st := s.lastStatus
	if st.Training {
		bg := canvas.NewRectangle(color.NRGBA{R: 0xff, G: 0xb0, B: 0x20, A: 0xff})
		t := canvas.NewText(T("training.banner"), color.Black)
		t.TextStyle.Bold = true
		t.TextSize = theme.Size(theme.SizeNameSubHeadingText)
		t.Alignment = fyne.TextAlignCenter
		s.banner.Objects = []fyne.CanvasObject{bg, container.NewPadded(t)}
	} else {
		s.banner.Objects = nil
	}
	s.banner.Refresh()

	now := s.d.Clock.Now()
	net := widget.NewLabelWithStyle(T("status.offline"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	netIcon := widget.NewIcon(theme.NewErrorThemedResource(theme.CancelIcon()))
	if st.Online {
		net.SetText(T("status.online"))
		netIcon = widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	}
	if st.Halt != nil {
		net.SetText(T("status.halted"))
		netIcon = widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon()))
	}
	items := []fyne.CanvasObject{
		netIcon, net,
		widget.NewSeparator(),
		widget.NewLabel(Tf("status.waiting", map[string]any{"N": st.Waiting})),
		widget.NewSeparator(),
		widget.NewLabel(LastSyncText(st.LastSync, now)),
		layout.NewSpacer(),
	}
	if s.session != nil {
		items = append(items,
			widget.NewIcon(theme.AccountIcon()),
			widget.NewLabelWithStyle(s.session.Operator.Name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		if !s.locked {
			items = append(items, s.button(T("status.lock"), theme.LogoutIcon(), func() { s.lock(EndLock) }))
		}
	}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameHeaderBackground))
	s.statusBar.Objects = []fyne.CanvasObject{bg, container.NewHBox(items...)}
	s.statusBar.Refresh()
}

func (s *Shell) signOut() {
	if s.session != nil {
		s.d.Operators.SignOut(*s.session, EndSignOut)
	}
	s.session = nil
	s.lockedMessage = ""
	s.show(ScreenSignIn)
}

// signedIn starts a session.
func (s *Shell) signedIn(sess Session) {
	s.session = &sess
	s.lockedMessage = ""
	s.Touch()
	s.show(ScreenHome)
}

// signInMessage is the operator's words for a failed sign-in.
func signInMessage(err error, now time.Time) string {
	var le *LockedError
	var we *WrongPINError
	switch {
	case errors.As(err, &le):
		return Tf("signin.locked", map[string]any{"Time": DurationText(LockLeft(le, now))})
	case errors.As(err, &we) && we.Remaining == 1:
		return T("signin.wrong-pin-last")
	case errors.As(err, &we) && we.Remaining > 1:
		return Tf("signin.wrong-pin-left", map[string]any{"N": we.Remaining})
	case errors.Is(err, ErrWrongPIN):
		return T("signin.wrong-pin")
	case errors.Is(err, ErrUnknownOperator):
		return T("signin.unknown")
	}
	return T("signin.failed")
}

// supervisorGate asks a supervisor's PIN in a modal; ok runs with the supervisor's
// session once one is given. An operator's PIN is refused.
func (s *Shell) supervisorGate(title string, ok func(sup Session)) {
	s.closePopup()
	ops, err := s.d.Operators.List()
	var sups []Operator
	for _, o := range ops {
		if o.Role == RoleSupervisor {
			sups = append(sups, o)
		}
	}
	// The prompt line turns into the refusal when a PIN is refused.
	prompt := widget.NewLabel(T("gate.prompt"))
	prompt.Wrapping = fyne.TextWrapWord
	refuse := func(text string) {
		prompt.SetText(text)
		prompt.Importance = widget.DangerImportance
		prompt.Refresh()
	}
	if err != nil {
		refuse(T("signin.failed"))
	} else if len(sups) == 0 {
		refuse(T("gate.no-supervisor"))
	}
	names := make([]string, len(sups))
	for i, o := range sups {
		names[i] = o.Name
	}
	pick := widget.NewSelect(names, func(string) { s.Touch() })
	if len(names) > 0 {
		pick.SetSelectedIndex(0)
	}
	pad := s.newPINPad(func(pin string) {
		i := pick.SelectedIndex()
		if i < 0 {
			return
		}
		sess, err := s.d.Operators.SignIn(sups[i].ID, pin)
		if err != nil {
			refuse(signInMessage(err, s.d.Clock.Now()))
			return
		}
		if sess.Operator.Role != RoleSupervisor {
			refuse(T("gate.not-supervisor"))
			return
		}
		s.closePopup()
		ok(sess)
	})
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Wrapping = fyne.TextWrapWord
	cancel := s.button(T("common.cancel"), theme.CancelIcon(), s.closePopup)
	content := container.NewVBox(
		container.NewBorder(nil, nil, nil, cancel, heading),
		prompt, pick, pad.object(s, gateKeyHeight))
	s.popup = widget.NewModalPopUp(container.NewGridWrap(fyne.NewSize(460, content.MinSize().Height), content), s.win.Canvas())
	s.popup.Show()
}

// gateKeyHeight is the PIN pad's key height in the supervisor gate, which must fit
// in 600 pixels with the list and the prompt.
const gateKeyHeight = 56

func (s *Shell) closePopup() {
	if s.popup != nil {
		s.popup.Hide()
		s.popup = nil
	}
}

// screenFrame is a screen with a title bar and a Home button.
func (s *Shell) screenFrame(title string, content fyne.CanvasObject) fyne.CanvasObject {
	home := s.button(T("nav.home"), theme.HomeIcon(), func() { s.show(ScreenHome) })
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	bar := container.NewBorder(nil, nil, home, nil, heading)
	return container.NewBorder(container.NewVBox(bar, widget.NewSeparator()), nil, nil, nil, content)
}

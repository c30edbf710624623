package ui

import (
	"image/color"
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bigButtonHeight is the height of the home screen's three main buttons.
const bigButtonHeight = 96

// signInScreen: the operators on the left, the PIN pad on the right.
func (s *Shell) signInScreen() fyne.CanvasObject {
	heading := widget.NewLabelWithStyle(T("signin.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	msg := newMessage()
	setMessage(msg, s.lockedMessage)
	who := widget.NewLabelWithStyle(T("signin.pick"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})

	ops, err := s.d.Operators.List()
	if err != nil {
		setMessage(msg, T("signin.failed"))
	}
	var selected *Operator
	var buttons []*widget.Button
	list := container.NewVBox()
	for i := range ops {
		op := ops[i]
		var b *widget.Button
		b = s.button(op.Name, theme.AccountIcon(), func() {
			selected = &op
			for _, o := range buttons {
				o.Importance = widget.MediumImportance
				o.Refresh()
			}
			b.Importance = widget.HighImportance
			b.Refresh()
			who.SetText(Tf("signin.pin-for", map[string]any{"Name": op.Name}))
			setMessage(msg, "")
		})
		b.Alignment = widget.ButtonAlignLeading
		buttons = append(buttons, b)
		list.Add(b)
	}
	if len(ops) == 0 && err == nil {
		setMessage(msg, T("signin.no-operators"))
	}
	if len(ops) == 1 {
		buttons[0].OnTapped()
	}
	pad := s.newPINPad(func(pin string) {
		if selected == nil {
			setMessage(msg, T("signin.pick"))
			return
		}
		sess, err := s.d.Operators.SignIn(selected.ID, pin)
		if err != nil {
			setMessage(msg, signInMessage(err, s.d.Clock.Now()))
			return
		}
		s.signedIn(sess)
	})
	left := container.NewBorder(heading, msg, nil, nil, vscroll(list))
	right := container.NewVBox(who, pad.object(s, pinKeyHeight))
	return container.NewPadded(container.NewGridWithColumns(2, left, container.NewCenter(container.NewGridWrap(fyne.NewSize(400, right.MinSize().Height), right))))
}

// homeScreen: the alerts, then New enrollment, Queue and Status; Settings and About.
func (s *Shell) homeScreen() fyne.CanvasObject {
	alerts := container.NewVBox()
	draw := func() {
		alerts.Objects = nil
		as := Alerts(s.lastStatus)
		for _, a := range as {
			alerts.Add(alertCard(a))
		}
		if len(as) == 0 {
			ok := widget.NewLabelWithStyle(T("home.all-well"), fyne.TextAlignCenter, fyne.TextStyle{})
			alerts.Add(ok)
		}
		alerts.Refresh()
	}
	draw()
	s.refreshBody = draw
	big := func(label string, icon fyne.Resource, to func()) fyne.CanvasObject {
		b := s.button(label, icon, to)
		b.Importance = widget.HighImportance
		return tall(b, bigButtonHeight)
	}
	mains := container.NewGridWithColumns(3,
		big(T("home.new"), theme.ContentAddIcon(), func() { s.show(ScreenEnrollment) }),
		big(T("home.queue"), theme.ListIcon(), func() { s.show(ScreenQueue) }),
		big(T("home.status"), theme.InfoIcon(), func() { s.show(ScreenStatus) }))
	others := container.NewGridWithColumns(3,
		s.button(T("home.settings"), theme.SettingsIcon(), func() {
			s.supervisorGate(T("gate.settings.title"), func(sup Session) {
				s.supervisor = &sup
				s.show(ScreenSettings)
			})
		}),
		s.button(T("home.about"), theme.QuestionIcon(), func() { s.show(ScreenAbout) }),
		s.button(T("home.sign-out"), theme.LogoutIcon(), s.signOut))
	return container.NewPadded(container.NewBorder(nil, container.NewVBox(mains, others), nil, nil,
		vscroll(alerts)))
}

// alertCard is one alert: a coloured band, the title and the sentence.
func alertCard(a Alert) fyne.CanvasObject {
	title, body := AlertText(a)
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.Importance = widget.DangerImportance
	t.Wrapping = fyne.TextWrapWord
	b := widget.NewLabel(body)
	b.Wrapping = fyne.TextWrapWord
	band := canvas.NewRectangle(theme.Color(theme.ColorNameError))
	band.SetMinSize(fyne.NewSize(8, 0))
	bg := canvas.NewRectangle(color.NRGBA{R: 0xfd, G: 0xec, B: 0xea, A: 0xff})
	return container.NewStack(bg, container.NewBorder(nil, nil, band, nil, container.NewVBox(t, b)))
}

func (s *Shell) enrollmentScreen() fyne.CanvasObject {
	if s.d.NewEnrollment != nil {
		return s.d.NewEnrollment(*s.session, func() { s.show(ScreenHome) })
	}
	if s.d.Enrollment != nil {
		w := s.newWizard()
		s.onLeave = append(s.onLeave, w.close)
		return w.root
	}
	l := widget.NewLabelWithStyle(T("enroll.placeholder"), fyne.TextAlignCenter, fyne.TextStyle{})
	l.Wrapping = fyne.TextWrapWord
	return s.screenFrame(T("home.new"), container.NewCenter(container.NewGridWrap(fyne.NewSize(600, 120), l)))
}

// queueScreen: one row per job, newest first.
func (s *Shell) queueScreen() fyne.CanvasObject {
	msg := newMessage()
	rows := container.NewVBox()
	scroll := vscroll(rows)
	var draw func()
	draw = func() {
		jobs, err := s.d.Queue.Jobs()
		if err != nil {
			setMessage(msg, T("queue.read-failed"))
			return
		}
		SortJobs(jobs)
		if len(rows.Objects) > 0 && reflect.DeepEqual(jobs, s.lastJobs) {
			return
		}
		s.lastJobs = jobs
		rows.Objects = nil
		if len(jobs) == 0 {
			rows.Add(widget.NewLabelWithStyle(T("queue.empty"), fyne.TextAlignCenter, fyne.TextStyle{}))
		}
		now := s.d.Clock.Now()
		for _, j := range jobs {
			rows.Add(s.jobRow(j, now, msg, draw))
			rows.Add(widget.NewSeparator())
		}
		rows.Refresh()
	}
	draw()
	s.refreshBody = draw
	return s.screenFrame(T("queue.title"), container.NewBorder(msg, nil, nil, nil, scroll))
}

func (s *Shell) jobRow(j Job, now time.Time, msg *widget.Label, redraw func()) fyne.CanvasObject {
	role := RoleOperator
	if s.session != nil {
		role = s.session.Operator.Role
	}
	act := ActionsFor(j, role)
	when := widget.NewLabelWithStyle(j.Created.Local().Format("15:04"), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	state := widget.NewLabelWithStyle(StateText(j.State), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	switch j.State {
	case JobDone:
		state.Importance = widget.SuccessImportance
	case JobFailed, JobQuarantined, JobHeld, JobNeedsOperator:
		state.Importance = widget.DangerImportance
	}
	left := container.NewHBox(container.NewGridWrap(fyne.NewSize(70, 40), when), container.NewGridWrap(fyne.NewSize(150, 40), state))
	text := JobOutcome(j, now)
	if act.NoRetry2209 && act.EnrollAgain {
		text += " " + T("queue.open-2209")
	}
	outcome := widget.NewLabel(text)
	outcome.Wrapping = fyne.TextWrapWord
	center := container.NewVBox()
	// In full, for the operator (never logged); masked once the photos are deleted.
	if j.CustomerID != "" || j.CustomerMasked != "" {
		// The id in a fixed-width font; its masked form's words in the screen's own.
		cust := widget.NewLabelWithStyle(CustomerText(j), fyne.TextAlignLeading, fyne.TextStyle{Bold: true, Monospace: j.CustomerID != ""})
		cust.Truncation = fyne.TextTruncateEllipsis
		center.Add(cust)
	}
	center.Add(outcome)
	if j.Training {
		center.Add(widget.NewLabelWithStyle(T("queue.training-job"), fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	if act.Progress {
		center.Add(widget.NewProgressBarWithData(bindFloat(j.Progress)))
	}
	var actions []fyne.CanvasObject
	open := s.button(T("queue.open"), theme.NavigateNextIcon(), func() { s.openJob(j.ID) })
	if act.EnrollAgain {
		open.Importance = widget.HighImportance
	}
	actions = append(actions, open)
	if act.Retry {
		id := j.ID
		actions = append(actions, s.button(T("queue.retry"), theme.ViewRefreshIcon(), func() {
			if err := s.d.Queue.Retry(id); err != nil {
				setMessage(msg, T("queue.retry-failed"))
				return
			}
			setMessage(msg, "")
			redraw()
		}))
	}
	if act.Purge {
		id := j.ID
		actions = append(actions, s.button(T("queue.purge"), theme.DeleteIcon(), func() {
			s.confirm(T("queue.purge-confirm"), func() {
				if err := s.d.Queue.Purge(id); err != nil {
					setMessage(msg, T("queue.purge-failed"))
					return
				}
				redraw()
			})
		}))
	}
	return container.NewBorder(nil, nil, left, container.NewHBox(actions...), center)
}

// confirm asks yes or no in a dialog; yes runs ok.
func (s *Shell) confirm(question string, ok func()) {
	l := widget.NewLabel(question)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(T("common.confirm"), T("common.yes"), T("common.no"),
		container.NewGridWrap(fyne.NewSize(420, 80), l), func(yes bool) {
			s.Touch()
			if yes {
				ok()
			}
		}, s.win)
	d.Show()
}

// statusScreen: each part with its state, then the checks (Deps.Checks) as last run.
func (s *Shell) statusScreen() fyne.CanvasObject {
	rows := container.NewVBox()
	draw := func() {
		rows.Objects = nil
		now := s.d.Clock.Now()
		for _, p := range Parts {
			rows.Add(partRow(s.lastStatus, p, now))
			rows.Add(widget.NewSeparator())
		}
		s.checksSection(rows)
		rows.Refresh()
	}
	draw()
	s.refreshBody = draw
	return s.screenFrame(T("status.title"), vscroll(rows))
}

func partRow(st Status, p Part, now time.Time) fyne.CanvasObject {
	lv := PartLevel(st, p)
	name := widget.NewLabelWithStyle(PartName(p), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	level := levelLabel(lv)
	detail := widget.NewLabel(PartDetail(st, p, now))
	detail.Wrapping = fyne.TextWrapWord
	left := container.NewHBox(container.NewGridWrap(fyne.NewSize(220, 40), name), container.NewGridWrap(fyne.NewSize(150, 40), level))
	return container.NewBorder(nil, nil, left, nil, detail)
}

// settingsScreen: shown only after the supervisor gate.
func (s *Shell) settingsScreen() fyne.CanvasObject {
	st, err := s.d.Settings.Settings()
	if err != nil {
		return s.screenFrame(T("settings.title"), widget.NewLabel(T("settings.read-failed")))
	}
	msg := newMessage()
	form := container.NewVBox()
	if s.d.OperatorAdmin != nil {
		ops := s.button(T("settings.operators"), theme.AccountIcon(), func() { s.show(ScreenOperators) })
		ops.Importance = widget.HighImportance
		form.Add(container.NewBorder(nil, nil, nil, ops, widget.NewLabel(T("settings.operators-note"))))
		form.Add(widget.NewSeparator())
	}
	section := func(title string) {
		l := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.SizeName = theme.SizeNameSubHeadingText
		form.Add(l)
	}
	row := func(name, value string) {
		v := widget.NewLabel(value)
		v.Wrapping = fyne.TextWrapBreak
		form.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(260, 40), widget.NewLabel(name)), nil, v))
	}

	section(T("settings.cameras"))
	cams := container.NewGridWithColumns(2)
	for _, c := range st.Cameras {
		var preview fyne.CanvasObject = widget.NewLabel(T("settings.no-preview"))
		if s.d.Preview != nil {
			obj, stop := s.d.Preview.Preview(c.Device)
			preview = obj
			s.onLeave = append(s.onLeave, stop)
		}
		slot := container.NewGridWrap(fyne.NewSize(240, 135), preview)
		info := widget.NewLabel(cameraInfo(c))
		info.Wrapping = fyne.TextWrapWord
		cams.Add(container.NewBorder(nil, nil, slot, nil, info))
	}
	form.Add(cams)
	form.Add(widget.NewSeparator())

	section(T("settings.connection"))
	row(T("settings.api-url"), st.APIURL)
	row(T("settings.partner-id"), st.PartnerID)
	key := T("settings.key-missing")
	if st.KeyPresent {
		key = T("settings.key-present")
	}
	row(T("settings.key"), key)
	form.Add(widget.NewSeparator())

	section(T("settings.thresholds"))
	for _, th := range st.Thresholds {
		row(ThresholdName(th.Kind), NumberText(th.Value, -1))
	}
	form.Add(widget.NewSeparator())

	section(T("settings.preferences"))
	names := make([]string, len(Languages))
	for i, c := range Languages {
		names[i] = languageNames[c]
	}
	langSel := widget.NewSelect(names, nil)
	for i, c := range Languages {
		if c == Language() {
			langSel.SetSelectedIndex(i)
		}
	}
	langSel.OnChanged = func(string) {
		s.Touch()
		code := Languages[langSel.SelectedIndex()]
		if code == Language() {
			return
		}
		if err := s.d.Settings.SetLanguage(code); err != nil {
			setMessage(msg, T("settings.save-failed"))
			return
		}
		if err := SetLanguage(code); err != nil {
			setMessage(msg, T("settings.save-failed"))
			return
		}
		s.show(ScreenSettings)
	}
	minutes := []int{1, 2, 5, 10, 15, 30}
	mins := make([]string, len(minutes))
	for i, m := range minutes {
		mins[i] = Tf("settings.minutes", map[string]any{"N": m})
	}
	idleSel := widget.NewSelect(mins, nil)
	for i, m := range minutes {
		if time.Duration(m)*time.Minute == st.IdleLock {
			idleSel.SetSelectedIndex(i)
		}
	}
	idleSel.OnChanged = func(string) {
		s.Touch()
		d := time.Duration(minutes[idleSel.SelectedIndex()]) * time.Minute
		if err := s.d.Settings.SetIdleLock(d); err != nil {
			setMessage(msg, T("settings.save-failed"))
			return
		}
		s.idle.After = d
	}
	form.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(260, 40), widget.NewLabel(T("settings.language"))), nil, langSel))
	form.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(260, 40), widget.NewLabel(T("settings.idle-lock"))), nil, idleSel))
	return s.screenFrame(T("settings.title"), container.NewBorder(msg, nil, nil, nil, vscroll(container.NewPadded(form))))
}

func (s *Shell) aboutScreen() fyne.CanvasObject {
	a := s.d.About
	form := container.NewVBox()
	// Codes in a fixed-width font, to be read out character by character; a sentence in
	// the screen's own font, broken between words.
	row := func(name, value string, code bool) {
		v := widget.NewLabelWithStyle(value, fyne.TextAlignLeading, fyne.TextStyle{Monospace: code})
		v.Wrapping = fyne.TextWrapBreak
		if !code {
			v.Wrapping = fyne.TextWrapWord
		}
		form.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(300, 40), widget.NewLabel(name)), nil, v))
	}
	row(T("about.version"), a.Version, true)
	row(T("about.kiosk-id"), a.KioskID, true)
	row(T("about.key"), a.KeyFingerprint, true)
	if a.KeyProtector != "" {
		row(T("about.protector"), protectorText(a.KeyProtector), false)
	}
	return s.screenFrame(T("about.title"), container.NewPadded(form))
}

// The values of About.KeyProtector (offline/protector's kinds).
const (
	ProtectorTPM2         = "tpm2"
	ProtectorSystemdCreds = "systemd-creds"
	ProtectorFile         = "file"
)

// protectorText says in the operator's language what keeps the device keys.
func protectorText(p string) string {
	switch p {
	case ProtectorTPM2:
		return T("about.protector.tpm2")
	case ProtectorSystemdCreds:
		return T("about.protector.systemd-creds")
	}
	return T("about.protector.file")
}

// bindFloat is a progress value as a binding.
func bindFloat(v float64) binding.Float {
	b := binding.NewFloat()
	_ = b.Set(v)
	return b
}

// newMessage is a label for what went wrong, hidden while empty.
func newMessage() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// setMessage shows text in l, or hides l when text is empty.
func setMessage(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

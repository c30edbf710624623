package ui

import (
	"context"
	"errors"
	"image"
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/ui/flow"
)

// This file is the enrollment wizard's screens over ui/flow's state machine. The
// customer's images live in the wizard's Draft, in memory, until Seal; leaving the
// wizard drops them.

// wizard is one enrollment screen session (one or more customers). Its fields are
// touched only on Fyne's goroutine; the goroutines it starts (camera, capture,
// prechecks, seal, result) report through do and check gen, so a late report about a
// screen left behind changes nothing.
type wizard struct {
	s   *Shell
	enr Enrollment

	st flow.State
	d  Draft
	pc *job.Prechecks // the review's prechecks, nil until they ran
	// dr is what the review's prechecks read from the document's zone (nil: nothing):
	// its number is shown on the review only, and dropped with pc.
	dr *DocumentRead

	root *fyne.Container
	// userField is the customer screen's id field (nil on other steps).
	userField *TextField
	gen       int
	// cancel stops the goroutines of the screen shown.
	cancel context.CancelFunc
	// lang is the operator's language, restored when the wizard closes (the customer
	// may switch it on the consent screen).
	lang   string
	closed bool
	// paused is set while the lock screen covers the wizard: its goroutines are
	// stopped, its state and draft kept; resume shows the step again.
	paused bool
	// epoch counts the agent's moves (apply): a seal's answer applies only if the
	// agent has not moved since (a lock and resume is no move).
	epoch int
	// pending is the comparison image taken and shown, not yet kept (Continue keeps
	// it); pendingKind its capture kind (0: imported).
	pending     *Shot
	pendingKind CaptureKind
	// note is said on the customer screen once (the document's number was not read).
	note string
}

// newWizard starts an enrollment for the signed-in operator.
func (s *Shell) newWizard() *wizard {
	w := &wizard{s: s, enr: s.d.Enrollment, root: container.NewStack(), lang: Language()}
	s.wiz = w
	w.reset()
	w.show()
	return w
}

// reset starts a new customer, in the operator's language.
func (w *wizard) reset() {
	if Language() != w.lang {
		_ = SetLanguage(w.lang)
		w.s.drawChrome()
	}
	w.st = flow.Start()
	w.moved("", w.st.Step.String(), false)
	newID := job.NewID
	if w.s.d.NewJobID != nil {
		newID = w.s.d.NewJobID
	}
	w.d = Draft{JobID: newID(w.s.d.Clock.Now()), Operator: w.s.session.Operator, ComparisonType: job.Document}
	w.pc, w.dr = nil, nil
}

// close stops the wizard's goroutines, drops the draft and restores the operator's
// language. The shell calls it when the screen is left.
func (w *wizard) close() {
	if w.closed {
		return
	}
	w.closed = true
	if w.st.Step != flow.Closed {
		w.moved(w.st.Step.String(), flow.Closed.String(), w.st.Sealed)
	}
	w.stop()
	w.d = Draft{}
	w.pc, w.dr = nil, nil
	w.pending = nil
	if w.s.wiz == w {
		w.s.wiz = nil
	}
	if Language() != w.lang {
		_ = SetLanguage(w.lang)
	}
}

// pause stops the step's goroutines (cameras, capture) and keeps everything else: the
// lock screen covers the wizard.
func (w *wizard) pause() {
	w.stop()
	w.paused = true
}

// resume shows the step the wizard was at again (a capture step starts its camera and
// procedure again; what earlier steps took is kept).
func (w *wizard) resume() {
	w.paused = false
	w.show()
}

// moved tells the Enrollment's WizardObserver, if it has one, where the wizard went.
func (w *wizard) moved(from, to string, sealed bool) {
	if o, ok := w.enr.(WizardObserver); ok {
		o.WizardMoved(from, to, sealed)
	}
}

func (w *wizard) stop() {
	w.gen++
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
}

// stepContext is a context for the goroutines of the screen about to be shown, and
// its generation.
func (w *wizard) stepContext() (context.Context, int) {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	return ctx, w.gen
}

// apply moves the flow on by e and shows the new step, dropping the images of the
// steps whose capture the flow no longer keeps.
func (w *wizard) apply(e flow.Event) {
	n, err := flow.Next(w.st, e)
	if err != nil {
		return // a button the step does not offer; nothing to do
	}
	if e.Kind == flow.NextCustomer {
		w.moved(w.st.Step.String(), flow.Closed.String(), w.st.Sealed)
	} else {
		w.moved(w.st.Step.String(), n.Step.String(), n.Sealed)
	}
	w.st = n
	w.epoch++
	w.pending = nil
	if e.Kind == flow.NextCustomer {
		w.reset()
	}
	if !n.Has(flow.Comparison) {
		w.d.Comparison = Shot{}
	}
	if !n.Has(flow.Selfie) {
		w.d.Selfie = Shot{}
	}
	if !n.Has(flow.Liveness) {
		w.d.Liveness = nil
	}
	switch n.Step {
	case flow.Closed:
		w.close()
		w.s.show(ScreenHome)
		return
	case flow.Review:
		w.pc, w.dr = nil, nil // the images may have changed: check them again
	}
	if w.paused {
		return // shown on resume
	}
	w.show()
}

// show draws the current step.
func (w *wizard) show() {
	w.stop()
	w.s.kb.newScreen()
	w.userField = nil
	var o fyne.CanvasObject
	switch w.st.Step {
	case flow.Consent:
		o = w.consentScreen()
	case flow.Customer:
		o = w.customerScreen()
	case flow.Comparison:
		switch {
		case w.pending != nil: // taken before a lock: shown again to be kept
			w.comparisonTaken(w.pendingKind, *w.pending)
			return
		case w.st.Has(flow.Comparison) && !w.st.Retaking: // kept: shown taken (Back)
			w.comparisonTaken(comparisonKind(w.st.Source), w.d.Comparison)
			return
		}
		switch w.st.Source {
		case job.IDPhoto:
			o = w.importScreen()
		case job.Portrait:
			o = w.captureScreen(CapturePortrait)
		default:
			o = w.captureScreen(CaptureDocument)
		}
	case flow.Selfie:
		if w.st.Has(flow.Selfie) && !w.st.Retaking {
			o = w.takenScreen(CaptureSelfie, []Shot{w.d.Selfie})
		} else {
			o = w.captureScreen(CaptureSelfie)
		}
	case flow.Liveness:
		if w.st.Has(flow.Liveness) && !w.st.Retaking {
			o = w.takenScreen(CaptureLiveness, w.d.Liveness)
		} else {
			o = w.captureScreen(CaptureLiveness)
		}
	case flow.Review:
		o = w.reviewScreen()
	case flow.Result:
		o = w.resultScreen()
	}
	w.root.Objects = []fyne.CanvasObject{o}
	w.root.Refresh()
	// The id is what the agent types first: the keyboard comes up with the step.
	if f := w.userField; f != nil && f.Text == "" {
		w.s.win.Canvas().Focus(f)
	}
}

// stepCount is how many steps the header counts (Consent to Result).
const stepCount = 7

// frame is a step's screen: Back, the title with the step number and Cancel above; the
// actions at the bottom right.
func (w *wizard) frame(title string, content fyne.CanvasObject, actions ...fyne.CanvasObject) fyne.CanvasObject {
	return w.frameMsg(title, content, nil, actions...)
}

// frameMsg is frame with a message left of the actions (nil: none).
func (w *wizard) frameMsg(title string, content fyne.CanvasObject, msg *widget.Label, actions ...fyne.CanvasObject) fyne.CanvasObject {
	var left, right fyne.CanvasObject
	if w.st.Step != flow.Result {
		left = w.s.button(T("wizard.back"), theme.NavigateBackIcon(), func() { w.apply(flow.Event{Kind: flow.Back}) })
		right = w.s.button(T("wizard.cancel"), theme.CancelIcon(), func() {
			w.s.ask(T("wizard.cancel-confirm"), T("wizard.cancel-yes"), T("wizard.cancel-no"), func() { w.apply(flow.Event{Kind: flow.Cancel}) })
		})
	}
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	heading.Truncation = fyne.TextTruncateEllipsis
	step := widget.NewLabel(Tf("wizard.step", map[string]any{"N": int(w.st.Step), "Total": stepCount}))
	info := container.NewHBox(step, orNil(right))
	// After the customer step, every screen says whose enrollment it is (on screen
	// only: the id is never logged).
	// (Review and Result show it in full in their content.)
	if w.st.Step > flow.Customer && w.st.Step < flow.Review && w.d.UserID != "" {
		info.Objects = append([]fyne.CanvasObject{customerLabel(w.d.UserID)}, info.Objects...)
	}
	bar := container.NewBorder(nil, nil, left, info, heading)
	top := container.NewVBox(bar, widget.NewSeparator())
	var bottom fyne.CanvasObject
	if len(actions) > 0 || msg != nil {
		var left fyne.CanvasObject
		if msg != nil {
			left = msg
		}
		bottom = container.NewBorder(nil, nil, nil, container.NewHBox(actions...), left)
	}
	return container.NewBorder(top, bottom, nil, nil, container.NewPadded(content))
}

func orNil(o fyne.CanvasObject) fyne.CanvasObject {
	if o == nil {
		return layout.NewSpacer()
	}
	return o
}

// primary is a high-importance button at least MinTarget high.
func (w *wizard) primary(label string, icon fyne.Resource, tapped func()) *widget.Button {
	b := w.s.button(label, icon, tapped)
	b.Importance = widget.HighImportance
	return b
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func big(text string) *widget.Label {
	l := wrapped(text)
	l.SizeName = theme.SizeNameHeadingText
	l.TextStyle.Bold = true
	return l
}

// consentScreen: what is captured and why, in the customer's language.
func (w *wizard) consentScreen() fyne.CanvasObject {
	var langs []fyne.CanvasObject
	for _, code := range Languages {
		b := w.s.button(languageNames[code], nil, func() {
			if code == Language() {
				return
			}
			_ = SetLanguage(code)
			w.s.drawChrome()
			w.show()
		})
		if code == Language() {
			b.Importance = widget.HighImportance
		}
		langs = append(langs, b)
	}
	text := container.NewVBox(
		big(T("consent.heading")),
		wrapped(T("consent.what")),
		wrapped(T("consent.why")),
		wrapped(T("consent.keep")),
		wrapped(T("consent.no")),
	)
	content := container.NewBorder(container.NewHBox(append([]fyne.CanvasObject{widget.NewLabel(T("consent.language"))}, langs...)...),
		nil, nil, nil, vscroll(text))
	decline := w.s.button(T("consent.decline"), theme.CancelIcon(), w.declined)
	agree := w.primary(T("consent.agree"), theme.ConfirmIcon(), func() { w.apply(flow.Event{Kind: flow.Agree}) })
	return w.frame(T("consent.title"), content, decline, agree)
}

// declined says that the customer refused and that nothing was taken, in the
// operator's language; the agent goes home or starts the next customer.
func (w *wizard) declined() {
	w.stop()
	w.s.kb.newScreen()
	w.reset() // nothing was taken; back to the operator's language
	head := big(T("consent.declined"))
	icon := widget.NewIcon(theme.NewPrimaryThemedResource(theme.InfoIcon()))
	next := w.primary(T("result.next"), theme.ContentAddIcon(), w.show)
	home := w.s.button(T("nav.home"), theme.HomeIcon(), func() { w.close(); w.s.show(ScreenHome) })
	content := container.NewVBox(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(64, 64), icon), nil, head),
		wrapped(T("consent.declined-detail")))
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(home, next))
	heading := widget.NewLabelWithStyle(T("consent.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	w.root.Objects = []fyne.CanvasObject{container.NewBorder(container.NewVBox(heading, widget.NewSeparator()), bar, nil, nil, container.NewPadded(content))}
	w.root.Refresh()
}

// ask asks a yes-or-no question in a dialog whose highlighted answer is no: a tap by
// mistake loses nothing.
func (s *Shell) ask(question, yes, no string, ok func()) {
	var d *dialog.CustomDialog
	yesB := widget.NewButtonWithIcon(yes, theme.ConfirmIcon(), func() {
		s.Touch()
		d.Hide()
		ok()
	})
	noB := widget.NewButtonWithIcon(no, theme.CancelIcon(), func() {
		s.Touch()
		d.Hide()
	})
	noB.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons(T("common.confirm"), container.NewGridWrap(fyne.NewSize(460, 90), wrapped(question)), s.win)
	d.SetButtons([]fyne.CanvasObject{yesB, noB})
	d.Show()
}

// customerScreen: the user id, the job id, the comparison image's source, re-enroll.
func (w *wizard) customerScreen() fyne.CanvasObject {
	msg := newMessage()
	if w.note != "" {
		setMessage(msg, w.note)
		w.note = ""
	}
	user := w.s.textField()
	user.Upper = true
	w.userField = user
	user.SetPlaceHolder(T("customer.user-id.hint"))
	user.SetText(w.d.UserID)
	user.OnChanged = func(s string) {
		w.s.Touch()
		w.d.UserID = s
		if job.ValidUserID(s) {
			setMessage(msg, "")
		}
	}
	caption := widget.NewLabelWithStyle(T("customer.user-id"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	// With ui.customer_id_from the id may wait for the document's number, until the
	// document is taken (then the number was not read: the agent types the id).
	fromDocument := func() bool {
		return w.s.d.CustomerIDFromDocument && w.d.ComparisonType == job.Document && !w.st.Has(flow.Comparison)
	}
	jobID := widget.NewLabelWithStyle(w.d.JobID, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	var sources []*widget.Button
	pick := func(t job.ComparisonType) {
		w.d.ComparisonType = t
		if fromDocument() {
			caption.SetText(T("customer.user-id.or-document"))
		} else {
			caption.SetText(T("customer.user-id"))
		}
		for i, b := range sources {
			b.Importance = widget.MediumImportance
			if job.ComparisonTypes()[sourceOrder[i]] == t {
				b.Importance = widget.HighImportance
			}
			b.Refresh()
		}
	}
	icons := []fyne.Resource{theme.FileImageIcon(), theme.FolderOpenIcon(), theme.AccountIcon()}
	var cells []fyne.CanvasObject
	for i, k := range sourceOrder {
		t := job.ComparisonTypes()[k]
		b := w.s.button(SourceText(t), icons[i], func() { pick(t) })
		b.Alignment = widget.ButtonAlignLeading
		sources = append(sources, b)
		cells = append(cells, b)
	}
	pick(w.d.ComparisonType)
	again := widget.NewCheck(T("customer.re-enroll"), func(v bool) { w.s.Touch(); w.d.AllowNewEnroll = v })
	again.SetChecked(w.d.AllowNewEnroll)
	left := container.NewVBox(caption, user, msg)
	// The job id goes on one line after its caption, level with the customer's id, so that
	// it stays in sight above the on-screen keyboard at 1024x600; it breaks anywhere
	// rather than widen the screen.
	jobID.Wrapping = fyne.TextWrapBreak
	right := container.NewVBox(again, container.NewBorder(nil, nil, widget.NewLabel(T("customer.job-id")), nil, jobID))
	form := container.NewVBox(
		container.NewGridWithColumns(2, left, right),
		widget.NewLabelWithStyle(T("customer.source"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewGridWithColumns(1, cells...),
	)
	next := w.primary(T("wizard.continue"), theme.NavigateNextIcon(), func() {
		if !job.ValidUserID(w.d.UserID) && !(w.d.UserID == "" && fromDocument()) {
			setMessage(msg, T("customer.user-id.invalid"))
			return
		}
		w.apply(flow.Event{Kind: flow.CustomerDone, Source: w.d.ComparisonType})
	})
	return w.frame(T("customer.title"), vscroll(form), next)
}

// sourceOrder is the order of job.ComparisonTypes() on the customer screen: the
// document first.
var sourceOrder = []int{2, 0, 1}

// stepTitle is the title of a capture step.
func stepTitle(kind CaptureKind) string {
	switch kind {
	case CaptureDocument:
		return T("document.title")
	case CapturePortrait:
		return T("portrait.title")
	case CaptureLiveness:
		return T("liveness.title")
	}
	return T("selfie.title")
}

// guide is the overlay of a capture step: a card outline for the document, an oval
// for a face; its colour says wait, adjust or good. On the document step the card found
// on the frame (Guidance.Card) is outlined where it is, in the colour of its state, and
// the fixed ID-1 frame, the "place it here" hint, shows only while no card is found.
type guide struct {
	shape  fyne.CanvasObject
	setCol func(color.Color)
	obj    *fyne.Container
	// fixed is the fixed shape's container; card the found card's outline (documents
	// only, nil otherwise).
	fixed *fyne.Container
	card  *cardOutline
}

// The guide's colours.
var (
	guideWait   = color.NRGBA{R: 0xe0, G: 0xe0, B: 0xe0, A: 0xff}
	guideAdjust = color.NRGBA{R: 0xff, G: 0xa0, B: 0x10, A: 0xff}
	guideGood   = color.NRGBA{R: 0x30, G: 0xd0, B: 0x60, A: 0xff}
)

func newGuide(kind CaptureKind) *guide {
	g := &guide{}
	if kind == CaptureDocument {
		r := canvas.NewRectangle(color.Transparent)
		r.StrokeWidth = 5
		r.StrokeColor = guideWait
		r.CornerRadius = 14
		g.shape = r
		g.setCol = func(c color.Color) { r.StrokeColor = c; r.Refresh() }
		// An ID-1 card (85.6 x 54 mm) over 80% of the picture's width.
		g.fixed = container.New(&insetLayout{w: 0.8, h: 0.8 * 54 / 85.6 * 4 / 3}, r)
		g.card = newCardOutline()
		g.obj = container.NewStack(g.fixed, g.card.obj)
		return g
	}
	e := &canvas.Ellipse{StrokeColor: guideWait, StrokeWidth: 6}
	g.shape = e
	g.setCol = func(c color.Color) { e.StrokeColor = c; e.Refresh() }
	g.obj = container.New(&insetLayout{w: 0.42, h: 0.78}, e)
	g.fixed = g.obj
	return g
}

// setCard shows the card found on the frame in colour c (nil: none found, the fixed
// frame shows instead), or the fixed shape in c.
func (g *guide) setCard(q *CardOutline, c color.Color) {
	if g.card == nil || q == nil {
		if g.card != nil && g.card.obj.Visible() {
			g.card.obj.Hide()
			g.fixed.Show()
		}
		g.setCol(c)
		return
	}
	if g.fixed.Visible() {
		g.fixed.Hide()
	}
	g.card.set(*q, c)
}

// cardOutline is the found card's quadrilateral over the picture: four lines, made once
// and moved for each frame (never rebuilt). Its container is laid out over the picture's
// rectangle (the preview's aspect-fitted one), so the corners' fractions of the frame
// map to the picture as it is drawn.
type cardOutline struct {
	lines [4]*canvas.Line
	lay   *outlineLayout
	obj   *fyne.Container
}

func newCardOutline() *cardOutline {
	o := &cardOutline{lay: &outlineLayout{}}
	objs := make([]fyne.CanvasObject, 4)
	for i := range o.lines {
		o.lines[i] = &canvas.Line{StrokeColor: guideAdjust, StrokeWidth: 5}
		objs[i] = o.lines[i]
	}
	o.obj = container.New(o.lay, objs...)
	o.obj.Hide()
	return o
}

// set moves the outline to q in colour c and shows it.
func (o *cardOutline) set(q CardOutline, c color.Color) {
	o.lay.mu.Lock()
	o.lay.q = q
	o.lay.mu.Unlock()
	for _, l := range o.lines {
		l.StrokeColor = c
	}
	o.obj.Show()
	o.obj.Refresh() // lays the lines out again, then redraws them
}

// outlineLayout places the outline's four lines, side i from corner i to corner i+1.
type outlineLayout struct {
	mu sync.Mutex
	q  CardOutline
}

func (l *outlineLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.mu.Lock()
	pts := OutlinePoints(l.q, size)
	l.mu.Unlock()
	for i, o := range objs {
		if ln, ok := o.(*canvas.Line); ok && i < 4 {
			ln.Position1, ln.Position2 = pts[i], pts[(i+1)%4]
		}
	}
}

func (l *outlineLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

// OutlinePoints are the card's corners on a picture drawn size big: each corner's
// fractions of the frame times the picture's width and height, kept on the picture (a
// card partly out of the frame has corners on its border or beyond).
func OutlinePoints(q CardOutline, size fyne.Size) [4]fyne.Position {
	var out [4]fyne.Position
	for i, p := range q {
		x := float32(min(max(p.X, 0), 1))
		y := float32(min(max(p.Y, 0), 1))
		out[i] = fyne.NewPos(x*size.Width, y*size.Height)
	}
	return out
}

// insetLayout centres its objects over the fractions w and h of its size.
type insetLayout struct{ w, h float32 }

func (l *insetLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	s := fyne.NewSize(size.Width*l.w, size.Height*l.h)
	p := fyne.NewPos((size.Width-s.Width)/2, (size.Height-s.Height)/2)
	for _, o := range objs {
		o.Move(p)
		o.Resize(s)
	}
}

func (l *insetLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

// banner is a coloured band with a bold sentence, hidden until shown.
func banner(text string, bg color.Color) (*fyne.Container, *widget.Label) {
	l := wrapped(text)
	l.TextStyle.Bold = true
	c := container.NewStack(canvas.NewRectangle(bg), l)
	c.Hide()
	return c, l
}

// The banners' colours.
var (
	bannerDanger = color.NRGBA{R: 0xfd, G: 0xdc, B: 0xd8, A: 0xff}
	bannerInfo   = color.NRGBA{R: 0xe3, G: 0xee, B: 0xfb, A: 0xff}
)

// panelWidth is the width of the right-hand panel of the camera steps.
const panelWidth = 380

// captureScreen runs a camera step: the live preview with its guide, one instruction,
// and the capture procedure; for liveness the prompt with its arrow and "3 of 8".
func (w *wizard) captureScreen(kind CaptureKind) fyne.CanvasObject {
	ctx, gen := w.stepContext()
	g := newGuide(kind)
	p := newPreview(w.s.d.Clock, g.obj)
	instr := big(T("guide.starting"))
	cameraGone, _ := banner(T("camera.disconnected"), bannerDanger)
	reason, reasonText := banner("", bannerDanger)
	missing, missingText := banner("", bannerDanger)
	p.cameraState = func(ok bool) {
		if ok {
			cameraGone.Hide()
			p.img.Show()
		} else {
			// No frozen picture while the camera is away: it would look live.
			cameraGone.Show()
			p.img.Hide()
			g.setCard(nil, guideWait)
		}
	}
	panel := container.NewVBox(cameraGone, missing)
	var arrow *widget.Icon
	var count *widget.Label
	if kind == CaptureLiveness {
		arrow = widget.NewIcon(promptIcon(PromptStraight))
		count = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		panel.Add(container.NewHBox(container.NewGridWrap(fyne.NewSize(72, 72), arrow), container.NewCenter(count)))
	}
	panel.Add(instr)
	panel.Add(reason)
	var prompt Prompt
	var last Frame
	var lastG Guidance
	var onJudged func()
	var actions []fyne.CanvasObject
	var take *widget.Button
	noCamera := false // the step's camera is missing: nothing to take
	if kind == CaptureDocument || kind == CapturePortrait {
		// "Take it now": the agent keeps the frame on screen, recorded as manual. It
		// shows after Deps.ManualAfter (config capture.document_manual_after), so that
		// the auto-capture gets its chance first, and works once a frame was judged.
		take = w.primary(T("capture.take-now"), theme.MediaPhotoIcon(), func() {
			if last.Image == nil {
				return
			}
			w.takeNow(kind, last, lastG, instr, take)
		})
		take.Disable() // until a frame is judged
		actions = append(actions, take)
		onJudged = take.Enable
		if after := w.s.d.ManualAfter; after > 0 {
			take.Hide()
			t := w.s.d.Clock.NewTimer(after) // now, on the screen's goroutine: the wait starts with the step
			go func() {
				defer t.Stop()
				select {
				case <-t.C():
					do(func() {
						if w.gen == gen && !noCamera {
							take.Show()
						}
					})
				case <-ctx.Done():
				}
			}()
		}
	}
	// A selfie the engine keeps judging not live (a printed photo, a screen, or a live
	// face the model gets wrong) can be taken anyway once the procedure has given up on
	// it: the review then shows the failed liveness check and sealing needs a
	// supervisor's PIN, recorded as forced.
	var anyway *widget.Button
	if kind == CaptureSelfie {
		anyway = w.s.button(T("capture.take-anyway"), theme.WarningIcon(), func() {
			if last.Image == nil {
				return
			}
			w.taken(CaptureSelfie, []Shot{{Image: last.Image, Face: lastG.Face, Origin: job.OriginManual}})
		})
		anyway.Importance = widget.DangerImportance
		anyway.Hide() // until the procedure gave up on a face not live
		actions = append(actions, anyway)
	}
	if (kind == CaptureDocument || kind == CapturePortrait) && !w.st.Retaking {
		actions = append([]fyne.CanvasObject{w.s.button(T("capture.import-instead"), theme.FolderOpenIcon(), w.importInstead)}, actions...)
	}
	hooks := CaptureHooks{
		Guidance: func(gd Guidance) {
			f := p.judged()
			do(func() {
				if w.gen != gen {
					return
				}
				last, lastG = f, gd
				if onJudged != nil {
					onJudged()
				}
				col := color.Color(guideAdjust)
				if gd.OK {
					col = guideGood
				} else if firstProblem(gd.Problems) == ProblemNoFace && kind != CaptureDocument {
					col = guideWait
				}
				g.setCard(gd.Card, col)
				instr.SetText(InstructionText(kind, gd, prompt))
			})
		},
		Prompt: func(i, n int, pr Prompt) {
			do(func() {
				if w.gen != gen {
					return
				}
				prompt = pr
				if arrow != nil {
					arrow.SetResource(promptIcon(pr))
					count.SetText(Tf("liveness.count", map[string]any{"N": i + 1, "Total": n}))
				}
				instr.SetText(PromptText(pr))
				if i > 0 {
					reason.Hide()
				}
			})
		},
	}
	go w.runCapture(ctx, gen, kind, p, hooks, func(err error) {
		var nc *NoCameraError
		switch {
		case errors.As(err, &nc) && nc.Role == CameraDocument:
			missingText.SetText(Tf("camera.missing", map[string]any{"Camera": CameraName(nc.Role), "Device": nc.Device}))
		case errors.As(err, &nc):
			missingText.SetText(Tf("camera.missing-selfie", map[string]any{"Camera": CameraName(nc.Role), "Device": nc.Device}))
		default:
			missingText.SetText(T("camera.open-failed"))
		}
		missing.Show()
		instr.SetText("")
		noCamera = true
		if take != nil {
			take.Hide() // a greyed "Take it now" with no camera would only puzzle
		}
	}, func(e *CaptureError) {
		reasonText.SetText(CaptureFailedText(kind, e))
		reason.Show()
		g.setCol(guideAdjust)
		if anyway != nil && firstProblem(e.Problems) == ProblemNotLive && last.Image != nil {
			anyway.Show()
		}
	})
	right := container.NewBorder(nil, nil, nil, nil, vscroll(panel))
	content := container.NewBorder(nil, nil, nil, container.NewStack(spacer(panelWidth, 0), right), p.obj)
	return w.frame(stepTitle(kind), content, actions...)
}

// runCapture opens the camera, previews it and runs the capture procedure until it
// has its images (then hands them on), restarting a procedure that failed.
func (w *wizard) runCapture(ctx context.Context, gen int, kind CaptureKind, p *preview, hooks CaptureHooks, noCamera func(error), failed func(*CaptureError)) {
	cam, err := w.enr.OpenCamera(kind)
	if err != nil {
		do(func() {
			if w.gen == gen {
				noCamera(err)
			}
		})
		return
	}
	camCtx, stopCam := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.run(camCtx, cam)
	}()
	defer func() {
		stopCam()
		wg.Wait()
		cam.Close()
	}()
	for {
		shots, err := w.enr.Capture(ctx, kind, p, hooks)
		if ctx.Err() != nil {
			return
		}
		if err == nil && len(shots) > 0 {
			for i := range shots {
				shots[i].Origin = job.OriginAuto // the procedure kept them
			}
			do(func() {
				if w.gen == gen {
					w.taken(kind, shots)
				}
			})
			return
		}
		var ce *CaptureError
		if !errors.As(err, &ce) {
			ce = &CaptureError{Err: err}
		}
		do(func() {
			if w.gen == gen {
				failed(ce)
			}
		})
		if !errors.As(err, new(*CaptureError)) {
			return // not a capture's failure (the engine?): the agent goes back and again
		}
	}
}

// taken stores a capture step's images and moves on.
func (w *wizard) taken(kind CaptureKind, shots []Shot) {
	switch kind {
	case CaptureDocument, CapturePortrait:
		w.stop()
		w.comparisonTaken(kind, shots[0])
	case CaptureSelfie:
		w.d.Selfie = shots[0]
		w.apply(flow.Event{Kind: flow.Captured})
	case CaptureLiveness:
		w.d.Liveness = shots
		w.apply(flow.Event{Kind: flow.Captured})
	}
}

// takeNow keeps the frame f, judged gd, as the comparison image ("Take it now"): the
// camera and the procedure stop with the frame on screen, the Enrollment flattens it to
// the card when one is found on it and finds its face (TakeNow); the shot is recorded
// as manual. When TakeNow fails the frame is kept as it is.
func (w *wizard) takeNow(kind CaptureKind, f Frame, gd Guidance, instr *widget.Label, take *widget.Button) {
	w.stop()
	ctx, gen := w.stepContext()
	take.Disable()
	instr.SetText(T("capture.taking"))
	go func() {
		shot, err := w.enr.TakeNow(ctx, kind, f.Image)
		if ctx.Err() != nil {
			return
		}
		if err != nil || shot.Image == nil {
			shot = Shot{Image: f.Image, Face: gd.Face}
		}
		shot.Origin = job.OriginManual
		do(func() {
			if w.gen == gen {
				w.comparisonTaken(kind, shot)
			}
		})
	}()
}

// importInstead switches the comparison image's source to an ID photo import (no
// document camera, or the agent prefers the file).
func (w *wizard) importInstead() {
	st, err := flow.Next(w.st, flow.Event{Kind: flow.Back})
	if err != nil {
		return
	}
	st, err = flow.Next(st, flow.Event{Kind: flow.CustomerDone, Source: job.IDPhoto})
	if err != nil {
		return
	}
	w.st = st
	w.d.ComparisonType = job.IDPhoto
	w.show()
}

// promptIcon is the arrow of a liveness prompt.
func promptIcon(p Prompt) fyne.Resource {
	switch p {
	case PromptLeft:
		return theme.NavigateBackIcon()
	case PromptRight:
		return theme.NavigateNextIcon()
	case PromptUp:
		return theme.MoveUpIcon()
	case PromptDown:
		return theme.MoveDownIcon()
	}
	return theme.RadioButtonCheckedIcon()
}

// comparisonTaken shows the comparison image and the face found on it; Continue keeps
// it, Again takes it anew.
func (w *wizard) comparisonTaken(kind CaptureKind, shot Shot) {
	w.stop()
	w.s.kb.newScreen()
	w.pending, w.pendingKind = &shot, kind
	pic := canvas.NewImageFromImage(thumbnail(shot.Image, 480))
	pic.FillMode = canvas.ImageFillContain
	var faceBox fyne.CanvasObject
	found := wrapped(T("comparison.face-found"))
	if shot.Face != nil {
		face := canvas.NewImageFromImage(thumbnail(cropFace(shot.Image, *shot.Face), 240))
		face.FillMode = canvas.ImageFillContain
		faceBox = container.NewGridWrap(fyne.NewSize(200, 240), face)
	} else {
		found.SetText(T("comparison.no-face"))
		found.Importance = widget.DangerImportance
		faceBox = layout.NewSpacer()
	}
	again := w.s.button(T("comparison.again"), theme.ViewRefreshIcon(), func() {
		w.pending = nil
		w.apply(flow.Event{Kind: flow.Again})
	})
	var next *widget.Button
	next = w.primary(T("wizard.continue"), theme.NavigateNextIcon(), func() {
		w.d.Comparison = shot
		w.d.ComparisonType = w.st.Source
		if w.s.d.CustomerIDFromDocument && w.d.UserID == "" && w.st.Source == job.Document {
			w.idFromDocument(shot, found, again, next)
			return
		}
		w.apply(flow.Event{Kind: flow.Captured})
	})
	title := stepTitle(kind)
	if kind == 0 {
		title = T("import.title")
	}
	panel := container.NewVBox(found, faceBox)
	content := container.NewBorder(nil, nil, nil, container.NewStack(spacer(panelWidth, 0), panel), pic)
	w.root.Objects = []fyne.CanvasObject{w.frame(title, content, again, next)}
	w.root.Refresh()
}

// idFromDocument reads the document's number (Enrollment.ReadDocument) and makes it the
// customer's id (ui.customer_id_from), then goes on to the selfie. When no number is read
// (no zone, a check digit fails, not a valid id, no OCR) the wizard goes back to the
// customer step, the document kept, and asks the agent to type the id.
func (w *wizard) idFromDocument(shot Shot, status *widget.Label, buttons ...*widget.Button) {
	for _, b := range buttons {
		b.Disable()
	}
	status.SetText(T("customer.reading-number"))
	ctx, gen := w.stepContext()
	go func() {
		dr, err := w.enr.ReadDocument(ctx, shot.Image)
		if ctx.Err() != nil {
			return
		}
		do(func() {
			if w.gen != gen {
				return
			}
			if err == nil && dr != nil && dr.Valid && job.ValidUserID(dr.Number) {
				w.d.UserID = dr.Number
				w.apply(flow.Event{Kind: flow.Captured})
				return
			}
			// Kept, then back to the customer step (the comparison step shows it taken
			// when the agent comes back through it).
			st := w.st
			for _, e := range []flow.Event{{Kind: flow.Captured}, {Kind: flow.Back}, {Kind: flow.Back}} {
				n, err := flow.Next(st, e)
				if err != nil {
					return
				}
				st = n
			}
			w.moved(w.st.Step.String(), st.Step.String(), false)
			w.st = st
			w.epoch++
			w.pending = nil
			w.note = T("customer.number-unread")
			w.show()
		})
	}()
}

// comparisonKind is the capture kind of a comparison source (0: the ID photo import).
func comparisonKind(t job.ComparisonType) CaptureKind {
	switch t {
	case job.IDPhoto:
		return 0
	case job.Portrait:
		return CapturePortrait
	}
	return CaptureDocument
}

// customerLabel is the customer's id as the wizard's header shows it, cut with an
// ellipsis when long.
func customerLabel(id string) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(Tf("wizard.customer", map[string]any{"ID": id}), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	l.Truncation = fyne.TextTruncateEllipsis
	return container.NewGridWrap(fyne.NewSize(260, l.MinSize().Height), l)
}

// takenScreen shows a capture step's kept images (reached with Back): Continue goes on
// with them, Take again takes them anew.
func (w *wizard) takenScreen(kind CaptureKind, shots []Shot) fyne.CanvasObject {
	cols := min(len(shots), 4)
	side := 480
	if len(shots) > 1 {
		side = 240
	}
	pics := make([]fyne.CanvasObject, 0, len(shots))
	for _, sh := range shots {
		pics = append(pics, picture(sh, side))
	}
	again := w.s.button(T("comparison.again"), theme.ViewRefreshIcon(), func() { w.apply(flow.Event{Kind: flow.Again}) })
	next := w.primary(T("wizard.continue"), theme.NavigateNextIcon(), func() { w.apply(flow.Event{Kind: flow.Captured}) })
	content := container.NewBorder(wrapped(T("wizard.taken")), nil, nil, nil, container.NewGridWithColumns(max(cols, 1), pics...))
	return w.frame(stepTitle(kind), content, again, next)
}

// importScreen lists the images of the import folder and the USB sticks.
func (w *wizard) importScreen() fyne.CanvasObject {
	ctx, gen := w.stepContext()
	msg := newMessage()
	list := container.NewVBox()
	var showImports func([]ImportFile, error)
	var draw func()
	var look *widget.Button
	draw = func() {
		list.Objects = nil
		list.Refresh()
		setMessage(msg, T("import.looking"))
		look.Disable()
		// The walk may be slow (a crowded or slow stick): off the UI goroutine, ended
		// when the operator leaves the screen.
		go func() {
			files, err := w.enr.Imports(ctx)
			if ctx.Err() != nil {
				return
			}
			do(func() {
				if w.gen != gen {
					return
				}
				look.Enable()
				showImports(files, err)
			})
		}()
	}
	showImports = func(files []ImportFile, err error) {
		switch {
		case err != nil:
			setMessage(msg, T("import.read-failed"))
		case len(files) == 0:
			setMessage(msg, T("import.none"))
		default:
			setMessage(msg, "")
		}
		for _, f := range files {
			b := w.s.button(f.Name+"  ·  "+f.Where, theme.FileImageIcon(), func() {
				setMessage(msg, T("import.reading"))
				go func() {
					shot, err := w.enr.ImportComparison(f.Path)
					if ctx.Err() != nil {
						return
					}
					do(func() {
						if w.gen != gen {
							return
						}
						if err != nil {
							setMessage(msg, T("import.failed"))
							return
						}
						shot.Origin = job.OriginImport
						w.comparisonTaken(0, shot)
					})
				}()
			})
			b.Alignment = widget.ButtonAlignLeading
			list.Add(b)
		}
		list.Refresh()
	}
	look = w.s.button(T("import.look-again"), theme.ViewRefreshIcon(), func() { draw() })
	draw()
	content := container.NewBorder(container.NewVBox(wrapped(T("import.help")), msg), nil, nil, nil, vscroll(list))
	return w.frame(T("import.title"), content, look)
}

// thumbnail is img scaled (nearest pixel) to at most side pixels on its longest side.
func thumbnail(img image.Image, side int) image.Image {
	if img == nil {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= side && h <= side {
		return img
	}
	if w >= h {
		w, h = side, max(1, h*side/w)
	} else {
		w, h = max(1, w*side/h), side
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		sy := b.Min.Y + y*b.Dy()/h
		for x := 0; x < w; x++ {
			dst.Set(x, y, img.At(b.Min.X+x*b.Dx()/w, sy))
		}
	}
	return dst
}

// cropFace is the face box of img with a margin.
func cropFace(img image.Image, f Box) image.Image {
	mx, my := (f.X2-f.X1)*0.3, (f.Y2-f.Y1)*0.3
	r := image.Rect(int(f.X1-mx), int(f.Y1-my), int(f.X2+mx), int(f.Y2+my)).Intersect(img.Bounds())
	if r.Empty() {
		return img
	}
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return img
}

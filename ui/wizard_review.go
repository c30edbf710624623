package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/ui/flow"
)

// This file is the wizard's last two steps: the review (thumbnails, the prechecks as
// traffic lights, retake, seal) and the result.

// DefaultResultWait is how long the result screen waits for the API's answer when
// Deps.ResultWait is 0 (config ui.result_wait).
const DefaultResultWait = 20 * time.Second

// lightMark is a traffic light as an icon in its colour and a bold word in the same
// colour: a tick and "Passed", a cross and "Failed", a warning sign and "Not checked".
func lightMark(l Light) (fyne.Resource, *widget.Label) {
	word := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	var icon fyne.Resource
	switch l {
	case LightGreen:
		icon, word.Text, word.Importance = theme.NewSuccessThemedResource(theme.ConfirmIcon()), T("review.passed"), widget.SuccessImportance
	case LightRed:
		icon, word.Text, word.Importance = theme.NewErrorThemedResource(theme.CancelIcon()), T("review.failed-word"), widget.DangerImportance
	default:
		icon, word.Text, word.Importance = theme.NewWarningThemedResource(theme.WarningIcon()), T("review.unchecked"), widget.WarningImportance
	}
	return icon, word
}

// warningMark is a warning's mark on the review: the warning sign and a bold word in
// the warning's colour (read without the colour too).
func warningMark() (fyne.Resource, *widget.Label) {
	word := widget.NewLabelWithStyle(T("review.warning"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	word.Importance = widget.WarningImportance
	return theme.NewWarningThemedResource(theme.WarningIcon()), word
}

// comparisonCaption is the review's short name of the comparison image.
func comparisonCaption(t job.ComparisonType) string {
	switch t {
	case job.IDPhoto:
		return T("review.id-photo")
	case job.Portrait:
		return T("review.portrait")
	}
	return T("review.document")
}

// splitLayout gives its first object the fraction left of the width, the second the rest.
type splitLayout struct{ left float32 }

func (l *splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	lw := size.Width*l.left - pad/2
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(lw, size.Height))
	objs[1].Move(fyne.NewPos(lw+pad, 0))
	objs[1].Resize(fyne.NewSize(size.Width-lw-pad, size.Height))
}

func (l *splitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(a.Width/l.left, b.Width/(1-l.left)), max(a.Height, b.Height))
}

// caption2 is a bold caption cut with an ellipsis when too long (it must not widen
// the screen).
func caption2(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// thumbBox is an image in a box of w x h with a caption and a Retake button.
func (w *wizard) thumbBox(caption string, step flow.Step, pics ...fyne.CanvasObject) fyne.CanvasObject {
	retake := w.s.button(T("review.retake"), theme.ViewRefreshIcon(), func() {
		w.apply(flow.Event{Kind: flow.Retake, Step: step})
	})
	return container.NewBorder(caption2(caption), retake, nil, nil, container.NewGridWithColumns(len(pics), pics...))
}

func picture(s Shot, side int) fyne.CanvasObject {
	img := canvas.NewImageFromImage(thumbnail(s.Image, side))
	img.FillMode = canvas.ImageFillContain
	// The smallest a thumbnail gets (the layout gives it the room there is: far more at
	// 1920x1080); a liveness frame, one of eight, may be smaller.
	m := float32(60)
	if side < 320 {
		m = 40
	}
	img.SetMinSize(fyne.NewSize(m, m))
	return img
}

// reviewScreen: the images, the prechecks, retake and seal.
func (w *wizard) reviewScreen() fyne.CanvasObject {
	ctx, gen := w.stepContext()
	live := make([]fyne.CanvasObject, 0, len(w.d.Liveness))
	for _, l := range w.d.Liveness {
		live = append(live, picture(l, 160))
	}
	liveGrid := container.NewGridWithColumns(4, live...)
	retakeLive := w.s.button(T("review.retake"), theme.ViewRefreshIcon(), func() {
		w.apply(flow.Event{Kind: flow.Retake, Step: flow.Liveness})
	})
	thumbs := container.NewGridWithColumns(2,
		w.thumbBox(comparisonCaption(w.d.ComparisonType), flow.Comparison, picture(w.d.Comparison, 320)),
		w.thumbBox(T("review.selfie"), flow.Selfie, picture(w.d.Selfie, 320)))
	// The customer, in full, and the way back to the customer step to correct the id.
	who := widget.NewLabelWithStyle(Tf("wizard.customer", map[string]any{"ID": w.d.UserID}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who.Wrapping = fyne.TextWrapBreak
	change := w.s.button(T("review.change"), theme.DocumentCreateIcon(), func() {
		w.apply(flow.Event{Kind: flow.Edit, Step: flow.Customer})
	})
	left := container.NewBorder(container.NewBorder(nil, nil, nil, change, who), container.NewBorder(
		caption2(Tf("review.liveness", map[string]any{"N": len(w.d.Liveness)})),
		nil, nil, retakeLive, liveGrid), nil, nil, thumbs)

	checks := container.NewVBox(wrapped(T("review.checking")))
	msg := newMessage()
	seal := w.primary(T("review.seal"), theme.ConfirmIcon(), nil)
	seal.Disable()
	force := w.s.button(T("review.force"), theme.WarningIcon(), nil)
	force.Importance = widget.DangerImportance
	force.Hide()

	showChecks := func(pc job.Prechecks) {
		checks.Objects = nil
		// An icon and a word as well as the colour: the light is read by everyone. The
		// marks share one width, the widest word's, so the sentences line up.
		var marks []fyne.CanvasObject
		var words []*widget.Label
		width := float32(0)
		for _, l := range CheckLines(pc) {
			icon, word := lightMark(l.Light)
			mark := container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(28, 28), widget.NewIcon(icon))), nil, word)
			marks, words = append(marks, mark), append(words, word)
			width = max(width, mark.MinSize().Width)
		}
		notes := DocumentNotes(pc, w.dr)
		var noteWords []*widget.Label
		var noteMarks []fyne.CanvasObject
		for range notes {
			icon, word := warningMark()
			mark := container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(28, 28), widget.NewIcon(icon))), nil, word)
			noteMarks, noteWords = append(noteMarks, mark), append(noteWords, word)
			width = max(width, mark.MinSize().Width)
		}
		// The document's warnings (an expired document) first, where the eye lands: a
		// warning does not fail the checks, the bank decides.
		for i, n := range notes {
			checks.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(width, noteWords[i].MinSize().Height), noteMarks[i]), nil, wrapped(n)))
		}
		// The document number read from its zone, in full for the agent to compare with
		// the document in hand: on this screen only (personal data).
		num := documentNumber(w.dr)
		if num != "" {
			caption := widget.NewLabelWithStyle(T("review.doc-number"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			value := widget.NewLabelWithStyle(num, fyne.TextAlignLeading, fyne.TextStyle{Bold: true, Monospace: true})
			value.Wrapping = fyne.TextWrapBreak
			checks.Add(container.NewBorder(nil, nil, caption, nil, value))
		}
		if len(notes) > 0 || num != "" {
			checks.Add(widget.NewSeparator())
		}
		for i, l := range CheckLines(pc) {
			checks.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(width, words[i].MinSize().Height), marks[i]), nil, wrapped(l.Text)))
		}
		checks.Refresh()
		failed := pc.Ran && !pc.OK
		if failed {
			seal.Hide()
			force.Show()
			setMessage(msg, T("review.failed"))
		} else {
			seal.Enable()
			seal.Show()
			force.Hide()
		}
	}
	seal.OnTapped = func() {
		w.s.Touch()
		if w.pc != nil {
			w.seal(*w.pc, nil, msg, seal, force)
		}
	}
	force.OnTapped = func() {
		w.s.Touch()
		if w.pc == nil {
			return
		}
		w.s.supervisorGate(T("gate.force.title"), func(sup Session) {
			pc := *w.pc
			pc.Forced = true
			w.seal(pc, &sup.Operator, msg, seal, force)
		})
	}
	if w.pc != nil {
		showChecks(*w.pc)
	} else {
		d := w.d
		go func() {
			pc, err := w.enr.Prechecks(ctx, d)
			if ctx.Err() != nil {
				return
			}
			var dr *DocumentRead
			if err != nil {
				pc = job.Prechecks{} // not run: the service checks the job
			} else {
				dr = w.enr.DocumentRead(d.JobID)
			}
			do(func() {
				if w.gen != gen {
					return
				}
				w.pc, w.dr = &pc, dr
				showChecks(pc)
				if err != nil {
					setMessage(msg, T("review.checks-failed"))
				}
			})
		}()
	}
	// The lights speak for themselves: no caption, room for all six at 1024x600.
	right := vscroll(checks)
	// Both columns scroll: a two-line message beside the buttons (a failed check, in
	// French) must not push the status bar off a 1024x600 screen.
	content := container.New(&splitLayout{left: 0.42}, vscroll(left), right)
	// The message goes beside the buttons, where the eye goes to seal.
	return w.frameMsg(T("review.title"), content, msg, force, seal)
}

// seal seals the draft with pc (forced by sup when set) and shows the result.
func (w *wizard) seal(pc job.Prechecks, sup *Operator, msg *widget.Label, buttons ...*widget.Button) {
	for _, b := range buttons {
		b.Disable()
	}
	setMessage(msg, "")
	// Sealing is not cancelled by leaving the screen: a job half sealed is worse. A
	// lock meanwhile changes nothing: the answer applies unless the agent moved on.
	ctx, epoch := context.Background(), w.epoch
	req := SealRequest{Draft: w.d, Prechecks: pc, Supervisor: sup}
	go func() {
		err := w.enr.Seal(ctx, req)
		do(func() {
			if w.closed || w.epoch != epoch {
				return
			}
			if err != nil {
				for _, b := range buttons {
					b.Enable()
				}
				setMessage(msg, T("review.seal-failed"))
				return
			}
			w.d = Draft{JobID: w.d.JobID, UserID: w.d.UserID} // the images are in the queue now, not here
			w.apply(flow.Event{Kind: flow.Seal})
		})
	}()
}

// resultScreen: sealed; waits for the answer for the result wait, then says it (or
// that the job is saved and will be sent).
func (w *wizard) resultScreen() fyne.CanvasObject {
	ctx, gen := w.stepContext()
	head := big(T("result.sealed"))
	icon := widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	text := wrapped(T("result.waiting"))
	bar := widget.NewProgressBarInfinite()
	jobLine := widget.NewLabel(Tf("result.job", map[string]any{"ID": w.d.JobID}))
	who := widget.NewLabelWithStyle(Tf("wizard.customer", map[string]any{"ID": w.d.UserID}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	who.Wrapping = fyne.TextWrapBreak
	// The service's code, for the agent to quote when calling support.
	code := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	code.Hide()
	wait := w.s.d.ResultWait
	if wait <= 0 {
		wait = DefaultResultWait
	}
	jobID := w.d.JobID
	clk := w.s.d.Clock
	go func() {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-clk.After(wait):
				cancel()
			case <-wctx.Done():
			}
		}()
		o, err := w.enr.WaitResult(wctx, jobID)
		if ctx.Err() != nil {
			return
		}
		do(func() {
			if w.gen != gen {
				return
			}
			bar.Stop()
			bar.Hide()
			switch {
			case err == nil:
				head.SetText(OutcomeText(o))
				icon.SetResource(outcomeIcon(o))
				text.SetText(OutcomeAdvice(o))
				code.SetText(outcomeCode(o))
				code.Show()
			default: // offline, late or unknown: the job is in the queue either way
				head.SetText(T("result.saved"))
				icon.SetResource(theme.NewPrimaryThemedResource(theme.UploadIcon()))
				text.SetText(T("result.saved-detail"))
			}
		})
	}()
	next := w.primary(T("result.next"), theme.ContentAddIcon(), func() { w.apply(flow.Event{Kind: flow.NextCustomer}) })
	home := w.s.button(T("nav.home"), theme.HomeIcon(), func() { w.close(); w.s.show(ScreenHome) })
	content := container.NewVBox(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(64, 64), icon), nil, head), text, code, bar, who, jobLine)
	return w.frame(T("result.title"), vscroll(content), home, next)
}

// outcomeIcon is the icon of an answer: a tick for a match, a cross otherwise.
func outcomeIcon(o Outcome) fyne.Resource {
	if o.ErrorCode == "" && o.ResultCode == "0840" {
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	}
	return theme.NewErrorThemedResource(theme.CancelIcon())
}

// outcomeCode is the answer's code as the result screen shows it.
func outcomeCode(o Outcome) string {
	if o.ErrorCode != "" {
		return Tf("result.error-code", map[string]any{"Code": o.ErrorCode})
	}
	return Tf("result.code", map[string]any{"Code": o.ResultCode})
}

// OutcomeAdvice is what the agent does after the answer.
func OutcomeAdvice(o Outcome) string {
	switch {
	case o.ErrorCode != "":
		return T("result.advice.error")
	case o.ResultCode == "0840":
		return T("result.advice.match")
	case o.ResultCode == "0841", o.ResultCode == "0941":
		return T("result.advice.no-match")
	}
	return T("result.advice.other")
}

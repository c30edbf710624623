package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// This file is a job's page, opened from its row in the queue: the customer's id (in
// full, on the screen only), the job's ids and times, its state, the result in words
// with its code, the attempts, the jobs it is linked to, and what may be done with it.
// A job refused as already enrolled (2209) offers "Enroll again" to a supervisor (the
// same photos, a new job with allow_new_enroll), never Retry, which the service would
// refuse again.

// ScreenJob is a job's page (Shell.openJob).
const ScreenJob ScreenID = "job"

// openJob shows job id's page.
func (s *Shell) openJob(id string) {
	s.jobID = id
	s.show(ScreenJob)
}

// JobCode is the API's code of j's result or refusal ("" when none).
func JobCode(j Job) string {
	if j.ResultCode != "" {
		return j.ResultCode
	}
	return j.ErrorCode
}

// jobScreen is the page of the job s.jobID.
func (s *Shell) jobScreen() fyne.CanvasObject {
	msg := newMessage()
	done := widget.NewLabel("")
	done.Wrapping = fyne.TextWrapWord
	done.Importance = widget.SuccessImportance
	done.Hide()
	if s.jobNote != "" {
		done.SetText(s.jobNote)
		done.Show()
		s.jobNote = ""
	}
	body := container.NewVBox()
	// The actions and why Retry is not offered stay at the top, visible without
	// scrolling on a 1024x600 screen.
	actions := container.NewHBox()
	note := widget.NewLabel("")
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.WarningImportance
	note.Hide()
	var draw func()
	draw = func() {
		body.Objects = nil
		actions.Objects = nil
		note.Hide()
		jobs, err := s.d.Queue.Jobs()
		if err != nil {
			setMessage(msg, T("queue.read-failed"))
			return
		}
		var j *Job
		for i := range jobs {
			if jobs[i].ID == s.jobID {
				j = &jobs[i]
			}
		}
		if j == nil {
			body.Add(widget.NewLabel(T("job.gone")))
			body.Refresh()
			return
		}
		s.jobDetails(body, actions, note, *j, msg, done, draw)
		body.Refresh()
		actions.Refresh()
	}
	draw()
	s.refreshBody = draw
	back := s.button(T("job.back"), theme.NavigateBackIcon(), func() { s.show(ScreenQueue) })
	top := container.NewVBox(container.NewBorder(nil, nil, back, actions), note, done, msg)
	return s.screenFrame(T("job.title"), container.NewBorder(top, nil, nil, nil, vscroll(container.NewPadded(body))))
}

// jobDetails fills body with j's rows and actions.
func (s *Shell) jobDetails(body, actions *fyne.Container, note *widget.Label, j Job, msg, done *widget.Label, redraw func()) {
	now := s.d.Clock.Now()
	row := func(name, value string, mono bool) {
		v := widget.NewLabelWithStyle(value, fyne.TextAlignLeading, fyne.TextStyle{Monospace: mono})
		v.Wrapping = fyne.TextWrapWord
		n := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		body.Add(container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(240, MinTarget), n), nil, v))
	}
	row(T("job.customer"), CustomerText(j), j.CustomerID != "")
	row(T("job.id"), j.ID, true)
	row(T("job.created"), j.Created.Local().Format("2006-01-02 15:04:05"), false)
	if !j.Updated.IsZero() {
		row(T("job.updated"), j.Updated.Local().Format("2006-01-02 15:04:05"), false)
	}
	state := StateText(j.State)
	if j.Training {
		state += " · " + T("queue.training-job")
	}
	row(T("job.state"), state, false)
	row(T("job.result"), JobOutcome(j, now), false)
	if c := JobCode(j); c != "" {
		row(T("job.code"), c, true)
	}
	row(T("job.attempts"), strconv.Itoa(j.Attempts), false)
	if j.ReplacedBy != "" {
		row(T("job.link"), Tf("job.replaced-by", map[string]any{"ID": j.ReplacedBy}), false)
	}
	if j.EnrolledAgainFrom != "" {
		row(T("job.link"), Tf("job.again-of", map[string]any{"ID": j.EnrolledAgainFrom}), false)
	}
	role := RoleOperator
	if s.session != nil {
		role = s.session.Operator.Role
	}
	act := ActionsFor(j, role)
	if act.Progress {
		body.Add(widget.NewProgressBarWithData(bindFloat(j.Progress)))
	}
	if act.NoRetry2209 {
		why := T("job.no-retry-2209")
		if act.EnrollAgain {
			why += " " + T("job.enroll-again-hint")
		}
		note.SetText(why)
		note.Show()
	}
	var buttons []fyne.CanvasObject
	id := j.ID
	if act.EnrollAgain {
		b := s.button(T("job.enroll-again"), theme.AccountIcon(), func() {
			s.supervisorGate(T("gate.enroll-again.title"), func(sup Session) {
				newID, err := s.d.Queue.EnrollAgain(sup, id)
				if err != nil {
					setMessage(msg, T("job.enroll-again-failed"))
					return
				}
				setMessage(msg, "")
				done.SetText(Tf("job.enrolled-again", map[string]any{"ID": newID}))
				done.Show()
				redraw()
			})
		})
		b.Importance = widget.HighImportance
		buttons = append(buttons, b)
	}
	if act.Retry {
		buttons = append(buttons, s.button(T("queue.retry"), theme.ViewRefreshIcon(), func() {
			if err := s.d.Queue.Retry(id); err != nil {
				setMessage(msg, T("queue.retry-failed"))
				return
			}
			setMessage(msg, "")
			done.SetText(T("job.retried"))
			done.Show()
			redraw()
		}))
	}
	if act.Purge {
		buttons = append(buttons, s.button(T("queue.purge"), theme.DeleteIcon(), func() {
			s.confirm(T("queue.purge-confirm"), func() {
				if err := s.d.Queue.Purge(id); err != nil {
					setMessage(msg, T("queue.purge-failed"))
					return
				}
				redraw()
			})
		}))
	}
	actions.Objects = buttons
}

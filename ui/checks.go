package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Checker runs the kiosk's checks (kioskctl doctor's, internal/doctor) and returns one
// result per check. It takes seconds (the models analyse a photo, the API check sends a
// request): the status screen runs it only when asked, off the UI goroutine.
type Checker interface {
	Run(ctx context.Context) ([]CheckResult, error)
}

// CheckResult is one check's verdict as codes: the screen writes them in the operator's
// language from internal/messages.
type CheckResult struct {
	// Name is the check's name (internal/doctor's: "disk"); its title is the sentence of
	// "doctor.name." + Name.
	Name  string
	Level Level
	// Finding and Fix are internal/messages codes without their "doctor." prefix
	// ("disk.low" for "doctor.disk.low"), filled with Args; Fix is empty when Level is
	// LevelOK.
	Finding, Fix string
	Args         []any
}

// checksTimeout bounds one run of the checks.
const checksTimeout = 2 * time.Minute

// checksState is the status screen's last run of the checks.
type checksState struct {
	running bool
	ran     bool
	failed  bool
	results []CheckResult
}

// runChecks starts the checks in the background; the screen shows their results once
// they are in (through fyne.Do, as do). A second press while they run does nothing.
func (s *Shell) runChecks() {
	if s.d.Checks == nil || s.checks.running {
		return
	}
	s.checks.running = true
	s.refreshChecks()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), checksTimeout)
		defer cancel()
		res, err := s.d.Checks.Run(ctx)
		do(func() { // fyne.Do
			s.checks = checksState{ran: true, failed: err != nil, results: res}
			s.refreshChecks()
		})
	}()
}

// refreshChecks redraws the status screen when it is the one shown.
func (s *Shell) refreshChecks() {
	if s.screen == ScreenStatus && s.refreshBody != nil {
		s.refreshBody()
	}
}

// checksSection is the status screen's checks: the button, then each check's level,
// finding and fix.
func (s *Shell) checksSection(rows *fyne.Container) {
	if s.d.Checks == nil {
		return
	}
	title := widget.NewLabelWithStyle(T("status.checks"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	btn := widget.NewButton(T("status.run-checks"), func() { s.Touch(); s.runChecks() })
	btn.Importance = widget.HighImportance
	note := ""
	switch {
	case s.checks.running:
		btn.Disable()
		note = T("status.checks-running")
	case s.checks.failed:
		note = T("status.checks-failed")
	case !s.checks.ran:
		note = T("status.checks-none")
	}
	rows.Add(container.NewBorder(nil, nil, title, btn))
	if note != "" {
		l := widget.NewLabel(note)
		l.Wrapping = fyne.TextWrapWord
		rows.Add(l)
	}
	for _, c := range s.checks.results {
		rows.Add(checkRow(c))
		rows.Add(widget.NewSeparator())
	}
}

func checkRow(c CheckResult) fyne.CanvasObject {
	name := widget.NewLabelWithStyle(Msg("doctor.name."+c.Name), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.Truncation = fyne.TextTruncateEllipsis // the catalog's names fit; a longer one is cut visibly
	level := levelLabel(c.Level)
	text := Msg("doctor."+c.Finding, c.Args...)
	if c.Fix != "" {
		text += "\n" + Tf("status.check-fix", map[string]any{"Fix": ScreenFix(c)})
	}
	detail := widget.NewLabel(text)
	detail.Wrapping = fyne.TextWrapWord
	left := container.NewHBox(container.NewGridWrap(fyne.NewSize(220, 40), name), container.NewGridWrap(fyne.NewSize(150, 40), level))
	return container.NewBorder(nil, nil, left, nil, detail)
}

// levelLabel is l's traffic light: its word in green, amber or red.
func levelLabel(l Level) *widget.Label {
	level := widget.NewLabelWithStyle(LevelText(l), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	switch l {
	case LevelOK:
		level.Importance = widget.SuccessImportance
	case LevelWarn:
		level.Importance = widget.WarningImportance
	case LevelFail:
		level.Importance = widget.DangerImportance
	case LevelPending:
		level.Importance = widget.MediumImportance
	}
	return level
}

// The fixes of kioskctl doctor (internal/doctor's fix codes without "doctor.") and
// the checks' names that ScreenFix tells apart.
const (
	fixCheckNetwork  = "api.check-network"
	fixSetURL        = "api.set-url"
	fixPutKey        = "api.put-key"
	fixAPISetClock   = "api.set-clock"
	fixSetClock      = "clock.set"
	fixFreeSpace     = "disk.free-space"
	fixFreeSoon      = "disk.free-soon"
	fixCallSupport   = "queue.call-support"
	fixConnect       = "queue.connect"
	fixConnectSoon   = "queue.connect-soon"
	fixLookAt        = "queue.look-at"
	fixRetryHalted   = "queue.retry-halted"
	fixDetails       = "fix.details"
	checkNameModels  = "models"
	checkNameCameras = "cameras"
)

// ScreenFix is what the agent at the screen does about a check that is not right:
// something they can do there (plug the cable, open the queue, restart), or whom to
// call. kioskctl doctor's own fixes are commands for IT on a terminal, which a
// touch-screen agent has not; they stay in kioskctl doctor's output.
func ScreenFix(c CheckResult) string {
	switch c.Fix {
	case fixCheckNetwork:
		return Msg("doctor.screen.api.check-network")
	case fixSetURL, fixPutKey:
		return Msg("doctor.screen.api.settings")
	case fixAPISetClock, fixSetClock:
		return Msg("doctor.screen.clock.set")
	case fixFreeSpace, fixFreeSoon:
		return Msg("doctor.screen.disk.free")
	case fixCallSupport:
		return Msg("doctor.screen.queue.call-support")
	case fixConnect, fixConnectSoon:
		return Msg("doctor.screen.queue.connect")
	case fixLookAt:
		return Msg("doctor.screen.queue.look-at")
	case fixRetryHalted:
		return Msg("doctor.screen.queue.halted")
	case fixDetails: // a finding without a fix of its own
		switch c.Name {
		case checkNameModels:
			return Msg("doctor.screen.models.restart")
		case checkNameCameras:
			return Msg("doctor.screen.cameras.plug")
		}
	}
	return Msg("doctor.screen.call-it")
}

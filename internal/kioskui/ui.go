package kioskui

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/smartselfie/kiosk-agent/inference/gates"
	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
)

// Run shows the shell in a window (full screen unless windowed) until ctx ends or a
// supervisor closes it; then it ends the app's context through stop. start is when the
// program started: the log's start_to_screen counts from it.
func Run(ctx context.Context, a *app.App, windowed bool, stop context.CancelFunc, log *slog.Logger, start time.Time) error {
	// As cmd/kiosk/FyneApp.toml says: widgets change only through fyne.Do (a plain go build
	// does not read that file).
	// No app ID: Fyne then keeps no preferences file (the kiosk's settings are its
	// config). With an ID it reads ~/.config/fyne/ID/preferences.json at start and
	// rewrites it at exit, truncating it first, while its own watcher (or a kiosk
	// starting meanwhile) reads it: "Preferences load error: EOF".
	fyneapp.SetMetadata(fyne.AppMetadata{Name: "Kiosk agent",
		Migrations: map[string]bool{"fyneDo": true}})
	// The kiosk's theme is always light (ui.Theme): say so, and Fyne does not watch the
	// desktop's colour scheme over D-Bus, which a kiosk session has no bus for (it
	// would try to start one with dbus-launch and warn at every start).
	if os.Getenv("FYNE_THEME") == "" {
		os.Setenv("FYNE_THEME", "light")
	}
	fa := fyneapp.New()
	fa.Settings().SetTheme(ui.Theme())
	win := fa.NewWindow("Kiosk")
	var shell *ui.Shell
	// quit stops what the screen runs (the wizard's cameras and capture, a preview),
	// then ends the window's loop.
	quit := func() {
		fyne.Do(func() {
			if shell != nil {
				shell.Stop()
			}
			fa.Quit()
		})
	}
	d := deps(a, clock.Real{}, func() { stop(); quit() })
	shell, err := ui.NewShell(win, d)
	if err != nil {
		return err
	}
	// The app closes its cameras once this returns: the readers stop first.
	defer d.Enrollment.(*uiEnrollment).Shut(2 * time.Second)
	shell.Kiosk(windowed)
	events, unsubscribe := a.Subscribe(32)
	defer unsubscribe()
	go func() {
		for range events {
			shell.Changed()
		}
	}()
	go shell.Run(ctx)
	if p := os.Getenv("KIOSK_UI_MAP"); p != "" {
		go writeScreenMap(ctx, shell, p, log)
	}
	go fyne.Do(func() { // runs once the window's event loop does: the sign-in screen is up
		log.Info("screens shown", "start_to_screen", time.Since(start).Round(time.Millisecond).String())
	})
	go func() {
		<-ctx.Done()
		quit()
	}()
	win.ShowAndRun()
	return nil
}

// writeScreenMap writes the screen map of the click test (scripts/test-clicks.sh) to
// path five times a second until ctx ends. Only when KIOSK_UI_MAP is set: the map
// holds the texts on screen.
func writeScreenMap(ctx context.Context, shell *ui.Shell, path string, log *slog.Logger) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var err error
		fyne.DoAndWait(func() { err = shell.WriteScreenMap(path) })
		if err != nil {
			log.Warn("screen map", "err", err)
			return
		}
	}
}

// deps are the shell's dependencies over a.
func deps(a *app.App, clk clock.Clock, quit func()) ui.Deps {
	s, _ := a.Status(context.Background())
	enr := newEnrollment(a)
	return ui.Deps{
		Operators:  uiOperators{a},
		Status:     newUIStatus(a),
		Queue:      uiQueue{a},
		Settings:   uiSettings{a},
		Preview:    ui.NewCameraPreview(enr, uiSettings{a}, clk),
		Enrollment: enr,
		ResultWait: a.Settings().ResultWait,
		// "Take it now" on the document and portrait steps (capture.document_manual_after).
		ManualAfter: a.Settings().DocumentManualAfter,
		// The customer's id from the document's number (ui.customer_id_from).
		CustomerIDFromDocument: a.Settings().CustomerIDFromDocument,
		About:                  ui.About{Version: s.Version, KioskID: s.KioskID, KeyFingerprint: s.DeviceFingerprint, KeyProtector: s.KeyProtector},
		Clock:                  clk,
		Quit:                   quit,
		Checks:                 newChecks(a),
		// The settings' operators page.
		OperatorAdmin: uiOperatorAdmin{a},
	}
}

func uiRole(r offline.Role) ui.Role {
	if r == offline.RoleSupervisor {
		return ui.RoleSupervisor
	}
	return ui.RoleOperator
}

func uiOperator(o offline.Operator) ui.Operator {
	name := o.Name
	if name == "" {
		name = o.ID
	}
	return ui.Operator{ID: o.ID, Name: name, Role: uiRole(o.Role)}
}

// uiOperators is the operator store as the sign-in screen and the supervisor gate use
// it. The gate calls SignIn while an operator's session is open: that is a check of
// the supervisor's PIN for one action (Authorize), which leaves the session as it is.
type uiOperators struct{ a *app.App }

func (o uiOperators) List() ([]ui.Operator, error) {
	ops, err := o.a.Operators()
	if err != nil {
		return nil, err
	}
	var out []ui.Operator
	for _, op := range ops {
		if !op.Disabled {
			out = append(out, uiOperator(op))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (o uiOperators) SignIn(id, pin string) (ui.Session, error) {
	var op offline.Operator
	var err error
	// A locked session is resumed by its own operator's PIN; any other PIN while a
	// session is open is a supervisor's, for one action (ending a locked enrollment).
	if s, ok := o.a.Session(); ok && (!s.Locked || s.Operator.ID != id) {
		op, err = o.a.Authorize(id, pin, offline.RoleSupervisor, "supervisor gate")
	} else {
		var s app.Session
		s, err = o.a.SignIn(id, pin)
		op = s.Operator
	}
	var le *offline.LockoutError
	var we *offline.WrongPINError
	switch {
	case err == nil:
		return ui.Session{Operator: uiOperator(op), Since: time.Now()}, nil
	case errors.As(err, &le):
		return ui.Session{}, &ui.LockedError{Until: le.Until}
	case errors.As(err, &we):
		return ui.Session{}, &ui.WrongPINError{Remaining: we.Remaining}
	case errors.Is(err, offline.ErrWrongPIN):
		return ui.Session{}, ui.ErrWrongPIN
	case errors.Is(err, offline.ErrOperatorNotFound), errors.Is(err, offline.ErrOperatorDisabled), errors.Is(err, offline.ErrNotSupervisor):
		return ui.Session{}, ui.ErrUnknownOperator
	}
	return ui.Session{}, err
}

func (o uiOperators) SignOut(s ui.Session, r ui.EndReason) {
	switch r {
	case ui.EndIdle:
		o.a.Lock("idle " + o.a.IdleLock().String())
	case ui.EndLock:
		o.a.Lock("by operator")
	case ui.EndSupervisor:
		o.a.SignOut("locked enrollment ended by a supervisor")
	case ui.EndClose:
		o.a.SignOut("app closed by a supervisor")
	default:
		o.a.SignOut("by operator")
	}
}

// uiStatus is the status bar's and the status screen's source. Status runs about once a
// second on the UI goroutine: what does not change while the app runs (the cameras'
// names) is read once.
type uiStatus struct {
	a              *app.App
	selfie, docCam string
}

func newUIStatus(a *app.App) uiStatus {
	set := a.Settings()
	return uiStatus{a: a, selfie: set.SelfieCamera, docCam: set.DocumentCamera}
}

func (u uiStatus) Status() ui.Status {
	st, _ := u.a.Status(context.Background())
	out := ui.Status{Training: st.Training, Online: st.Sync.Connectivity == "online", LastSync: st.Sync.LastSuccess,
		Waiting: st.Queue.Unsent, Clock: ui.ClockState{Synced: st.ClockSynced, Verdict: st.Clock},
		Disk: ui.Disk{Free: st.Disk.Free, Total: st.Disk.Total, Low: st.Disk.Low}}
	if m := u.a.MaxJobs(); m > 0 {
		out.QueueLimit = m
	}
	if h := st.Sync.Halt; h != nil {
		out.Halt = &ui.Halt{Code: h.Code, Reason: h.Reason, Skew: h.Skew, At: h.At}
		out.Clock.Skew = h.Skew
	}
	present := st.Cameras.State == "ok"
	out.Cameras = []ui.Camera{uiCamera(ui.CameraSelfie, u.selfie, u.selfie), uiCamera(ui.CameraDocument, u.docCam, u.selfie)}
	for i := range out.Cameras {
		out.Cameras[i].Present = present
		if !out.Cameras[i].Replay {
			out.Cameras[i].Mode = st.Cameras.Detail
		}
	}
	// The engine loads at start in the background (or at the first enrollment): both
	// are "loading", never a problem; only a failure to load is.
	out.Models = []ui.Model{{Name: "face engine", Loaded: st.Engine.State == "ok",
		Loading: st.Engine.State == "loading" || st.Engine.State == "not loaded"}}
	return out
}

// uiCamera is a camera as the screens show it from the app's description of it
// (app.Settings: a device, "replay DIR", or "the selfie camera" for a document camera
// that is the selfie camera), so that no English description reaches a French screen.
func uiCamera(role ui.CameraRole, device, selfie string) ui.Camera {
	c := ui.Camera{Role: role, Device: device, Replay: strings.HasPrefix(device, "replay ")}
	if role == ui.CameraDocument && (device == "the selfie camera" || device == selfie) {
		c.SharesSelfie = true
	}
	return c
}

// uiQueue is the queue screen's queue.
type uiQueue struct{ a *app.App }

func (u uiQueue) Jobs() ([]ui.Job, error) {
	es, err := u.a.Queue().List(offline.ListOptions{})
	if err != nil {
		return nil, err
	}
	st, _ := u.a.Sync().Status(context.Background())
	progress := map[string]float64{}
	for _, p := range st.InFlight {
		if p.Total > 0 {
			progress[p.JobID] = float64(p.Sent) / float64(p.Total)
		}
	}
	out := make([]ui.Job, 0, len(es))
	for i := len(es) - 1; i >= 0; i-- { // newest first
		e := es[i]
		j := ui.Job{ID: e.ID, Created: e.Created, Updated: e.Updated, State: e.State, Progress: progress[e.ID], NextAttempt: e.NextAttempt,
			Attempts: e.Attempts, EnrolledAgainFrom: e.EnrolledAgainFrom, ReplacedBy: e.ReplacedBy,
			CustomerMasked: e.UserMasked, ImagesPurged: e.ImagesPurged}
		if !e.ImagesPurged && e.State != offline.StateQuarantined {
			j.CustomerID, _ = u.a.CustomerID(e.ID) // on the screen only
		} else {
			j.CustomerID, _ = u.a.CachedCustomerID(e.ID)
		}
		if e.Result != nil {
			j.ResultCode = e.Result.Code
		} else {
			j.ErrorCode = e.Code
		}
		out = append(out, j)
	}
	return out, nil
}

// ctx names who acts from the screen: the operator signed in (their PIN was checked
// at sign-in), recorded by the queue's audit log.
func (u uiQueue) ctx() context.Context {
	op := ""
	if s, ok := u.a.Session(); ok {
		op = s.Operator.ID
	}
	return localapi.WithActor(context.Background(), localapi.ScreenActor(op))
}

func (u uiQueue) Retry(id string) error {
	_, err := u.a.Backend().Retry(u.ctx(), id, localapi.RetryRequest{})
	return err
}

func (u uiQueue) Purge(id string) error {
	_, err := u.a.Backend().Purge(u.ctx(), id, localapi.PurgeRequest{})
	return err
}

// uiSettings is the settings screen's store.
type uiSettings struct{ a *app.App }

func (u uiSettings) Settings() (ui.Settings, error) {
	s := u.a.Settings()
	return ui.Settings{APIURL: s.APIURL, PartnerID: s.PartnerID, KeyPresent: s.KeyPresent,
		Cameras:    []ui.Camera{uiCamera(ui.CameraSelfie, s.SelfieCamera, s.SelfieCamera), uiCamera(ui.CameraDocument, s.DocumentCamera, s.SelfieCamera)},
		Thresholds: thresholds(s.Thresholds), Language: s.Language, IdleLock: s.IdleLock}, nil
}

func thresholds(t gates.Thresholds) []ui.Threshold {
	return []ui.Threshold{{Kind: ui.ThresholdMatch, Value: t.Match}, {Kind: ui.ThresholdLiveness, Value: t.Liveness},
		{Kind: ui.ThresholdSharpness, Value: t.MinSharpness}, {Kind: ui.ThresholdFaceSize, Value: t.MinFaceArea}}
}

func (u uiSettings) SetLanguage(code string) error     { return u.a.SetLanguage(code) }
func (u uiSettings) SetIdleLock(d time.Duration) error { return u.a.SetIdleLock(d) }

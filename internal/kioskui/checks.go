package kioskui

import (
	"context"
	"fmt"
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/doctor"
	"github.com/smartselfie/kiosk-agent/ui"
)

// appChecks runs kioskctl doctor's checks (internal/doctor) for the status screen, in
// the kiosk's own process, on the app's config. Doctor asks the running kiosk through
// its local API socket, which is this app's: so it never opens the queue file or the
// cameras the app holds (the queue check reads the queue through the socket, the
// cameras check only finds the cameras), exactly as kioskctl doctor does beside a
// running kiosk. The config check is left out: the app runs, so its config loaded.
type appChecks struct {
	cfg     config.Config
	socket  string
	version string
}

// newChecks is the status screen's Checker over a.
func newChecks(a *app.App) appChecks {
	s, _ := a.Status(context.Background())
	return appChecks{cfg: a.Config(), socket: a.Settings().SocketPath, version: s.Version}
}

// report runs the checks.
func (c appChecks) report(ctx context.Context) doctor.Report {
	return doctor.Run(ctx, doctor.Options{Config: c.cfg, Socket: c.socket, Version: c.version,
		Skip: []string{doctor.CheckConfig}})
}

// Run implements ui.Checker: each check as codes the screen translates.
func (c appChecks) Run(ctx context.Context) ([]ui.CheckResult, error) {
	rep := c.report(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("running the checks: %w", err)
	}
	out := make([]ui.CheckResult, 0, len(rep.Checks))
	for _, r := range rep.Checks {
		out = append(out, checkResult(r))
	}
	return out, nil
}

// checkResult is r for the screen: its codes without their "doctor." prefix.
func checkResult(r doctor.Result) ui.CheckResult {
	lv := ui.LevelOK
	switch r.Status {
	case doctor.Warn:
		lv = ui.LevelWarn
	case doctor.Fail:
		lv = ui.LevelFail
	}
	return ui.CheckResult{Name: r.Name, Level: lv, Args: r.Args,
		Finding: strings.TrimPrefix(r.Code, "doctor."), Fix: strings.TrimPrefix(r.FixCode, "doctor.")}
}

package app

import "github.com/smartselfie/kiosk-agent/internal/config"

// Config is the config the app was built with (it never changes): the status screen's
// checks (internal/doctor) run on it.
func (a *App) Config() config.Config { return a.cfg }

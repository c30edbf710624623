// Package ui is the kiosk's Fyne shell: the screens an operator sees all day around
// the enrollment wizard (which is issue 12 and plugs in through Deps.NewEnrollment).
//
// # Screens
//
// Shell owns the window's content: a TRAINING banner when Status.Training, the current
// screen, and a status bar always visible (online, offline or sending stopped; jobs
// waiting; last successful sync; the signed-in operator and a Lock button). The screens
// are sign-in (operator list, a large PIN pad, the lockout message with the time left),
// home (alerts in plain words with what to do, then New enrollment, Queue and Status,
// and Settings, About, Sign out), queue (each job: time, state, result in words, a
// progress bar while it sends; Retry for failed, held and needs-operator jobs, Purge
// for a supervisor), status (cameras, models, sending, queue, clock, disk with their
// level), settings (behind a supervisor's PIN: cameras with a preview slot, API address,
// partner id, whether the key is present — never the key —, thresholds read-only,
// language, idle lock) and about (version, kiosk id, device key fingerprint).
//
// # Talking to the rest of the kiosk
//
// The screens use small interfaces declared here (model.go): Operators (List, SignIn,
// SignOut), StatusSource (Status), Queue (Jobs, Retry, Purge), SettingsStore (Settings,
// SetLanguage, SetIdleLock) and Previewer (optional). internal/app implements them;
// ui/fake implements them in memory. ui imports no bbolt, no sync/compare: job states
// and API codes are copied as plain values (JobState names equal offline.State names).
//
// The lockout policy is the operator store's: SignIn returns *LockedError (with the
// time the lock ends) while an operator is locked and the shell shows the time left.
// The supervisor gate (settings, closing the window) is the same SignIn followed by a
// check that the session's role is RoleSupervisor.
//
// NewShell refuses Deps with a required field nil (Deps.Validate says which).
//
// # What decides what is shown
//
// Plain types without Fyne (state.go), tested with tables: IdleLock, PINEntry,
// Alerts, PartLevel, ActionsFor, LockLeft. text.go turns them into words.
//
// # Goroutines and time
//
// Shell methods run on Fyne's goroutine. Other goroutines call Shell.Changed (which
// goes through fyne.Do); Shell.Run refreshes once a second and checks the idle lock,
// on the injected clock (internal/clock), so tests drive the idle lock with a fake
// clock and Shell.CheckIdle. Only the shell's own buttons count as a touch (every
// button is made by Shell.button); scrolling alone does not.
//
// # Kiosk mode
//
// Shell.Kiosk makes the window full screen and installs Shell.CloseRequested as the
// close intercept: closing asks for a supervisor's PIN, then calls Deps.Quit. The
// theme (Theme) makes every touch target at least MinTarget (48) units high through
// its text and padding sizes, not per widget.
//
// # Languages
//
// English and French through Fyne's lang package; translations/en.json and fr.json
// are embedded and keyed by stable ids. Every string an operator sees goes through T
// or Tf with a literal key; tests fail on a key missing in either file, a key no code
// uses, a string literal that bypasses T, and an English sentence on a French screen.
// SetLanguage switches at run time: Fyne's lang chooses from the process environment,
// so it sets LC_ALL and LANGUAGE for this process and reloads the translations. The
// API's result and error codes have their own sentences (ResultText, ErrorText). A
// sync halt shows the sync engine's own sentence in English and the sentence for its
// code (with the measured clock skew) in French.
//
// # Fyne and the display
//
// Fyne v2.8.1 builds, with no build tag, both the X11 and the Wayland back ends (GLFW
// 3.4) and picks one at run time: Wayland when WAYLAND_DISPLAY is set, X11 otherwise;
// FYNE_PLATFORM=x11 or wayland forces it. The tags x11 or wayland build one back end
// only. Widgets change only on Fyne's goroutine: cmd/kiosk/FyneApp.toml says
// [Migrations] fyneDo = true, which the fyne tool turns into the build tag
// migrated_fynedo; a plain `go build` binary must call app.SetMetadata with that
// migration (as ui/internal/screenshots does) or be built with the tag.
// `make screenshots` draws every screen in a real window under Xvfb
// (ui/internal/screenshots, scripts/screenshots.sh) into
// docs/screenshots/<size>/<lang>/<screen>.png. Fyne's Canvas.Capture reads the GL front
// buffer, which Mesa's software renderer under Xvfb leaves black, so the program grabs
// the X screen with xwd (x11-apps) instead.
package ui

// Package ui is the kiosk's Fyne shell: the screens an operator sees all day, and the
// enrollment wizard (issue 12), which the shell builds when Deps.Enrollment is set.
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
// level; then, when Deps.Checks is set, kioskctl doctor's checks: a Run checks button
// that runs them in the background — never on a refresh, and disabled while they run —
// and each check's traffic-light level, finding and fix, from internal/messages'
// doctor.* sentences), settings (behind a supervisor's PIN: cameras with a preview slot, API address,
// partner id, whether the key is present — never the key —, thresholds read-only,
// language, idle lock) and about (version, kiosk id, device key fingerprint).
//
// # The on-screen keyboard
//
// A kiosk has a touch screen and no keyboard: every text field is a TextField
// (Shell.textField; keyboard.go), which brings up the keyboard the shell draws above the
// status bar while the field has the focus: digits, letters (QWERTY in English, AZERTY
// with é è ç à in French), the signs - _ . / @ ' and space, Shift (capitals; a field's
// Upper starts in capitals, as the customer id does), Backspace, Clear, and Done —
// "Next" while the screen has a further field, to which it moves. Every key is at least
// MinTarget high. Fyne's desktop driver takes the focus from the field on any press
// outside it, so the keyboard keeps its field: a key types into it and gives the focus
// back; the keyboard hides when a shell button is tapped (Shell.button), on a tap
// outside any button or field (a tap catcher under every screen), on Done after the
// last field, and when the screen changes. A physical keyboard types into the focused
// field as usual. The customer step gives its id field the focus, so the keyboard is
// up when the step opens.
//
// # Talking to the rest of the kiosk
//
// The screens use small interfaces declared here (model.go): Operators (List, SignIn,
// SignOut), StatusSource (Status), Queue (Jobs, Retry, Purge), SettingsStore (Settings,
// SetLanguage, SetIdleLock), Previewer (optional) and Checker (optional, checks.go:
// Run returns each check as internal/messages codes and arguments; internal/kioskui runs
// internal/doctor). internal/app implements them;
// ui/fake implements them in memory. ui imports no bbolt, no sync/compare: job states
// are internal/codes' State (offline.State's type) and API codes plain values.
//
// # Lock
//
// Lock (the status bar's button) and the idle lock cover the screen with the lock
// screen (lock.go) and keep the session and what its screen holds: an open enrollment
// keeps its consent, ids and photos (its cameras stop; Operators.SignOut with EndLock
// or EndIdle, which the app records as a session lock). The same operator's PIN
// resumes where it was (the wizard shows its step again; a capture step starts its
// camera again); while an enrollment is open only a supervisor's PIN can end it
// (EndSupervisor, recorded; the sign-in screen then says so), with none open the
// operator may sign out. The lock screen shows nothing of the customer, and removes
// any dialog that was open. Closing the app with an enrollment open says, in the
// supervisor gate, that it will be lost.
//
// The lockout policy is the operator store's: SignIn returns *LockedError (with the
// time the lock ends) while an operator is locked and the shell shows the time left.
// The supervisor gate (settings, closing the window) is the same SignIn followed by a
// check that the session's role is RoleSupervisor.
//
// NewShell refuses Deps with a required field nil (Deps.Validate says which).
//
// # The enrollment wizard
//
// ui/flow is the wizard's state machine (no Fyne): Consent → Customer → Comparison
// (document scan, ID photo import or portrait) → Selfie → Liveness → Review → Result,
// Back from every step before Result (keeping what was taken: a capture step reached by
// Back shows its images with Continue and Take again, so Back from the head movements
// shows the selfie, it does not run the captures again), Retake from Review returning
// to Review, Edit the customer from Review (its Change button) returning to Review with
// every photo kept, Seal only with every capture done. wizard.go draws each step as a function returning a
// fyne.CanvasObject; the customer's images live in a Draft in memory and are dropped
// when a step is taken again, when the wizard is left, and after Seal.
//
// The wizard talks to the kiosk through Enrollment (enroll.go), which internal/kioskui
// implements over the app and internal/enroll: OpenCamera(kind) gives a LiveCamera;
// Capture(ctx, kind, frames, hooks) runs capture's procedure (Document, Selfie for the
// portrait and the selfie, LivenessSequence) over the wizard's Frames and reports
// Guidance (capture.Verdict) and liveness prompts through CaptureHooks, and returns
// Shots or a *CaptureError (the last problems, the prompt not answered); TakeNow makes
// the comparison image of the frame the agent kept by hand (the card flattened when one
// is found on it, its face found); Imports and ImportComparison read ID photos from the
// import folder and USB sticks; Prechecks returns job.Prechecks, and DocumentRead what
// they read from the document's zone (number, type, issuing state, expiry) for the
// review only, kept in memory until Seal; Seal(SealRequest) seals (forced prechecks
// carry the supervisor); WaitResult waits for the API's answer (or ErrOffline). Each
// Shot carries its Origin (job.CaptureOrigin): the wizard sets auto for what Capture
// kept, manual for Take it now, import for a file, and the comparison image's is sealed
// as the job's capture_origin. Problem and Prompt are internal/codes' types (capture's
// too) so that ui links neither capture nor the engine; CardProblem has capture/card's
// values (a test reads them from its source) and CardOutline gives the card's corners as
// fractions of the frame; job's types (ComparisonType, Prechecks) are used as they are.
//
// The screens: consent (what is captured and why; English/French switch, restored to
// the operator's language when the wizard closes; no camera opens before consent; a
// refusal says that nothing was taken, in the operator's language); Stop asks first,
// with "No, keep going" the highlighted answer; after the customer step the header of
// every capture step names the customer, review and result show the id in full (on
// screen only, never logged);
// customer (the id checked with job.ValidUserID, the job id from job.NewID, the source,
// "already enrolled: enroll again" = allow_new_enroll; with Deps.CustomerIDFromDocument,
// config ui.customer_id_from, the id may be left empty for a document until it is
// taken: Continue on the document taken reads its zone, Enrollment.ReadDocument, and its
// number becomes the id, or, none read, the wizard goes back to the customer step with
// the document kept and asks for the id); the camera steps (a card guide
// for the document, an oval, canvas.Ellipse, for faces, grey/amber/green for
// wait/adjust/good, ONE instruction: the first problem in problemOrder, where a face
// that does not look live comes right after the face count; on the document, when the
// step judges the card (Guidance.Card, CardProblems), the card found is outlined where
// it is — four canvas.Line made once and moved for each frame, laid out over the
// picture's aspect-fitted rectangle (OutlinePoints) — amber while a gate fails, green
// when every gate holds, the fixed ID-1 frame showing only while no card is found, and
// the instruction is the card's first problem (internal/messages card.<code>); "Take it
// now" for the document and portrait, shown after Deps.ManualAfter on the shell's clock
// (config capture.document_manual_after, 20 s by default; 0 at once); "Use this photo anyway" on the selfie once its procedure gave
// up on a face judged not live (the review then shows the failed liveness check, so
// the job is sealed only through the supervisor gate); liveness shows the prompt's arrow, its words and
// "3 of 8", and a failed sequence says why and starts again); the comparison image with
// the face found on it; review (thumbnails with Retake, the prechecks as six traffic
// lights, CheckLines, each an icon and a word as well as a colour; above them the
// document's warnings, DocumentNotes — an expired document, a zone not found — each a
// warning sign and "Warning", which do not fail the checks, and the document number in
// full, the one screen that shows it; a failed job is sealed only through the supervisor gate, with
// Prechecks.Forced); result (sealed at once, waits Deps.ResultWait — default 20 s — for
// the answer, says match / no match / the error's sentence, its code, and what to do, or "Saved on
// this kiosk; it will be sent automatically"; Next customer at once).
//
// A camera that fails mid-step shows "Camera disconnected — plug it back in" over a
// blank preview, and the step goes on when frames come back (earlier steps are kept).
// OpenCamera's *NoCameraError names the missing camera and its device; the document
// step then offers the ID photo import.
//
// # The live preview
//
// live.go: the preview loop calls LiveCamera.Next at the camera's rate with one of
// three *image.RGBA buffers (never the one on screen nor the one waiting to be
// painted), points the canvas.Image (ImageScaleFastest, created once) at it and
// refreshes it through fyne.Do; a frame that comes while a paint is pending is not
// painted. The capture procedure's Frames.Next gets a copy of the next frame to arrive,
// so analysis runs in its own goroutine on the newest frame and skips the frames it
// cannot keep up with. ReadPreviewStats counts frames, paints, analyses and the delay
// from a judged frame to its guidance (scripts/previewbench prints them). The settings'
// camera view is the same preview (NewCameraPreview over Enrollment.OpenCamera), with a
// sentence when the camera is missing or unplugged.
//
// # What decides what is shown
//
// Plain types without Fyne (state.go), tested with tables: IdleLock, PINEntry,
// Alerts, PartLevel, ActionsFor, LockLeft. text.go turns them into words.
//
// # Goroutines and time
//
// Shell methods run on Fyne's goroutine. Other goroutines call Shell.Changed (which
// goes through fyne.Do); the wizard's goroutines change widgets only through fyne.Do
// (a package variable the tests replace with a pump they drain on their goroutine;
// ReplaceDo does it for internal/kioskui's tests); Shell.Run refreshes once a second and checks the idle lock,
// on the injected clock (internal/clock), so tests drive the idle lock with a fake
// clock and Shell.CheckIdle. Only the shell's own buttons count as a touch (every
// button is made by Shell.button); scrolling alone does not.
//
// # Kiosk mode
//
// Shell.Kiosk makes the window full screen, makes Fyne's scale follow the screen's size
// (scale.go: ScaleFor, the largest tenth at which the 1024x600 layouts fill the screen,
// 1 to 3: 1.8 at 1920x1080, so text, keys, preview and thumbnails grow with the screen;
// set through FYNE_SCALE once the window knows its size, unless FYNE_SCALE was set when
// the kiosk started) and installs Shell.CloseRequested as the close intercept: closing asks for a supervisor's PIN, then calls Deps.Quit. The
// theme (Theme) makes every touch target at least MinTarget (48) units high through
// its text and padding sizes, not per widget.
//
// # Languages
//
// English and French. The screens' own words (titles, buttons, labels, advice) are
// translations/en.json and fr.json, embedded, keyed by stable ids, read through Fyne's
// lang package (T, Tf). The sentences of the kiosk's stable codes come from
// internal/messages (a leaf package the CLI shares), through Msg in the current
// Language: the API's result and error codes (ResultText, ErrorText), sync halts
// (AlertText), the capture guidance for each problem code and the liveness prompts
// (InstructionText, PromptText), and the precheck problems on the review (CheckLines:
// the image's name, then its code's sentence). Each code has one sentence per language
// in the code base. Every string an operator sees goes through T or Tf with a literal
// key, or Msg with a literal code (or a literal prefix plus a code); tests fail on a key
// missing in either file, a key no code uses, a string literal that bypasses them, a
// code Msg uses that either catalog lacks, a translation that repeats a catalog
// sentence, and an English sentence (the translations' or the catalog's) on a French
// screen. SetLanguage switches at run time: Fyne's lang chooses from the process
// environment, so it sets LC_ALL and LANGUAGE for this process and reloads the
// translations. A sync halt shows the sync engine's own sentence in English and the
// sentence for its cause (with the measured clock skew) in French.
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
// Shell.ScreenMap (uimap.go) lists the visible buttons, text fields and texts with their
// place in the screen's pixels: internal/kioskui writes it to the file KIOSK_UI_MAP names (only
// then) for the click test (scripts/test-clicks.sh, scripts/clickthrough), which clicks
// buttons by their label with a real mouse through the X server.
//
// `make screenshots` draws every screen and every wizard step in a real window under Xvfb
// (ui/internal/screenshots, scripts/screenshots.sh) into
// bin/screenshots/<size>/<lang>/<screen>.png, from a fixed clock and job id (Deps.NewJobID),
// and copies a curated set (its gallery.go) into docs/screenshots/ and docs/gallery.md,
// at the scale the kiosk chooses for the screen (ScaleFor); it fails naming every screen
// whose content needs more than the window. Scrolled content keeps room at its right for
// the scroll bar (vscroll), so a row's buttons never sit under it.
// Fyne's Canvas.Capture reads the GL front buffer, which Mesa's software renderer under
// Xvfb leaves black, so the program grabs the X screen with xwd (internal/xwd) instead.
//
// # Operators, a job's page, the agent's fixes
//
// The settings (behind a supervisor's PIN) open the operators page (operators.go, over
// OperatorAdmin): every operator with their state, Unlock, New PIN (typed twice on the
// PIN pad), Disable/Enable, Add (id and name on the on-screen keyboard); each change
// names the supervisor whose PIN opened the settings. A wrong PIN at sign-in says how
// many tries are left (WrongPINError). The queue's rows show the customer's id and open
// a job's page (jobpage.go): ids, times, state, result in words and its code, attempts,
// linked jobs, and the actions ActionsFor allows; a job refused as already enrolled
// (2209) offers Enroll again behind a supervisor's PIN (Queue.EnrollAgain) and says why
// Retry is not. The status screen's fixes are the agent's (ScreenFix): what to do at the
// screen, or whom to call, never a command.
package ui

// Package app is the running kiosk: it builds every part from a config.Config and owns
// every goroutine, from power-on to SIGTERM. cmd/kiosk loads the config, calls New and
// Run, and joins the screens (package ui) to the app; the screens never see the parts.
//
// # What New builds
//
//   - the offline queue (internal/parts.OpenQueue) and its operator store;
//   - the sender (parts.NewSync: compare client, dial prober, halt fingerprint), and
//     the sync engine (parts.NewUploader). With no
//     compare.api_url there is no sender: jobs stay queued, Status says so (AlertNoAPI)
//     and SyncNow answers ErrNoAPI;
//   - the local API's socket (internal/localapi.Listen: local_api.socket, mode 0660,
//     group local_api.group, admins local_api.admin_group, supervisors' PINs checked
//     by the operator store, Options.LocalAPILimits), failing with
//     localapi.ErrRunning when a kiosk serves it
//     already. A second kiosk on the same data folder fails with offline.ErrLocked.
//
// New validates the config and refuses training with an API URL that is not loopback.
//
// # What Run starts, and how it stops
//
// Run starts the sync engine, the queue watcher (uploader.OfflineQueue.Watch → Notify),
// the network watcher (internal/netwatch → uploader.ConnectivityChanged; a kiosk where
// rtnetlink is unavailable logs it and relies on the poll timer), retention
// (offline.RunRetention every 10 minutes), the local API (localapi.Server.Serve with
// Backend: localapi.QueueBackend for the queue's part, the app for status and sync),
// the idle lock, and the cameras (in the background: capture/v4l2.OpenCameras, or
// capture/replay for a camera with capture.*.replay_dir, or capture/replay.OpenScripted
// for a selfie replay_dir laid out as selfie/, liveness/ and optional document/ folders:
// a replayed customer whose liveness photos follow the prompts, Cameras.Scripted, for
// the demo and training; a failure is an AlertCamera,
// not a stop). The face engine loads at the first Engine call (Options.EngineAtStart:
// in the background once ready). Ready is closed once all are started.
//
// When Run's context ends (cmd/kiosk: SIGTERM or SIGINT) the app stops within
// ShutdownTimeout (5 s): Seal refuses new jobs (ErrShuttingDown) and the seal in
// progress commits first; a signed-in operator is signed out ("shutdown"); uploads in
// flight are interrupted and their jobs put back to queued (the re-send after a
// restart carries the same job id, which the server answers 2215 if the first reached
// it: delivered once); the socket is removed; the cameras, the engine and the queue are
// closed. Tested with a real kiosk process killed while a job is at the sandbox
// (cmd/kiosk), and with seals racing the shutdown (TestShutdownWhileSealing).
//
// # Sessions
//
// SignIn checks the PIN in the operator store (5 wrong PINs lock for 5 minutes,
// doubling; every attempt is audited) and starts a session, or unlocks a locked one.
// Seal records the session's operator in the job (job.Job.OperatorID), the kiosk id,
// and in training mode job.Job.Training; a job forced past a failed precheck from the
// screen names its supervisor (job.Prechecks.ForcedBy), who must be an enabled
// supervisor, and the audit log's enrolled event names them. The session locks after ui.idle_lock without
// a Touch (audit operator_session_locked "idle 5m0s"): on the app's clock, checked by a
// goroutine (which emits EventSession) and by every Session call. With screens,
// Options.ExternalIdleLock hands the idle lock to ui.Shell (which counts the touches)
// and the shell's idle sign-out calls Lock. Authorize checks a PIN for one action (a
// supervisor opening the settings) without changing the session.
//
// # Training mode
//
// config training: true, or a loopback compare.api_url (localhost, 127.0.0.0/8, ::1:
// a local compare-sandbox), makes a practice kiosk: Status.Training and the local
// API's status say so (the screens show TRAINING), and every job it seals carries
// job.Job.Training, sealed with the job. The config refuses training with a URL that
// is not loopback, or with a callback URL that is not a loopback IP. The one guard of a
// practice job's destination is the compare client's, which every sender goes through
// (the app's and kioskctl sync's, both built by parts.NewSync): it fails a training job
// for good (uploader.ClassPermanent, ErrTrainingProduction) when the API URL is not
// loopback, and again when the address actually dialed is not (see sync/compare's doc).
//
// # Metrics
//
// New builds the kiosk's metrics (internal/metrics, a registry of its own) and, with
// metrics.listen, opens the endpoint's socket (a taken address fails the start). Run
// serves GET /metrics there, writes the node_exporter textfile every metrics.interval
// (metrics.textfile_dir), and keeps a snapshot of the metrics in the queue's ring at start
// and every metrics.snapshot_interval while the API cannot be reached (TakeSnapshot;
// kioskctl metrics reads them through Backend's MetricSnapshots). The collectors read
// Status at scrape time, the struct the status screen and doctor read. The events come
// from the app's own calls (Seal, SignIn, the sync engine's OnEvent, the local API's
// Observe, the metered camera sources) and from the screens' adapter: WizardMoved,
// PrechecksRan and Judged (an internal/enroll.Observer).
//
// # What the screens call
//
// Status (status bar, alerts, status screen), Session, Operators, SignIn, SignOut,
// Lock, Touch, Authorize, Seal, Backend (queue list, show, retry, purge: the same
// localapi.Backend kioskctl uses; the screen sets localapi.ScreenActor, the signed-in
// operator, as who retries or purges), SyncNow (wake-ups rationed: ReaderWakeEvery,
// AdminWakeEvery, HaltLiftEvery, by the caller's localapi.Actor), Settings (never the key: KeyPresent),
// SetLanguage and SetIdleLock (for this run; not written to the config file),
// Cameras, Engine, Subscribe (events to refresh on), and Enrollments (enrollment.go),
// the enrollment wizard's service: OpenCamera lends a camera to one reader at a time
// (waiting for the cameras being opened on the app's clock and EventCameras; Shut at
// the end), Capture runs a step of internal/enroll over the wizard's RGBA frames (a
// scripted replay's liveness photos follow the prompts), Imports and ImportComparison
// (internal/media, internal/imagelimit; a JPEG sealed as it is), Prechecks encodes the
// draft once and Seal reuses that job (the seal checks the supervisor rule once,
// checkForced, before the job is encoded),
// WaitAnswer reads the job's entry after each event of the queue and the sync engine
// (no polling). cmd/kiosk adapts these to package ui's interfaces, so internal/app does
// not link Fyne.
//
// The settings' operators page calls AddOperator, UnlockOperator, ResetOperatorPIN,
// DisableOperator (ends the operator's session) and EnableOperator, each audited with
// the supervisor (also served to the local API's operator routes: Backend's
// OperatorStore); a job's page calls CustomerID (read once from the sealed job, kept in
// memory for the screen, never logged) and EnrollAgain (a 2209 job's photos as a new
// job with allow_new_enroll, on a supervisor's decision). With screens, cmd/kiosk sets
// EngineAtStart: the status says "loading", then "ok", before the first enrollment.
//
// # Caveats
//
// The idle lock and the lockouts run on Options.Clock; the shutdown deadline is the
// wall clock's (it is the service manager's). SetLanguage and SetIdleLock last until
// the next start. Status reads the queue's counts from memory and statfs's the data
// folder: cheap enough for a refresh a second.
package app

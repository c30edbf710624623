package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/netwatch"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// ShutdownTimeout bounds the shutdown once Run's context ends: the commit in progress
// finishes, uploads are interrupted and put back, the queue is closed. systemd's
// default TimeoutStopSec is far longer; the issue asks for 5 s.
const ShutdownTimeout = 5 * time.Second

// Errors of the app.
var (
	// ErrNotSignedIn: an action needs a signed-in operator (Seal, an operator's retry).
	ErrNotSignedIn = errors.New("no operator is signed in")
	// ErrSessionLocked: the session locked itself (idle) or was locked; sign in again.
	ErrSessionLocked = errors.New("the session is locked: sign in again")
	// ErrShuttingDown: the app is stopping and takes no new job.
	ErrShuttingDown = errors.New("the kiosk is shutting down")
)

// Options configure New.
type Options struct {
	// Config is the kiosk's configuration; New validates it.
	Config config.Config
	// Clock is the source of time; nil: the wall clock.
	Clock clock.Clock
	// Logger receives the app's logs; nil discards them.
	Logger *slog.Logger
	// Getenv reads the environment (the API key variable); nil: os.Getenv.
	Getenv func(string) string
	// Version names the build (status, about screen).
	Version string
	// NoCameras leaves the cameras closed (kioskctl-like tools, tests of the runtime).
	NoCameras bool
	// NoNetwatch leaves out the rtnetlink watcher (tests); the poll timer still runs.
	NoNetwatch bool
	// ExternalIdleLock: the screens run the idle lock themselves (ui.Shell counts the
	// touches) and call Lock; the app then never locks a session on its own.
	ExternalIdleLock bool
	// EngineAtStart loads the face engine in the background once the app is ready
	// instead of at the first Engine call (the kiosk with screens: the status says
	// "loading", then "ok", before the first enrollment).
	EngineAtStart bool
	// Engine, if set, is the face engine the app uses instead of loading its own; the
	// caller keeps it open and closes it (tests that share one engine).
	Engine *inference.Engine
	// LocalAPILimits bound the local API's clients; zero fields take
	// localapi.DefaultLimits.
	LocalAPILimits localapi.Limits
}

// App is the running kiosk: every part built from the config, and every goroutine.
// Create it with New, run it with Run; its methods are safe for concurrent use (the
// UI calls them from its goroutines, the local API from its own).
type App struct {
	cfg     config.Config // as New got it; never changed after
	ui      config.UI     // the "ui" section as changed on screen (under mu)
	clk     clock.Clock
	log     *slog.Logger
	getenv  func(string) string
	version string
	opts    Options

	q        *offline.Queue
	ops      *offline.Operators
	up       *uploader.Uploader
	sending  parts.Sync
	srv      *localapi.Server
	started  time.Time
	training bool

	ready chan struct{}

	// wakeMu guards the wake-ups' rationing (SyncNow).
	wakeMu   sync.Mutex
	lastWake time.Time
	lastLift time.Time

	// sealing guards Seal against the shutdown: each Seal holds it for reading, the
	// shutdown takes it for writing once closing is set.
	sealing sync.RWMutex
	closing bool
	// forcedChecks counts the supervisor rule's checks (checkForced: once per seal;
	// the tests count them).
	forcedChecks atomic.Int32

	// customerIDs are the jobs' customer ids read for the screens (CustomerID).
	idsMu       sync.Mutex
	customerIDs map[string]string

	mu      sync.Mutex
	session *Session
	touchCh chan struct{}
	cams    *Cameras
	camErr  error
	engine  *inference.Engine
	engErr  error
	engBusy bool // the engine is being loaded
	engOnce sync.Once
	ocr     *ocr.Reader // nil: the OCR models are not installed (no "document read")
	ocrOnce sync.Once
	subs    map[chan Event]struct{}

	met *appMetrics
}

// New builds every part from o.Config: it validates the config, opens the queue and the
// operator store, builds the sender and the sync engine, and creates the local API's
// socket (failing with localapi.ErrRunning when another kiosk serves it). Nothing runs
// until Run. On error, what was opened is closed.
func New(o Options) (*App, error) {
	cfg := o.Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("starting the kiosk: %w", err)
	}
	if err := checkTraining(cfg); err != nil {
		return nil, fmt.Errorf("starting the kiosk: %w", err)
	}
	a := &App{cfg: cfg, clk: o.Clock, log: o.Logger, getenv: o.Getenv, version: o.Version, opts: o,
		ready: make(chan struct{}), touchCh: make(chan struct{}, 1), subs: map[chan Event]struct{}{},
		training: cfg.TrainingMode(), ui: cfg.UI}
	if a.clk == nil {
		a.clk = clock.Real{}
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.getenv == nil {
		a.getenv = os.Getenv
	}
	a.started = a.clk.Now()
	var err error
	if a.q, err = parts.OpenQueue(cfg, a.clk, a.log); err != nil {
		return nil, fmt.Errorf("starting the kiosk: %w", err)
	}
	for _, al := range a.q.Alerts() {
		a.log.Warn("queue alert", "alert", al.Message)
	}
	a.ops = a.q.Operators(offline.OperatorOptions{})
	if err := a.newMetrics(); err != nil {
		a.q.Close()
		return nil, fmt.Errorf("starting the kiosk: %w", err)
	}
	closeMetrics := func() {
		if a.met.ln != nil {
			a.met.ln.Close()
		}
	}
	if a.sending, err = newSending(cfg, a.getenv, a.log); err != nil {
		closeMetrics()
		a.q.Close()
		return nil, fmt.Errorf("starting the kiosk: %w", err)
	}
	a.up = parts.NewUploader(cfg, uploader.OfflineQueue{Q: a.q}, a.sending,
		uploader.Options{Clock: a.clk, Logger: a.log, OnEvent: a.onSyncEvent})
	if a.srv, err = localapi.Listen(localapi.Options{Path: cfg.LocalAPI.Socket, Group: cfg.LocalAPI.Group,
		AdminGroup: cfg.LocalAPI.AdminGroup, Supervisors: a.ops, Limits: o.LocalAPILimits, Logger: a.log,
		Observe: a.met.localAPIRequest}); err != nil {
		closeMetrics()
		a.q.Close()
		return nil, fmt.Errorf("starting the kiosk: %w", err)
	}
	if a.training {
		a.log.Warn("TRAINING mode: jobs are practice jobs and go only to a local sandbox", "api_url", cfg.Compare.APIURL)
	}
	return a, nil
}

// Ready is closed once Run has started every part (the UI may show the sign-in
// screen; make bench times start to ready).
func (a *App) Ready() <-chan struct{} { return a.ready }

// Run starts every goroutine (sync engine, queue watcher, retention, network watcher,
// local API, idle lock, cameras) and blocks until ctx ends. Then it shuts down within
// ShutdownTimeout: new jobs are refused, the seal in progress commits, uploads in
// flight are interrupted and their jobs put back in the queue (the server's job-id
// check makes the re-send safe), the socket is removed, the cameras and the queue are
// closed. Run may be called once.
func (a *App) Run(ctx context.Context) error {
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	goRun := func(name string, fn func(ctx context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(gctx); err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("part stopped", "part", name, "err", err)
			}
		}()
	}
	if a.sending.Sender != nil {
		goRun("sync engine", a.up.Run)
		goRun("queue watcher", func(ctx context.Context) error {
			uploader.OfflineQueue{Q: a.q}.Watch(ctx, a.up.Notify)
			return nil
		})
		if !a.opts.NoNetwatch {
			goRun("network watcher", func(ctx context.Context) error {
				err := netwatch.Watch(ctx, func(online bool) {
					a.log.Info("network changed", "online", online)
					a.up.ConnectivityChanged()
				}, netwatch.Options{Clock: a.clk, Logger: a.log})
				if err != nil && ctx.Err() == nil {
					a.log.Warn("network watcher unavailable; the sync engine polls instead", "err", err)
				}
				return nil
			})
		}
	} else {
		a.log.Warn("no compare.api_url: jobs stay in the queue until one is set")
	}
	goRun("retention", func(ctx context.Context) error { return a.q.RunRetention(ctx, 0) })
	goRun("local API", func(ctx context.Context) error { return a.srv.Serve(ctx, a.Backend()) })
	goRun("idle lock", a.idleLoop)
	if !a.opts.NoCameras {
		goRun("cameras", func(ctx context.Context) error {
			cams, err := openCameras(ctx, a.cfg, a.clk, a.log)
			if cams != nil {
				a.meterCameras(cams)
			}
			a.mu.Lock()
			a.cams, a.camErr = cams, err
			a.mu.Unlock()
			if err != nil {
				a.log.Warn("cameras unavailable", "err", err)
			}
			a.emit(Event{Kind: EventCameras})
			return nil
		})
	}
	a.runMetrics(goRun)
	if a.opts.EngineAtStart {
		goRun("engine", func(context.Context) error { _, err := a.Engine(); return err })
	}
	close(a.ready)
	a.log.Info("kiosk ready", "kiosk_id", a.cfg.KioskID, "training", a.training, "socket", a.srv.Path(), "since_start", a.clk.Now().Sub(a.started).String())

	<-ctx.Done()
	return a.shutdown(stop, &wg)
}

// shutdown stops every part; see Run.
func (a *App) shutdown(stop context.CancelFunc, wg *sync.WaitGroup) error {
	start := time.Now() // the real clock: the deadline is the service manager's
	a.log.Info("shutting down")
	a.sealing.Lock() // waits for the seal in progress
	a.closing = true
	a.sealing.Unlock()
	a.mu.Lock()
	if s := a.session; s != nil {
		if err := a.ops.RecordSignOut(s.Operator.ID, "shutdown"); err != nil {
			a.log.Warn("recording the sign-out", "err", err)
		}
		a.session = nil
	}
	a.mu.Unlock()
	stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var errs []error
	select {
	case <-done:
	case <-time.After(ShutdownTimeout - time.Second):
		errs = append(errs, errors.New("shutting down: some parts did not stop in time"))
	}
	a.mu.Lock()
	if a.cams != nil {
		errs = append(errs, a.cams.Close())
		a.cams = nil
	}
	if a.engine != nil {
		a.engine.Close()
		a.engine = nil
	}
	if a.ocr != nil {
		a.ocr.Close()
		a.ocr = nil
	}
	a.mu.Unlock()
	if err := a.q.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing the queue: %w", err))
	}
	a.log.Info("stopped", "took", time.Since(start).Round(time.Millisecond).String())
	return errors.Join(errs...)
}

// Close releases what New opened, for an App whose Run was never called.
func (a *App) Close() error {
	a.srv.Close()
	if a.met.ln != nil {
		a.met.ln.Close()
	}
	return a.q.Close()
}

// Seal seals a job into the offline queue for the signed-in operator: it records the
// operator (OperatorID), the kiosk and, in training mode, marks the job training,
// then wakes the sync engine. A job whose prechecks failed is sealed only when forced
// (Prechecks.Forced) by an enabled supervisor named in Prechecks.ForcedBy
// (offline.ErrNotSupervisor otherwise: the one place this rule is checked); the audit log's enrolled event names them. It refuses when nobody is signed in, the session is
// locked, or the app is shutting down; a job sealed before the shutdown began always
// commits first.
func (a *App) Seal(j *job.Job) (offline.Entry, error) {
	return a.seal(j.ID, j.Prechecks, func() (*job.Job, error) { return j, nil })
}

// seal is Seal with the job built (encoded) by build only once the seal is allowed:
// nobody signed in, a locked session, the shutdown or the supervisor rule refuse it
// before anything is encoded (Enrollments.Seal). pc are the prechecks build's job
// carries; the rule is checked once, on them.
func (a *App) seal(id string, pc job.Prechecks, build func() (*job.Job, error)) (offline.Entry, error) {
	a.sealing.RLock()
	defer a.sealing.RUnlock()
	if a.closing {
		return offline.Entry{}, fmt.Errorf("sealing job %s: %w", id, ErrShuttingDown)
	}
	s, err := a.activeSession()
	if err != nil {
		return offline.Entry{}, fmt.Errorf("sealing job %s: %w", id, err)
	}
	if err := a.checkForced(pc); err != nil {
		return offline.Entry{}, fmt.Errorf("sealing job %s: %w", id, err)
	}
	j, err := build()
	if err != nil {
		return offline.Entry{}, fmt.Errorf("sealing job %s: %w", id, err)
	}
	j.Prechecks = pc
	j.OperatorID = s.Operator.ID
	j.KioskID = a.cfg.KioskID
	j.Training = a.training
	e, err := a.q.Enqueue(j)
	if err != nil {
		return offline.Entry{}, err
	}
	a.met.set.EnrollmentSealed(a.training, j.Prechecks.Forced)
	a.met.set.ComparisonCaptured(j.CaptureOrigin)
	a.Touch()
	a.emit(Event{Kind: EventQueue, JobID: e.ID})
	return e, nil
}

// checkForced is the supervisor rule of a seal: a job whose prechecks failed is sealed
// only when forced (Prechecks.Forced) by an enabled supervisor named in
// Prechecks.ForcedBy (the screen's gate checked their PIN; the audit log names them).
func (a *App) checkForced(pc job.Prechecks) error {
	a.forcedChecks.Add(1)
	if !pc.Ran || pc.OK {
		return nil
	}
	if !pc.Forced || pc.ForcedBy == "" {
		return fmt.Errorf("a precheck failed: %w", offline.ErrNotSupervisor)
	}
	sup, err := a.ops.Get(pc.ForcedBy)
	if err != nil || sup.Disabled || sup.Role != offline.RoleSupervisor {
		return fmt.Errorf("%q did not allow it: %w", pc.ForcedBy, offline.ErrNotSupervisor)
	}
	return nil
}

// OCR returns the document reader (PP-OCRv4 on the engine's runtime), loaded at its first
// call after the engine; nil when its models are not installed (scripts/fetch-ocr.sh or
// the package installs them), which is logged once: the "document read" precheck is
// then not made.
func (a *App) OCR() *ocr.Reader {
	if _, err := a.Engine(); err != nil { // the runtime is the engine's
		return nil
	}
	a.ocrOnce.Do(func() {
		r, err := ocr.Open(ocr.Options{ModelsDir: a.getenv(ocr.EnvModels)})
		if err != nil {
			a.log.Warn("document reader unavailable: the document's zone is not read", "err", err)
			return
		}
		a.mu.Lock()
		a.ocr = r
		a.mu.Unlock()
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ocr
}

// Engine returns the face engine, loading it at the first call (ONNX Runtime and the
// models take a few seconds and about 100 MB, so an idle kiosk does without them).
func (a *App) Engine() (*inference.Engine, error) {
	if a.opts.Engine != nil {
		return a.opts.Engine, nil
	}
	a.engOnce.Do(func() {
		a.mu.Lock()
		a.engBusy = true
		a.mu.Unlock()
		a.emit(Event{Kind: EventEngine})
		e, err := parts.OpenEngine(a.cfg, a.getenv, a.log)
		a.mu.Lock()
		a.engine, a.engErr, a.engBusy = e, err, false
		a.mu.Unlock()
		a.emit(Event{Kind: EventEngine})
		if err != nil {
			a.log.Error("face engine unavailable", "err", err)
		}
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.engErr != nil {
		return nil, fmt.Errorf("loading the face engine: %w", a.engErr)
	}
	return a.engine, nil
}

// Cameras returns the open cameras, or why they are not (nil, error; also before the
// background open finished, with ErrCamerasOpening).
func (a *App) Cameras() (*Cameras, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.opts.NoCameras:
		return nil, errors.New("cameras are off in this run")
	case a.camErr != nil:
		return nil, a.camErr
	case a.cams == nil:
		return nil, ErrCamerasOpening
	}
	return a.cams, nil
}

// ErrCamerasOpening: the cameras are still being opened.
var ErrCamerasOpening = errors.New("the cameras are being opened")

// Queue is the offline queue (read it; seal through Seal).
func (a *App) Queue() *offline.Queue { return a.q }

// Sync is the sync engine (SyncNow and SyncStatus serve most needs).
func (a *App) Sync() *uploader.Uploader { return a.up }

// Training reports whether the app runs in training mode.
func (a *App) Training() bool { return a.training }

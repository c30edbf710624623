package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference/gates"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// Status is what the status bar, the alerts and the status screen show.
type Status struct {
	KioskID string
	Version string
	Started time.Time
	// Training: the kiosk is a practice kiosk; every screen says TRAINING.
	Training bool
	// Operator is the signed-in operator's id ("" when nobody is); Locked when the
	// session locked itself.
	Operator string
	Locked   bool
	// Sync is the sync engine's summary (online/offline, queued, in flight with
	// progress, last success, last error, halt).
	Sync uploader.Status
	// Queue counts the jobs by state.
	Queue offline.Counts
	// Cameras and Engine are the state of those parts.
	Cameras PartState
	Engine  PartState
	// Alerts are the problems to show on the home screen, in plain words with what to do.
	Alerts []Alert
	// DeviceFingerprint names the device key (about screen).
	DeviceFingerprint string
	// KeyProtector keeps the device keys: tpm2, systemd-creds or file (about screen).
	KeyProtector string
	// Disk is the data folder's file system.
	Disk Disk
	// ClockSynced: the kernel says the system clock is synchronised (NTP); false also
	// when it cannot tell.
	ClockSynced bool
	// Clock is the one judgement of the clock (clock.Judge: NTP, and the API server's
	// clock as the compare client last measured it, from the start-up probe on), the
	// same as kioskctl doctor's clock check.
	Clock clock.Verdict
}

// Disk is the free space of the data folder's file system.
type Disk struct {
	Free, Total uint64 // bytes
	// Low is the free space under which the screens warn: twice offline.min_free_disk_mb
	// (0: no check).
	Low uint64
}

// PartState is one part's state for the status screen.
type PartState struct {
	State  string // ok, opening, missing, off, loading, not loaded
	Detail string // why, in words
}

// Alert is a problem for the operator.
type Alert struct {
	Kind    AlertKind
	Message string
}

// AlertKind names an alert so the UI can choose an icon and translate.
type AlertKind string

// The alerts.
const (
	AlertSyncHalted      AlertKind = "sync_halted"       // Message: the sync engine's sentence (wrong key, clock wrong)
	AlertQueueNearlyFull AlertKind = "queue_nearly_full" // 90% of offline.max_jobs
	AlertQueue           AlertKind = "queue"             // offline's alerts (database moved aside, disk low, …)
	AlertCamera          AlertKind = "camera"            // the cameras could not be opened
	AlertNoAPI           AlertKind = "no_api"            // no compare.api_url: jobs stay on the kiosk
)

// Status returns the kiosk's status, from memory and the queue's counts.
func (a *App) Status(ctx context.Context) (Status, error) {
	st := Status{KioskID: a.cfg.KioskID, Version: a.version, Started: a.started, Training: a.training,
		Queue: a.q.Counts(), DeviceFingerprint: a.q.DeviceFingerprint(), KeyProtector: a.q.KeyStatus().Protector, ClockSynced: clock.Synced()}
	var fs unix.Statfs_t
	if err := unix.Statfs(a.cfg.DataDir, &fs); err == nil {
		st.Disk = Disk{Free: fs.Bavail * uint64(fs.Bsize), Total: fs.Blocks * uint64(fs.Bsize)}
		if m := a.cfg.Offline.MinFreeDiskMB; m > 0 {
			st.Disk.Low = 2 * uint64(m) << 20
		} else if m == 0 {
			st.Disk.Low = 2 * uint64(offline.DefaultSettings().MinFreeDiskMB) << 20
		}
	}
	if s, ok := a.Session(); ok {
		st.Operator, st.Locked = s.Operator.ID, s.Locked
	}
	sync, err := a.up.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("reading the sync status: %w", err)
	}
	st.Sync = sync
	// After the sync status: a probe that said online has measured the clock.
	st.Clock = a.clockVerdict(st.ClockSynced)
	if h := sync.Halt; h != nil {
		st.Alerts = append(st.Alerts, Alert{AlertSyncHalted, h.Reason})
	}
	if a.sending.Sender == nil {
		st.Alerts = append(st.Alerts, Alert{AlertNoAPI, "No API address is set (compare.api_url): jobs are kept on this kiosk until one is."})
	}
	if max := a.maxJobs(); max > 0 && st.Queue.Unsent*10 >= max*9 {
		st.Alerts = append(st.Alerts, Alert{AlertQueueNearlyFull, fmt.Sprintf("%d of %d jobs are waiting to be sent: connect the kiosk to the network soon, new enrollments stop at %d.", st.Queue.Unsent, max, max)})
	}
	for _, al := range a.q.Alerts() {
		st.Alerts = append(st.Alerts, Alert{AlertQueue, al.Message})
	}
	a.mu.Lock()
	switch {
	case a.opts.NoCameras:
		st.Cameras = PartState{State: "off", Detail: "cameras are off in this run"}
	case a.camErr != nil:
		st.Cameras = PartState{State: "missing", Detail: a.camErr.Error()}
		st.Alerts = append(st.Alerts, Alert{AlertCamera, "Camera missing: " + a.camErr.Error()})
	case a.cams == nil:
		st.Cameras = PartState{State: "opening"}
	case a.cams.Replay:
		st.Cameras = PartState{State: "ok", Detail: "replayed images (no camera)"}
	default:
		st.Cameras = PartState{State: "ok"}
	}
	switch {
	case a.engErr != nil:
		st.Engine = PartState{State: "missing", Detail: a.engErr.Error()}
	case a.engBusy:
		st.Engine = PartState{State: "loading", Detail: "loading the models"}
	case a.engine == nil:
		st.Engine = PartState{State: "not loaded", Detail: "loaded at the first enrollment"}
	default:
		st.Engine = PartState{State: "ok"}
	}
	a.mu.Unlock()
	return st, nil
}

// clockVerdict judges the clock: the kernel's NTP flag, and the API server's clock as
// the compare client last measured it (the start-up probe's answer, then every send's).
func (a *App) clockVerdict(ntp bool) clock.Verdict {
	r := clock.Reading{NTPSynced: ntp, Tolerance: a.cfg.Sync.SkewTolerance.D()}
	if a.sending.ClockSkew != nil {
		r.Skew, r.Measured = a.sending.ClockSkew()
	}
	return clock.Judge(r)
}

// MaxJobs is the most unsent jobs the queue takes (offline.max_jobs; -1: no limit).
func (a *App) MaxJobs() int { return a.maxJobs() }

func (a *App) maxJobs() int {
	if m := a.cfg.Offline.MaxJobs; m != 0 {
		return m
	}
	return offline.DefaultSettings().MaxJobs
}

// ErrNoAPI: the kiosk has no compare.api_url, so nothing is sent.
var ErrNoAPI = errors.New("this kiosk has no compare.api_url: jobs stay on it until one is set in the config")

// Settings is the read-only view of the configuration for the settings and about
// screens. It never holds the API key, only whether one is present.
type Settings struct {
	KioskID    string
	APIURL     string
	PartnerID  string
	KeyPresent bool
	Training   bool
	Language   string
	IdleLock   time.Duration
	ResultWait time.Duration
	// DocumentManualAfter is how long the document step waits before it offers "Take
	// it now" (capture.document_manual_after).
	DocumentManualAfter time.Duration
	// CustomerIDFromDocument: the customer's id may be left to the document number
	// read from its zone (ui.customer_id_from "mrz_document_number").
	CustomerIDFromDocument bool
	Thresholds             gates.Thresholds
	// ImportDirs are the folders the ID photo import lists (ui.import_dirs).
	ImportDirs []string
	// Selfie and document camera, as the config chooses them (path, name or replay dir).
	SelfieCamera, DocumentCamera string
	SocketPath                   string
}

// Settings returns the configuration as the settings screen shows it.
func (a *App) Settings() Settings {
	c := a.cfg
	a.mu.Lock()
	lang, idle := a.ui.Language, a.ui.IdleLock.D()
	a.mu.Unlock()
	s := Settings{KioskID: c.KioskID, APIURL: c.Compare.APIURL, PartnerID: c.Compare.PartnerID,
		KeyPresent: a.sending.Sender != nil, Training: a.training, Language: lang,
		IdleLock: idle, ResultWait: c.UI.ResultWait.D(), DocumentManualAfter: c.Capture.DocumentManualAfter.D(),
		CustomerIDFromDocument: c.UI.CustomerIDFrom == config.CustomerIDFromMRZ,
		Thresholds:             parts.Thresholds(c),
		ImportDirs:             slices.Clone(c.UI.ImportDirs), SocketPath: a.srv.Path()}
	cams := parts.CameraConfig(c)
	s.SelfieCamera = cams.SelfieCamera.Describe()
	s.DocumentCamera = "the selfie camera"
	if d, ok := cams.Document(); ok {
		s.DocumentCamera = d.Describe()
	}
	if r := c.Capture.SelfieCamera.ReplayDir; r != "" {
		s.SelfieCamera = "replay " + r
		if doc := filepath.Join(r, replay.DocumentDir); isScripted(r) && !cams.DocumentCamera.Chosen() {
			if st, err := os.Stat(doc); err == nil && st.IsDir() {
				s.DocumentCamera = "replay " + doc // a replayed customer's document
			}
		}
	}
	if r := c.Capture.DocumentCamera.ReplayDir; r != "" {
		s.DocumentCamera = "replay " + r
	}
	return s
}

// SetLanguage changes the screens' language for this run (en or fr). It is not written
// to the config file (which root owns); set ui.language there to keep it.
func (a *App) SetLanguage(code string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	probe := a.ui
	probe.Language = code
	if err := probe.Validate(); err != nil {
		return fmt.Errorf("changing the language: %w", err)
	}
	a.ui = probe
	return nil
}

// SetIdleLock changes the idle lock for this run (30s to 8h); like SetLanguage it is not
// written to the config file.
func (a *App) SetIdleLock(d time.Duration) error {
	a.mu.Lock()
	probe := a.ui
	probe.IdleLock = config.Duration(d)
	err := probe.Validate()
	if err == nil {
		a.ui = probe
	}
	a.mu.Unlock()
	if err != nil {
		return fmt.Errorf("changing the idle lock: %w", err)
	}
	a.wakeIdle()
	return nil
}

// Backend is the app as the local API serves it (and as the UI's queue screen may
// use it): the queue's part from localapi.QueueBackend, the rest from the app.
func (a *App) Backend() localapi.Backend {
	return backend{QueueBackend: localapi.QueueBackend{Q: a.q}, a: a}
}

type backend struct {
	localapi.QueueBackend
	a *App
}

// Status is App.Status as the local API serves it (kioskctl status, doctor's kiosk and
// queue checks): the same numbers as the status screen and the metrics.
func (b backend) Status(ctx context.Context) (localapi.Status, error) {
	a := b.a
	st, err := a.Status(ctx)
	s := localapi.Status{Status: st.Sync, ByState: map[string]int{}, KioskID: st.KioskID, Version: st.Version,
		Training: st.Training, Alerts: a.q.Alerts(), Started: st.Started}
	if !st.Locked {
		s.Operator = st.Operator
	}
	for state, n := range st.Queue.ByState {
		s.ByState[state.String()] = n
	}
	return s, err
}

func (b backend) SyncStatus(ctx context.Context) (uploader.Status, error) { return b.a.up.Status(ctx) }

func (b backend) SyncNow(ctx context.Context, r localapi.SyncRequest) (uploader.Status, error) {
	return b.a.SyncNow(ctx, r.RetryHalted)
}

// The bounds of the wake-ups asked through the local API (kioskctl sync): each may
// cut the sync engine's backoff short, and lifting a halt sends at once with what
// caused it (a wrong key, a wrong clock), so they are rationed whoever asks.
const (
	// ReaderWakeEvery: a reader's wake-up cuts the backoff at most this often; the
	// others in between only nudge the engine (which keeps its backoff and halts).
	ReaderWakeEvery = 30 * time.Second
	// AdminWakeEvery: the same for an admin (root, the admin group, a supervisor).
	AdminWakeEvery = 5 * time.Second
	// HaltLiftEvery: a halt is lifted at most this often (admins only); a second
	// lift sooner is refused with localapi.ErrTooMany.
	HaltLiftEvery = time.Minute
)

// SyncNow wakes the sync engine to probe and send at once; retryHalted lifts a halt
// first (the operator's decision after fixing the clock or the key). The caller is
// the Actor of ctx (localapi.WithActor; none: the app itself, an admin). Wake-ups
// coalesce: the backoff is cut at most once per ReaderWakeEvery (readers) or
// AdminWakeEvery (admins), a halt lifted at most once per HaltLiftEvery; in between
// the engine is only nudged, and keeps its backoff and halts.
func (a *App) SyncNow(ctx context.Context, retryHalted bool) (uploader.Status, error) {
	if a.sending.Sender == nil {
		return uploader.Status{}, ErrNoAPI
	}
	admin := true
	if ac, ok := localapi.ActorFrom(ctx); ok {
		admin = ac.Role >= localapi.RoleAdmin
	}
	now := a.clk.Now()
	a.wakeMu.Lock()
	lift := false
	if retryHalted {
		if !admin {
			a.wakeMu.Unlock()
			return uploader.Status{}, fmt.Errorf("%w: lifting a sending halt needs root, the admin group or a supervisor's PIN", localapi.ErrForbidden)
		}
		if _, halted := a.up.Halted(); halted {
			if since := now.Sub(a.lastLift); !a.lastLift.IsZero() && since >= 0 && since < HaltLiftEvery {
				a.wakeMu.Unlock()
				return uploader.Status{}, fmt.Errorf("%w: the sending halt was lifted %s ago and came back; fix its cause (kioskctl sync status says which), then try again in %s",
					localapi.ErrTooMany, since.Round(time.Second), (HaltLiftEvery - since).Round(time.Second))
			}
			a.lastLift, lift = now, true
		}
	}
	every := AdminWakeEvery
	if !admin {
		every = ReaderWakeEvery
	}
	since := now.Sub(a.lastWake)
	cut := a.lastWake.IsZero() || since < 0 || since >= every
	if cut {
		a.lastWake = now
	}
	a.wakeMu.Unlock()
	if lift {
		a.up.Resume()
	}
	if cut {
		a.up.ConnectivityChanged()
	}
	a.up.Notify()
	return a.up.Status(ctx)
}

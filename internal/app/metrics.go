package app

// metrics.go: the kiosk's Prometheus metrics (internal/metrics): what the collectors read
// at scrape time (Status, the one source of the screens and kioskctl doctor), the parts'
// events that feed the counters, the /metrics endpoint, the node_exporter textfile and the
// snapshots kept while offline.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference/models"
	"github.com/smartselfie/kiosk-agent/inference/onnx"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/metrics"
	"github.com/smartselfie/kiosk-agent/offline"
)

// streamingWindow: a camera that gave a frame this recently is streaming.
const streamingWindow = 5 * time.Second

// appMetrics is the app's part of the metrics.
type appMetrics struct {
	set *metrics.Set
	ln  net.Listener // metrics.listen, opened by New so a taken port fails the start

	snapshots atomic.Int64 // snapshots held (-1: not read yet)

	mu     sync.Mutex
	stepAt time.Time // when the wizard showed its current step
}

// newMetrics builds the metrics; with metrics.listen it opens the endpoint's socket.
func (a *App) newMetrics() error {
	a.met = &appMetrics{}
	a.met.snapshots.Store(-1)
	a.met.set = metrics.New(metrics.Options{
		Build:  metrics.Build{Version: a.version, KioskID: a.cfg.KioskID, ORTVersion: onnx.Version, Models: models.SHA256},
		State:  a.metricsState,
		Clock:  a.clk,
		Logger: a.log,
	})
	if addr := a.cfg.Metrics.Listen; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("metrics.listen %s: %w (another program holds the port, or the address is not this machine's: choose another)", addr, err)
		}
		a.met.ln = ln
	}
	return nil
}

// Metrics is the kiosk's metrics (the endpoint's handler, the textfile, tests).
func (a *App) Metrics() *metrics.Set { return a.met.set }

// MetricsAddr is the address the /metrics endpoint listens on ("" when off).
func (a *App) MetricsAddr() string {
	if a.met.ln == nil {
		return ""
	}
	return a.met.ln.Addr().String()
}

// runMetrics starts the endpoint, the textfile and the offline snapshots (Run calls it).
func (a *App) runMetrics(goRun func(name string, fn func(ctx context.Context) error)) {
	m := a.cfg.Metrics
	if a.met.ln != nil {
		goRun("metrics endpoint", func(ctx context.Context) error { return a.met.set.Serve(ctx, a.met.ln) })
		a.log.Info("metrics served", "addr", "http://"+a.met.ln.Addr().String()+"/metrics")
	}
	if m.TextfileDir != "" {
		goRun("metrics textfile", func(ctx context.Context) error {
			return a.met.set.RunTextfile(ctx, m.TextfileDir, m.Interval.D())
		})
	}
	if m.Snapshots >= 0 {
		goRun("metric snapshots", a.snapshotLoop)
	}
}

// snapshotsKept is metrics.snapshots with its default.
func (a *App) snapshotsKept() int {
	if n := a.cfg.Metrics.Snapshots; n > 0 {
		return n
	}
	return 672
}

// snapshotLoop keeps a snapshot of the metrics at start and every
// metrics.snapshot_interval while the compare API cannot be reached (offline, not yet
// seen, or halted): what a scraper
// could not see, for kioskctl metrics --since.
func (a *App) snapshotLoop(ctx context.Context) error {
	every := a.cfg.Metrics.SnapshotInterval.D()
	if every <= 0 {
		every = 15 * time.Minute
	}
	if snaps, err := a.q.MetricSnapshots(time.Time{}); err == nil {
		a.met.snapshots.Store(int64(len(snaps)))
	}
	take := func() {
		if err := a.TakeSnapshot(ctx, false); err != nil && ctx.Err() == nil {
			a.log.Warn("metric snapshot", "err", err)
		}
	}
	take() // at start too: a kiosk restarted in an offline branch leaves a mark at once
	return metrics.Every(ctx, a.clk, every, take, nil)
}

// TakeSnapshot stores a snapshot of the metrics in the queue's ring when the API cannot
// be reached (always with force).
func (a *App) TakeSnapshot(ctx context.Context, force bool) error {
	if !force {
		st, err := a.up.Status(ctx)
		if err != nil {
			return err
		}
		if st.Connectivity == "online" && st.Halt == nil {
			return nil
		}
	}
	text, err := a.met.set.Text()
	if err != nil {
		return err
	}
	n, err := a.q.AddMetricSnapshot(offline.MetricSnapshot{At: a.clk.Now(), Text: text}, a.snapshotsKept())
	if err != nil {
		return err
	}
	a.met.snapshots.Store(int64(n))
	return nil
}

// metricsState is what the collectors read at scrape time: App.Status's numbers.
func (a *App) metricsState(ctx context.Context) (metrics.State, error) {
	st, err := a.Status(ctx)
	if err != nil {
		return metrics.State{}, err
	}
	ms := metrics.State{Now: a.clk.Now(), Started: st.Started, Training: st.Training, Jobs: map[string]int{},
		Unsent: st.Queue.Unsent, MaxJobs: a.maxJobs(), OldestUnsent: st.Queue.OldestUnsent, QueueBytes: st.Queue.SealedBytes,
		DiskFree: st.Disk.Free, DiskSize: st.Disk.Total, DiskLow: st.Disk.Low,
		Connectivity: st.Sync.Connectivity, LastSuccess: st.Sync.LastSuccess, ClockSynced: st.ClockSynced,
		SignedIn: st.Operator != "", APIConfigured: a.sending.Sender != nil, EngineLoaded: st.Engine.State == "ok",
		Snapshots: int(a.met.snapshots.Load())}
	for s, n := range st.Queue.ByState {
		ms.Jobs[s.String()] = n
	}
	ms.ClockVerdict = st.Clock.Code
	switch st.Clock.Code {
	case clock.ClockWithin, clock.ClockDrift, clock.ClockOff:
		ms.ClockMeasured, ms.ClockSkew = true, st.Clock.Skew
		if !st.Clock.Behind {
			ms.ClockSkew = -ms.ClockSkew
		}
	}
	if h := st.Sync.Halt; h != nil {
		ms.Halted, ms.HaltCode = true, h.Code
	}
	ms.Cameras = a.cameraStates()
	return ms, nil
}

// cameraStates reads the metered cameras (none when the cameras are off in this run).
func (a *App) cameraStates() []metrics.CameraState {
	a.mu.Lock()
	cams, off := a.cams, a.opts.NoCameras
	a.mu.Unlock()
	if off {
		return nil
	}
	now := a.clk.Now()
	state := func(role string, src capture.Source) metrics.CameraState {
		cs := metrics.CameraState{Role: role}
		if ms, ok := src.(*meteredSource); ok {
			cs.Present, cs.Streaming = ms.state(now)
		} else if src != nil {
			cs.Present = true
		}
		return cs
	}
	if cams == nil {
		return []metrics.CameraState{{Role: metrics.RoleSelfie}, {Role: metrics.RoleDocument}}
	}
	return []metrics.CameraState{state(metrics.RoleSelfie, cams.Selfie), state(metrics.RoleDocument, cams.Document)}
}

// meteredSource counts a camera's frames and the frames it dropped, and remembers
// whether it is streaming.
type meteredSource struct {
	capture.Source
	role string
	met  *metrics.Set
	clk  interface{ Now() time.Time }

	mu        sync.Mutex
	lastSeq   uint64
	seen      bool
	lastFrame time.Time
	unplugged bool
}

func (m *meteredSource) Next(ctx context.Context) (capture.Frame, error) {
	f, err := m.Source.Next(ctx)
	m.mu.Lock()
	if err != nil {
		if errors.Is(err, capture.ErrUnplugged) {
			m.unplugged = true
		}
		m.mu.Unlock()
		return f, err
	}
	var dropped uint64
	if m.seen && f.Seq > m.lastSeq+1 {
		dropped = f.Seq - m.lastSeq - 1
	}
	m.seen, m.lastSeq, m.lastFrame, m.unplugged = true, f.Seq, m.clk.Now(), false
	m.mu.Unlock()
	m.met.CameraFrames(m.role, 1, dropped)
	return f, nil
}

func (m *meteredSource) state(now time.Time) (present, streaming bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.unplugged, !m.unplugged && !m.lastFrame.IsZero() && now.Sub(m.lastFrame) < streamingWindow
}

// meterCameras wraps the cameras' sources (one wrapper per source, so the same camera
// stays the same Source).
func (a *App) meterCameras(c *Cameras) {
	wrapped := map[capture.Source]capture.Source{}
	wrap := func(src capture.Source, role string) capture.Source {
		if src == nil {
			return nil
		}
		if w, ok := wrapped[src]; ok {
			return w
		}
		w := &meteredSource{Source: src, role: role, met: a.met.set, clk: a.clk}
		wrapped[src] = w
		return w
	}
	c.Selfie = wrap(c.Selfie, metrics.RoleSelfie)
	c.Liveness = wrap(c.Liveness, metrics.RoleSelfie)
	c.Document = wrap(c.Document, metrics.RoleDocument)
}

// signInResult names a sign-in's outcome for the metrics, and whether it locked the
// operator out.
func signInResult(err error) (string, bool) {
	var le *offline.LockoutError
	switch {
	case err == nil:
		return metrics.SignInOK, false
	case errors.As(err, &le):
		return metrics.SignInLockedOut, le.New
	case errors.Is(err, offline.ErrWrongPIN):
		return metrics.SignInWrongPIN, false
	case errors.Is(err, offline.ErrOperatorDisabled):
		return metrics.SignInDisabled, false
	case errors.Is(err, offline.ErrOperatorNotFound):
		return metrics.SignInUnknown, false
	}
	return metrics.SignInError, false
}

// PrechecksRan counts the failures of one run of the prechecks by reason (the
// enrollment wizard's review; a hook, so that the screens' adapter keeps its engine).
func (a *App) PrechecksRan(pc job.Prechecks) { a.met.set.Prechecks(pc) }

// WizardMoved tells the metrics where the screens' enrollment wizard went: from ""
// (a new customer) or a step (ui/flow's names) to a step or "closed", and whether the
// job is sealed. It counts the enrollments started and abandoned (closed before the
// seal, by the step left) and the time spent on each step.
func (a *App) WizardMoved(from, to string, sealed bool) {
	now := a.clk.Now()
	m := a.met
	m.mu.Lock()
	at := m.stepAt
	m.stepAt = now
	m.mu.Unlock()
	if from == "" {
		m.set.EnrollmentStarted()
		return
	}
	if !at.IsZero() && from != to {
		m.set.EnrollmentStep(from, now.Sub(at))
	}
	if to == "closed" && !sealed {
		m.set.EnrollmentAbandoned(from)
	}
}

// localAPIRequest counts a local API request (localapi.Options.Observe).
func (m *appMetrics) localAPIRequest(route string, status int, _ time.Duration) {
	m.set.LocalAPIRequest(route, status)
}

// Judged records the face engine's time on one frame (internal/enroll.Observer).
func (a *App) Judged(took time.Duration) { a.met.set.FrameJudged(took) }

// MetricSnapshots returns the metric snapshots kept while offline (the local API).
func (b backend) MetricSnapshots(_ context.Context, since time.Time) ([]offline.MetricSnapshot, error) {
	return b.a.q.MetricSnapshots(since)
}

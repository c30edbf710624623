package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// State is what the collectors read at scrape time. internal/app fills it from
// App.Status, the struct the status screen and kioskctl doctor read too, so the
// dashboards and the kiosk's screens show the same numbers.
type State struct {
	// Now is when the state was read (the ages are measured from it).
	Now time.Time
	// Started is when the kiosk started.
	Started time.Time
	// Training: a practice kiosk.
	Training bool
	// Jobs counts the jobs by state name (every state of offline.States, zeros too).
	Jobs map[string]int
	// Unsent counts queued, sending and held jobs; MaxJobs is the most the queue takes
	// (offline.max_jobs; -1: no limit).
	Unsent, MaxJobs int
	// OldestUnsent is the creation time of the oldest unsent job (zero: none).
	OldestUnsent time.Time
	// QueueBytes is the space the sealed payloads take.
	QueueBytes int64
	// DiskFree and DiskSize are the data folder's file system; DiskLow is the free space
	// under which the screens warn (0: none).
	DiskFree, DiskSize, DiskLow uint64
	// Connectivity is the sync engine's: online, offline or unknown.
	Connectivity string
	// Halted, with HaltCode (2205, 2214, 2220, an HTTP status), when sending is halted.
	Halted   bool
	HaltCode string
	// LastSuccess is the last delivery (zero: never).
	LastSuccess time.Time
	// ClockSynced: the kernel says the clock is synchronised (NTP).
	ClockSynced bool
	// ClockVerdict is the one judgement of the clock (internal/clock.Judge's code:
	// within, drift, off, ntp, unsynced); ClockSkew the API's clock minus the kiosk's
	// when ClockMeasured.
	ClockVerdict  string
	ClockSkew     time.Duration
	ClockMeasured bool
	// SignedIn: an operator is signed in (who is never exported).
	SignedIn bool
	// APIConfigured: the kiosk has a compare.api_url.
	APIConfigured bool
	// Cameras are the configured cameras by role (selfie, document).
	Cameras []CameraState
	// EngineLoaded: the face engine is loaded.
	EngineLoaded bool
	// Snapshots counts the metric snapshots kept while offline (-1: unknown).
	Snapshots int
}

// CameraState is one camera role's state.
type CameraState struct {
	Role string // selfie or document
	// Present: the camera is open (or its replay folder read); Streaming: it gave a
	// frame in the last few seconds.
	Present, Streaming bool
}

// ClockVerdicts are internal/clock's verdict codes.
var ClockVerdicts = []string{"within", "drift", "off", "ntp", "unsynced"}

// JobStates are the queue's states as the metrics list them (offline.State's names).
var JobStates = []string{"queued", "sending", "done", "failed", "held", "needs-operator", "quarantined"}

func gauge(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
}

var (
	startDesc    = gauge("start_time_seconds", "When the kiosk started, in seconds since the Unix epoch.")
	trainingDesc = gauge("training", "1 on a practice kiosk (training mode), 0 otherwise.")
	jobsDesc     = gauge("queue_jobs", "Jobs in the offline queue by state.", "state")
	unsentDesc   = gauge("queue_unsent_jobs", "Jobs still to be sent: queued, sending and held.")
	maxJobsDesc  = gauge("queue_max_jobs", "The most unsent jobs the queue takes (offline.max_jobs); absent when there is no limit.")
	oldestDesc   = gauge("queue_oldest_unsent_age_seconds", "Age of the oldest unsent job, 0 when none is waiting.")
	bytesDesc    = gauge("queue_bytes", "Bytes of sealed job payloads on disk.")
	freeDesc     = gauge("disk_free_bytes", "Free bytes on the data folder's file system (for the kiosk's user).")
	sizeDesc     = gauge("disk_size_bytes", "Size of the data folder's file system in bytes.")
	lowDesc      = gauge("disk_low_bytes", "Free space under which the kiosk warns its operators (twice offline.min_free_disk_mb).")
	connDesc     = gauge("sync_connectivity", "The compare API's reachability as the sync engine last saw it: 1 for the current state, 0 for the others.", "state")
	haltDesc     = gauge("sync_halted", "1 when sending is halted (wrong key, account, clock, an answer not from the API), with the halt's code; 0 otherwise.", "code")
	successDesc  = gauge("sync_last_success_timestamp_seconds", "When a job was last delivered, in seconds since the Unix epoch; absent when never.")
	apiDesc      = gauge("sync_api_configured", "1 when the kiosk has a compare.api_url, 0 when jobs stay on it.")
	syncedDesc   = gauge("clock_synced", "1 when the kernel says the system clock is synchronised (NTP), 0 otherwise.")
	verdictDesc  = gauge("clock_verdict", "The kiosk's judgement of its clock: 1 for the current code (within, drift, off: compared with the API's clock; ntp, unsynced: not compared), 0 for the others.", "code")
	skewDesc     = gauge("clock_skew_seconds", "The compare API's clock minus the kiosk's, as last measured (the start-up probe's or a send's Date); absent until measured. The API refuses signatures more than 15 minutes off.")
	signedDesc   = gauge("operator_signed_in", "1 while an operator is signed in.")
	presentDesc  = gauge("camera_present", "1 when the camera of this role is open, 0 when it is missing.", "role")
	streamDesc   = gauge("camera_streaming", "1 when the camera of this role gave a frame in the last 5 seconds.", "role")
	engineDesc   = gauge("engine_loaded", "1 once the face engine (ONNX Runtime and the models) is loaded.")
	snapsDesc    = gauge("offline_snapshots", "Metric snapshots kept while offline (kioskctl metrics --since prints them).")
	stateErrDesc = gauge("state_read_errors", "1 when this scrape could not read the kiosk's state (the other state metrics are then missing).")
)

// stateCollector turns a State into metrics at each scrape.
type stateCollector struct {
	read func(ctx context.Context) (State, error)
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{startDesc, trainingDesc, verdictDesc, skewDesc, jobsDesc, unsentDesc, maxJobsDesc, oldestDesc, bytesDesc,
		freeDesc, sizeDesc, lowDesc, connDesc, haltDesc, successDesc, apiDesc, syncedDesc, signedDesc, presentDesc,
		streamDesc, engineDesc, snapsDesc, stateErrDesc} {
		ch <- d
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(stateErrDesc, prometheus.GaugeValue, 1)
		return
	}
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	g(stateErrDesc, 0)
	if !st.Started.IsZero() {
		g(startDesc, float64(st.Started.UnixNano())/1e9)
	}
	g(trainingDesc, b2f(st.Training))
	for _, s := range JobStates {
		g(jobsDesc, float64(st.Jobs[s]), s)
	}
	g(unsentDesc, float64(st.Unsent))
	if st.MaxJobs > 0 {
		g(maxJobsDesc, float64(st.MaxJobs))
	}
	age := 0.0
	if !st.OldestUnsent.IsZero() {
		age = max(st.Now.Sub(st.OldestUnsent).Seconds(), 0)
	}
	g(oldestDesc, age)
	g(bytesDesc, float64(st.QueueBytes))
	if st.DiskSize > 0 {
		g(freeDesc, float64(st.DiskFree))
		g(sizeDesc, float64(st.DiskSize))
		g(lowDesc, float64(st.DiskLow))
	}
	conn := st.Connectivity
	if conn != "online" && conn != "offline" {
		conn = "unknown"
	}
	for _, s := range []string{"online", "offline", "unknown"} {
		g(connDesc, b2f(s == conn), s)
	}
	if st.Halted {
		g(haltDesc, 1, boundCode(st.HaltCode))
	} else {
		g(haltDesc, 0, "")
	}
	if !st.LastSuccess.IsZero() {
		g(successDesc, float64(st.LastSuccess.UnixNano())/1e9)
	}
	g(apiDesc, b2f(st.APIConfigured))
	g(syncedDesc, b2f(st.ClockSynced))
	if st.ClockVerdict != "" {
		v := bound(st.ClockVerdict, ClockVerdicts...)
		for _, c := range ClockVerdicts {
			g(verdictDesc, b2f(c == v), c)
		}
	}
	if st.ClockMeasured {
		g(skewDesc, st.ClockSkew.Seconds())
	}
	g(signedDesc, b2f(st.SignedIn))
	for _, cam := range st.Cameras {
		role := boundRole(cam.Role)
		g(presentDesc, b2f(cam.Present), role)
		g(streamDesc, b2f(cam.Streaming), role)
	}
	g(engineDesc, b2f(st.EngineLoaded))
	if st.Snapshots >= 0 {
		g(snapsDesc, float64(st.Snapshots))
	}
}

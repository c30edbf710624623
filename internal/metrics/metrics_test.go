package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/metricstest"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// The ids a kiosk handles: none may appear in a label value.
const (
	kioskID    = "branch-042-kiosk-1"
	customerID = "CUST-7781-2231"
	jobID      = "job-20260301-abcdef"
	operatorID = "amina"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func testState(context.Context) (State, error) {
	return State{Now: t0, Started: t0.Add(-time.Hour), Jobs: map[string]int{"queued": 3, "held": 1, "done": 7},
		Unsent: 4, MaxJobs: 1000, OldestUnsent: t0.Add(-90 * time.Minute), QueueBytes: 123456,
		DiskFree: 10 << 30, DiskSize: 32 << 30, DiskLow: 512 << 20, Connectivity: "offline", Halted: true, HaltCode: "2205",
		LastSuccess: t0.Add(-2 * time.Hour), ClockSynced: true, ClockVerdict: "off", ClockSkew: -20 * time.Minute, ClockMeasured: true, SignedIn: true, APIConfigured: true,
		Cameras: []CameraState{{Role: "selfie", Present: true, Streaming: true}, {Role: "document"}}, Snapshots: 2}, nil
}

// busySet is a Set fed with every kind of event, carrying the ids above.
func busySet(t *testing.T) *Set {
	t.Helper()
	s := New(Options{Build: Build{Version: "1.2.3", KioskID: kioskID, Models: map[string]string{"m.onnx": "abc123"}}, State: testState})
	s.ObserveSync(uploader.Event{Kind: uploader.EventSending, Time: t0, JobID: jobID, Total: 900})
	s.ObserveSync(uploader.Event{Kind: uploader.EventProgress, Time: t0, JobID: jobID, Sent: 400, Total: 900})
	s.ObserveSync(uploader.Event{Kind: uploader.EventProgress, Time: t0, JobID: jobID, Sent: 900, Total: 900})
	s.ObserveSync(uploader.Event{Kind: uploader.EventHeld, Time: t0.Add(3 * time.Second), JobID: jobID, Code: "2205",
		Reason: "2205: " + customerID})
	s.ObserveSync(uploader.Event{Kind: uploader.EventSending, Time: t0, JobID: "job-2"})
	s.ObserveSync(uploader.Event{Kind: uploader.EventRetry, Time: t0.Add(time.Second), JobID: "job-2", Reason: "dial: " + jobID})
	s.ObserveSync(uploader.Event{Kind: uploader.EventFailed, Time: t0, JobID: "job-3", Code: customerID})
	s.Prechecks(job.Prechecks{Ran: true, Problems: []job.PrecheckProblem{
		{Image: "selfie", Code: "too_dark"}, {Image: "liveness[2]", Code: "too_dark"}, {Image: "liveness[3]", Code: "too_dark"},
		{Image: "pair", Code: "no_match"}, {Image: customerID, Code: operatorID}}})
	s.EnrollmentStarted()
	s.EnrollmentStep("selfie", 12*time.Second)
	s.EnrollmentStep(customerID, time.Second)
	s.EnrollmentAbandoned("review")
	s.EnrollmentSealed(true, true)
	s.ComparisonCaptured(job.OriginManual)
	s.ComparisonCaptured(job.OriginManual)
	s.ComparisonCaptured(job.OriginImport)
	s.ComparisonCaptured("")
	s.ComparisonCaptured(job.CaptureOrigin(customerID)) // a value from nowhere: never a label
	s.SignIn(SignInWrongPIN, false)
	s.SignIn(SignInLockedOut, true)
	s.SignIn(operatorID, false)
	s.CameraFrames("selfie", 10, 2)
	s.CameraFrames(operatorID, 1, 0)
	s.FrameJudged(80 * time.Millisecond)
	s.LocalAPIRequest("GET /v1/jobs/{id}", 404)
	return s
}

// value returns the value of the series name{labels} in mfs (false: no such series).
func value(mfs []*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			got := map[string]string{}
			for _, l := range m.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestSeries(t *testing.T) {
	s := busySet(t)
	mfs, err := s.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kiosk_agent_build_info", map[string]string{"version": "1.2.3", "kiosk_id": kioskID}, 1},
		{"kiosk_agent_model_info", map[string]string{"model": "m.onnx", "sha256": "abc123"}, 1},
		{"kiosk_agent_queue_jobs", map[string]string{"state": "queued"}, 3},
		{"kiosk_agent_queue_jobs", map[string]string{"state": "quarantined"}, 0},
		{"kiosk_agent_queue_oldest_unsent_age_seconds", nil, 5400},
		{"kiosk_agent_queue_max_jobs", nil, 1000},
		{"kiosk_agent_sync_connectivity", map[string]string{"state": "offline"}, 1},
		{"kiosk_agent_sync_connectivity", map[string]string{"state": "online"}, 0},
		{"kiosk_agent_sync_halted", map[string]string{"code": "2205"}, 1},
		{"kiosk_agent_sync_attempts_total", nil, 2},
		{"kiosk_agent_sync_outcomes_total", map[string]string{"outcome": "held", "code": "2205"}, 1},
		{"kiosk_agent_sync_outcomes_total", map[string]string{"outcome": "retry", "code": "none"}, 1},
		{"kiosk_agent_sync_outcomes_total", map[string]string{"outcome": "failed", "code": "other"}, 1},
		{"kiosk_agent_sync_upload_bytes_total", nil, 900},
		{"kiosk_agent_sync_upload_duration_seconds", nil, 2},
		{"kiosk_agent_clock_skew_seconds", nil, -1200},
		{"kiosk_agent_clock_verdict", map[string]string{"code": "off"}, 1},
		{"kiosk_agent_clock_verdict", map[string]string{"code": "within"}, 0},
		{"kiosk_agent_precheck_failures_total", map[string]string{"reason": "dark", "image": "liveness"}, 1},
		{"kiosk_agent_precheck_failures_total", map[string]string{"reason": "dark", "image": "selfie"}, 1},
		{"kiosk_agent_precheck_failures_total", map[string]string{"reason": "no_match", "image": "pair"}, 1},
		{"kiosk_agent_precheck_failures_total", map[string]string{"reason": "other", "image": "other"}, 1},
		{"kiosk_agent_enrollment_step_duration_seconds", map[string]string{"step": "other"}, 1},
		{"kiosk_agent_enrollments_abandoned_total", map[string]string{"step": "review"}, 1},
		{"kiosk_agent_enrollments_sealed_total", map[string]string{"training": "true"}, 1},
		{"kiosk_agent_enrollments_forced_total", nil, 1},
		{"kiosk_agent_comparison_captures_total", map[string]string{"origin": "manual"}, 2},
		{"kiosk_agent_comparison_captures_total", map[string]string{"origin": "import"}, 1},
		{"kiosk_agent_comparison_captures_total", map[string]string{"origin": "auto"}, 0},
		{"kiosk_agent_comparison_captures_total", map[string]string{"origin": "unknown"}, 2},
		{"kiosk_agent_operator_sign_ins_total", map[string]string{"result": "other"}, 1},
		{"kiosk_agent_operator_lockouts_total", nil, 1},
		{"kiosk_agent_camera_frames_dropped_total", map[string]string{"role": "selfie"}, 2},
		{"kiosk_agent_camera_frames_total", map[string]string{"role": "other"}, 1},
		{"kiosk_agent_camera_present", map[string]string{"role": "document"}, 0},
		{"kiosk_agent_local_api_requests_total", map[string]string{"route": "GET /v1/jobs/{id}", "code": "404"}, 1},
		{"kiosk_agent_analysis_duration_seconds", nil, 1},
	} {
		got, ok := value(mfs, tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
}

// TestNoIDsInLabels: whatever ids the events carry, no label value names a customer, a
// job or an operator, and the kiosk's id labels the build info only.
func TestNoIDsInLabels(t *testing.T) {
	mfs, err := busySet(t).Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	metricstest.CheckLabels(t, mfs, kioskID, []string{customerID, jobID, "job-2", "job-3", operatorID})
}

// TestPromtoolCheckMetrics: the exposition passes promtool's linter (names, units,
// _total counters, help texts).
func TestPromtoolCheckMetrics(t *testing.T) {
	text, err := busySet(t).Text()
	if err != nil {
		t.Fatal(err)
	}
	metricstest.CheckMetrics(t, text)
}

// TestEndpointAndTextfile: GET /metrics on loopback answers the text format with the Go
// and process metrics too; the textfile holds the kiosk's metrics only, written by
// rename (no temporary file left), and is removed when the kiosk stops.
func TestEndpointAndTextfile(t *testing.T) {
	s := busySet(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("kiosk_agent_queue_jobs{state=\"held\"} 1")) ||
		!bytes.Contains(body, []byte("process_resident_memory_bytes")) {
		t.Fatalf("GET /metrics: %d\n%s", res.StatusCode, body)
	}

	dir := t.TempDir()
	done := make(chan error, 1)
	go func() { done <- s.RunTextfile(ctx, dir, time.Hour) }()
	path := filepath.Join(dir, TextfileName)
	deadline := time.Now().Add(10 * time.Second)
	var b []byte
	for b, err = os.ReadFile(path); err != nil; b, err = os.ReadFile(path) {
		if time.Now().After(deadline) {
			t.Fatalf("no textfile: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !bytes.Contains(b, []byte("kiosk_agent_build_info{")) || bytes.Contains(b, []byte("process_")) || bytes.Contains(b, []byte("go_")) {
		t.Fatalf("textfile:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("textfile mode %v, want 0644 (node_exporter reads it)", fi.Mode().Perm())
	}
	metricstest.CheckMetrics(t, b)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left in the textfile folder after the stop: %v", ents)
	}
}

// TestStateReadError: a state that cannot be read is a 0/1 gauge, not a failed scrape.
func TestStateReadError(t *testing.T) {
	s := New(Options{State: func(context.Context) (State, error) { return State{}, errors.New("queue closed") }})
	mfs, err := s.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := value(mfs, "kiosk_agent_state_read_errors", nil); !ok || v != 1 {
		t.Fatalf("state_read_errors = %v, %v", v, ok)
	}
	if _, ok := value(mfs, "kiosk_agent_queue_jobs", nil); ok {
		t.Fatal("queue metrics without a state")
	}
}

// TestSnapshotsBackfill: two snapshots written as OpenMetrics with timestamps are what
// promtool's backfill imports into a Prometheus TSDB (the offline branch's history).
func TestSnapshotsBackfill(t *testing.T) {
	s := busySet(t)
	var snaps []Snapshot
	for i := range 2 {
		text, err := s.Text()
		if err != nil {
			t.Fatal(err)
		}
		snap, err := ParseSnapshot(t0.Add(time.Duration(i)*15*time.Minute), text)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, snap)
		s.EnrollmentStarted()
	}
	if js := snaps[1].JSON(); len(js.Samples) < 40 || !js.At.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("JSON: %d samples at %v", len(js.Samples), js.At)
	}
	var om bytes.Buffer
	if err := WriteOpenMetrics(&om, snaps, map[string]string{"job": "kiosk-agent", "instance": "10.8.0.42:9464"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(om.String(), "# EOF\n") || !strings.Contains(om.String(), `kiosk_agent_enrollments_started_total{instance="10.8.0.42:9464",job="kiosk-agent"} 2.0 1.7723601e+09`) {
		t.Fatalf("OpenMetrics:\n%s", om.String())
	}
	promtool := metricstest.Promtool(t)
	in := filepath.Join(t.TempDir(), "history.om")
	os.WriteFile(in, om.Bytes(), 0o644)
	out := t.TempDir()
	if b, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", in, out).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, b)
	}
	b, err := exec.Command(promtool, "tsdb", "list", out).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "BLOCK ULID") || strings.Count(string(b), "\n") < 2 {
		t.Fatalf("promtool tsdb list: %v\n%s", err, b)
	}
}

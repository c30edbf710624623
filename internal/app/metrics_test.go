package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/metrics"
	"github.com/smartselfie/kiosk-agent/internal/testkit/metricstest"
	"github.com/smartselfie/kiosk-agent/offline"
)

// TestMetricsOfTheApp: a running kiosk with metrics.listen and metrics.textfile_dir
// serves /metrics on loopback and writes the textfile; both pass promtool, show the
// queue by state (one sealed job), the sign-ins and the lockout, the local API's
// requests by route; a snapshot is kept while the kiosk has no API and the local API
// serves it; no label names the operator, the customer or the job.
func TestMetricsOfTheApp(t *testing.T) {
	c := testConfig(t)
	c.Metrics.Listen = metricstest.FreePort(t)
	c.Metrics.TextfileDir = t.TempDir()
	c.Metrics.Interval = config.Duration(5 * time.Second)
	a := newApp(t, c, nil)
	stop := run(t, a)
	waitSnapshots(t, a, 1) // the one at start
	addOperator(t, a, "amina", offline.RoleOperator)
	for range 5 {
		a.SignIn("amina", "000000") // the fifth locks her out
	}
	if _, err := a.SignIn("amina", pin); err == nil {
		t.Fatal("signed in while locked out")
	}
	addOperator(t, a, "zawadi", offline.RoleOperator)
	if _, err := a.SignIn("zawadi", pin); err != nil {
		t.Fatal(err)
	}
	j := testJob("job-metrics-1")
	if _, err := a.Seal(j); err != nil {
		t.Fatal(err)
	}
	cl, err := localapi.Dial(context.Background(), c.LocalAPI.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Job(context.Background(), "job-metrics-1"); err != nil {
		t.Fatal(err)
	}
	if err := a.TakeSnapshot(context.Background(), false); err != nil { // no API: the kiosk is not online
		t.Fatal(err)
	}
	snaps, err := cl.MetricSnapshots(context.Background(), time.Now().Add(-time.Hour))
	// One at start (no API: not online), one now, with the sealed job.
	if err != nil || len(snaps) != 2 || !bytes.Contains(snaps[1].Text, []byte(`kiosk_agent_queue_jobs{state="queued"} 1`)) {
		t.Fatalf("snapshots through the local API: %d, %v", len(snaps), err)
	}
	cl.Close()

	res, err := http.Get("http://" + a.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	metricstest.CheckMetrics(t, body)
	for _, want := range []string{
		`kiosk_agent_queue_jobs{state="queued"} 1`,
		`kiosk_agent_operator_sign_ins_total{result="wrong_pin"} 4`,
		`kiosk_agent_operator_sign_ins_total{result="locked_out"} 2`,
		`kiosk_agent_operator_sign_ins_total{result="ok"} 1`,
		`kiosk_agent_operator_lockouts_total 1`,
		`kiosk_agent_enrollments_sealed_total{training="false"} 1`,
		`kiosk_agent_local_api_requests_total{code="200",route="GET /v1/jobs/{id}"} 1`,
		`kiosk_agent_sync_api_configured 0`,
		`kiosk_agent_operator_signed_in 1`,
		`kiosk_agent_offline_snapshots 2`,
		`kiosk_agent_build_info{arch=`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	mfs, err := a.Metrics().Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	if n := metricstest.CheckLabels(t, mfs, "kiosk-t", []string{"amina", "zawadi", "AMINA", j.UserID, j.ID}); n < 20 {
		t.Fatalf("only %d label values", n)
	}
	tf := filepath.Join(c.Metrics.TextfileDir, metrics.TextfileName)
	b, err := os.ReadFile(tf)
	if err != nil {
		t.Fatal(err)
	}
	metricstest.CheckMetrics(t, b)
	if !strings.Contains(string(b), "kiosk_agent_queue_jobs") {
		t.Fatalf("textfile:\n%s", b)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tf); !os.IsNotExist(err) {
		t.Fatalf("the textfile outlives the kiosk: %v", err)
	}
}

// TestMetricsListenTaken: a metrics.listen address already in use stops the start with
// an error that names the key.
func TestMetricsListenTaken(t *testing.T) {
	c := testConfig(t)
	c.Metrics.Listen = metricstest.FreePort(t)
	a := newApp(t, c, nil)
	defer a.Close()
	c2 := testConfig(t)
	c2.Metrics.Listen = a.MetricsAddr()
	_, err := New(Options{Config: c2, NoCameras: true, NoNetwatch: true})
	if err == nil || !strings.Contains(err.Error(), "metrics.listen") {
		t.Fatalf("second kiosk on the same metrics port: %v", err)
	}
}

// waitSnapshots waits until the queue holds n metric snapshots.
func waitSnapshots(t *testing.T, a *App, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		snaps, err := a.Queue().MetricSnapshots(time.Time{})
		if err == nil && len(snaps) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d metric snapshots (%v), want %d", len(snaps), err, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

package kioskui

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/doctor"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/metrics"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/metricstest"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
)

// A real Prometheus server (Debian's) scrapes a running kiosk on loopback while an
// operator enrolls, with taps, a customer whose scanned document shows someone else;
// the kiosk's key is not the sandbox's. Prometheus then sees the kiosk up, the precheck
// failure counted by its reason (no_match), the supervisor's forced seal, the job held
// in the queue by the halt, and the halt with its code (2205). Every label value of
// every series it stored is checked against the customer's, the job's and the
// operators' ids; /metrics and the node_exporter textfile pass promtool.
func TestPrometheusScrapesTheKiosk(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine, and a Prometheus server")
	}
	const customer = "CUST-PROM-0042"
	addr := metricstest.FreePort(t)
	textDir := t.TempDir()
	camDir := enrolltest.ReplayDir(t)
	passportScenes(t, camDir)
	r := newEnrollRig(t, camDir, importDir(t), true, rigOptions{
		sandboxKey: []byte("another-partners-key"),
		config: func(c *config.Config) {
			c.Metrics.Listen, c.Metrics.TextfileDir = addr, textDir
			c.Metrics.Interval = config.Duration(5 * time.Second)
		},
	})
	rules, _ := filepath.Abs("../../packaging/prometheus/kiosk-agent-alerts.yml")
	prom := metricstest.Start(t, []string{rules}, addr)
	prom.WaitFor(`up{job="kiosk-agent"}`, time.Minute, func(v float64) bool { return v == 1 })
	prom.WaitFor(`kiosk_agent_queue_jobs{state="queued"}`, time.Minute, func(v float64) bool { return v == 0 })

	r.start(customer, job.Document)
	r.waitText(ui.T("document.title"))
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("review.force"))
	r.tapIf("Zawadi Mwangi")
	r.pin(supervisorPIN)
	e := func() offline.Entry {
		deadline := time.Now().Add(3 * time.Minute)
		for {
			if es, err := r.a.Queue().List(offline.ListOptions{}); err == nil && len(es) == 1 && es[0].State == offline.StateHeld {
				return es[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("the job is not held by the halt: %q", r.texts())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()

	minute := time.Minute
	is := func(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
	prom.WaitFor(`kiosk_agent_sync_halted{code="2205"}`, minute, is(1))
	prom.WaitFor(`kiosk_agent_queue_jobs{state="held"}`, minute, is(1))
	prom.WaitFor(`sum(kiosk_agent_queue_jobs)`, minute, is(1))
	prom.WaitFor(`kiosk_agent_precheck_failures_total{reason="no_match",image="pair"}`, minute, is(1))
	prom.WaitFor(`kiosk_agent_enrollments_forced_total`, minute, is(1))
	prom.WaitFor(`kiosk_agent_enrollments_sealed_total{training="true"}`, minute, is(1))
	prom.WaitFor(`kiosk_agent_enrollments_started_total`, minute, is(1))
	prom.WaitFor(`kiosk_agent_sync_outcomes_total{outcome="held",code="2205"}`, minute, is(1))
	prom.WaitFor(`kiosk_agent_operator_sign_ins_total{result="ok"}`, minute, is(1))
	prom.WaitFor(`kiosk_agent_camera_present{role="selfie"}`, minute, is(1))
	prom.WaitFor(`sum(kiosk_agent_enrollment_step_duration_seconds_count{step=~"consent|customer|comparison|selfie|liveness"})`, minute, is(5))
	prom.WaitFor(`count(kiosk_agent_build_info{kiosk_id="kiosk-wire",version="test"})`, minute, is(1))
	positive := func(v float64) bool { return v > 0 }
	prom.WaitFor(`kiosk_agent_analysis_duration_seconds_count`, minute, positive)
	prom.WaitFor(`kiosk_agent_camera_frames_total{role="selfie"}`, minute, positive)

	// One source: the status screen (App.Status), its checks and kioskctl doctor
	// (through the local API) read the numbers Prometheus has.
	ctx := context.Background()
	st, err := r.a.Status(ctx)
	if err != nil || st.Queue.ByState[offline.StateHeld] != 1 || st.Sync.Halt == nil || st.Sync.Halt.Code != "2205" {
		t.Fatalf("App.Status: queue %v, halt %+v, %v", st.Queue.ByState, st.Sync.Halt, err)
	}
	ls, err := r.a.Backend().Status(ctx)
	if err != nil || ls.ByState["held"] != 1 || ls.Halt == nil || ls.Halt.Code != "2205" {
		t.Fatalf("the local API's status: %v, halt %+v, %v", ls.ByState, ls.Halt, err)
	}
	rep := newChecks(r.a).report(ctx)
	for _, c := range rep.Checks {
		if c.Name == doctor.CheckQueue && !strings.Contains(c.Detail, "1 unsent (1 held)") {
			t.Errorf("the status screen's queue check: %+v", c)
		}
	}

	// The packaged alert for a halt is pending (it fires after 5 minutes), and every
	// query of the packaged dashboard is valid PromQL over what the kiosk exports.
	prom.WaitFor(`ALERTS{alertname="KioskSyncHalted",alertstate="pending",code="2205"}`, minute, is(1))
	b, err := os.ReadFile("../../packaging/grafana/kiosk-agent-fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	answered := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			res, err := prom.Query(tg.Expr)
			if err != nil {
				t.Errorf("dashboard panel %q: %s: %v", p.Title, tg.Expr, err)
			}
			if len(res) > 0 {
				answered++
			}
		}
	}
	if answered < 15 {
		t.Errorf("only %d of the dashboard's queries have data", answered)
	}

	series, err := prom.Series(`{job="kiosk-agent"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) < 100 {
		t.Fatalf("Prometheus holds %d series of the kiosk", len(series))
	}
	ids := []string{customer, e.ID, "amina", "zawadi", "Amina Diallo", "Zawadi Mwangi"}
	metricstest.CheckSeriesLabels(t, series, "kiosk-wire", ids)

	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	metricstest.CheckMetrics(t, body)
	textfile, err := os.ReadFile(filepath.Join(textDir, metrics.TextfileName))
	if err != nil {
		t.Fatal(err)
	}
	metricstest.CheckMetrics(t, textfile)
}

package app

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/metricstest"
	"github.com/smartselfie/kiosk-agent/offline"
)

// A real Prometheus server (Debian's) scrapes a running kiosk while it seals jobs of
// every capture origin: kiosk_agent_comparison_captures_total counts them by origin
// (auto, manual, import, and unknown for a seal that did not say), a job with an origin
// from nowhere is refused and not counted, and the Grafana dashboard's two panels on
// the capture origin answer on that server (the manual share is manual / (auto +
// manual)). No series Prometheus stored names the customer, the job or the operator.
func TestComparisonCapturesScrapedByPrometheus(t *testing.T) {
	c := testConfig(t)
	c.Metrics.Listen = metricstest.FreePort(t)
	a := newApp(t, c, nil)
	run(t, a)
	prom := metricstest.Start(t, nil, a.MetricsAddr())
	is := func(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
	prom.WaitFor(`up{job="kiosk-agent"}`, time.Minute, is(1))
	// The series exist at 0 before the first seal, so that increase() sees the first one.
	prom.WaitFor(`kiosk_agent_comparison_captures_total{origin="manual"}`, time.Minute, is(0))

	addOperator(t, a, "amina", offline.RoleOperator)
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	var users []string
	seal := func(id string, o job.CaptureOrigin) error {
		j := testJob(id)
		j.CaptureOrigin = o
		users = append(users, j.UserID)
		_, err := a.Seal(j)
		return err
	}
	for i, o := range []job.CaptureOrigin{job.OriginAuto, job.OriginAuto, job.OriginManual, job.OriginImport, ""} {
		if err := seal("job-origin-"+string(rune('a'+i)), o); err != nil {
			t.Fatal(err)
		}
	}
	if err := seal("job-origin-bad", "camera"); !errors.Is(err, offline.ErrInvalidJob) {
		t.Fatalf("sealing a job with origin camera: %v, want ErrInvalidJob", err)
	}
	if es, _ := a.Queue().List(offline.ListOptions{}); len(es) != 5 {
		t.Fatalf("%d jobs in the queue, want 5", len(es))
	}

	for origin, want := range map[string]float64{"auto": 2, "manual": 1, "import": 1, "unknown": 1} {
		prom.WaitFor(`kiosk_agent_comparison_captures_total{origin="`+origin+`"}`, time.Minute, is(want))
	}
	if res, err := prom.Query(`count(kiosk_agent_comparison_captures_total)`); err != nil || len(res) != 1 || res[0].Value != 4 {
		t.Fatalf("comparison captures series: %+v (%v), want 4 (auto, manual, import, unknown)", res, err)
	}
	prom.WaitFor(`kiosk_agent_enrollments_sealed_total{training="false"}`, time.Minute, is(5))

	// The dashboard's panels, as Grafana sends them.
	b, err := os.ReadFile("../../packaging/grafana/kiosk-agent-fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	expr := map[string]string{}
	for _, p := range d.Panels {
		if len(p.Targets) > 0 {
			expr[p.Title] = p.Targets[0].Expr
		}
	}
	byOrigin, share := expr["Comparison images by capture origin"], expr["Manual document captures per kiosk"]
	if byOrigin == "" || share == "" {
		t.Fatalf("the dashboard lacks the capture origin panels: %q", expr)
	}
	res, err := prom.Query(byOrigin)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, r := range res {
		got[r.Labels["origin"]] = r.Value
	}
	// increase() extrapolates each series alike (the same scrapes): the ratios hold.
	if len(got) != 4 || got["auto"] <= 0 || math.Abs(got["auto"]-2*got["manual"]) > 1e-9 || math.Abs(got["manual"]-got["import"]) > 1e-9 ||
		math.Abs(got["unknown"]-got["manual"]) > 1e-9 {
		t.Fatalf("%s = %v, want auto twice manual, and manual, import and unknown alike", byOrigin, got)
	}
	res, err = prom.Query(share)
	if err != nil || len(res) != 1 || math.Abs(res[0].Value-1.0/3) > 1e-9 || res[0].Labels["instance"] != a.MetricsAddr() {
		t.Fatalf("%s = %+v (%v), want 1/3 for the kiosk", share, res, err)
	}

	series, err := prom.Series(`{__name__=~"kiosk_agent_.+"}`)
	if err != nil {
		t.Fatal(err)
	}
	metricstest.CheckSeriesLabels(t, series, "kiosk-t", append(users, "amina", "AMINA", "job-origin"))
}

package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/smartselfie/kiosk-agent/internal/testkit/metricstest"
)

// The files an IT team installs with the kiosk (packaging/, installed into
// /usr/share/kiosk-agent/ by the .deb).
const (
	dashboardFile = "../../packaging/grafana/kiosk-agent-fleet.json"
	rulesFile     = "../../packaging/prometheus/kiosk-agent-alerts.yml"
	rulesTestFile = "../../packaging/prometheus/kiosk-agent-alerts.test.yml"
)

// exported is every series name the kiosk exports (a histogram's _bucket, _count and
// _sum), from a Set fed with every kind of event.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	mfs, err := busySet(t).Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		n := mf.GetName()
		names[n] = true
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			names[n+"_bucket"], names[n+"_count"], names[n+"_sum"] = true, true, true
		}
	}
	return names
}

var metricName = regexp.MustCompile(`kiosk_agent_[a-z0-9_]+`)

// Dashboard is the part of a Grafana dashboard the test reads.
type Dashboard struct {
	Title  string `json:"title"`
	UID    string `json:"uid"`
	Panels []struct {
		Title      string `json:"title"`
		Type       string `json:"type"`
		Datasource struct {
			Type string `json:"type"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// TestDashboard loads the Grafana dashboard: it has the panels the issue asks for, and
// every panel's query names only metrics the kiosk exports.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d Dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	names := exported(t)
	var titles []string
	for _, p := range d.Panels {
		titles = append(titles, p.Title)
		if p.Datasource.Type != "prometheus" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %q, %d queries", p.Title, p.Datasource.Type, len(p.Targets))
		}
		for _, tg := range p.Targets {
			used := metricName.FindAllString(tg.Expr, -1)
			if len(used) == 0 {
				t.Errorf("panel %q: %q reads no kiosk metric", p.Title, tg.Expr)
			}
			for _, n := range used {
				if !names[n] {
					t.Errorf("panel %q: %s is not a metric the kiosk exports", p.Title, n)
				}
			}
		}
	}
	for _, want := range []string{"Kiosks online", "Kiosks halted", "Queue depth per kiosk", "Oldest unsent job per kiosk",
		"Enrollments per day", "Precheck failures by reason", "Time per enrollment step (median)",
		"Comparison images by capture origin", "Manual document captures per kiosk"} {
		if !slices.Contains(titles, want) {
			t.Errorf("the dashboard has no panel %q (it has %q)", want, titles)
		}
	}
}

// TestAlertRules: promtool checks the rules and runs their unit tests (each alert fires
// for the kiosk in trouble and not for the healthy one), and every metric they read is
// one the kiosk exports.
func TestAlertRules(t *testing.T) {
	promtool := metricstest.Promtool(t)
	if out, err := exec.Command(promtool, "check", "rules", rulesFile).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	cmd := exec.Command(promtool, "test", "rules", filepath.Base(rulesTestFile))
	cmd.Dir = filepath.Dir(rulesTestFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	names := exported(t)
	for _, n := range metricName.FindAllString(string(b), -1) {
		if !names[n] {
			t.Errorf("%s reads %s, which the kiosk does not export", rulesFile, n)
		}
	}
	for _, alert := range []string{"KioskSyncHalted", "KioskQueueNearlyFull", "KioskOldestUnsentJob", "KioskCameraMissing", "KioskClockSkew", "KioskDiskLow"} {
		if !strings.Contains(string(b), "alert: "+alert+"\n") {
			t.Errorf("no alert %s", alert)
		}
		tb, _ := os.ReadFile(rulesTestFile)
		if !strings.Contains(string(tb), "alertname: "+alert+"\n") {
			t.Errorf("alert %s has no unit test in %s", alert, rulesTestFile)
		}
	}
}

// TestOperationsListsEveryMetric keeps docs/operations.md true: every metric the kiosk
// exports is listed with its meaning, and nothing listed is gone.
func TestOperationsListsEveryMetric(t *testing.T) {
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	mfs, err := busySet(t).Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
		if !strings.Contains(doc, "| `"+mf.GetName()+"` |") {
			t.Errorf("docs/operations.md does not list %s", mf.GetName())
		}
	}
	for _, m := range regexp.MustCompile("\\| `(kiosk_agent_[a-z0-9_]+)` \\|").FindAllStringSubmatch(doc, -1) {
		if !names[m[1]] {
			t.Errorf("docs/operations.md lists %s, which the kiosk does not export", m[1])
		}
	}
}

// Package metricstest is test equipment for the kiosk's metrics: Debian's promtool and a
// real Prometheus server on loopback (both from the prometheus package that
// scripts/setup.sh installs), and the check that no label names a customer, a job or an
// operator.
package metricstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/bin/" + name; fileExists(p) {
		return p
	}
	t.Fatalf("%s is not installed: install Debian's prometheus package (scripts/setup.sh does)", name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Promtool returns promtool's path, failing the test when it is missing.
func Promtool(t testing.TB) string { return tool(t, "promtool") }

// CheckMetrics runs `promtool check metrics` on an exposition and fails the test on
// any problem it reports.
func CheckMetrics(t testing.TB, text []byte) {
	t.Helper()
	cmd := exec.Command(Promtool(t), "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// CheckLabels fails the test when a label value contains one of forbidden (customers',
// jobs' and operators' ids, case-insensitive), or when kioskID is found anywhere but in
// kiosk_agent_build_info's kiosk_id label. It returns how many label values it read.
func CheckLabels(t testing.TB, mfs []*dto.MetricFamily, kioskID string, forbidden []string) int {
	t.Helper()
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				n++
				v := strings.ToLower(l.GetValue())
				for _, f := range forbidden {
					if f != "" && strings.Contains(v, strings.ToLower(f)) {
						t.Errorf("%s{%s=%q} names %q", mf.GetName(), l.GetName(), l.GetValue(), f)
					}
				}
				if kioskID != "" && strings.Contains(l.GetValue(), kioskID) && (mf.GetName() != "kiosk_agent_build_info" || l.GetName() != "kiosk_id") {
					t.Errorf("%s{%s=%q}: the kiosk id labels the build info only", mf.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	return n
}

// CheckSeriesLabels is CheckLabels over the label sets of Prometheus's series API.
func CheckSeriesLabels(t testing.TB, series []map[string]string, kioskID string, forbidden []string) {
	t.Helper()
	for _, s := range series {
		for k, v := range s {
			lv := strings.ToLower(v)
			for _, f := range forbidden {
				if f != "" && strings.Contains(lv, strings.ToLower(f)) {
					t.Errorf("series %v: %s=%q names %q", s["__name__"], k, v, f)
				}
			}
			if kioskID != "" && strings.Contains(v, kioskID) && (s["__name__"] != "kiosk_agent_build_info" || k != "kiosk_id") {
				t.Errorf("series %v: %s=%q: the kiosk id labels the build info only", s["__name__"], k, v)
			}
		}
	}
}

// FreePort returns a loopback address with a port nothing listens on (for a program
// that takes its address as a flag).
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Server is a real Prometheus server on loopback with a temporary config and storage.
type Server struct {
	t    testing.TB
	Addr string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// Start runs Debian's prometheus scraping targets (host:port, /metrics) every second as
// job "kiosk-agent" (the name the packaged alert rules expect), evaluating the rule files
// given (absolute paths) every second, and waits until it is ready. It is stopped when the
// test ends.
func Start(t testing.TB, ruleFiles []string, targets ...string) *Server {
	t.Helper()
	bin := tool(t, "prometheus")
	dir := t.TempDir()
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = strconv.Quote(tg)
	}
	rules := make([]string, len(ruleFiles))
	for i, r := range ruleFiles {
		rules[i] = strconv.Quote(r)
	}
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nrule_files: [%s]\nscrape_configs:\n  - job_name: kiosk-agent\n    static_configs:\n      - targets: [%s]\n",
		strings.Join(rules, ", "), strings.Join(quoted, ", "))
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Addr: FreePort(t), log: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+s.Addr, "--log.level=warn")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + s.Addr + "/-/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited: %s", s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 60s: %v\n%s", err, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Sample is one element of an instant query's vector.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Query runs an instant query through the HTTP API.
func (s *Server) Query(expr string) ([]Sample, error) {
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := s.get("/api/v1/query?query="+url.QueryEscape(expr), &out); err != nil {
		return nil, err
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", expr, out.Error)
	}
	var res []Sample
	for _, r := range out.Data.Result {
		str, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v", expr, r.Value[1])
		}
		res = append(res, Sample{Labels: r.Metric, Value: v})
	}
	return res, nil
}

// Series returns the label sets of the series that match (the series API).
func (s *Server) Series(match string) ([]map[string]string, error) {
	var out struct {
		Status string              `json:"status"`
		Error  string              `json:"error"`
		Data   []map[string]string `json:"data"`
	}
	if err := s.get("/api/v1/series?match[]="+url.QueryEscape(match), &out); err != nil {
		return nil, err
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("series %s: %s", match, out.Error)
	}
	return out.Data, nil
}

func (s *Server) get(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Addr+path, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}

// WaitFor queries expr until it returns at least one sample and ok accepts the first,
// or fails the test after timeout with the last answer.
func (s *Server) WaitFor(expr string, timeout time.Duration, ok func(v float64) bool) Sample {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		res, err := s.Query(expr)
		if err == nil && len(res) > 0 && ok(res[0].Value) {
			return res[0]
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("prometheus: %s = %v (err %v) after %v", expr, res, err, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

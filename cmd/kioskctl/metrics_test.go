package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// kioskctl metrics prints the snapshots a kiosk kept while it could not reach the API
// (this one has no API): the same through the running kiosk's socket and from the queue
// file once it stopped; OpenMetrics with timestamps by default, JSON with --json; a
// --since after the last snapshot prints none; a bad --since is a usage error.
func TestMetricsSnapshots(t *testing.T) {
	dir := t.TempDir()
	data := queueWith(t, "k1", "k2", "k3")
	cfg := kioskConfig(t, dir, data, `,"metrics":{"snapshot_interval":"1h"}`)
	stop := startKiosk(t, cfg, nil)
	var js []struct {
		At      time.Time `json:"at"`
		Samples []struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
			Value  float64           `json:"value"`
		} `json:"samples"`
	}
	deadline := time.Now().Add(10 * time.Second)
	var out string
	for len(js) == 0 {
		code, o, errs := runKioskctl(t, "metrics", "--json", "--since", "1h", "--config", cfg)
		if code != exitOK {
			t.Fatalf("metrics --json: exit %d: %s", code, errs)
		}
		if err := json.Unmarshal([]byte(o), &js); err != nil {
			t.Fatalf("metrics --json: %v\n%s", err, o)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot after 10 s: %s", o)
		}
		out = o
		time.Sleep(50 * time.Millisecond)
	}
	queued := -1.0
	for _, s := range js[0].Samples {
		if s.Name == "kiosk_agent_queue_jobs" && s.Labels["state"] == "queued" {
			queued = s.Value
		}
	}
	if queued != 3 || time.Since(js[0].At) > time.Minute {
		t.Fatalf("snapshot at %v: queued %v, want 3", js[0].At, queued)
	}
	_, om, _ := runKioskctl(t, "metrics", "--instance", "10.8.0.42:9464", "--config", cfg)
	stop()
	code, fromFile, errs := runKioskctl(t, "metrics", "--json", "--since", "1h", "--config", cfg)
	if code != exitOK || fromFile != out {
		t.Errorf("from the file: exit %d %s\n%s\nthrough the kiosk:\n%s", code, errs, fromFile, out)
	}
	if !strings.HasSuffix(om, "# EOF\n") || !strings.Contains(om, `kiosk_agent_queue_jobs{instance="10.8.0.42:9464",job="kiosk-agent",state="queued"} 3.0 `) ||
		!strings.Contains(om, "# TYPE kiosk_agent_queue_jobs gauge") {
		t.Errorf("OpenMetrics:\n%s", om)
	}
	if code, o, _ := runKioskctl(t, "metrics", "--json", "--since", time.Now().Add(time.Minute).UTC().Format(time.RFC3339), "--config", cfg); code != exitOK || strings.TrimSpace(o) != "[]" {
		t.Errorf("since the future: exit %d %q", code, o)
	}
	if code, _, errs := runKioskctl(t, "metrics", "--since", "yesterday", "--config", cfg); code != exitUsage || !strings.Contains(errs, "RFC 3339") {
		t.Errorf("bad --since: exit %d %q", code, errs)
	}
}

package app

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

const sandboxPartner, sandboxKey = "0001", "app-test-key-0123456789abcdef"

// startSandbox serves compare-sandbox's API on loopback (real face matching).
func startSandbox(t *testing.T) *httptest.Server {
	t.Helper()
	sbx, err := sandbox.New(sandbox.Options{
		Partners: []sandbox.Partner{{ID: sandboxPartner, Key: []byte(sandboxKey), ProductActive: true, ProductionEnabled: true}},
		DBPath:   filepath.Join(t.TempDir(), "sandbox.db"),
		Analyzer: sandbox.NewEngineAnalyzer(inferencetest.Get(t), sandbox.EngineOptions{}),
		Workers:  1, CallbackAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sbx.Handler())
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); sbx.Close() })
	return srv
}

// sandboxConfig points testConfig at the sandbox at url (a training kiosk: loopback).
func sandboxConfig(t *testing.T, url string) (c config.Config) {
	t.Helper()
	c = testConfig(t)
	key := filepath.Join(c.DataDir, "api-key")
	if err := os.WriteFile(key, []byte(sandboxKey), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Compare.APIURL, c.Compare.PartnerID, c.Compare.APIKeyFile = url, sandboxPartner, key
	c.Sync.CallbackURL = "http://127.0.0.1:9/cb"
	return c
}

// A kiosk whose API answers says online before any job is sent: in its status (the
// status bar's), through its local API (kioskctl status --json), and its clock is
// judged against the API server's (no guess from the kernel's NTP flag).
func TestOnlineBeforeTheFirstJob(t *testing.T) {
	srv := startSandbox(t)
	a := newApp(t, sandboxConfig(t, srv.URL), clock.Real{})
	run(t, a)
	deadline := time.Now().Add(60 * time.Second) // a bound against a hang, not a measure
	var st Status
	for {
		var err error
		if st, err = a.Status(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st.Sync.Connectivity == "online" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Sync.Connectivity != "online" || !st.Sync.LastSuccess.IsZero() || len(st.Queue.ByState) != 0 {
		t.Fatalf("status %+v: want online with no job ever sent", st.Sync)
	}
	if st.Clock.Code != clock.ClockWithin {
		t.Errorf("clock verdict %+v: want within (measured against the sandbox's Date)", st.Clock)
	}
	c, err := localapi.Dial(context.Background(), a.Settings().SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ls, err := c.Status(context.Background())
	if err != nil || ls.Connectivity != "online" {
		t.Fatalf("local API status %+v, %v: want online", ls, err)
	}

	// The API goes away: the engine finds it at its next probe (a network change).
	srv.CloseClientConnections()
	srv.Close()
	a.Sync().ConnectivityChanged()
	for st.Sync.Connectivity != "offline" && time.Now().Before(deadline.Add(30*time.Second)) {
		time.Sleep(10 * time.Millisecond)
		st, _ = a.Status(context.Background())
	}
	if st.Sync.Connectivity != "offline" {
		t.Fatalf("connectivity %q after the API went away", st.Sync.Connectivity)
	}
}

package parts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

func testConfig(t *testing.T) config.Config {
	c := config.Default()
	c.DataDir = t.TempDir()
	c.KioskID = "kiosk-7"
	return c
}

func testJob(id string) *job.Job {
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3}
	return &job.Job{ID: id, UserID: "u1", ComparisonType: job.Portrait, Selfie: jpeg, Comparison: jpeg,
		Liveness: [][]byte{jpeg, jpeg, jpeg, jpeg}}
}

func TestOpenQueue(t *testing.T) {
	c := testConfig(t)
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	q, err := OpenQueue(c, clock.NewFake(start), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	e, err := q.Enqueue(testJob("j1"))
	if err != nil {
		t.Fatal(err)
	}
	if !e.Created.Equal(start) {
		t.Errorf("created %v, want the injected clock's %v", e.Created, start)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := OpenQueue(config.Config{DataDir: file}, nil, nil); err == nil || !strings.Contains(err.Error(), "opening the offline queue") {
		t.Errorf("opening under a file: %v, want an error saying what failed", err)
	}
}

func TestEngineOptions(t *testing.T) {
	c := testConfig(t)
	c.ModelsDir = "/models"
	c.Inference.Match = 0.55
	env := func(k string) string {
		if k == "ONNXRUNTIME_LIB" {
			return "/env/lib.so"
		}
		return ""
	}
	o := EngineOptions(c, env, nil)
	if o.RuntimeLib != "/env/lib.so" || o.ModelsDir != "/models" || o.Thresholds.Match != 0.55 {
		t.Errorf("options %+v: want the library from the environment, the models dir and the threshold", o)
	}
	if o.Thresholds.TurnYaw == 0 {
		t.Error("unset thresholds are not at their defaults")
	}
	c.ONNXRuntimeLib = "/cfg/lib.so"
	if o := EngineOptions(c, env, nil); o.RuntimeLib != "/cfg/lib.so" {
		t.Errorf("library %q: the config's must win over the environment", o.RuntimeLib)
	}
}

func syncConfig(t *testing.T, key string) config.Config {
	c := testConfig(t)
	c.Compare.APIURL = "http://127.0.0.1:9"
	c.Compare.PartnerID = "0001"
	c.Compare.APIKeyFile = filepath.Join(c.DataDir, "key")
	if err := os.WriteFile(c.Compare.APIKeyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Sync.CallbackURL = "http://cb.example/x"
	return c
}

func TestNewSync(t *testing.T) {
	if _, err := NewSync(testConfig(t), nil, nil); !errors.Is(err, ErrNoAPIURL) {
		t.Errorf("no URL: %v", err)
	}
	c := syncConfig(t, "secret-key-1")
	s, err := NewSync(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Sender == nil || s.Prober == nil {
		t.Fatalf("sync %+v: sender or prober missing", s)
	}
	if cs, ok := s.Sender.(uploader.CompareSender); !ok || cs.CallbackURL != "http://cb.example/x" {
		t.Errorf("sender %#v: want a CompareSender with the sync section's callback", s.Sender)
	}
	if strings.Contains(s.ConfigID, "secret-key-1") || s.ConfigID == "" {
		t.Errorf("config id %q", s.ConfigID)
	}
	same := ConfigID(c, nil)
	if same != s.ConfigID {
		t.Errorf("ConfigID %q differs from NewSync's %q", same, s.ConfigID)
	}
	other := syncConfig(t, "secret-key-2")
	other.Compare.APIKeyFile = c.Compare.APIKeyFile
	os.WriteFile(c.Compare.APIKeyFile, []byte("secret-key-2\n"), 0o600)
	if ConfigID(other, nil) == same {
		t.Error("a new key does not change the config id")
	}
	url := c
	url.Compare.APIURL = "http://127.0.0.1:10"
	partner := c
	partner.Compare.PartnerID = "0002"
	if ConfigID(url, nil) == ConfigID(c, nil) || ConfigID(partner, nil) == ConfigID(c, nil) {
		t.Error("the URL or the partner id does not change the config id")
	}
	env := c
	env.Compare.APIKeyFile, env.Compare.APIKeyEnv = "", "KEY"
	a := ConfigID(env, func(string) string { return "k1" })
	if a == ConfigID(env, func(string) string { return "k2" }) {
		t.Error("the key from the environment does not change the config id")
	}
}

// haltSender answers every job with a halt (2205).
type haltSender struct{}

func (haltSender) Send(context.Context, uploader.Job, func(int64, int64)) (uploader.Result, error) {
	return uploader.Result{}, &uploader.SendError{Class: uploader.ClassHalt, Code: "2205", Message: "bad signature"}
}

func TestNewUploader(t *testing.T) {
	c := testConfig(t)
	q, err := OpenQueue(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Enqueue(testJob("j1")); err != nil {
		t.Fatal(err)
	}
	var events []uploader.EventKind
	u := NewUploader(c, uploader.OfflineQueue{Q: q}, Sync{Sender: haltSender{}, ConfigID: "cfg-1"},
		uploader.Options{OnEvent: func(e uploader.Event) { events = append(events, e.Kind) }})
	_, err = u.Drain(context.Background())
	var he *uploader.HaltError
	if !errors.As(err, &he) {
		t.Fatalf("drain: %v, want a halt", err)
	}
	if len(events) == 0 {
		t.Error("the caller's OnEvent was not called")
	}
	b, err := os.ReadFile(filepath.Join(c.DataDir, uploader.StateFile))
	if err != nil {
		t.Fatalf("the halt was not saved in the data dir's state file: %v", err)
	}
	if !strings.Contains(string(b), "cfg-1") {
		t.Errorf("state file %s does not name the config id", b)
	}
}

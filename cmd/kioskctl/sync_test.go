package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// scriptSender answers each job from a function and counts the calls.
type scriptSender struct {
	mu     sync.Mutex
	calls  int
	answer func(id string) (uploader.Result, error)
}

func (s *scriptSender) Send(_ context.Context, j uploader.Job, progress func(int64, int64)) (uploader.Result, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if j.Job == nil || j.Job.ID != j.ID || len(j.Job.Selfie) == 0 {
		return uploader.Result{}, fmt.Errorf("claimed %s without its opened job", j.ID)
	}
	progress(j.Size, j.Size)
	return s.answer(j.ID)
}

func withSender(t *testing.T, s *scriptSender, configID string) {
	t.Helper()
	old := newSyncSender
	newSyncSender = func(*globals, config.Config) (parts.Sync, error) {
		return parts.Sync{Sender: s, ConfigID: configID}, nil
	}
	t.Cleanup(func() { newSyncSender = old })
}

func queueWith(t *testing.T, ids ...string) string {
	t.Helper()
	dir := t.TempDir()
	q, err := offline.Open(dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for _, id := range ids {
		j := &job.Job{ID: id, UserID: "u-" + id, ComparisonType: job.IDPhoto,
			Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
		for i := 0; i < 4; i++ {
			j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
		}
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func states(t *testing.T, dir string) map[offline.State]int {
	t.Helper()
	q, err := offline.Open(dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	return q.Counts().ByState
}

func TestSyncDrains(t *testing.T) {
	dir := queueWith(t, "a", "b", "c", "d")
	s := &scriptSender{answer: func(id string) (uploader.Result, error) {
		switch id {
		case "b":
			return uploader.Result{}, &uploader.SendError{Class: uploader.ClassPermanent, Code: "2413", Message: "selfie_image is required."}
		case "c":
			return uploader.Result{}, &uploader.SendError{Class: uploader.ClassReconcile, Code: "2215", Message: "job already exists"}
		}
		return uploader.Result{Code: "0840", Text: "Face Match"}, nil
	}}
	withSender(t, s, "cfg")
	code, out, errs := runKioskctl(t, "sync", "--data-dir", dir)
	if code != exitOK {
		t.Fatalf("sync exit %d: %s", code, errs)
	}
	for _, want := range []string{"job a: delivered: 0840 Face Match", "job b: FAILED: 2413: selfie_image is required.", "job c: delivered before (2215)",
		"drained: 2 delivered, 1 delivered before (result unknown), 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if st := states(t, dir); st[offline.StateDone] != 3 || st[offline.StateFailed] != 1 {
		t.Fatalf("states = %v", st)
	}
	// Nothing left: a second run sends nothing and exits 0.
	code, out, _ = runKioskctl(t, "sync", "--json", "--data-dir", dir)
	var rep syncReport
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil || rep.Outcome != "drained" || rep.Report.Attempts != 0 || s.calls != 4 {
		t.Fatalf("second sync: exit %d, %s, calls %d", code, out, s.calls)
	}
}

func TestSyncHaltsOnceAndResumes(t *testing.T) {
	dir := queueWith(t, "a", "b")
	bad := &scriptSender{answer: func(string) (uploader.Result, error) {
		return uploader.Result{}, &uploader.SendError{Class: uploader.ClassHalt, Code: "2205", Message: "unauthorized",
			ServerDate: time.Now().Add(-time.Hour)}
	}}
	withSender(t, bad, "key-1")
	code, _, errs := runKioskctl(t, "sync", "--data-dir", dir)
	if code != exitHalted || !strings.Contains(errs, "HALTED") || !strings.Contains(errs, "clock is 1h0m0s ahead of the server's") {
		t.Fatalf("sync with a wrong key: exit %d, stderr %s", code, errs)
	}
	if bad.calls != 1 {
		t.Fatalf("%d requests before halting, want 1", bad.calls)
	}
	// Same configuration again: halted at once, nothing sent.
	code, out, _ := runKioskctl(t, "sync", "--json", "--data-dir", dir)
	var rep syncReport
	if code != exitHalted || json.Unmarshal([]byte(out), &rep) != nil || rep.Outcome != "halted" || bad.calls != 1 {
		t.Fatalf("second sync: exit %d, calls %d, %s", code, bad.calls, out)
	}
	// --retry-halted with the same (still wrong) configuration tries once more.
	if code, _, _ := runKioskctl(t, "sync", "--retry-halted", "--data-dir", dir); code != exitHalted || bad.calls != 2 {
		t.Fatalf("--retry-halted: exit %d, calls %d", code, bad.calls)
	}
	// The key is fixed: a new fingerprint lifts the halt; both jobs go, the held one included.
	good := &scriptSender{answer: func(string) (uploader.Result, error) { return uploader.Result{Code: "0841", Text: "No Match"}, nil }}
	withSender(t, good, "key-2")
	if code, _, errs := runKioskctl(t, "sync", "--data-dir", dir); code != exitOK || good.calls != 2 {
		t.Fatalf("after the fix: exit %d, calls %d, %s", code, good.calls, errs)
	}
	if st := states(t, dir); st[offline.StateDone] != 2 {
		t.Fatalf("states = %v", st)
	}
}

func TestSyncTimeout(t *testing.T) {
	dir := queueWith(t, "a")
	s := &scriptSender{answer: func(string) (uploader.Result, error) {
		return uploader.Result{}, &uploader.SendError{Class: uploader.ClassRetry, Code: "2210", Message: "busy", RetryAfter: time.Hour}
	}}
	withSender(t, s, "cfg")
	code, _, errs := runKioskctl(t, "sync", "--timeout", "300ms", "--data-dir", dir)
	if code != exitError || !strings.Contains(errs, "timed out after 300ms with 1 jobs still queued") || !strings.Contains(errs, "2210: busy") {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	if st := states(t, dir); st[offline.StateQueued] != 1 {
		t.Fatalf("states = %v", st)
	}
	if code, _, _ := runKioskctl(t, "sync", "--timeout", "-1s", "--data-dir", dir); code != exitUsage {
		t.Fatalf("negative timeout: exit %d", code)
	}
}

func TestSyncNeedsAPISettings(t *testing.T) {
	dir := queueWith(t, "a")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no url", []string{}, "no API URL"},
		{"no partner", []string{"--api-url", "http://127.0.0.1:1"}, "partner"},
		{"no key", []string{"--api-url", "http://127.0.0.1:1", "--partner-id", "0001"}, "api_key_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runKioskctl(t, append([]string{"sync", "--data-dir", dir}, tt.args...)...)
			if code != exitError || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errs, tt.want)
			}
		})
	}
	if st := states(t, dir); st[offline.StateQueued] != 1 {
		t.Fatalf("states = %v", st)
	}
}

// passAll judges nothing: the sandbox answers 0840 to every well-formed job.
type passAll struct{}

func (passAll) Judge(context.Context, sandbox.Inputs) (sandbox.Verdict, error) {
	return sandbox.Verdict{SelfieProvided: true, ComparisonFace: true, SelfieLive: true, LivenessPassed: true, Match: true}, nil
}

// The real wiring: flags → compare client → sandbox on loopback; a wrong key halts (exit 3)
// after one request, the right one delivers everything once.
func TestSyncAgainstSandbox(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("the-right-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "wrong")
	if err := os.WriteFile(wrong, []byte("a-wrong-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: []byte("the-right-key"), ProductActive: true}},
		DBPath: filepath.Join(dir, "sandbox.db"), Analyzer: passAll{}, CallbackAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sbx.Close()
	srv := httptest.NewServer(sbx.Handler())
	defer srv.Close()

	data := queueWith(t, "s1", "s2", "s3")
	// queueWith seals the jobs without a callback URL: the config's sync.callback_url is sent.
	cfgPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgPath, []byte(`{"data_dir":"`+data+`","sync":{"callback_url":"http://127.0.0.1:9/cb"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"sync", "--config", cfgPath, "--api-url", srv.URL, "--partner-id", "0001"}

	code, _, errs := runKioskctl(t, append(base, "--api-key-file", wrong)...)
	if code != exitHalted || !strings.Contains(errs, "2205") {
		t.Fatalf("wrong key: exit %d, %s", code, errs)
	}
	code, out, errs := runKioskctl(t, append(base, "--json", "--api-key-file", key)...)
	var rep syncReport
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil || rep.Report.Delivered != 3 || rep.Report.Attempts != 3 {
		t.Fatalf("right key: exit %d, %s %s", code, out, errs)
	}
	for _, id := range []string{"s1", "s2", "s3"} {
		rec, known, _ := sbx.Job("0001", id)
		if n, _ := sbx.JobCount("0001", id); n != 1 || !known || rec.Code != "0840" {
			t.Fatalf("job %s: server saw %d requests, record %+v", id, n, rec)
		}
	}
	if st := states(t, data); st[offline.StateDone] != 3 {
		t.Fatalf("states = %v", st)
	}
}

func TestSyncSettingsFromConfigAndFlags(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	body := `{"data_dir":"` + dir + `","compare":{"api_url":"https://from-config","partner_id":"0002","api_key_env":"KEY_ENV"},"sync":{"retry_base_seconds":7}}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cfg, err := (&globals{configPath: path, stderr: &errb}).config()
	s := cfg.Compare
	if err != nil || s.APIURL != "https://from-config" || s.PartnerID != "0002" || s.APIKeyEnv != "KEY_ENV" {
		t.Fatalf("from the config: %+v (%v)", s, err)
	}
	if cfg.Sync.RetryBase.D() != 7*time.Second || !strings.Contains(errb.String(), "retry_base_seconds") {
		t.Fatalf("old key: retry_base %s, stderr %q", cfg.Sync.RetryBase, errb.String())
	}
	cfg, err = (&globals{configPath: path, stderr: &errb, apiURL: "https://flag", partnerID: "0001", apiKeyFile: "/k"}).config()
	s = cfg.Compare
	if err != nil || s.APIURL != "https://flag" || s.PartnerID != "0001" || s.APIKeyFile != "/k" || s.APIKeyEnv != "" {
		t.Fatalf("flags over the config: %+v (%v)", s, err)
	}
}

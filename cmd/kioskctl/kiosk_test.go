package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// kioskConfig writes a config for a kiosk in dir: its socket there, the group of this
// process, jobs sealed by queueWith (moved in).
func kioskConfig(t *testing.T, dir, data string, extra string) string {
	t.Helper()
	sock := filepath.Join(dir, "kiosk.sock")
	body := fmt.Sprintf(`{"data_dir":%q,"kiosk_id":"kiosk-x","offline":{"min_free_disk_mb":-1},"local_api":{"socket":%q,"group":"%d"}%s}`,
		data, sock, os.Getegid(), extra)
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startKiosk runs the app of the config file in this process; stop waits for it.
func startKiosk(t *testing.T, cfgPath string, getenv func(string) string) func() {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Options{Config: cfg, NoCameras: true, NoNetwatch: true, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	<-a.Ready()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("kiosk Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

type cliResult struct {
	code        int
	out, stderr string
}

func runAll(t *testing.T, cmds [][]string) []cliResult {
	t.Helper()
	var rs []cliResult
	for _, c := range cmds {
		code, out, errs := runKioskctl(t, c...)
		rs = append(rs, cliResult{code, out, errs})
	}
	return rs
}

// status, queue list, queue show and audit print the same JSON (and the same errors
// with the same exit status) through the running kiosk's socket as from the file once
// it has stopped; only the kiosk's own fields (started) differ.
func TestSameOutputThroughKioskAndFile(t *testing.T) {
	dir := t.TempDir()
	data := queueWith(t, "k1", "k2", "k3")
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Claim("k2"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetState("k2", offline.StateFailed, offline.Update{Reason: "2204: rejected", Code: "2204"}); err != nil {
		t.Fatal(err)
	}
	q.Close()
	cfg := kioskConfig(t, dir, data, "")
	cmds := [][]string{
		{"status", "--json", "--no-probe", "--config", cfg},
		{"queue", "list", "--json", "--config", cfg},
		{"queue", "list", "--json", "--state", "failed", "--config", cfg},
		{"queue", "show", "--json", "--config", cfg, "k1"},
		{"queue", "show", "--config", cfg, "k2"},
		{"queue", "show", "--json", "--config", cfg, "no-such-job"},
		{"audit", "--json", "--config", cfg},
		{"audit", "--json", "--user-id", "u-k2", "--config", cfg},
		{"queue", "retry", "--config", cfg, "k1"}, // queued: refused the same way
	}
	stop := startKiosk(t, cfg, nil)
	viaKiosk := runAll(t, cmds)
	stop()
	viaFile := runAll(t, cmds)

	var st map[string]any
	if err := json.Unmarshal([]byte(viaKiosk[0].out), &st); err != nil || st["started"] == nil || st["queue_error"] != nil {
		t.Fatalf("status through the kiosk: %s %v", viaKiosk[0].out, err)
	}
	delete(st, "started")
	var stFile map[string]any
	if err := json.Unmarshal([]byte(viaFile[0].out), &stFile); err != nil || stFile["started"] != nil {
		t.Fatalf("status from the file: %s", viaFile[0].out)
	}
	if !reflect.DeepEqual(st, stFile) {
		t.Errorf("status differs:\nkiosk: %v\nfile:  %v", st, stFile)
	}
	if bs := st["by_state"].(map[string]any); bs["queued"] != float64(2) || bs["failed"] != float64(1) || st["kiosk_id"] != "kiosk-x" {
		t.Errorf("status = %v", st)
	}
	for i := 1; i < len(cmds); i++ {
		k, f := viaKiosk[i], viaFile[i]
		if k.code != f.code || k.out != f.out || k.stderr != f.stderr {
			t.Errorf("%v:\nthrough the kiosk: exit %d\n%s%s\nfrom the file: exit %d\n%s%s", cmds[i], k.code, k.out, k.stderr, f.code, f.out, f.stderr)
		}
	}
	if !strings.Contains(viaFile[4].out, "error code:  2204\n") { // the entry's typed code, read by kioskctl
		t.Errorf("queue show of a failed job:\n%s", viaFile[4].out)
	}
	if viaKiosk[5].code != exitError || !strings.Contains(viaKiosk[5].stderr, "no-such-job") {
		t.Errorf("queue show of a missing job: %+v", viaKiosk[5])
	}
	if !strings.Contains(viaKiosk[1].out, `"k3"`) || !strings.Contains(viaKiosk[6].out, `"enrolled"`) {
		t.Errorf("outputs miss the jobs:\n%s\n%s", viaKiosk[1].out, viaKiosk[6].out)
	}
}

// kioskctl sync through the running kiosk wakes its sync engine and reports what it
// delivered; a wrong key halts it and sync exits 3, as from the file.
func TestSyncThroughKiosk(t *testing.T) {
	dir := t.TempDir()
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: []byte("the-right-key"), ProductActive: true}},
		DBPath: filepath.Join(dir, "sandbox.db"), Analyzer: passAll{}, CallbackAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sbx.Close()
	srv := httptest.NewServer(sbx.Handler())
	defer srv.Close()

	// The kiosk's engine starts sending as soon as it runs; kioskctl counts what
	// happens once it follows, so the counts are checked by TestSyncReportFromAudit and
	// here only what holds whatever the timing.
	for _, tc := range []struct {
		name, key string
		code      int
		outcome   string
	}{
		{"wrong key", "a-wrong-key", exitHalted, "halted"},
		{"right key", "the-right-key", exitOK, "drained"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := t.TempDir()
			ids := []string{tc.name[:1] + "1", tc.name[:1] + "2"}
			data := queueWith(t, ids...)
			cfg := kioskConfig(t, sub, data, fmt.Sprintf(`,"sync":{"callback_url":"http://127.0.0.1:9/cb","retry_base":"100ms","retry_max":"1s"},"compare":{"api_url":%q,"partner_id":"0001","api_key_env":"SYNC_TEST_KEY"}`, srv.URL))
			startKiosk(t, cfg, func(k string) string {
				if k == "SYNC_TEST_KEY" {
					return tc.key
				}
				return ""
			})
			code, out, errs := runKioskctl(t, "sync", "--json", "--timeout", "30s", "--config", cfg)
			var rep syncReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil || code != tc.code || rep.Outcome != tc.outcome {
				t.Fatalf("exit %d (want %d)\n%s\n%s", code, tc.code, out, errs)
			}
			switch tc.code {
			case exitHalted: // one request, then nothing: one job held, the other queued
				if !strings.Contains(errs, "HALTED") || rep.Status.Halt == nil || rep.Status.Held != 1 || rep.Status.Queued != 1 || rep.Report.Delivered != 0 {
					t.Fatalf("halt: %+v\n%s", rep, errs)
				}
			case exitOK:
				if rep.Status.Queued != 0 || rep.Report.Failed != 0 || rep.Report.Delivered > 2 {
					t.Fatalf("report: %+v", rep)
				}
				for _, id := range ids {
					if n, _ := sbx.JobCount("0001", id); n != 1 {
						t.Fatalf("job %s reached the sandbox %d times", id, n)
					}
				}
			}
		})
	}
}

// fakeKiosk scripts a kiosk's answers for syncThroughKiosk.
type fakeKiosk struct {
	fileBackend
	audit    []offline.AuditEvent
	statuses []uploader.Status // SyncNow, then each SyncStatus
	retried  bool
}

func (f *fakeKiosk) Audit(_ context.Context, q localapi.AuditQuery) ([]offline.AuditEvent, error) {
	if q.Limit == 1 {
		return []offline.AuditEvent{{Seq: 10}}, nil
	}
	return f.audit, nil
}

func (f *fakeKiosk) next() uploader.Status {
	s := f.statuses[0]
	if len(f.statuses) > 1 {
		f.statuses = f.statuses[1:]
	}
	return s
}

func (f *fakeKiosk) SyncNow(_ context.Context, r localapi.SyncRequest) (uploader.Status, error) {
	f.retried = r.RetryHalted
	return f.next(), nil
}

func (f *fakeKiosk) SyncStatus(context.Context) (uploader.Status, error) { return f.next(), nil }

// The report of a sync through the kiosk counts the audit events written after it
// began: claims, results by state (2215 as unknown), requeues after a send, quarantines.
func TestSyncReportFromAudit(t *testing.T) {
	done := func(seq uint64, id, detail string) offline.AuditEvent {
		return offline.AuditEvent{Seq: seq, Kind: offline.AuditResult, JobID: id, From: "sending", To: "done", Detail: detail}
	}
	f := &fakeKiosk{
		audit: []offline.AuditEvent{
			{Seq: 9, Kind: offline.AuditSent, JobID: "old"}, done(10, "old", "0840 Face Match"),
			{Seq: 11, Kind: offline.AuditSent, JobID: "a"}, done(12, "a", "0840 Face Match"),
			{Seq: 13, Kind: offline.AuditSent, JobID: "b"}, {Seq: 14, Kind: offline.AuditRequeued, JobID: "b", From: "sending", To: "queued", Detail: "network"},
			{Seq: 15, Kind: offline.AuditSent, JobID: "b"}, done(16, "b", "2215 delivered before; result unknown"),
			{Seq: 17, Kind: offline.AuditSent, JobID: "c"}, {Seq: 18, Kind: offline.AuditResult, JobID: "c", From: "sending", To: "failed", Detail: "2204: rejected"},
			{Seq: 19, Kind: offline.AuditRequeued, JobID: "d", From: "held", To: "queued"}, // released, not a retry
			{Seq: 20, Kind: offline.AuditQuarantined, JobID: "e"},
		},
		statuses: []uploader.Status{{Queued: 3}, {Queued: 1, Sending: 1}, {}},
	}
	var lines []string
	rep, st, err := syncThroughKiosk(context.Background(), f, true, func(e offline.AuditEvent) { lines = append(lines, e.JobID) })
	want := uploader.Report{Attempts: 4, Delivered: 1, Unknown: 1, Failed: 1, Retries: 1, Skipped: 1}
	if err != nil || rep != want || st.Queued != 0 || !f.retried {
		t.Fatalf("report %+v (want %+v), status %+v, err %v", rep, want, st, err)
	}
	if strings.Join(lines, "") != "aabbbbccde" {
		t.Fatalf("events passed on: %v", lines)
	}

	h := &uploader.Halt{Code: "2205", Reason: "wrong key"}
	f = &fakeKiosk{audit: []offline.AuditEvent{{Seq: 11, Kind: offline.AuditSent, JobID: "a"},
		{Seq: 12, Kind: offline.AuditResult, JobID: "a", To: "held", Detail: "2205"}},
		statuses: []uploader.Status{{Queued: 2}, {Queued: 1, Held: 1, Halt: h}}}
	rep, _, err = syncThroughKiosk(context.Background(), f, false, func(offline.AuditEvent) {})
	var he *uploader.HaltError
	if !errors.As(err, &he) || rep.Held != 1 || rep.Attempts != 1 {
		t.Fatalf("halt: %+v, %v", rep, err)
	}
}

const childKioskctlEnv = "KIOSKCTL_TEST_CONFIG"

// TestChildKioskctl is kioskctl run as another user by TestKioskRefusesOutsiders; on
// its own it does nothing.
func TestChildKioskctl(t *testing.T) {
	cfg := os.Getenv(childKioskctlEnv)
	if cfg == "" {
		t.Skip("run by TestKioskRefusesOutsiders")
	}
	code, out, errs := runKioskctl(t, "status", "--json", "--no-probe", "--config", cfg)
	fmt.Printf("RESULT: exit %d: %s %s\n", code, strings.ReplaceAll(out, "\n", " "), strings.ReplaceAll(errs, "\n", " "))
}

// A user outside the kiosk's group is refused by the running kiosk (and kioskctl does
// not fall back to the file); in the group, it is served.
func TestKioskRefusesOutsiders(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run kioskctl as another user")
	}
	dir, err := os.MkdirTemp("", "kioskctl-users-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	child := filepath.Join(dir, "kioskctl.test")
	if err := os.WriteFile(child, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	data := queueWith(t, "g1")
	cfg := kioskConfig(t, dir, data, "")
	// The kiosk's group is 4242 (this test runs as root, whom the group does not matter for).
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), `"group":"`+strconv.Itoa(os.Getegid())+`"`, `"group":"4242"`, 1)), 0o644)
	startKiosk(t, cfg, nil)

	runAs := func(groups ...uint32) string {
		cmd := exec.Command(child, "-test.run=^TestChildKioskctl$", "-test.v")
		cmd.Dir = dir
		cmd.Env = []string{childKioskctlEnv + "=" + cfg, "HOME=/"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
		out, _ := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "RESULT: ") {
				return line
			}
		}
		t.Fatalf("the child printed no result:\n%s", out)
		return ""
	}
	if got := runAs(); !strings.Contains(got, "exit 1") || !strings.Contains(got, "not allowed") || strings.Contains(got, "queue_error") {
		t.Errorf("outside the group: %s", got)
	}
	if got := runAs(4242); !strings.Contains(got, "exit 0") || !strings.Contains(got, `"kiosk_id": "kiosk-x"`) || !strings.Contains(got, `"queued": 1`) {
		t.Errorf("in the group: %s", got)
	}
}

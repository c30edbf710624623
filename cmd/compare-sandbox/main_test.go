package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"unknown flag", []string{"--nope"}, 2},
		{"stray argument", []string{"serve"}, 2},
		{"help", []string{"--help"}, 0},
		{"bad log level", []string{"--log-level", "loud", "--data-dir", t.TempDir()}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := run(context.Background(), c.args, &out, &errb); got != c.want {
				t.Fatalf("exit %d, want %d; stderr %s", got, c.want, errb.String())
			}
		})
	}
}

func TestRefusesReadableKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	os.WriteFile(key, []byte("secret\n"), 0o644)
	os.Chmod(key, 0o644)
	var out, errb bytes.Buffer
	if got := run(context.Background(), []string{"--data-dir", dir, "--api-key-file", key, "--addr", "127.0.0.1:0"}, &out, &errb); got != 1 {
		t.Fatalf("exit %d", got)
	}
	if !strings.Contains(errb.String(), "chmod 600") || strings.Contains(errb.String()+out.String(), "secret") {
		t.Fatalf("stderr %q", errb.String())
	}
}

func TestServesAndCreatesKey(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--data-dir", dir, "--partner-id", "0042", "--workers", "1", "--log-level", "warn"}, &out, &errb)
	}()
	listen := regexp.MustCompile(`listening on (http://[0-9.:]+) `)
	admin := regexp.MustCompile(`admin on (http://[0-9.:]+) `)
	var apiURL, adminURL string
	deadline := time.Now().Add(60 * time.Second)
	for apiURL == "" || adminURL == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no address printed; stdout %q stderr %q", out.String(), errb.String())
		}
		select {
		case code := <-done:
			t.Fatalf("exited %d; stderr %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := listen.FindStringSubmatch(out.String()); m != nil {
			apiURL = m[1]
		}
		if m := admin.FindStringSubmatch(out.String()); m != nil {
			adminURL = m[1]
		}
	}
	keyFile := filepath.Join(dir, "api-key-0042")
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v mode %v", err, fi)
	}
	key, _ := os.ReadFile(keyFile)
	if !strings.Contains(out.String(), "partner 0042") || !strings.Contains(out.String(), keyFile) {
		t.Errorf("stdout does not say the partner and key file: %q", out.String())
	}
	if strings.Contains(out.String()+errb.String(), strings.TrimSpace(string(key))) {
		t.Fatal("the API key was printed")
	}

	signer, err := compare.LoadKeySigner("0042", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compare.New(compare.Options{BaseURL: apiURL, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	obama2 := testimages.Read(t, "obama_2.jpg")
	obama3 := testimages.Read(t, "obama_3.jpg")
	res, err := c.Submit(ctx, &compare.Request{Job: &job.Job{
		UserID: "u1", ID: "cmd-job-1", Selfie: testimages.Read(t, "obama_1.jpg"), Comparison: obama2,
		Liveness: [][]byte{obama2, obama3, obama2, obama3}, ComparisonType: job.Portrait,
		CallbackURL: "http://127.0.0.1:1/unused",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != compare.CodeMatch {
		t.Fatalf("result %s %s", res.Code, res.Text)
	}
	if resp, err := http.Get(adminURL + "/jobs?partner_id=0042&job_id=cmd-job-1"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("admin /jobs without the token: %v %v, want 401", resp, err)
	}
	token, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatalf("the admin token file: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, adminURL+"/jobs?partner_id=0042&job_id=cmd-job-1", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Count int }
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Count != 1 {
		t.Fatalf("admin count %d", st.Count)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after shutdown; stderr %s", code, errb.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("did not shut down")
	}
}

// TestFlagsOverFile: a flag given on the command line wins over the config file; a flag
// left at its default does not clobber the file.
func TestFlagsOverFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "sandbox.json")
	body := `{"addr":"127.0.0.1:1","data_dir":"` + filepath.Join(dir, "from-file") + `","production":true,"workers":3,"max_body_bytes":1000,
	"partners":[{"id":"0001","key_file":"` + key + `"}]}`
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	fc, err := sandbox.LoadFileConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(args ...string) flags {
		var f flags
		fs := newFlagSet(&f, &bytes.Buffer{})
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		f.noteGiven(fs)
		f.layFile(fc)
		return f
	}
	f := parse("--config", cfg)
	if f.addr != "127.0.0.1:1" || f.dataDir != filepath.Join(dir, "from-file") || !f.production || f.workers != 3 || f.maxBody != 1000 {
		t.Fatalf("flags not given, file ignored: %+v", f)
	}
	f = parse("--config", cfg, "--addr", "127.0.0.1:0", "--data-dir", dir, "--production=false", "--workers", "1", "--max-body-bytes", "5")
	if f.addr != "127.0.0.1:0" || f.dataDir != dir || f.production || f.workers != 1 || f.maxBody != 5 {
		t.Fatalf("flags given lost to the file: %+v", f)
	}

	// End to end: --addr on the command line is where it listens, not the file's port 1.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--config", cfg, "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn"}, &out, &errb)
	}()
	re := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(60 * time.Second)
	for !re.MatchString(out.String()) {
		select {
		case code := <-done:
			t.Fatalf("exit %d before listening: %s %s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not listening: %s %s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := re.FindStringSubmatch(out.String()); m[1] == "127.0.0.1:1" {
		t.Fatalf("listens on the file's address: %s", out.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

// TestConfigDuplicateKey: a key given twice in the sandbox's file is refused, naming it.
func TestConfigDuplicateKey(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "sandbox.json")
	if err := os.WriteFile(cfg, []byte(`{"addr":"127.0.0.1:0","partners":[],"addr":"0.0.0.0:80"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--config", cfg, "--data-dir", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "key addr is given twice") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

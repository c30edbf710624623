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
	"github.com/smartselfie/kiosk-agent/internal/testimages"
	"github.com/smartselfie/kiosk-agent/sync/compare"
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
	resp, err := http.Get(adminURL + "/jobs?partner_id=0042&job_id=cmd-job-1")
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

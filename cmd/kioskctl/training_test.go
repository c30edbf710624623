package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/hosttest"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// The reported attack: practice jobs sealed by a training kiosk, then
// `kioskctl --config prod.json sync` against an API that is not loopback. Nothing is
// delivered, the jobs fail for good with the reason, `queue retry` does not get them
// through, and only a loopback sandbox receives them.
func TestSyncNeverSendsPracticeJobsToProduction(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("the-right-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: []byte("the-right-key"), ProductActive: true}},
		DBPath: filepath.Join(dir, "sandbox.db"), Analyzer: passAll{}, CallbackAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sbx.Close()
	prod := httptest.NewUnstartedServer(sbx.Handler())
	prod.Listener.Close()
	prod.Listener = hosttest.NonLoopbackListener(t)
	prod.Start()
	defer prod.Close()
	local := httptest.NewServer(sbx.Handler())
	defer local.Close()

	data := t.TempDir()
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"p1", "p2"} {
		j := &job.Job{ID: id, UserID: "u-" + id, ComparisonType: job.IDPhoto, Training: true,
			Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
		for i := 0; i < 4; i++ {
			j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
		}
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()

	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prodCfg := write("prod.json", `{"data_dir":"`+data+`","compare":{"api_url":"`+prod.URL+`","partner_id":"0001","api_key_file":"`+key+
		`","allow_insecure_http":true},"sync":{"callback_url":"https://partner.example.com/cb"}}`)
	received := func() int {
		n := 0
		for _, id := range []string{"p1", "p2"} {
			c, _ := sbx.JobCount("0001", id)
			n += c
		}
		return n
	}

	code, out, errs := runKioskctl(t, "--config", prodCfg, "sync")
	if received() != 0 {
		t.Fatalf("practice jobs reached the non-loopback API (exit %d): %s %s", code, out, errs)
	}
	if st := states(t, data); st[offline.StateFailed] != 2 || !strings.Contains(out, "training job not sent") {
		t.Fatalf("states %v, output:\n%s%s", st, out, errs)
	}
	// queue retry puts a failed practice job back; the next sync fails it again.
	if code, _, errs := runKioskctl(t, "--config", prodCfg, "queue", "retry", "p1"); code != exitOK {
		t.Fatalf("queue retry: exit %d: %s", code, errs)
	}
	runKioskctl(t, "--config", prodCfg, "sync")
	if received() != 0 || states(t, data)[offline.StateFailed] != 2 {
		t.Fatalf("after queue retry: %d received, states %v", received(), states(t, data))
	}
	// To the loopback sandbox (with a loopback callback), the retried job goes.
	trainCfg := write("train.json", `{"data_dir":"`+data+`","training":true,"compare":{"api_url":"`+local.URL+`","partner_id":"0001","api_key_file":"`+key+
		`"},"sync":{"callback_url":"http://127.0.0.1:9/cb"}}`)
	if code, _, errs := runKioskctl(t, "--config", trainCfg, "queue", "retry", "p2"); code != exitOK {
		t.Fatalf("queue retry: exit %d: %s", code, errs)
	}
	code, out, errs = runKioskctl(t, "--config", trainCfg, "sync")
	if c, _ := sbx.JobCount("0001", "p2"); c != 1 || code != exitOK {
		t.Fatalf("the practice job did not reach the loopback sandbox (%d requests, exit %d): %s %s", c, code, out, errs)
	}
	// A training config with a production callback URL is refused.
	bad := write("bad.json", `{"data_dir":"`+data+`","training":true,"compare":{"api_url":"`+local.URL+`","partner_id":"0001","api_key_file":"`+key+
		`"},"sync":{"callback_url":"https://partner.example.com/cb"}}`)
	if code, _, errs := runKioskctl(t, "--config", bad, "status"); code == exitOK || !strings.Contains(errs, "callback_url") {
		t.Fatalf("a training config with a production callback: exit %d, %s", code, errs)
	}
}

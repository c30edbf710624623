package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// heldAnalyzer holds the first job in its analysis until released (the kiosk's upload
// is then in flight: the body sent, the answer not yet come); the others pass at once.
type heldAnalyzer struct {
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (h *heldAnalyzer) Judge(ctx context.Context, _ sandbox.Inputs) (sandbox.Verdict, error) {
	first := false
	h.once.Do(func() { first = true })
	if first {
		close(h.entered)
		<-h.release
	}
	return sandbox.Verdict{SelfieProvided: true, ComparisonFace: true, SelfieLive: true, LivenessPassed: true, Match: true}, nil
}

func buildKiosk(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kiosk")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building cmd/kiosk: %v\n%s", err, out)
	}
	return bin
}

type kioskProc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
}

func startProc(t *testing.T, bin, cfg string) *kioskProc {
	t.Helper()
	p := &kioskProc{cmd: exec.Command(bin, "--headless", "--config", cfg), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// term sends SIGTERM and waits for a clean exit; it returns how long the exit took.
func (p *kioskProc) term(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("the kiosk exited with %v after SIGTERM:\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second): // a guard against a hang, not a speed check
		t.Fatalf("the kiosk did not exit after SIGTERM:\n%s", p.stderr)
	}
	return time.Since(start)
}

// dial waits for the kiosk's socket.
func dial(t *testing.T, p *kioskProc, sock string) *localapi.Client {
	t.Helper()
	for {
		c, err := localapi.Dial(context.Background(), sock)
		if err == nil {
			return c
		}
		select {
		case err := <-p.done:
			t.Fatalf("the kiosk exited (%v):\n%s", err, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// SIGTERM while a job is being sent (its request at the sandbox, the answer not back):
// the kiosk exits cleanly, the job goes back to the queue, and after a restart every
// job is delivered once: nothing lost, no job recorded twice by the server.
func TestSIGTERMWhileSending(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kiosk")
	}
	bin := buildKiosk(t)
	dir := t.TempDir()
	an := &heldAnalyzer{entered: make(chan struct{}), release: make(chan struct{})}
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: []byte("k3y"), ProductActive: true}},
		DBPath: filepath.Join(dir, "sandbox.db"), Analyzer: an, CallbackAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sbx.Handler())
	defer func() { srv.Close(); sbx.Close() }()

	data := filepath.Join(dir, "data")
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"t1", "t2", "t3"}
	for _, id := range ids {
		j := &job.Job{ID: id, UserID: "u-" + id, ComparisonType: job.IDPhoto,
			Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
		for i := range 4 {
			j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
		}
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	key := filepath.Join(dir, "key")
	os.WriteFile(key, []byte("k3y\n"), 0o600)
	sock := filepath.Join(dir, "kiosk.sock")
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`{"data_dir":%q,"kiosk_id":"kiosk-sig","offline":{"min_free_disk_mb":-1},
		"local_api":{"socket":%q,"group":"%d"},
		"capture":{"selfie_camera":{"replay_dir":%q}},
		"sync":{"callback_url":"http://127.0.0.1:9/cb","retry_base":"100ms","retry_max":"1s"},
		"compare":{"api_url":%q,"partner_id":"0001","api_key_file":%q}}`,
		data, sock, os.Getegid(), filepath.Join(dir, "no-camera"), srv.URL, key)), 0o644)

	p := startProc(t, bin, cfg)
	c := dial(t, p, sock)
	select {
	case <-an.entered:
	case err := <-p.done:
		t.Fatalf("the kiosk exited (%v):\n%s", err, p.stderr)
	}
	st, err := c.Status(context.Background())
	if err != nil || st.ByState["sending"] != 1 || !st.Training {
		t.Fatalf("status while sending: %+v, %v", st, err)
	}
	took := p.term(t)
	t.Logf("exit after SIGTERM with a job in flight took %s", took)
	close(an.release)
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the socket is left behind: %v", err)
	}

	// Nothing lost: the job in flight is back in the queue (the file opens: the
	// kiosk closed it).
	q, err = offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if n := q.Counts().ByState[offline.StateQueued]; n != 3 {
		t.Fatalf("after SIGTERM: %v\n%s", q.Counts().ByState, p.stderr)
	}
	q.Close()

	p = startProc(t, bin, cfg)
	c = dial(t, p, sock)
	for {
		st, err := c.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.ByState["done"] == len(ids) {
			break
		}
		if st.ByState["failed"] > 0 || st.Halt != nil {
			t.Fatalf("status: %+v", st)
		}
		select {
		case err := <-p.done:
			t.Fatalf("the kiosk exited (%v):\n%s", err, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.term(t)

	for _, id := range ids {
		rec, known, err := sbx.Job("0001", id)
		n, _ := sbx.JobCount("0001", id)
		if err != nil || !known || rec.Code != "0840" {
			t.Fatalf("job %s: the sandbox recorded %+v (%v)", id, rec, err)
		}
		// The interrupted job reached the server twice at most: once cut off, once
		// re-sent under the same id (answered 2215 when the first was recorded).
		if max := map[bool]int{true: 2, false: 1}[n > 1]; n > max || n < 1 {
			t.Fatalf("job %s: %d requests", id, n)
		}
	}
	q, err = offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	es, _ := q.List(offline.ListOptions{})
	for _, e := range es {
		if e.State != offline.StateDone || e.Result == nil {
			t.Fatalf("job %s: %s %+v", e.ID, e.State, e.Result)
		}
		t.Logf("job %s: %s (attempts %s)", e.ID, e.Result.Code, strconv.Itoa(e.Attempts))
	}
}

func TestVersionAndHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"--version"}, &out, &errb); err != nil {
		t.Fatalf("--version: %v", err)
	}
	if got := out.String(); !strings.HasPrefix(got, "kiosk "+version+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("--version printed %q", got)
	}
	out.Reset()
	if err := run([]string{"--help"}, &out, &errb); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: got %v, want flag.ErrHelp (main exits 0 on it)", err)
	}
	if !strings.Contains(errb.String(), "-headless") {
		t.Fatalf("--help printed no usage: %q", errb.String())
	}
	if err := run([]string{"--no-such-flag"}, &out, &errb); err == nil || errors.Is(err, flag.ErrHelp) {
		t.Fatalf("a bad flag: got %v, want an error", err)
	}
}

// A config file that its group or others may write is refused at start, with the chmod
// that fixes it: whoever can write it decides where the jobs go.
func TestWritableConfigRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"data_dir":"`+dir+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg, 0o666); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run([]string{"--headless", "--config", cfg}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "chmod go-w "+cfg) {
		t.Fatalf("start with a 0666 config: %v", err)
	}
	if _, serr := os.Stat(filepath.Join(dir, offline.DBFile)); serr == nil {
		t.Fatal("the kiosk started (queue.db created) on a writable config")
	}
}

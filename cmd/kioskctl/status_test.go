package main

import (
	"bytes"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

func runKioskctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestStatus(t *testing.T) {
	dir := t.TempDir()
	q, err := offline.Open(dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	j := &job.Job{ID: "job-1", UserID: "u", ComparisonType: job.Portrait,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
	for i := 0; i < 4; i++ {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
	}
	if _, err := q.Enqueue(j); err != nil {
		t.Fatal(err)
	}
	q.Close()
	halt := &uploader.Halt{Code: "2205", Reason: "The compare API refused the kiosk's credentials", At: time.Now()}
	if err := (uploader.FileState{Path: filepath.Join(dir, uploader.StateFile)}).Save(uploader.Persisted{Halt: halt, LastError: "job job-0: 2205"}, true); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	code, out, errs := runKioskctl(t, "status", "--data-dir", dir, "--api-url", "http://"+ln.Addr().String())
	if code != exitOK {
		t.Fatalf("status exit %d: %s", code, errs)
	}
	for _, want := range []string{"connectivity:   online (checked now)", "queued:         1", "HALTED since", "refused the kiosk's credentials", "last error:     job job-0: 2205"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}

	ln.Close()
	code, out, _ = runKioskctl(t, "status", "--json", "--data-dir", dir, "--api-url", "http://"+ln.Addr().String())
	var rep statusReport
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("status --json exit %d: %s", code, out)
	}
	if rep.Connectivity != "offline" || !rep.Probed || rep.Queued != 1 || rep.ByState["queued"] != 1 || rep.Halt == nil || rep.Halt.Code != "2205" {
		t.Fatalf("status --json = %+v", rep)
	}

	if code, _, _ := runKioskctl(t, "status", "extra"); code != exitUsage {
		t.Fatalf("status with an argument: exit %d, want usage", code)
	}
}

// While the kiosk holds the queue, status still shows the sync state and says why the
// counts are missing.
func TestStatusWhileQueueHeld(t *testing.T) {
	dir := t.TempDir()
	q, err := offline.Open(dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := (uploader.FileState{Path: filepath.Join(dir, uploader.StateFile)}).Save(uploader.Persisted{LastError: "job j: 2201: system error"}, false); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runKioskctl(t, "status", "--data-dir", dir)
	if code != exitOK || !strings.Contains(out, "queue:          unavailable") || !strings.Contains(out, "another program holds it") ||
		!strings.Contains(out, "last error:     job j: 2201: system error") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

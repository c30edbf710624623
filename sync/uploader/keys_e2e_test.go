package uploader

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/testkit/swtpmtest"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/offline/protector"
)

// TestEndToEndMigrationToTPM: a kiosk with a plain device.key, two jobs already
// delivered and three queued, starts with keys.protector tpm2 (a software TPM): the
// keys move, the plain key is gone, and the real sandbox on loopback receives every
// job exactly once, the delivered ones never again.
func TestEndToEndMigrationToTPM(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests need the face engine")
	}
	tpm := swtpmtest.Start(t)
	srv := startServer(t, nil)
	dir := t.TempDir()
	drain := func(q *offline.Queue) Report {
		t.Helper()
		ev := &eventLog{}
		u := New(OfflineQueue{q}, CompareSender{Client: newClient(t, srv.proxy.URL(), e2eKey)}, e2eOptions(srv.proxy, ev))
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		rep, err := u.Drain(ctx)
		if err != nil {
			t.Fatalf("Drain: %v (report %+v)", err, rep)
		}
		return rep
	}
	ids := []string{"mig-0", "mig-1", "mig-2", "mig-3", "mig-4"}
	fillQueue(t, dir, "small", ids[:2]...)
	q := openOffline(t, dir, nil)
	if rep := drain(q); rep.Delivered != 2 {
		t.Fatalf("before the move: %+v", rep)
	}
	q.Close()
	fillQueue(t, dir, "small", ids[2:]...)
	fp := func() string {
		st, err := offline.ReadKeyStatus(dir)
		if err != nil {
			t.Fatal(err)
		}
		return st.Protector + " " + st.Fingerprint
	}
	before := fp()

	p, err := protector.OpenTPM2(tpm.Path, false)
	if err != nil {
		t.Fatal(err)
	}
	q, err = offline.Open(dir, offline.Options{Protector: p, Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatalf("opening with the TPM: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, offline.DeviceKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("device.key after the move: %v", err)
	}
	if after := fp(); after != "tpm2"+before[len("file"):] {
		t.Fatalf("keys %q before, %q after the move", before, after)
	}
	if c := q.Counts(); c.ByState[offline.StateQueued] != 3 || c.ByState[offline.StateDone] != 2 {
		t.Fatalf("counts after the move: %v", c.ByState)
	}
	if rep := drain(q); rep.Delivered != 3 || rep.Attempts != 3 {
		t.Fatalf("after the move: %+v, want 3 delivered in 3 attempts", rep)
	}
	checkDeliveredOnce(t, q, srv.sbx, ids, false)
	q.Close()

	// A restart on the same TPM: nothing left, nothing sent again.
	p, _ = protector.OpenTPM2(tpm.Path, false)
	q, err = offline.Open(dir, offline.Options{Protector: p, Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if rep := drain(q); rep.Attempts != 0 {
		t.Fatalf("a restart sent again: %+v", rep)
	}
	checkDeliveredOnce(t, q, srv.sbx, ids, false)
}

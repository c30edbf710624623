package kioskui

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/doctor"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/ui"
)

// The status screen's checks are a real doctor run beside the running app, in its
// process: the kiosk answers on the app's own socket, the queue is read through it (the
// app holds queue.db), the cameras are not opened, and every result has sentences.
func TestChecksOverTheRunningApp(t *testing.T) {
	dir := t.TempDir()
	replay := t.TempDir()
	if err := os.WriteFile(filepath.Join(replay, "a.jpg"), doctor.Photo, 0o644); err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	c.DataDir, c.KioskID = filepath.Join(dir, "data"), "kiosk-checks"
	c.LocalAPI.Socket, c.LocalAPI.Group = filepath.Join(dir, "kiosk.sock"), strconv.Itoa(os.Getegid())
	c.Offline.MinFreeDiskMB = -1
	c.Capture.SelfieCamera.ReplayDir = replay
	a, err := app.New(app.Options{Config: c, NoCameras: true, NoNetwatch: true, ExternalIdleLock: true, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	select {
	case <-a.Ready():
	case err := <-done:
		t.Fatal(err)
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not get ready")
	}

	chk := newChecks(a)
	if chk.socket != c.LocalAPI.Socket || chk.cfg.DataDir != c.DataDir {
		t.Fatalf("checks on socket %q, data %q: not the app's", chk.socket, chk.cfg.DataDir)
	}
	rep := chk.report(context.Background())
	byName := map[string]doctor.Result{}
	for _, r := range rep.Checks {
		byName[r.Name] = r
	}
	if _, ok := byName[doctor.CheckConfig]; ok {
		t.Error("the config check ran: the app's config is loaded already")
	}
	if k := byName[doctor.CheckKiosk]; k.Status != doctor.OK || !strings.Contains(k.Detail, c.LocalAPI.Socket) {
		t.Errorf("kiosk: %+v", k)
	}
	if q := byName[doctor.CheckQueue]; q.Status != doctor.OK || !strings.Contains(q.Detail, "through the running kiosk") {
		t.Errorf("queue not read through the app: %+v", q)
	}
	if cam := byName[doctor.CheckCameras]; cam.Status != doctor.OK || !strings.Contains(cam.Detail, "replay of 1 images") {
		t.Errorf("cameras: %+v", cam)
	}
	if m := byName[doctor.CheckModels]; m.Status != doctor.OK {
		t.Errorf("models: %+v", m)
	}
	if api := byName[doctor.CheckAPI]; api.Status != doctor.Fail {
		t.Errorf("api without api_url: %+v", api)
	}

	res, err := chk.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(rep.Checks) {
		t.Fatalf("%d results for %d checks", len(res), len(rep.Checks))
	}
	levels := map[doctor.Status]ui.Level{doctor.OK: ui.LevelOK, doctor.Warn: ui.LevelWarn, doctor.Fail: ui.LevelFail}
	for i, r := range res {
		d := rep.Checks[i]
		if r.Name != d.Name || r.Level != levels[d.Status] {
			t.Errorf("result %d: %+v for %s %s", i, r, d.Name, d.Status)
		}
		if (r.Level == ui.LevelOK) != (r.Fix == "") {
			t.Errorf("%s: level %v with fix %q", r.Name, r.Level, r.Fix)
		}
		for _, code := range []string{"doctor." + r.Finding, "doctor." + r.Fix, "doctor.name." + r.Name} {
			if code == "doctor." {
				continue
			}
			for _, l := range []string{"en", "fr"} {
				if !messages.Has(l, code) {
					t.Errorf("%s: %s has no %s sentence", r.Name, code, l)
				}
			}
		}
	}
	// The disk's free space moves between runs: compare within one.
	if i := slicesIndex(res, doctor.CheckDisk); i < 0 || res[i].Finding != "disk.no-floor" {
		t.Fatalf("disk result missing or not disk.no-floor: %+v", res)
	}
	disk := checkResult(byName[doctor.CheckDisk])
	if disk.Finding != "disk.no-floor" || messages.Text("en", "doctor."+disk.Finding, disk.Args...) != byName[doctor.CheckDisk].Detail {
		t.Errorf("disk: %+v, detail %q", disk, byName[doctor.CheckDisk].Detail)
	}

	// A cancelled run is an error, not a screen of failures.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := chk.Run(cctx); err == nil {
		t.Error("a cancelled run gave no error")
	}
}

func slicesIndex(res []ui.CheckResult, name string) int {
	for i, r := range res {
		if r.Name == name {
			return i
		}
	}
	return -1
}

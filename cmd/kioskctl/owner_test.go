package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain runs kioskctl itself when KIOSKCTL_TEST_MAIN is set: the tests that need a
// process of its own (one that changes its user) run the test binary that way. In the
// test process itself kioskctl never changes its user (that would be for good, and
// every later test would run as another user): becomeOwner does nothing there.
func TestMain(m *testing.M) {
	if os.Getenv("KIOSKCTL_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
	}
	becomeOwner = func(int, int) error { return nil }
	os.Exit(m.Run())
}

// kioskctlProcess runs kioskctl in a process of its own with stdin.
func kioskctlProcess(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KIOSKCTL_TEST_MAIN=1")
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// nobody is the other owner of the tests: the nobody user of every Debian system.
const nobody = 65534

// otherOwnersDir is a fresh data folder that belongs to nobody, under a folder anyone
// may cross.
func otherOwnersDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("giving a folder to another user needs root")
	}
	base, err := os.MkdirTemp("", "kioskctl-owner-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(base, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	return data
}

func ownerOf(t *testing.T, path string) int {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}

// The reported attack: `sudo kioskctl` on a fresh data folder of the kiosk's user
// created root-owned device.key and queue.db, and the kiosk then restarted every 2 s for
// ever. kioskctl run as root works as the folder's owner: what it creates is the owner's.
func TestRootWorksAsTheDataOwner(t *testing.T) {
	data := otherOwnersDir(t)
	if code, out := kioskctlProcess(t, "", "--data-dir", data, "queue", "list"); code != 0 {
		t.Fatalf("queue list as root: exit %d\n%s", code, out)
	}
	if code, out := kioskctlProcess(t, "739146\n", "--data-dir", data, "operator", "add", "--pin-stdin", "amina"); code != 0 {
		t.Fatalf("operator add as root: exit %d\n%s", code, out)
	}
	ents, err := os.ReadDir(data)
	if err != nil || len(ents) < 2 {
		t.Fatalf("data folder: %v %v", ents, err)
	}
	for _, e := range ents {
		if uid := ownerOf(t, filepath.Join(data, e.Name())); uid != nobody {
			t.Errorf("%s belongs to uid %d, not to the folder's owner %d", e.Name(), uid, nobody)
		}
	}
	if code, out := kioskctlProcess(t, "", "--data-dir", data, "operator", "list"); code != 0 || !strings.Contains(out, "amina") {
		t.Fatalf("operator list: exit %d\n%s", code, out)
	}
}

// When it cannot become the owner, kioskctl refuses, creates nothing, and gives the
// sudo -u line that works.
func TestRootRefusesWhenItCannotBecomeTheOwner(t *testing.T) {
	data := otherOwnersDir(t)
	old := becomeOwner
	becomeOwner = func(int, int) error { return errors.New("operation not permitted") }
	t.Cleanup(func() { becomeOwner = old })
	code, _, errs := runKioskctl(t, "--data-dir", data, "queue", "list")
	if code == 0 || !strings.Contains(errs, "sudo -u nobody kioskctl --data-dir "+data+" queue list") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if ents, _ := os.ReadDir(data); len(ents) != 0 {
		t.Fatalf("files created as root: %v", ents)
	}
}

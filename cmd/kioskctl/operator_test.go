package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/user"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/offline"
)

// operatorEnv makes PIN hashing cheap and restores the package's hooks after t.
func operatorEnv(t *testing.T) string {
	t.Helper()
	oldIn, oldID, oldLookup, oldOpts := operatorStdin, operatorIdentity, lookupGroup, operatorOptions
	t.Cleanup(func() {
		operatorStdin, operatorIdentity, lookupGroup, operatorOptions = oldIn, oldID, oldLookup, oldOpts
	})
	operatorOptions = offline.OperatorOptions{PIN: offline.PINParams{Time: 1, MemoryKiB: 64, Threads: 1}}
	return t.TempDir()
}

func withStdin(s string) { operatorStdin = strings.NewReader(s) }

func TestOperatorCommands(t *testing.T) {
	dir := operatorEnv(t)
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // in stdout (or stderr when the exit is not 0)
	}{
		{"add", "402817\n", []string{"add", "--name", "Zawadi K.", "--pin-stdin", "zawadi"}, exitOK, "operator zawadi added as operator"},
		{"add supervisor", "739104", []string{"add", "--role", "supervisor", "--pin-stdin", "amina"}, exitOK, "added as supervisor"},
		{"duplicate", "402817\n", []string{"add", "--pin-stdin", "zawadi"}, exitError, "already exists"},
		{"weak PIN", "345678\n", []string{"add", "--pin-stdin", "baraka"}, exitError, "digits follow each other"},
		{"short PIN", "4028\n", []string{"add", "--pin-stdin", "baraka"}, exitError, "6 to 12 digits"},
		{"no PIN on stdin", "", []string{"add", "--pin-stdin", "baraka"}, exitError, "nothing came"},
		{"not a terminal", "402817\n", []string{"add", "baraka"}, exitError, "--pin-stdin"},
		{"bad role", "402817\n", []string{"add", "--role", "boss", "--pin-stdin", "baraka"}, exitUsage, "operator or supervisor"},
		{"no id", "", []string{"add", "--pin-stdin"}, exitUsage, "give one job id"},
		{"bad id", "402817\n", []string{"add", "--pin-stdin", "Baraka M"}, exitError, "a-z, 0-9"},
		{"disable", "", []string{"disable", "zawadi"}, exitOK, "zawadi disabled"},
		{"disable unknown", "", []string{"disable", "ghost"}, exitError, "operator not found"},
		{"reset-pin", "580362\n", []string{"reset-pin", "--pin-stdin", "amina"}, exitOK, "amina has a new PIN"},
		{"unknown sub-command", "", []string{"rename", "x"}, exitUsage, "unknown sub-command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withStdin(tc.stdin)
			code, out, errs := runKioskctl(t, append([]string{"--data-dir", dir, "operator"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			where := out
			if code != exitOK {
				where = errs
			}
			if !strings.Contains(where, tc.out) {
				t.Fatalf("output lacks %q:\nstdout: %s\nstderr: %s", tc.out, out, errs)
			}
			if pin := strings.TrimSpace(tc.stdin); pin != "" && (strings.Contains(out, pin) || strings.Contains(errs, pin)) {
				t.Fatalf("the PIN was printed:\nstdout: %s\nstderr: %s", out, errs)
			}
		})
	}

	code, out, errs := runKioskctl(t, "operator", "list", "--data-dir", dir)
	if code != exitOK || !strings.Contains(out, "amina") || !strings.Contains(out, "supervisor") ||
		!regexpLine(out, "zawadi", "Zawadi K.", "operator", "disabled", "never") {
		t.Fatalf("list exit %d:\n%s%s", code, out, errs)
	}
	code, out, _ = runKioskctl(t, "operator", "list", "--json", "--data-dir", dir)
	var got struct{ Operators []offline.Operator }
	if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil || len(got.Operators) != 2 || !got.Operators[1].Disabled {
		t.Fatalf("list --json exit %d, %v: %s", code, err, out)
	}
	if strings.Contains(out, "argon2") {
		t.Fatalf("list --json shows a PIN hash: %s", out)
	}

	// The store agrees: the reset PIN signs in, the disabled operator cannot, and
	// the audit log names kioskctl.
	q, err := offline.Open(dir, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ops := q.Operators(operatorOptions)
	if _, err := ops.SignIn("amina", "580362"); err != nil {
		t.Fatalf("sign-in with the reset PIN: %v", err)
	}
	if _, err := ops.SignIn("zawadi", "402817"); !errors.Is(err, offline.ErrOperatorDisabled) {
		t.Fatalf("sign-in of the disabled operator: %v", err)
	}
	evs, _ := q.Audit(offline.AuditFilter{Kind: offline.AuditPINReset})
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, "kioskctl:") {
		t.Fatalf("pin reset audit: %+v", evs)
	}
}

// regexpLine reports whether one line of out holds every field, in order.
func regexpLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		rest, ok := line, true
		for _, f := range fields {
			i := strings.Index(rest, f)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(f):]
		}
		if ok {
			return true
		}
	}
	return false
}

func TestOperatorNeedsAdmin(t *testing.T) {
	dir := operatorEnv(t)
	lookupGroup = func(name string) (*user.Group, error) {
		if name != adminGroup {
			t.Fatalf("looked up group %q", name)
		}
		return &user.Group{Gid: "4242", Name: name}, nil
	}
	if err := os.Chown(dir, 1000, 1000); err != nil {
		t.Skipf("the test gives the data folder to uid 1000 (run as root): %v", err)
	}
	for _, tc := range []struct {
		name   string
		euid   int
		groups []int
		code   int
	}{
		{"root", 0, nil, exitOK},
		{"admin group", 1000, []int{100, 4242}, exitOK},
		{"owner of the data folder", 1000, []int{100, 1000}, exitOK},
		{"other user", 1001, []int{100, 1001}, exitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			operatorIdentity = func() (int, []int, error) { return tc.euid, tc.groups, nil }
			code, out, errs := runKioskctl(t, "operator", "list", "--data-dir", dir)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s%s", code, tc.code, out, errs)
			}
			if code != exitOK && !strings.Contains(errs, "only root, a member of the group kiosk-admin or the owner of "+dir) {
				t.Fatalf("refusal does not say what is needed: %s", errs)
			}
		})
	}
	// With no such group on the machine, only root passes.
	lookupGroup = func(name string) (*user.Group, error) { return nil, user.UnknownGroupError(name) }
	operatorIdentity = func() (int, []int, error) { return 1001, []int{4242}, nil }
	if code, _, _ := runKioskctl(t, "operator", "list", "--data-dir", dir); code != exitError {
		t.Fatalf("without the group: exit %d", code)
	}
	// The real identity of this test process (root in CI) is read without error.
	if euid, groups, err := (func() (int, []int, error) { operatorIdentity = operatorIdentityReal; return operatorIdentity() })(); err != nil || euid != os.Geteuid() || len(groups) == 0 {
		t.Fatalf("real identity: %d %v %v", euid, groups, err)
	}
}

var operatorIdentityReal = operatorIdentity

// TestOperatorPINFromTerminal types the PIN on a real pseudo-terminal and checks
// that it is not echoed back.
func TestOperatorPINFromTerminal(t *testing.T) {
	dir := operatorEnv(t)
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here (/dev/ptmx: %v)", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	operatorStdin = slave

	typed := make(chan error, 1)
	go func() {
		// Type only once the echo is off, as a person would after the prompt.
		for range 500 {
			tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
			if err != nil {
				typed <- err
				return
			}
			if tio.Lflag&unix.ECHO == 0 {
				_, err := master.Write([]byte("402817\n402817\n"))
				typed <- err
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		typed <- errors.New("the echo was never turned off")
	}()
	code, out, errs := runKioskctl(t, "operator", "add", "--data-dir", dir, "zawadi")
	if err := <-typed; err != nil {
		t.Fatal(err)
	}
	if code != exitOK || !strings.Contains(errs, "New PIN for zawadi") || !strings.Contains(errs, "Repeat the PIN") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	tio, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if tio.Lflag&unix.ECHO == 0 {
		t.Fatal("the terminal's echo was not restored")
	}
	// Whatever the terminal shows (read without blocking) must not hold the PIN.
	var shown []byte
	for {
		pfd := []unix.PollFd{{Fd: int32(master.Fd()), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 100); err != nil || n == 0 {
			break
		}
		buf := make([]byte, 256)
		m, err := unix.Read(int(master.Fd()), buf)
		if err != nil || m <= 0 {
			break
		}
		shown = append(shown, buf[:m]...)
	}
	if strings.Contains(string(shown), "402817") {
		t.Fatalf("the PIN was echoed on the terminal: %q", shown)
	}
	q, err := offline.Open(dir, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Operators(operatorOptions).SignIn("zawadi", "402817"); err != nil {
		t.Fatalf("sign-in with the typed PIN: %v", err)
	}
}

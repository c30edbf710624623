// Package swtpmtest runs Debian's swtpm, a software TPM 2.0, for tests: one process
// per TPM, in socket mode (the raw TPM command stream on a unix socket, no root, no
// kernel module), with its own state folder, so two TPMs have two owner seeds and
// what one seals the other cannot unseal. scripts/setup.sh installs swtpm; a test
// on a machine without it is skipped, saying so.
package swtpmtest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TPM is one running swtpm.
type TPM struct {
	// Path is the TPM for keys.tpm_path: "unix:" + the command socket.
	Path string
	// Socket is the command socket; State the folder holding the TPM's state.
	Socket, State string
	cmd           *exec.Cmd
	log           *bytes.Buffer
}

// Available says whether swtpm is installed (and why not).
func Available() (bool, string) {
	if _, err := exec.LookPath("swtpm"); err != nil {
		return false, "swtpm is not installed (scripts/setup.sh installs the Debian packages swtpm and swtpm-tools)"
	}
	return true, ""
}

// Start runs a new software TPM, stopped when the test ends. It skips the test when
// swtpm is missing.
func Start(tb testing.TB) *TPM {
	tb.Helper()
	if ok, why := Available(); !ok {
		tb.Skip(why)
	}
	// A short folder: a unix socket's path holds at most 107 bytes.
	dir, err := os.MkdirTemp("", "swtpm-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	state := filepath.Join(dir, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		tb.Fatal(err)
	}
	t := &TPM{Socket: filepath.Join(dir, "tpm.sock"), State: state, log: &bytes.Buffer{}}
	t.Path = "unix:" + t.Socket
	t.cmd = exec.Command("swtpm", "socket", "--tpm2",
		"--server", "type=unixio,path="+t.Socket,
		"--ctrl", "type=unixio,path="+filepath.Join(dir, "ctrl.sock"),
		"--flags", "not-need-init,startup-clear",
		"--tpmstate", "dir="+state)
	t.cmd.Stdout, t.cmd.Stderr = t.log, t.log
	if err := t.cmd.Start(); err != nil {
		tb.Fatalf("starting swtpm: %v", err)
	}
	tb.Cleanup(t.stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unix", t.Socket)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("swtpm did not open %s within 10 s: %v; its output: %s", t.Socket, err, t.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return t
}

func (t *TPM) stop() {
	if t.cmd.Process != nil {
		t.cmd.Process.Kill()
		t.cmd.Wait()
	}
}

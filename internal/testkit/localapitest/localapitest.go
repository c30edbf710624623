// Package localapitest runs a local API client as another user, for the tests of the
// local API's boundaries: the test binary copied where another user may run it
// (ChildBinary), run under another uid and groups (Start) with one of its own test
// functions as the child's entry point, and the child's side of a connection flood
// (Flood). It imports nothing of the agent's, so internal/localapi's own tests use it.
// The tests that use it run as root and skip otherwise.
package localapitest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ChildBinary copies the running test binary into a new folder others may enter
// (mode 0755), for a child run as another user; dir is that folder (a socket made
// in it can be reached by the child). It skips the test when not run as root.
func ChildBinary(t *testing.T) (dir, child string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	dir, err := os.MkdirTemp("", "localapi-users-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	child = filepath.Join(dir, filepath.Base(self))
	if err := os.WriteFile(child, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, child
}

// Child is a child process run as another user; Result is the first line it
// printed that starts with "RESULT: ".
type Child struct {
	Result  string
	release func()
}

// Release closes the child's standard input (a flood then lets its connections go)
// and waits for it.
func (c *Child) Release() { c.release() }

// Start runs the test function test of child as uid with groups (primary group
// 65534), with env, and returns once the child printed its RESULT line. The child
// runs until it ends or Release.
func Start(t *testing.T, child, test string, uid uint32, groups []uint32, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(child, "-test.run=^"+test+"$", "-test.v")
	cmd.Dir = filepath.Dir(child)
	cmd.Env = append([]string{"HOME=/"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: 65534, Groups: groups}}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	c := &Child{release: func() { once.Do(func() { in.Close(); io.Copy(io.Discard, out); cmd.Wait() }) }}
	t.Cleanup(c.release)
	sc := bufio.NewScanner(out)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "RESULT: ") {
			c.Result = line
			return c
		}
		lines = append(lines, line)
	}
	c.release()
	t.Fatalf("the child printed no result:\n%s", strings.Join(lines, "\n"))
	return nil
}

// Flood is the child's side of a connection flood: it opens up to n connections to
// the unix socket at path, asks each for GET /v1/status on a keep-alive connection,
// prints one RESULT line ("RESULT: held served=S busy=B failed=F": served, answered
// busy, or failed; ParseFlood reads it), and holds
// them until its standard input closes, asking again on each served connection every
// second so that no idle timeout lets them go. It stops opening after 20 failures
// in a row (a kiosk that no longer accepts).
func Flood(path string, n int) {
	type held struct {
		c net.Conn
		r *bufio.Reader
	}
	ask := func(h held) (int, error) {
		h.c.SetDeadline(time.Now().Add(2 * time.Second))
		// A kiosk over its limit answers 503 once the request is read (at once,
		// unread, when four such wait already): the answer is read even when the
		// write failed.
		fmt.Fprint(h.c, "GET /v1/status HTTP/1.1\r\nHost: kiosk.local\r\n\r\n")
		resp, err := http.ReadResponse(h.r, nil)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	var conns, alive []held
	served, busy, failed, inARow := 0, 0, 0, 0
	for range n {
		if inARow >= 20 {
			break
		}
		c, err := net.DialTimeout("unix", path, 2*time.Second)
		if err != nil {
			failed++
			inARow++
			continue
		}
		h := held{c, bufio.NewReader(c)}
		conns = append(conns, h)
		switch code, err := ask(h); {
		case err == nil && code == http.StatusOK:
			served++
			inARow = 0
			alive = append(alive, h)
		case err == nil && code == http.StatusServiceUnavailable:
			busy++
			inARow = 0
		default:
			failed++
			inARow++
		}
	}
	fmt.Printf("RESULT: held served=%d busy=%d failed=%d\n", served, busy, failed)
	stop := make(chan struct{})
	for _, h := range alive {
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Second):
					ask(h)
				}
			}
		}()
	}
	io.Copy(io.Discard, os.Stdin)
	close(stop)
	for _, h := range conns {
		h.c.Close()
	}
}

// OpenFDs counts this process's open file descriptors.
func OpenFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// ParseFlood reads Flood's RESULT line.
func ParseFlood(result string) (served, busy, failed int, err error) {
	_, err = fmt.Sscanf(result, "RESULT: held served=%d busy=%d failed=%d", &served, &busy, &failed)
	return
}

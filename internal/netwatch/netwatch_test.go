package netwatch

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

const childEnv = "NETWATCH_TEST_IN_NETNS"

// inNetns runs the calling test again in a child process in a new, empty network
// namespace (all of its threads in it), where it may add and remove links freely.
// It returns true in the child, which then runs the test's body.
func inNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == "1" {
		return true
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip command to add links (apt-get install iproute2)")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, syscall.EPERM) {
		t.Skipf("the kernel refuses a new network namespace (%v): run the test as root", err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a new network namespace: %v\n%s", err, out)
	}
	t.Logf("passed in a new network namespace:\n%s", out)
	return false
}

func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// waitFor reads callbacks until one says want.
func waitFor(t *testing.T, calls <-chan bool, want bool, after string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case got := <-calls:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("after %s: no callback with online=%v", after, want)
		}
	}
}

func TestWatchKernelEvents(t *testing.T) {
	if !inNetns(t) {
		return
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan bool, 64)
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, func(up bool) { calls <- up }, Options{Debounce: 50 * time.Millisecond})
	}()
	if got := <-calls; got {
		t.Fatal("a new network namespace (loopback only) is online at start")
	}

	ip(t, "link", "add", "nw0", "type", "veth", "peer", "name", "nw1")
	ip(t, "link", "set", "nw0", "up")
	ip(t, "link", "set", "nw1", "up")
	waitFor(t, calls, false, "links up without an address")

	ip(t, "addr", "add", "10.9.8.7/24", "dev", "nw0")
	waitFor(t, calls, true, "an IPv4 address added")
	ip(t, "addr", "del", "10.9.8.7/24", "dev", "nw0")
	waitFor(t, calls, false, "the IPv4 address removed")

	ip(t, "addr", "add", "2001:db8::7/64", "dev", "nw0", "nodad")
	waitFor(t, calls, true, "an IPv6 address added")
	ip(t, "addr", "del", "2001:db8::7/64", "dev", "nw0")
	waitFor(t, calls, false, "the IPv6 address removed")

	// (IPv6 addresses go with the link when it goes down; IPv4 ones stay.)
	ip(t, "addr", "add", "10.9.8.7/24", "dev", "nw0")
	waitFor(t, calls, true, "the IPv4 address back")
	ip(t, "link", "set", "nw0", "down")
	waitFor(t, calls, false, "the link set down")
	ip(t, "link", "set", "nw0", "up")
	waitFor(t, calls, true, "the link up again")
	ip(t, "link", "del", "nw0")
	waitFor(t, calls, false, "the link deleted")

	// A link-local address and loopback do not count.
	ip(t, "link", "set", "lo", "up")
	ip(t, "link", "add", "nw2", "type", "veth", "peer", "name", "nw3")
	ip(t, "addr", "add", "169.254.3.4/16", "dev", "nw2")
	ip(t, "link", "set", "nw2", "up")
	ip(t, "link", "set", "nw3", "up")
	waitFor(t, calls, false, "only loopback and a link-local address")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch returned %v after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 200 {
			t.Fatalf("goroutines: %d before Watch, %d after it returned", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWatchDebounce checks on a fake clock that a burst of kernel events gives one
// callback, only once the debounce has passed.
func TestWatchDebounce(t *testing.T) {
	if !inNetns(t) {
		return
	}
	clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	reads := make(chan struct{}, 64)
	calls := make(chan bool, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, func(up bool) { calls <- up }, Options{Debounce: 2 * time.Second, Clock: clk,
			Online: func() (bool, error) { reads <- struct{}{}; return Online() }})
	}()
	<-calls // the state at start
	<-reads

	// A burst: a pair of links, both up, and an address.
	ip(t, "link", "add", "nw0", "type", "veth", "peer", "name", "nw1")
	ip(t, "link", "set", "nw0", "up")
	ip(t, "link", "set", "nw1", "up")
	ip(t, "addr", "add", "10.9.8.7/24", "dev", "nw0")
	for i := 0; clk.Pending() == 0; i++ {
		if i == 2000 {
			t.Fatal("no debounce timer after kernel events")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let the rest of the burst arrive
	select {
	case <-calls:
		t.Fatal("called back before the debounce passed")
	default:
	}
	clk.Advance(2 * time.Second)
	if got := <-calls; !got {
		t.Fatal("after the burst: online=false, want true")
	}
	select {
	case <-reads:
	default:
		t.Fatal("the callback did not come from a fresh read")
	}
	clk.Advance(time.Hour)
	select {
	case <-calls:
		t.Fatal("one burst gave two callbacks")
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

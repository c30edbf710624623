package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// app is the running app as the tests see it: the queue's part from QueueBackend,
// the rest recorded.
type app struct {
	QueueBackend
	mu       sync.Mutex
	syncReqs []SyncRequest
}

func (a *app) Status(context.Context) (Status, error) {
	s := Status{Status: uploader.Status{Connectivity: "online"}, ByState: map[string]int{}, KioskID: "kiosk-1", Operator: "zawadi"}
	for st, n := range a.Q.Counts().ByState {
		s.ByState[st.String()] = n
	}
	s.Queued = s.ByState["queued"]
	return s, nil
}

func (a *app) SyncStatus(ctx context.Context) (uploader.Status, error) {
	s, _ := a.Status(ctx)
	return s.Status, nil
}

func (a *app) SyncNow(ctx context.Context, r SyncRequest) (uploader.Status, error) {
	a.mu.Lock()
	a.syncReqs = append(a.syncReqs, r)
	a.mu.Unlock()
	return a.SyncStatus(ctx)
}

func testQueue(t *testing.T, ids ...string) *offline.Queue {
	t.Helper()
	q, err := offline.Open(t.TempDir(), offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}, KioskID: "kiosk-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	for i, id := range ids {
		j := &job.Job{ID: id, UserID: "customer-" + id, ComparisonType: job.Portrait,
			Selfie: []byte{0xFF, 0xD8, 0xFF, byte(i)}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}, OperatorID: "zawadi"}
		for k := range 4 {
			j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + k)})
		}
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// serve starts a server on a socket in a new folder and returns it with a stop
// function that waits for Serve to return.
func serve(t *testing.T, dir string, o Options, b Backend) (*Server, func()) {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(dir, "run", "kiosk.sock")
	}
	s, err := Listen(o)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, b) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

func TestEndpoints(t *testing.T) {
	q := testQueue(t, "job-1", "job-2")
	a := &app{QueueBackend: QueueBackend{Q: q}}
	s, _ := serve(t, t.TempDir(), Options{}, a)
	ctx := context.Background()
	c, err := Dial(ctx, s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	st, err := c.Status(ctx)
	if err != nil || st.KioskID != "kiosk-1" || st.ByState["queued"] != 2 || st.Queued != 2 || st.Connectivity != "online" || st.Operator != "zawadi" {
		t.Fatalf("Status = %+v, %v", st, err)
	}

	l, err := c.Jobs(ctx, offline.ListOptions{})
	if err != nil || len(l.Jobs) != 2 || l.Jobs[0].ID != "job-1" || l.Counts.Unsent != 2 || l.Counts.ByState[offline.StateQueued] != 2 {
		t.Fatalf("Jobs = %+v, %v", l, err)
	}
	if l, err := c.Jobs(ctx, offline.ListOptions{States: []offline.State{offline.StateFailed}}); err != nil || len(l.Jobs) != 0 || l.Jobs == nil {
		t.Fatalf("Jobs(failed) = %+v, %v", l, err)
	}

	// queue show through the socket is the same JSON as read from the file.
	d, err := c.Job(ctx, "job-1")
	if err != nil || d.Integrity != "ok" || d.Sealed == nil || d.Sealed.UserID != "cus…" || d.Sealed.OperatorID != "zawadi" {
		t.Fatalf("Job = %+v, %v", d, err)
	}
	direct, _ := DescribeJob(q, "job-1")
	got, _ := json.Marshal(d)
	want, _ := json.Marshal(direct)
	if string(got) != string(want) {
		t.Fatalf("through the socket:\n%s\nfrom the file:\n%s", got, want)
	}

	_, err = c.Job(ctx, "nope")
	var ae *Error
	if !errors.Is(err, offline.ErrNotFound) || !errors.As(err, &ae) || ae.Status != 404 || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("Job(nope) = %v", err)
	}
	if _, err := c.Retry(ctx, "job-1", RetryRequest{}); !errors.Is(err, offline.ErrBadTransition) {
		t.Fatalf("Retry of a queued job = %v", err)
	}
	if _, err := q.Claim("job-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetState("job-2", offline.StateFailed, offline.Update{Reason: "2204"}); err != nil {
		t.Fatal(err)
	}
	if e, err := c.Retry(ctx, "job-2", RetryRequest{Operator: "amina"}); err != nil || e.State != offline.StateQueued {
		t.Fatalf("Retry = %+v, %v", e, err)
	}
	if _, err := c.Purge(ctx, "job-1", PurgeRequest{}); !errors.Is(err, offline.ErrBadTransition) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Purge of a queued job without force = %v", err)
	}
	if e, err := c.Purge(ctx, "job-1", PurgeRequest{Force: true, Operator: "amina"}); err != nil || !e.ImagesPurged {
		t.Fatalf("Purge = %+v, %v", e, err)
	}
	if d, err := c.Job(ctx, "job-1"); err != nil || d.Integrity != "images purged" {
		t.Fatalf("Job after purge = %+v, %v", d, err)
	}

	evs, err := c.Audit(ctx, AuditQuery{UserID: "customer-job-2"})
	if err != nil || len(evs) == 0 {
		t.Fatalf("Audit = %v, %v", evs, err)
	}
	for _, e := range evs {
		if e.JobID != "job-2" || e.UserHash != q.HashUserID("customer-job-2") {
			t.Fatalf("audit by user id returned %+v", e)
		}
	}
	if evs, err := c.Audit(ctx, AuditQuery{Kind: offline.AuditRetry}); err != nil || len(evs) != 1 || evs[0].Operator != "amina" {
		t.Fatalf("Audit(retry) = %+v, %v", evs, err)
	}
	if _, err := c.Sweep(ctx); err != nil {
		t.Fatalf("Sweep = %v", err)
	}
	if ss, err := c.SyncNow(ctx, SyncRequest{RetryHalted: true}); err != nil || ss.Connectivity != "online" {
		t.Fatalf("SyncNow = %+v, %v", ss, err)
	}
	if len(a.syncReqs) != 1 || !a.syncReqs[0].RetryHalted {
		t.Fatalf("the app saw sync requests %+v", a.syncReqs)
	}
	if ss, err := c.SyncStatus(ctx); err != nil || ss.Queued != 1 {
		t.Fatalf("SyncStatus = %+v, %v", ss, err)
	}

	// A malformed request is a 400 that says what is wrong.
	var out any
	err = c.do(ctx, "POST", "/v1/audit", map[string]string{"user": "x"}, &out)
	if !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Message, "unknown field") {
		t.Fatalf("bad audit body = %v", err)
	}
	err = c.do(ctx, "GET", "/v1/jobs?state=lost", nil, &out)
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Fatalf("bad state = %v", err)
	}
}

func TestSocketFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run", "kiosk.sock")
	s, stop := serve(t, dir, Options{Path: path, Group: "4242"}, &app{QueueBackend: QueueBackend{Q: testQueue(t)}})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != SocketMode {
		t.Fatalf("socket mode %v, want a socket with %o", fi.Mode(), SocketMode)
	}
	if gid := fi.Sys().(*syscall.Stat_t).Gid; gid != 4242 && os.Geteuid() == 0 {
		t.Fatalf("socket group %d, want 4242", gid)
	}

	// A second kiosk is refused while the first serves.
	if _, err := Listen(Options{Path: path, Group: "4242"}); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Listen = %v, want ErrRunning", err)
	}
	stop()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the socket is left after Serve returned: %v", err)
	}
	if _, err := Dial(context.Background(), s.Path()); !errors.Is(err, ErrNoKiosk) {
		t.Fatalf("Dial with no socket = %v, want ErrNoKiosk", err)
	}

	// A kiosk that died left its socket: Dial says no kiosk, Listen takes it over.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	if _, err := Dial(context.Background(), path); !errors.Is(err, ErrNoKiosk) {
		t.Fatalf("Dial on a stale socket = %v, want ErrNoKiosk", err)
	}
	s2, _ := serve(t, dir, Options{Path: path}, &app{QueueBackend: QueueBackend{Q: testQueue(t)}})
	c, err := Dial(context.Background(), s2.Path())
	if err != nil {
		t.Fatalf("Dial after taking over the stale socket: %v", err)
	}
	if _, err := c.Status(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A file that is not a socket is never removed.
	other := filepath.Join(dir, "not-a-socket")
	os.WriteFile(other, []byte("keep me"), 0o600)
	if _, err := Listen(Options{Path: other}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen on a plain file = %v", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "keep me" {
		t.Fatal("Listen changed a file that is not a socket")
	}
	if _, err := Listen(Options{Path: filepath.Join(dir, "x.sock"), Group: "no-such-group-here"}); err == nil || !strings.Contains(err.Error(), "groupadd") {
		t.Fatalf("Listen with an unknown group = %v", err)
	}
}

func TestPeerOfSocketpair(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f0, f1 := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	defer f0.Close()
	defer f1.Close()
	c, err := net.FileConn(f0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := PeerOf(c.(*net.UnixConn))
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := os.Getgroups()
	if int(p.PID) != os.Getpid() || int(p.UID) != os.Getuid() || int(p.GID) != os.Getgid() || len(p.Groups) != len(groups) {
		t.Fatalf("peer %+v; this process: pid %d uid %d gid %d groups %v", p, os.Getpid(), os.Getuid(), os.Getgid(), groups)
	}
}

func TestPeerAllowed(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Peer
		want bool
	}{
		{"root", Peer{UID: 0, GID: 0}, true},
		{"primary group", Peer{UID: 1000, GID: 4242}, true},
		{"supplementary group", Peer{UID: 1000, GID: 1000, Groups: []uint32{27, 4242}}, true},
		{"outside", Peer{UID: 1000, GID: 1000, Groups: []uint32{27, 100}}, false},
		{"nobody", Peer{UID: 65534, GID: 65534}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Allowed(4242); got != tc.want {
				t.Fatalf("Allowed = %v, want %v", got, tc.want)
			}
		})
	}
}

const childSocketEnv = "LOCALAPI_TEST_SOCKET"

// TestChildClient is the client run as another user by TestOtherUsers; on its own
// it does nothing. It prints one RESULT line.
func TestChildClient(t *testing.T) {
	path := os.Getenv(childSocketEnv)
	if path == "" {
		t.Skip("run by TestOtherUsers")
	}
	c, err := Dial(context.Background(), path)
	if err == nil {
		_, err = c.Status(context.Background())
	}
	var ae *Error
	switch {
	case err == nil:
		fmt.Println("RESULT: served")
	case errors.As(err, &ae) && ae.Status == 403 && errors.Is(err, ErrForbidden):
		fmt.Printf("RESULT: refused by the peer check: %v\n", err)
	case errors.Is(err, ErrForbidden):
		fmt.Printf("RESULT: refused by the file mode: %v\n", err)
	default:
		fmt.Printf("RESULT: other: %v\n", err)
	}
}

// TestOtherUsers runs a client as other users (this test runs as root): outside the
// group it is refused by the socket's mode, and by the peer check when the mode is
// loosened; in the group (supplementary) it is served.
func TestOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as another user")
	}
	dir, err := os.MkdirTemp("", "localapi-users-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	child := filepath.Join(dir, "localapi.test")
	if err := os.WriteFile(child, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "run", "kiosk.sock")
	serve(t, dir, Options{Path: path, Group: "4242"}, &app{QueueBackend: QueueBackend{Q: testQueue(t)}})

	run := func(groups ...uint32) string {
		t.Helper()
		cmd := exec.Command(child, "-test.run=^TestChildClient$", "-test.v")
		cmd.Dir = dir
		cmd.Env = []string{childSocketEnv + "=" + path, "HOME=/"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
		out, _ := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "RESULT: ") {
				return line
			}
		}
		t.Fatalf("the client printed no result:\n%s", out)
		return ""
	}
	if got := run(); !strings.Contains(got, "refused by the file mode") {
		t.Errorf("nobody, mode 0660: %s", got)
	}
	if got := run(4242); !strings.Contains(got, "served") {
		t.Errorf("nobody in group 4242: %s", got)
	}
	// With the file open to all, the peer check alone must refuse.
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if got := run(); !strings.Contains(got, "refused by the peer check") || !strings.Contains(got, "uid 65534 is neither root nor in the group 4242") {
		t.Errorf("nobody, mode 0666: %s", got)
	}
}

package localapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/localapitest"
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
		if _, err := q.Enqueue(testJobWith(id, func(j *job.Job) { j.Selfie[3] = byte(i) })); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// testJobWith is a job of customer-ID, changed by fn.
func testJobWith(id string, fn func(*job.Job)) *job.Job {
	j := &job.Job{ID: id, UserID: "customer-" + id, ComparisonType: job.Portrait,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 0}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}, OperatorID: "zawadi"}
	for k := range 4 {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + k)})
	}
	fn(j)
	return j
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
	if e, err := c.Retry(ctx, "job-2", RetryRequest{}); err != nil || e.State != offline.StateQueued {
		t.Fatalf("Retry = %+v, %v", e, err)
	}
	if _, err := c.Purge(ctx, "job-1", PurgeRequest{}); !errors.Is(err, offline.ErrBadTransition) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Purge of a queued job without force = %v", err)
	}
	if e, err := c.Purge(ctx, "job-1", PurgeRequest{Force: true}); err != nil || !e.ImagesPurged {
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
	// The audit names the caller the kernel vouched for (this process's uid).
	if evs, err := c.Audit(ctx, AuditQuery{Kind: offline.AuditRetry}); err != nil || len(evs) != 1 || !strings.Contains(evs[0].Operator, fmt.Sprintf("uid %d", os.Getuid())) {
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

func TestRoleOf(t *testing.T) {
	rs := Roles{ReadGID: 4242, AdminGID: 4343, HasAdmin: true, SelfUID: 990}
	for _, tc := range []struct {
		name string
		rs   Roles
		p    Peer
		want Role
	}{
		{"root", rs, Peer{UID: 0, GID: 0}, RoleAdmin},
		{"the kiosk's own user", rs, Peer{UID: 990, GID: 990}, RoleAdmin},
		{"admin group, supplementary", rs, Peer{UID: 1001, GID: 1001, Groups: []uint32{4242, 4343}}, RoleAdmin},
		{"admin group, primary", rs, Peer{UID: 1001, GID: 4343}, RoleAdmin},
		{"socket group, primary", rs, Peer{UID: 1000, GID: 4242}, RoleReader},
		{"socket group, supplementary", rs, Peer{UID: 1000, GID: 1000, Groups: []uint32{27, 4242}}, RoleReader},
		{"outside", rs, Peer{UID: 1000, GID: 1000, Groups: []uint32{27, 100}}, RoleNone},
		{"nobody", rs, Peer{UID: 65534, GID: 65534}, RoleNone},
		{"no admin group on this machine: gid 0 is no admin", Roles{ReadGID: 4242, SelfUID: 990}, Peer{UID: 1001, GID: 0, Groups: []uint32{4242}}, RoleReader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rs.RoleOf(tc.p); got != tc.want {
				t.Fatalf("RoleOf = %v, want %v", got, tc.want)
			}
		})
	}
}

const (
	childSocketEnv = "LOCALAPI_TEST_SOCKET"
	childActionEnv = "LOCALAPI_TEST_ACTION" // status (default), retry:JOB, retry-pin:JOB:SUPERVISOR:PIN, flood:N
)

// TestChildClient is the client run as another user by TestOtherUsers and
// TestFloodAsGroupMember; on its own it does nothing. It prints one RESULT line.
func TestChildClient(t *testing.T) {
	path := os.Getenv(childSocketEnv)
	if path == "" {
		t.Skip("run by TestOtherUsers")
	}
	action := strings.Split(os.Getenv(childActionEnv), ":")
	if action[0] == "flood" {
		n, _ := strconv.Atoi(action[1])
		localapitest.Flood(path, n)
		return
	}
	ctx := context.Background()
	c, err := Dial(ctx, path)
	if err == nil {
		switch action[0] {
		case "retry-pin":
			c.Supervisor(action[2], action[3])
			fallthrough
		case "retry":
			_, err = c.Retry(ctx, action[1], RetryRequest{AllowNewEnroll: true})
		default:
			_, err = c.Status(ctx)
		}
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

// runChild runs this binary's TestChildClient as uid 65534 in groups, and returns
// its RESULT line.
func runChild(t *testing.T, child, path, action string, groups ...uint32) string {
	t.Helper()
	c := localapitest.Start(t, child, "TestChildClient", 65534, groups, childSocketEnv+"="+path, childActionEnv+"="+action)
	c.Release()
	return c.Result
}

// TestOtherUsers runs a client as other users (this test runs as root): outside the
// group it is refused by the socket's mode, and by the peer check when the mode is
// loosened; in the group (supplementary) it reads, and changes a job only with a
// supervisor's PIN, which the audit records with the caller's uid; in the admin
// group it changes the job itself.
func TestOtherUsers(t *testing.T) {
	dir, child := localapitest.ChildBinary(t)
	path := filepath.Join(dir, "run", "kiosk.sock")
	q := testQueue(t, "job-1", "job-2", "job-3")
	failedJob(t, q, "job-1")
	failedJob(t, q, "job-2")
	ops := q.Operators(cheapPINs)
	if _, err := ops.Add(offline.NewOperator{ID: "zawadi", Role: offline.RoleSupervisor, PIN: testPIN}); err != nil {
		t.Fatal(err)
	}
	serve(t, dir, Options{Path: path, Group: "4242", AdminGroup: "4343", Supervisors: ops}, &app{QueueBackend: QueueBackend{Q: q}})

	if got := runChild(t, child, path, "status"); !strings.Contains(got, "refused by the file mode") {
		t.Errorf("nobody, mode 0660: %s", got)
	}
	if got := runChild(t, child, path, "status", 4242); !strings.Contains(got, "served") {
		t.Errorf("nobody in group 4242: %s", got)
	}
	// Finding 1: a group member, no PIN, re-enrolls a customer (2209 retry with
	// allow_new_enroll). Refused now.
	if got := runChild(t, child, path, "retry:job-1", 4242); !strings.Contains(got, "refused by the peer check") || !strings.Contains(got, "uid 65534 is a reader") {
		t.Errorf("nobody in group 4242, retry without a PIN: %s", got)
	}
	if e, _ := q.Get("job-1"); e.State != offline.StateFailed {
		t.Fatalf("job-1 was retried by a reader: %+v", e)
	}
	if got := runChild(t, child, path, "retry-pin:job-1:zawadi:"+testPIN, 4242); !strings.Contains(got, "served") {
		t.Errorf("nobody in group 4242 with the supervisor's PIN: %s", got)
	}
	if got := runChild(t, child, path, "retry:job-2", 4242, 4343); !strings.Contains(got, "served") {
		t.Errorf("nobody in the admin group: %s", got)
	}
	evs, _ := q.Audit(offline.AuditFilter{Kind: offline.AuditRetry})
	if len(evs) != 2 || evs[0].JobID != "job-1" || !strings.HasPrefix(evs[0].Operator, "zawadi (supervisor PIN; nobody, uid 65534)") ||
		evs[1].JobID != "job-2" || evs[1].Operator != "nobody (uid 65534)" {
		t.Fatalf("the retries were audited as %+v", evs)
	}
	// With the file open to all, the peer check alone must refuse.
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if got := runChild(t, child, path, "status"); !strings.Contains(got, "refused by the peer check") || !strings.Contains(got, "uid 65534 is neither root nor in the group 4242") {
		t.Errorf("nobody, mode 0666: %s", got)
	}
}

// Finding 3: a group member holding hundreds of keep-alive connections took the
// kiosk's file descriptors. Now each user holds at most MaxConnsPerUser, the rest
// are answered 503 and closed at once, and root is still served.
func TestFloodAsGroupMember(t *testing.T) {
	dir, child := localapitest.ChildBinary(t)
	path := filepath.Join(dir, "run", "kiosk.sock")
	s, _ := serve(t, dir, Options{Path: path, Group: "4242"}, &app{QueueBackend: QueueBackend{Q: testQueue(t, "job-1")}})
	before := localapitest.OpenFDs(t)

	f := localapitest.Start(t, child, "TestChildClient", 65534, []uint32{4242}, childSocketEnv+"="+path, childActionEnv+"=flood:400")
	t.Logf("flooding client: %s", f.Result)
	during := localapitest.OpenFDs(t)
	_, others := s.conns.held()
	if others > DefaultLimits.MaxConnsPerUser || during-before > DefaultLimits.MaxConnsPerUser+4 {
		t.Fatalf("one group member holds %d connections, the kiosk %d more descriptors; want at most %d", others, during-before, DefaultLimits.MaxConnsPerUser)
	}
	served, busy, _, err := localapitest.ParseFlood(f.Result)
	if err != nil || served != DefaultLimits.MaxConnsPerUser || busy < 400/2 {
		t.Fatalf("the flood: %s (%v); want %d served and the rest told busy", f.Result, err, DefaultLimits.MaxConnsPerUser)
	}
	// Root's kioskctl status still answers, while the flood holds its connections.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a bound against a hang
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, err := c.Status(ctx); err != nil || st.KioskID != "kiosk-1" {
		t.Fatalf("root's status during the flood: %+v, %v", st, err)
	}
	f.Release()
}

// Finding 3: the server had no idle and no body timeout: a keep-alive connection, or
// one that sends half a body, was held for ever. Each is now closed by the server.
func TestTimeoutsCloseIdleAndSlowClients(t *testing.T) {
	lim := Limits{HeaderTimeout: 200 * time.Millisecond, BodyTimeout: 300 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}
	dir := t.TempDir()
	s, _ := serve(t, dir, Options{Limits: lim}, &app{QueueBackend: QueueBackend{Q: testQueue(t)}})
	closedByServer := func(name string, c net.Conn, r *bufio.Reader) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(20 * time.Second)) // far beyond the limits: only a hang reaches it
		for {
			if _, err := r.ReadByte(); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("%s: the kiosk still holds the connection", name)
				}
				return
			}
		}
	}
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("unix", s.Path())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}

	c, r := dial()
	closedByServer("a client that sends nothing", c, r)

	c, r = dial()
	fmt.Fprint(c, "GET /v1/status HTTP/1.1\r\nHost: kiosk.local\r\n\r\n")
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status: %v, %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	closedByServer("an idle keep-alive connection", c, r)

	c, r = dial()
	fmt.Fprint(c, "POST /v1/audit HTTP/1.1\r\nHost: kiosk.local\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"limit\":")
	closedByServer("a client that sends half a body", c, r)
}

// Finding 6: the socket's chown and chmod followed symbolic links, and its folder's
// owner was not checked. Listen now refuses a folder someone else controls, and
// never changes a file it did not create.
func TestSocketFolderChecked(t *testing.T) {
	q := testQueue(t)
	base := t.TempDir()
	mk := func(name string, mode os.FileMode) string {
		d := filepath.Join(base, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
		return d
	}
	target := filepath.Join(base, "precious")
	os.WriteFile(target, []byte("secret"), 0o600)

	open := mk("open", 0o777)
	if _, err := Listen(Options{Path: filepath.Join(open, "kiosk.sock")}); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Errorf("Listen in a folder anyone may write in = %v", err)
	}
	real := mk("real", 0o755)
	link := filepath.Join(base, "link")
	os.Symlink(real, link)
	if _, err := Listen(Options{Path: filepath.Join(link, "kiosk.sock")}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Listen in a folder that is a symbolic link = %v", err)
	}
	if os.Geteuid() == 0 {
		other := mk("other", 0o755)
		os.Chown(other, 65534, 65534)
		if _, err := Listen(Options{Path: filepath.Join(other, "kiosk.sock")}); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Errorf("Listen in a folder of another user = %v", err)
		}
	}
	// A link put where the socket goes is not followed, nor removed.
	os.Symlink(target, filepath.Join(real, "kiosk.sock"))
	if _, err := Listen(Options{Path: filepath.Join(real, "kiosk.sock"), Group: "4242"}); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen over a symbolic link = %v", err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 || fi.Sys().(*syscall.Stat_t).Gid == 4242 {
		t.Fatalf("Listen changed the link's target: %v", fi.Mode())
	}
	// In a good folder: the socket has its group and mode, and no private folder is left.
	os.Remove(filepath.Join(real, "kiosk.sock"))
	s, _ := serve(t, base, Options{Path: filepath.Join(real, "kiosk.sock"), Group: "4242"}, &app{QueueBackend: QueueBackend{Q: q}})
	if fi, err := os.Lstat(s.Path()); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != SocketMode {
		t.Fatalf("socket: %v, %v", fi, err)
	}
	if es, _ := os.ReadDir(real); len(es) != 1 {
		t.Fatalf("the socket's folder holds %v", es)
	}
}

// A client over its connection limit is told so (ErrBusy, with the reason), not left
// with a broken connection.
func TestBusyIsToldWhy(t *testing.T) {
	lim := Limits{MaxRootConns: 1, MaxConnsPerUser: 1}
	s, _ := serve(t, t.TempDir(), Options{Limits: lim}, &app{QueueBackend: QueueBackend{Q: testQueue(t)}})
	hold, err := net.Dial("unix", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	// The held connection is counted once the server accepted it: ask on it.
	fmt.Fprint(hold, "GET /v1/status HTTP/1.1\r\nHost: kiosk.local\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(hold), nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the held connection: %v, %v", resp, err)
	}
	c, err := Dial(context.Background(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Status(context.Background())
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "has reached its limit of 1 connections") {
		t.Fatalf("status over the limit = %v, want ErrBusy saying why", err)
	}
}

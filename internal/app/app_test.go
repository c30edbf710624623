package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

const pin = "274915"

// testConfig is a kiosk in a temporary folder: its socket there, its group this
// process's, no disk-space check.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	dir := t.TempDir()
	c := config.Default()
	c.DataDir = dir
	c.KioskID = "kiosk-t"
	c.LocalAPI.Socket = filepath.Join(dir, "kiosk.sock")
	c.LocalAPI.Group = strconv.Itoa(os.Getegid())
	c.Offline.MinFreeDiskMB = -1
	return c
}

func newApp(t *testing.T, c config.Config, clk clock.Clock) *App {
	t.Helper()
	a, err := New(Options{Config: c, Clock: clk, NoCameras: true, NoNetwatch: true, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// run runs a and returns a stop function that waits for Run to return.
func run(t *testing.T, a *App) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	<-a.Ready()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func addOperator(t *testing.T, a *App, id string, role offline.Role) {
	t.Helper()
	if _, err := a.Queue().Operators(offline.OperatorOptions{}).Add(offline.NewOperator{ID: id, Name: strings.ToUpper(id), Role: role, PIN: pin}); err != nil {
		t.Fatal(err)
	}
}

func testJob(id string) *job.Job {
	j := &job.Job{ID: id, UserID: "customer-" + id, ComparisonType: job.Portrait,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
	for k := range 4 {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + k)})
	}
	return j
}

func auditKinds(t *testing.T, q *offline.Queue, kind string) []offline.AuditEvent {
	t.Helper()
	evs, err := q.Audit(offline.AuditFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// The session locks after ui.idle_lock without a touch, on the app's clock; a touch
// postpones it; a locked session seals nothing until the operator signs in again; the
// lock is an audit event.
func TestIdleLock(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	c := testConfig(t)
	c.UI.IdleLock = config.Duration(5 * time.Minute)
	a := newApp(t, c, clk)
	defer a.Close()
	addOperator(t, a, "amina", offline.RoleOperator)

	if _, err := a.Seal(testJob("before-sign-in")); !errors.Is(err, ErrNotSignedIn) {
		t.Fatalf("Seal with nobody signed in = %v", err)
	}
	if _, err := a.SignIn("amina", "000000"); !errors.Is(err, offline.ErrWrongPIN) {
		t.Fatalf("wrong PIN = %v", err)
	}
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4*time.Minute + 59*time.Second)
	if s, ok := a.Session(); !ok || s.Locked {
		t.Fatalf("locked before the idle time: %+v", s)
	}
	a.Touch()
	clk.Advance(4 * time.Minute)
	if s, _ := a.Session(); s.Locked {
		t.Fatal("a touch did not postpone the lock")
	}
	e, err := a.Seal(testJob("job-1"))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := localapi.DescribeJob(a.Queue(), e.ID); d.Sealed == nil || d.Sealed.OperatorID != "amina" || d.Sealed.KioskID != "kiosk-t" || d.Sealed.Training {
		t.Fatalf("sealed job = %+v", d.Sealed)
	}
	clk.Advance(5 * time.Minute) // the seal counted as a touch 4 minutes in
	if s, _ := a.Session(); !s.Locked || s.Operator.ID != "amina" {
		t.Fatalf("not locked after 5 idle minutes: %+v", s)
	}
	if _, err := a.Seal(testJob("job-2")); !errors.Is(err, ErrSessionLocked) {
		t.Fatalf("Seal while locked = %v", err)
	}
	if evs := auditKinds(t, a.Queue(), offline.AuditSessionLocked); len(evs) != 1 || evs[0].Operator != "amina" || evs[0].Detail != "idle 5m0s" {
		t.Fatalf("lock audit = %+v", evs)
	}
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Seal(testJob("job-2")); err != nil {
		t.Fatalf("Seal after unlocking = %v", err)
	}
	if err := a.SignOut("by operator"); err != nil {
		t.Fatal(err)
	}
	if evs := auditKinds(t, a.Queue(), offline.AuditSignOut); len(evs) != 1 || evs[0].Detail != "by operator" {
		t.Fatalf("sign-out audit = %+v", evs)
	}
	if evs := auditKinds(t, a.Queue(), offline.AuditSignIn); len(evs) != 2 {
		t.Fatalf("sign-in audit = %+v", evs)
	}
}

// The idle loop locks the session by itself (the UI learns it from an EventSession)
// when the fake clock passes the idle time.
func TestIdleLoopLocks(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	a := newApp(t, testConfig(t), clk)
	addOperator(t, a, "amina", offline.RoleOperator)
	stop := run(t, a)
	events, cancel := a.Subscribe(8)
	defer cancel()
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	// Wait until the loop waits on the idle deadline (its timer is the only one due
	// at 9:05; the retention timer is due at 9:10).
	for {
		if d, ok := clk.NextDeadline(); ok && d.Equal(clk.Now().Add(5*time.Minute)) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	clk.Advance(5 * time.Minute)
	for {
		e := <-events
		if e.Kind != EventSession {
			continue
		}
		a.mu.Lock()
		locked := a.session != nil && a.session.Locked
		a.mu.Unlock()
		if locked {
			break
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The shutdown signed the operator out.
	q, err := offline.Open(testDir(a), offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if evs := auditKinds(t, q, offline.AuditSignOut); len(evs) != 1 || evs[0].Detail != "shutdown" {
		t.Fatalf("sign-out at shutdown = %+v", evs)
	}
}

func testDir(a *App) string { return a.cfg.DataDir }

type recordSender struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordSender) Send(_ context.Context, j uploader.Job, _ func(int64, int64)) (uploader.Result, error) {
	r.mu.Lock()
	r.sent = append(r.sent, j.ID)
	r.mu.Unlock()
	return uploader.Result{Code: "0840"}, nil
}

// Training mode: a loopback API URL (or training: true) makes every sealed job a
// training job and the status says TRAINING; training with a production URL is
// refused at start.
func TestTrainingMode(t *testing.T) {
	c := testConfig(t)
	c.Compare.APIURL = "http://127.0.0.1:9"
	c.Compare.PartnerID = "0001"
	c.Compare.APIKeyEnv = "TEST_KEY"
	a, err := New(Options{Config: c, NoCameras: true, NoNetwatch: true, Getenv: func(string) string { return "k" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	addOperator(t, a, "amina", offline.RoleOperator)
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	e, err := a.Seal(testJob("practice-1"))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := localapi.DescribeJob(a.Queue(), e.ID); d.Sealed == nil || !d.Sealed.Training {
		t.Fatalf("a job sealed in training mode is not marked: %+v", d.Sealed)
	}
	if j, err := a.Queue().Load(e.ID); err != nil || !j.Training {
		t.Fatalf("loaded job: %+v, %v", j, err)
	}
	st, err := a.Status(context.Background())
	if err != nil || !st.Training {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if ls, _ := a.Backend().Status(context.Background()); !ls.Training {
		t.Fatal("the local API's status does not say training")
	}

	c2 := testConfig(t)
	c2.Training = true
	c2.Compare.APIURL = "https://api.example.com"
	if _, err := New(Options{Config: c2, NoCameras: true}); err == nil || !strings.Contains(err.Error(), "training") {
		t.Fatalf("training with a production URL: %v", err)
	}
	if err := checkTraining(c2); !errors.Is(err, ErrTrainingProduction) {
		t.Fatalf("checkTraining = %v", err)
	}
	// A kiosk pointed at production is not in training mode.
	c3 := testConfig(t)
	c3.Compare.APIURL, c3.Compare.PartnerID, c3.Compare.APIKeyEnv = "https://api.example.com", "0001", "TEST_KEY"
	a3, err := New(Options{Config: c3, NoCameras: true, Getenv: func(string) string { return "k" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a3.Close()
	if a3.Training() {
		t.Fatal("a production kiosk says training")
	}
}

// SIGTERM while jobs are being sealed: every Seal that returned success is in the queue
// after a restart, and every other Seal was refused with ErrShuttingDown (none fails
// half-way on a closed queue).
func TestShutdownWhileSealing(t *testing.T) {
	c := testConfig(t)
	a := newApp(t, c, nil)
	addOperator(t, a, "amina", offline.RoleOperator)
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	stop := run(t, a)
	var (
		mu       sync.Mutex
		sealed   []string
		refused  int
		wg       sync.WaitGroup
		started  = make(chan struct{})
		startOne sync.Once
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				_, err := a.Seal(testJob(id))
				startOne.Do(func() { close(started) })
				mu.Lock()
				switch {
				case err == nil:
					sealed = append(sealed, id)
				case errors.Is(err, ErrShuttingDown):
					refused++
				default:
					mu.Unlock()
					t.Errorf("Seal %s: %v", id, err)
					return
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(sealed) == 0 || refused != 4 {
		t.Fatalf("%d sealed, %d refused", len(sealed), refused)
	}
	q, err := offline.Open(c.DataDir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatalf("reopening after the shutdown: %v", err)
	}
	defer q.Close()
	for _, id := range sealed {
		if j, err := q.Load(id); err != nil || j.OperatorID != "amina" {
			t.Fatalf("job %s told sealed is not in the queue: %v", id, err)
		}
	}
	if n := q.Counts().ByState[offline.StateQueued]; n != len(sealed) {
		t.Fatalf("%d jobs queued, %d sealed", n, len(sealed))
	}
	if _, err := os.Stat(c.LocalAPI.Socket); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the socket is left after the shutdown: %v", err)
	}
}

// A second kiosk on the same data folder is refused (the queue's lock), and so is one
// on the same socket.
func TestOneKioskAtATime(t *testing.T) {
	c := testConfig(t)
	a := newApp(t, c, nil)
	run(t, a)
	c2 := c
	c2.DataDir = t.TempDir()
	if _, err := New(Options{Config: c2, NoCameras: true}); !errors.Is(err, localapi.ErrRunning) {
		t.Fatalf("a second kiosk on the socket: %v", err)
	}
	c3 := c
	c3.LocalAPI.Socket = filepath.Join(t.TempDir(), "other.sock")
	if _, err := New(Options{Config: c3, NoCameras: true}); !errors.Is(err, offline.ErrLocked) {
		t.Fatalf("a second kiosk on the data folder: %v", err)
	}
}

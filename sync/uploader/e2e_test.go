package uploader

// End-to-end tests: the real offline queue, the real compare client and the real sandbox
// (with face analysis) on loopback, through the fault proxy. They use the wall clock with
// short backoffs; every assertion is about counts and states, never about durations.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/jobimages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/faultproxy"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

const (
	e2ePartner  = "0001"
	e2eCallback = "http://127.0.0.1:9/kiosk-callback" // discard port: callbacks fail fast
	childEnv    = "UPLOADER_E2E_CHILD"
)

var e2eKey = []byte("e2e-test-key-not-a-secret")

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	inferencetest.Main(m)
}

var (
	imagesOnce sync.Once
	images     map[string]jobimages.Set
	imagesErr  error
)

// jobImages returns the images of a small job ("small") or a very small one ("tiny", for
// the thin-link test), made once.
func jobImages(t *testing.T, kind string) jobimages.Set {
	t.Helper()
	imagesOnce.Do(func() {
		images = map[string]jobimages.Set{}
		for k, side := range map[string][2]int{"small": {240, 160}, "tiny": {160, 112}} {
			s, err := jobimages.Make(side[0], side[1], 4)
			if err != nil {
				imagesErr = err
				return
			}
			images[k] = s
		}
	})
	if imagesErr != nil {
		t.Fatal(imagesErr)
	}
	return images[kind]
}

// offsetClock is the wall clock moved by a fixed offset (a server whose clock is off).
type offsetClock struct{ off time.Duration }

func (c offsetClock) Now() time.Time                         { return time.Now().Add(c.off) }
func (c offsetClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (c offsetClock) NewTimer(d time.Duration) clock.Timer   { return clock.Real{}.NewTimer(d) }

type server struct {
	sbx   *sandbox.Sandbox
	http  *httptest.Server
	proxy *faultproxy.Proxy
}

// startServer runs a sandbox (real face analysis) behind a fault proxy.
func startServer(t *testing.T, clk clock.Clock) *server {
	t.Helper()
	engine := inferencetest.Get(t)
	sbx, err := sandbox.New(sandbox.Options{
		Partners:         []sandbox.Partner{{ID: e2ePartner, Key: e2eKey, ProductActive: true, ProductionEnabled: true}},
		DBPath:           filepath.Join(t.TempDir(), "sandbox.db"),
		Analyzer:         sandbox.NewEngineAnalyzer(engine, sandbox.EngineOptions{}),
		Workers:          2,
		CallbackAttempts: 1,
		Clock:            clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sbx.Handler())
	p, err := faultproxy.New(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		srv.CloseClientConnections()
		srv.Close()
		sbx.Close()
	})
	return &server{sbx: sbx, http: srv, proxy: p}
}

func newClient(t *testing.T, url string, key []byte) *compare.Client {
	t.Helper()
	signer, err := compare.NewKeySigner(e2ePartner, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compare.New(compare.Options{BaseURL: url, Signer: signer,
		ConnectTimeout: time.Second, HeaderTimeout: 10 * time.Second, StallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fillQueue(t *testing.T, dir string, kind string, ids ...string) {
	t.Helper()
	q := openOffline(t, dir, nil)
	defer q.Close()
	s := jobImages(t, kind)
	for _, id := range ids {
		j := &job.Job{ID: id, UserID: "user-" + id, ComparisonType: job.Portrait, AllowNewEnroll: true,
			CallbackURL: e2eCallback, Selfie: s.Selfie, Liveness: s.Liveness, Comparison: s.Comparison}
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
	}
}

func e2eOptions(p *faultproxy.Proxy, ev *eventLog) Options {
	prober, _ := NewDialProber(p.URL())
	return Options{InFlight: 2, RetryBase: 50 * time.Millisecond, RetryMax: 400 * time.Millisecond,
		MaxRetryAfter: 2 * time.Second, Prober: prober, ProbeTimeout: time.Second, OnEvent: ev.add}
}

// countingSender counts Send calls.
type countingSender struct {
	Sender
	mu sync.Mutex
	n  int
}

func (c *countingSender) Send(ctx context.Context, j Job, p func(int64, int64)) (Result, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Sender.Send(ctx, j, p)
}

// checkDeliveredOnce asserts that every job is done in the queue and known once on the
// server, that nothing is left to send, and returns the server's request count per job.
func checkDeliveredOnce(t *testing.T, q *offline.Queue, sbx *sandbox.Sandbox, ids []string, unknownOK bool) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, id := range ids {
		e, err := q.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		rec, known, err := sbx.Job(e2ePartner, id)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := sbx.JobCount(e2ePartner, id)
		counts[id] = n
		if e.State != offline.StateDone || e.Result == nil || !known || rec.State != "done" {
			t.Errorf("job %s: kiosk %s %+v; server known %v %+v", id, e.State, e.Result, known, rec)
			continue
		}
		if e.Result.Code == "2215" {
			if !unknownOK {
				t.Errorf("job %s: result unknown (2215) where no answer was lost", id)
			}
			if n != 2 {
				t.Errorf("job %s: server saw %d requests, want the original and one resend", id, n)
			}
			continue
		}
		if n != 1 || e.Result.SmileJobID != rec.SmileJobID || e.Result.Code != rec.Code {
			t.Errorf("job %s: server saw %d requests (want 1); kiosk result %s/%s, server %s/%s", id, n, e.Result.Code, e.Result.SmileJobID, rec.Code, rec.SmileJobID)
		}
	}
	c := q.Counts()
	if c.ByState[offline.StateQueued]+c.ByState[offline.StateSending]+c.ByState[offline.StateHeld] != 0 {
		t.Errorf("left behind: %v", c.ByState)
	}
	return counts
}

func TestEndToEndFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests need the face engine")
	}
	srv := startServer(t, nil)
	tests := []struct {
		name        string
		jobs        int
		kind        string
		setup       func(p *faultproxy.Proxy)
		during      func(t *testing.T, p *faultproxy.Proxy, ev *eventLog)
		maxAttempts int
		exact       bool // attempts must equal maxAttempts
		unknownOK   bool
		check       func(t *testing.T, rep Report, ev *eventLog)
	}{
		{name: "connection reset mid-body", jobs: 3, kind: "small", maxAttempts: 5,
			setup: func(p *faultproxy.Proxy) { p.Plan(faultproxy.Reset(6<<10), faultproxy.Reset(20<<10)) }},
		{name: "500s", jobs: 3, kind: "small", maxAttempts: 6,
			setup: func(p *faultproxy.Proxy) {
				for i := 0; i < 3; i++ {
					p.Plan(faultproxy.Answer(500, `{"code":"2201","error":"System error","success":false}`))
				}
			}},
		{name: "429 with Retry-After", jobs: 2, kind: "small", maxAttempts: 3,
			setup: func(p *faultproxy.Proxy) {
				p.Plan(faultproxy.Answer(429, `{"code":"2210","error":"Too many requests","success":false}`, "Retry-After", "1"))
			},
			check: func(t *testing.T, _ Report, ev *eventLog) {
				r := ev.of(EventRetry)
				if len(r) != 1 || r[0].Retry.Sub(r[0].Time) < time.Second {
					t.Fatalf("retry events %+v: want one, scheduled at least the Retry-After of 1s later", r)
				}
			}},
		{name: "stall past the timeout", jobs: 2, kind: "small", maxAttempts: 3,
			setup: func(p *faultproxy.Proxy) { p.Plan(faultproxy.Fault{Kind: faultproxy.Stall, AfterBytes: 4 << 10}) }},
		{name: "50 kbit/s link", jobs: 2, kind: "tiny", maxAttempts: 2, exact: true,
			setup: func(p *faultproxy.Proxy) { p.SetRate(6250) },
			check: func(t *testing.T, _ Report, ev *eventLog) {
				per := map[string][]Event{}
				for _, e := range ev.of(EventProgress) {
					per[e.JobID] = append(per[e.JobID], e)
				}
				for id, es := range per {
					last := es[len(es)-1]
					if len(es) < 3 || last.Sent != last.Total || last.Total <= 0 {
						t.Errorf("job %s: %d progress events, last %+v", id, len(es), last)
					}
				}
				if len(per) != 2 {
					t.Errorf("progress for %d jobs, want 2", len(per))
				}
			}},
		{name: "server down for a while", jobs: 3, kind: "small", maxAttempts: 3, exact: true,
			setup: func(p *faultproxy.Proxy) { p.Down() },
			during: func(t *testing.T, p *faultproxy.Proxy, ev *eventLog) {
				eventually(t, "the engine to see the API unreachable", func() bool { return len(ev.of(EventOffline)) > 0 })
				time.Sleep(time.Second) // a few failed probes
				if err := p.Up(); err != nil {
					t.Error(err)
				}
			},
			check: func(t *testing.T, _ Report, ev *eventLog) {
				if len(ev.of(EventOnline)) == 0 {
					t.Error("no online event after the server came back")
				}
			}},
		{name: "lost response", jobs: 2, kind: "small", maxAttempts: 3, unknownOK: true,
			setup: func(p *faultproxy.Proxy) { p.Plan(faultproxy.Fault{Kind: faultproxy.ResetResponse}) },
			check: func(t *testing.T, rep Report, _ *eventLog) {
				if rep.Unknown != 1 || rep.Delivered != 1 {
					t.Errorf("report %+v: want one delivered before (2215) and one delivered", rep)
				}
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := faultproxy.New(srv.http.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			dir := t.TempDir()
			var ids []string
			for j := 0; j < tt.jobs; j++ {
				ids = append(ids, fmt.Sprintf("f%d-%d", i, j))
			}
			fillQueue(t, dir, tt.kind, ids...)
			q := openOffline(t, dir, nil)
			defer q.Close()
			ev := &eventLog{}
			u := New(OfflineQueue{q}, CompareSender{Client: newClient(t, p.URL(), e2eKey)}, e2eOptions(p, ev))
			tt.setup(p)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			done := make(chan struct{})
			var rep Report
			go func() { rep, err = u.Drain(ctx); close(done) }()
			if tt.during != nil {
				tt.during(t, p, ev)
			}
			<-done
			if err != nil {
				t.Fatalf("Drain: %v (report %+v)", err, rep)
			}
			checkDeliveredOnce(t, q, srv.sbx, ids, tt.unknownOK)
			if rep.Attempts > tt.maxAttempts || (tt.exact && rep.Attempts != tt.maxAttempts) || rep.Attempts < tt.jobs {
				t.Errorf("%d attempts for %d jobs, want at most %d (exactly: %v)", rep.Attempts, tt.jobs, tt.maxAttempts, tt.exact)
			}
			if p.Planned() != 0 {
				t.Errorf("%d planned faults were not hit", p.Planned())
			}
			if tt.check != nil {
				tt.check(t, rep, ev)
			}
		})
	}
}

// A wrong key halts after one request; the key fixed, everything goes, once. A server
// whose clock is 40 minutes ahead refuses the signature, and the alert says so.
func TestEndToEndWrongKeyAndClock(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests need the face engine")
	}
	tests := []struct {
		name      string
		serverOff time.Duration
		key       []byte
		wantAlert string
		fixed     func(srv *server) *compare.Client
	}{
		{name: "wrong key", key: []byte("not-the-key"), wantAlert: "check the partner id and the API key"},
		{name: "server clock 40 minutes ahead", serverOff: 40 * time.Minute, key: e2eKey, wantAlert: "behind the server's"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var clk clock.Clock
			if tt.serverOff != 0 {
				clk = offsetClock{tt.serverOff}
			}
			srv := startServer(t, clk)
			dir := t.TempDir()
			ids := []string{fmt.Sprintf("k%d-0", i), fmt.Sprintf("k%d-1", i), fmt.Sprintf("k%d-2", i)}
			fillQueue(t, dir, "small", ids...)
			q := openOffline(t, dir, nil)
			defer q.Close()
			ev := &eventLog{}
			bad := &countingSender{Sender: CompareSender{Client: newClient(t, srv.proxy.URL(), tt.key)}}
			opts := e2eOptions(srv.proxy, ev)
			opts.ConfigID = "config-1"
			opts.State = FileState{Path: filepath.Join(dir, StateFile)}
			u := New(OfflineQueue{q}, bad, opts)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := u.Drain(ctx)
			var he *HaltError
			if !errors.As(err, &he) || he.Halt.Code != "2205" || !strings.Contains(he.Halt.Reason, tt.wantAlert) {
				t.Fatalf("Drain = %v, want a 2205 halt saying %q", err, tt.wantAlert)
			}
			// The Date header has a resolution of one second.
			if tt.serverOff != 0 && (he.Halt.Skew-tt.serverOff).Abs() > 2*time.Second {
				t.Fatalf("measured skew %v, want about %v", he.Halt.Skew, tt.serverOff)
			}
			if tt.serverOff == 0 && strings.Contains(he.Halt.Reason, "clock") {
				t.Fatalf("alert names the clock for a wrong key: %s", he.Halt.Reason)
			}
			if bad.n != 1 || len(ev.of(EventHalted)) != 1 {
				t.Fatalf("%d requests and %d alerts before halting, want 1 and 1", bad.n, len(ev.of(EventHalted)))
			}
			// Draining again with the same configuration sends nothing.
			if _, err := u.Drain(ctx); !errors.Is(err, ErrHalted) || bad.n != 1 || len(ev.of(EventHalted)) != 1 {
				t.Fatalf("second Drain = %v, %d requests, %d alerts", err, bad.n, len(ev.of(EventHalted)))
			}
			for _, id := range ids {
				if n, _ := srv.sbx.JobCount(e2ePartner, id); n != 0 {
					t.Fatalf("job %s reached the server %d times with a refused signature", id, n)
				}
			}
			// The fix: the right key (or the server's clock set right).
			fixedSrv := srv
			if tt.serverOff != 0 {
				fixedSrv = startServer(t, nil)
			}
			u.Reconfigure(CompareSender{Client: newClient(t, fixedSrv.proxy.URL(), e2eKey)}, "config-2")
			if _, err := u.Drain(ctx); err != nil {
				t.Fatalf("Drain after the fix: %v", err)
			}
			checkDeliveredOnce(t, q, fixedSrv.sbx, ids, false)
		})
	}
}

// childMain is the child process of the kill test: it drains the queue in
// UPLOADER_E2E_CHILD (dir|url) and reports each event on stdout.
func childMain() int {
	dir, url, _ := strings.Cut(os.Getenv(childEnv), "|")
	q, err := offline.Open(dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	signer, _ := compare.NewKeySigner(e2ePartner, e2eKey)
	c, err := compare.New(compare.Options{BaseURL: url, Signer: signer, StallTimeout: time.Minute})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	u := New(OfflineQueue{q}, CompareSender{Client: c}, Options{InFlight: 1, OnEvent: func(e Event) {
		fmt.Printf("%s %s %d %d\n", e.Kind, e.JobID, e.Sent, e.Total)
	}})
	if _, err := u.Drain(context.Background()); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("drained")
	return 0
}

// Kill -9 while sending, then restart: the job ends delivered once, whether the server
// had not got the whole body yet or had already answered.
func TestEndToEndKillDuringSend(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end tests need the face engine")
	}
	srv := startServer(t, nil)
	tests := []struct {
		name      string
		setup     func(p *faultproxy.Proxy)
		killWhen  func(line string) bool
		unknownOK bool
	}{
		// The proxy passes the first 10 KiB and then stops reading: the server never gets
		// the whole body, whatever the kernel buffers held when the child died.
		{name: "mid-body", setup: func(p *faultproxy.Proxy) { p.Plan(faultproxy.Fault{Kind: faultproxy.Stall, AfterBytes: 10 << 10}) },
			killWhen: func(line string) bool { return strings.HasPrefix(line, "progress ") }},
		{name: "after the server answered", setup: func(p *faultproxy.Proxy) { p.Plan(faultproxy.Fault{Kind: faultproxy.HoldResponse}) },
			unknownOK: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("kill%d", i)
			p, err := faultproxy.New(srv.http.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			dir := t.TempDir()
			fillQueue(t, dir, "small", id)
			tt.setup(p)

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+dir+"|"+p.URL())
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 256)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			deadline := time.After(60 * time.Second)
			killed := false
			for !killed {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatal("the child ended before it was killed")
					}
					if strings.HasPrefix(l, "error") || l == "drained" {
						t.Fatalf("child: %s", l)
					}
					if tt.killWhen != nil && tt.killWhen(l) {
						killed = true
					}
				case <-time.After(20 * time.Millisecond):
					if tt.killWhen == nil {
						if _, known, _ := srv.sbx.Job(e2ePartner, id); known {
							if rec, _, _ := srv.sbx.Job(e2ePartner, id); rec.State == "done" {
								killed = true
							}
						}
					}
				case <-deadline:
					t.Fatal("the child never reached the moment to kill it")
				}
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()

			// Restart: the queue puts the job back (it was sending); the next connection passes.
			q := openOffline(t, dir, nil)
			defer q.Close()
			if e, _ := q.Get(id); e.State != offline.StateQueued {
				t.Fatalf("after the kill the job is %s, want queued", e.State)
			}
			ev := &eventLog{}
			u := New(OfflineQueue{q}, CompareSender{Client: newClient(t, p.URL(), e2eKey)}, e2eOptions(p, ev))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if _, err := u.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			counts := checkDeliveredOnce(t, q, srv.sbx, []string{id}, tt.unknownOK)
			e, _ := q.Get(id)
			if tt.unknownOK != (e.Result.Code == "2215") {
				t.Errorf("result %+v after the restart (server saw %d requests)", e.Result, counts[id])
			}
		})
	}
}

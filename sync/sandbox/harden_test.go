package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// heldBytes wraps a handler and records the most request-body bytes that handlers
// in progress had read at any moment: what the sandbox holds in memory.
type heldBytes struct {
	h         http.Handler
	mu        sync.Mutex
	now, peak int64
}

type countingBody struct {
	io.ReadCloser
	hb   *heldBytes
	read int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.read += int64(n)
	c.hb.mu.Lock()
	c.hb.now += int64(n)
	c.hb.peak = max(c.hb.peak, c.hb.now)
	c.hb.mu.Unlock()
	return n, err
}

func (hb *heldBytes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cb := &countingBody{ReadCloser: r.Body, hb: hb}
	r.Body = cb
	defer func() {
		hb.mu.Lock()
		hb.now -= cb.read
		hb.mu.Unlock()
	}()
	hb.h.ServeHTTP(w, r)
}

// Many large uploads at once: the bodies held never exceed MaxBodyMemory, and every
// request is answered in the end.
func TestBodyMemoryBounded(t *testing.T) {
	const n = 12
	an := &fakeAnalyzer{gate: make(chan struct{})}
	clk := clock.NewFake(t0)
	opts := Options{Partners: testPartners, DBPath: filepath.Join(t.TempDir(), "s.db"), Analyzer: an, Clock: clk,
		Workers: 1, MaxBodyBytes: 256 << 10, MaxBodyMemory: 3 * 256 << 10}
	sb, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	hb := &heldBytes{h: sb.Handler()}
	srv := httptest.NewServer(hb)
	defer srv.Close()
	e := &env{sb: sb, srv: srv, clock: clk, an: an}
	statuses := make(chan int, n)
	for i := range n {
		go func() {
			f := goodForm(imgMatch, fmt.Sprintf("big-%d", i), fmt.Sprintf("u%d", i))
			f.files["comparison_image"] = append(jpg('c'), bytes.Repeat([]byte{'x'}, 200<<10)...)
			ct, body := f.body()
			s, _, _ := e.post(t, auth{}, ct, body)
			statuses <- s
		}()
	}
	// Every request but the one being analysed waits: for memory or for the worker.
	failAt := time.Now().Add(30 * time.Second) // failure bound only
	for an.calls.Load() != 1 || sb.waiting.Load() != n-1 {
		if time.Now().After(failAt) {
			t.Fatalf("%d analyses, %d waiting; want 1 and %d", an.calls.Load(), sb.waiting.Load(), n-1)
		}
		time.Sleep(time.Millisecond)
	}
	close(an.gate)
	for range n {
		if s := <-statuses; s != 200 {
			t.Fatalf("a request got %d", s)
		}
	}
	if hb.peak > opts.MaxBodyMemory {
		t.Fatalf("the sandbox held %d body bytes at once, more than MaxBodyMemory %d", hb.peak, opts.MaxBodyMemory)
	}
}

// A body that stops arriving is answered with a retryable status, and the answer
// names no socket address.
func TestSlowBodyIsRetryable(t *testing.T) {
	sb, err := New(Options{Partners: testPartners, DBPath: filepath.Join(t.TempDir(), "s.db"), Analyzer: &fakeAnalyzer{},
		ReadTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sb.Serve(ctx, ln, time.Second)

	ct, body := goodForm(imgMatch, "slow", "u").body()
	pr, pw := io.Pipe()
	go func() { pw.Write(body[:len(body)/2]) }() // then nothing more: the link died
	defer pw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+compare.Path, pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ct)
	ts := compare.FormatTimestamp(time.Now())
	req.Header.Set(compare.HeaderPartnerID, "0001")
	req.Header.Set(compare.HeaderTimestamp, ts)
	req.Header.Set(compare.HeaderSignature, compare.ComputeSignature([]byte("key-0001"), ts, "0001"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct{ Code, Error string }
	json.Unmarshal(b, &out)
	_, perr := compare.ParseResponse(resp.StatusCode, resp.Header, b, time.Now())
	if compare.ClassOf(perr) != compare.ClassRetry {
		t.Fatalf("answer %d %s: class %v, want retry", resp.StatusCode, b, compare.ClassOf(perr))
	}
	if strings.Contains(string(b), "127.0.0.1") {
		t.Fatalf("the answer names socket addresses: %s", b)
	}
}

func TestDefaultReadTimeoutFitsSlowLinks(t *testing.T) {
	o := Options{Partners: testPartners, DBPath: "x", Analyzer: &fakeAnalyzer{}}
	if err := o.fill(); err != nil {
		t.Fatal(err)
	}
	// One 330 KB job at 40 kbit/s takes 66 s; allow several times that.
	if need := time.Duration(330e3*8/40e3*float64(time.Second)) * 5; o.ReadTimeout < need {
		t.Fatalf("default ReadTimeout %v, want at least %v for a 330 KB job at 40 kbit/s", o.ReadTimeout, need)
	}
	if o.WriteTimeout < o.ReadTimeout {
		t.Fatalf("WriteTimeout %v shorter than ReadTimeout %v", o.WriteTimeout, o.ReadTimeout)
	}
}

func TestLongIDsAre2204(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.MaxBodyBytes = 1 << 20 })
	long := strings.Repeat("j", 40000) // over bbolt's 32 KiB key limit
	for _, field := range []string{"job_id", "user_id"} {
		job, user := "ok-job", "ok-user"
		if field == "job_id" {
			job = long
		} else {
			user = long
		}
		ct, body := goodForm(imgMatch, job, user).body()
		status, _, out := e.post(t, auth{}, ct, body)
		if status != 400 || out["code"] != "2204" || !strings.Contains(fmt.Sprint(out["error"]), field) {
			t.Fatalf("%s of %d bytes: %d %v, want 400/2204 naming it", field, len(long), status, out)
		}
	}
}

// A callback that answers a redirect is not followed, and logs name the callback
// by scheme and host only.
func TestCallbackRedirectNotFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/collect", http.StatusTemporaryRedirect)
	}))
	defer cb.Close()
	var logs syncBuffer
	e := newEnv(t, func(o *Options) {
		o.Clock = clock.Real{}
		o.CallbackAttempts = 2
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	f := goodForm(imgMatch, "job-redirect", "u")
	f.fields["callback_url"] = cb.URL + "/hook?token=s3cr3t"
	ct, body := f.body()
	if status, _, out := e.post(t, auth{ts: time.Now()}, ct, body); status != 200 {
		t.Fatalf("answer %v", out)
	}
	deadline := time.Now().Add(10 * time.Second) // failure bound only
	for {
		if delivered, failed := e.sb.CallbackStats(); delivered+failed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the callback neither failed nor was delivered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if elsewhere.Load() != 0 {
		t.Fatalf("the callback followed the redirect: %d posts elsewhere", elsewhere.Load())
	}
	if l := logs.String(); strings.Contains(l, "s3cr3t") || strings.Contains(l, "/hook") || !strings.Contains(l, "callback failed") {
		t.Fatalf("callback logs show more than scheme and host: %s", l)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// An unknown partner and a wrong signature get the same answer.
func TestUnknownPartnerLooksLikeBadSignature(t *testing.T) {
	e := newEnv(t, nil)
	ct, body := goodForm(imgMatch, "enum", "u").body()
	_, _, unknown := e.post(t, auth{partner: "0999", key: "guess"}, ct, body)
	_, _, wrong := e.post(t, auth{partner: "0001", key: "guess"}, ct, body)
	if unknown["code"] != "2205" || fmt.Sprint(unknown) != fmt.Sprint(wrong) {
		t.Fatalf("unknown partner %v, wrong signature %v: want the same answer", unknown, wrong)
	}
}

func TestAdminJobsNeedsToken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		token  string
		give   string
		status int
	}{
		{"no token configured", "", "", http.StatusForbidden},
		{"no token configured, one given", "", "anything", http.StatusForbidden},
		{"token missing", "adm-1", "", http.StatusUnauthorized},
		{"token wrong", "adm-1", "adm-2", http.StatusUnauthorized},
		{"token right", "adm-1", "adm-1", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.AdminToken = []byte(tc.token) })
			adm := httptest.NewServer(e.sb.AdminHandler())
			defer adm.Close()
			req, _ := http.NewRequest(http.MethodGet, adm.URL+"/jobs?partner_id=0001&job_id=x", nil)
			if tc.give != "" {
				req.Header.Set("Authorization", "Bearer "+tc.give)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			h, err := http.Get(adm.URL + "/healthz")
			if err != nil || h.StatusCode != 200 {
				t.Fatalf("healthz: %v %v", h, err)
			}
			h.Body.Close()
		})
	}
}

// A wrong path in the kiosk's api_url must not fail its jobs: the sandbox answers as a
// server without that endpoint does, with no contract code, which the client takes as
// a halt (the configuration is wrong, not the job).
func TestUnknownPathIsNotAJobError(t *testing.T) {
	e := newEnv(t, nil)
	ct, body := goodForm(imgMatch, "wrong-path", "u").body()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/v1/smart-selfie-compare", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, perr := compare.ParseResponse(resp.StatusCode, resp.Header, b, time.Now())
	if resp.StatusCode != http.StatusNotFound || compare.ClassOf(perr) != compare.ClassHalt {
		t.Fatalf("unknown path: %d %s (class %v), want 404 that halts the client", resp.StatusCode, b, compare.ClassOf(perr))
	}
}

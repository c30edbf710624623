package compare

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

const testKey = "test-key"

// fakeAPI checks the signature headers and the form, then answers with status/body.
type fakeAPI struct {
	t      *testing.T
	status int
	body   string
	header http.Header
	mu     sync.Mutex
	hits   int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits++
	f.mu.Unlock()
	if r.URL.Path != Path || r.Method != http.MethodPost {
		http.Error(w, "wrong endpoint", 404)
		return
	}
	ts := r.Header.Get(HeaderTimestamp)
	if r.Header.Get(HeaderPartnerID) != "0001" || r.Header.Get(HeaderSignature) != ComputeSignature([]byte(testKey), ts, "0001") {
		w.WriteHeader(401)
		io.WriteString(w, `{"code":"2205","error":"bad signature","success":false}`)
		return
	}
	if _, err := ParseTimestamp(ts); err != nil {
		w.WriteHeader(401)
		io.WriteString(w, `{"code":"2205","error":"bad timestamp","success":false}`)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil || len(r.MultipartForm.File["liveness_images"]) != 4 {
		w.WriteHeader(400)
		io.WriteString(w, `{"code":"2413","error":"bad form","success":false}`)
		return
	}
	for k, v := range f.header {
		w.Header()[k] = v
	}
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

func newTestClient(t *testing.T, url string, mod func(*Options)) *Client {
	t.Helper()
	s, err := NewKeySigner("0001", []byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	o := Options{BaseURL: url, Signer: s}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const matchBody = `{"code":"0840","message":"Face Match","status":"approved","job_id":"0000000001","actions":{"Liveness_Check":"Passed","Selfie_Check":"Passed","Selfie_Provided":"Passed"}}`

func TestSubmitSignsAndReportsProgress(t *testing.T) {
	api := &fakeAPI{t: t, status: 200, body: matchBody, header: http.Header{"Date": {time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)}}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/", nil)
	req := validRequest()
	var calls int
	var last, total int64
	req.Progress = func(sent, tot int64) {
		if sent < last {
			t.Errorf("progress went back: %d after %d", sent, last)
		}
		calls++
		last, total = sent, tot
	}
	res, err := c.Submit(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != CodeMatch || res.SmileJobID != "0000000001" || res.Actions.SelfieProvided != "Passed" {
		t.Fatalf("result %+v", res)
	}
	if calls == 0 || last != total || total <= 0 {
		t.Fatalf("progress: %d calls, last %d of %d", calls, last, total)
	}
	skew, ok := c.ClockSkew()
	if !ok || skew < 80*time.Second || skew > 100*time.Second {
		t.Fatalf("clock skew %v %v, want about 90s", skew, ok)
	}
}

func TestSubmitErrorAnswers(t *testing.T) {
	cases := []struct {
		name      string
		status    int
		body      string
		header    http.Header
		wantClass Class
		wantCode  string
		wantRetry time.Duration
	}{
		{"busy with Retry-After", 503, `{"code":"2210","error":"busy","success":false}`, http.Header{"Retry-After": {"5"}}, ClassRetry, "2210", 5 * time.Second},
		{"unauthorized", 401, `{"code":"2205","error":"no","success":false}`, nil, ClassHalt, "2205", 0},
		{"enrolled", 409, `{"code":"2209","error":"enrolled","success":false}`, nil, ClassOperator, "2209", 0},
		{"exists", 409, `{"code":"2215","error":"exists","success":false}`, nil, ClassReconcile, "2215", 0},
		{"redirect not followed: halt", 302, ``, http.Header{"Location": {"http://elsewhere.invalid/"}}, ClassHalt, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeAPI{t: t, status: c.status, body: c.body, header: c.header})
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, nil).Submit(context.Background(), validRequest())
			var e *Error
			if !errors.As(err, &e) || e.Class != c.wantClass || e.Code != c.wantCode || e.RetryAfter != c.wantRetry {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}

func TestSubmitWrongKeyIsHalt(t *testing.T) {
	srv := httptest.NewServer(&fakeAPI{t: t, status: 200, body: matchBody})
	defer srv.Close()
	s, _ := NewKeySigner("0001", []byte("wrong"))
	c, _ := New(Options{BaseURL: srv.URL, Signer: s})
	_, err := c.Submit(context.Background(), validRequest())
	if !errors.Is(err, ErrHalt) {
		t.Fatalf("err = %v, want halt", err)
	}
}

func TestSubmitInvalidRequestNotSent(t *testing.T) {
	api := &fakeAPI{t: t, status: 200, body: matchBody}
	srv := httptest.NewServer(api)
	defer srv.Close()
	req := validRequest()
	req.Job.Liveness = req.Job.Liveness[:2]
	_, err := newTestClient(t, srv.URL, nil).Submit(context.Background(), req)
	if !errors.Is(err, ErrPermanent) || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %v", err)
	}
	if api.hits != 0 {
		t.Fatal("an invalid request was sent")
	}
}

func TestSubmitNetworkErrorIsRetry(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := newTestClient(t, url, nil).Submit(context.Background(), validRequest())
	if !errors.Is(err, ErrRetry) {
		t.Fatalf("err = %v, want retry", err)
	}
}

func TestSubmitTimeouts(t *testing.T) {
	// Handlers hang until the client gives up (their request context ends) or 10 s.
	hang := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		opts    func(*Options)
		stalled bool
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			hang(r)
		}, func(o *Options) { o.HeaderTimeout = 100 * time.Millisecond }, false},
		{"stalled answer body", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			io.WriteString(w, `{"code":`)
			w.(http.Flusher).Flush()
			hang(r)
		}, func(o *Options) { o.StallTimeout = 100 * time.Millisecond }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, c.opts).Submit(context.Background(), validRequest())
			if !errors.Is(err, ErrRetry) {
				t.Fatalf("err = %v, want retry", err)
			}
			if c.stalled != errors.Is(err, ErrStalled) {
				t.Fatalf("err = %v, stalled want %v", err, c.stalled)
			}
		})
	}
}

// TestSubmitUploadStall: the server never reads the body, so the upload stops moving
// once the socket buffers are full.
func TestSubmitUploadStall(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	req := validRequest()
	big := append(bytes.Clone(fakeJPEG), make([]byte, 16<<20)...)
	req.Job.Liveness = [][]byte{big, big, big, big}
	var sent atomic.Int64
	req.Progress = func(s, total int64) { sent.Store(s) }
	_, err := newTestClient(t, srv.URL, func(o *Options) { o.StallTimeout = 200 * time.Millisecond }).Submit(context.Background(), req)
	if !errors.Is(err, ErrStalled) || !errors.Is(err, ErrRetry) {
		t.Fatalf("err = %v, want a stalled retry", err)
	}
	if n := sent.Load(); n == 0 || n >= 64<<20 {
		t.Fatalf("progress stopped at %d bytes", n)
	}
}

func TestSubmitTLS(t *testing.T) {
	srv := httptest.NewTLSServer(&fakeAPI{t: t, status: 200, body: matchBody})
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("pinned CA", func(t *testing.T) {
		res, err := newTestClient(t, srv.URL, func(o *Options) { o.CAFile = caFile }).Submit(context.Background(), validRequest())
		if err != nil || res.Code != CodeMatch {
			t.Fatalf("res %v err %v", res, err)
		}
	})
	t.Run("unknown CA", func(t *testing.T) {
		_, err := newTestClient(t, srv.URL, nil).Submit(context.Background(), validRequest())
		if !errors.Is(err, ErrHalt) {
			t.Fatalf("err = %v, want halt (certificate not trusted)", err)
		}
	})
	t.Run("bad CA file", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.pem")
		os.WriteFile(bad, []byte("not pem"), 0o600)
		s, _ := NewKeySigner("0001", []byte(testKey))
		if _, err := New(Options{BaseURL: srv.URL, Signer: s, CAFile: bad}); err == nil {
			t.Fatal("New accepted a CA file without certificates")
		}
	})
}

func TestNewOptions(t *testing.T) {
	s, _ := NewKeySigner("0001", []byte(testKey))
	cases := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"ok", Options{BaseURL: "http://127.0.0.1:1", Signer: s}, true},
		{"no url", Options{Signer: s}, false},
		{"bad scheme", Options{BaseURL: "ftp://x", Signer: s}, false},
		{"no signer", Options{BaseURL: "http://x"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opts)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestWatchdogPhases: a late EOF of the request body (the transport reads it after the
// answer arrived) must not disarm the watchdog of the answer's body.
func TestWatchdogPhases(t *testing.T) {
	cases := []struct {
		name  string
		steps func(w *watchdog)
		fires bool
	}{
		{"upload stalls after first byte", func(w *watchdog) { w.set(phaseUpload); w.tick() }, true},
		{"connecting is not a stall", func(w *watchdog) { w.set(phaseUpload) }, false},
		{"waiting for headers is not a stall", func(w *watchdog) { w.set(phaseUpload); w.tick(); w.uploaded() }, false},
		{"download stalls", func(w *watchdog) { w.set(phaseUpload); w.tick(); w.uploaded(); w.set(phaseDownload) }, true},
		{"late upload EOF during download", func(w *watchdog) { w.set(phaseUpload); w.tick(); w.set(phaseDownload); w.uploaded() }, true},
		{"done", func(w *watchdog) { w.set(phaseDownload); w.set(phaseDone) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fc := clock.NewFake(time.Unix(0, 0))
			fired := make(chan struct{}, 1)
			w := newWatchdog(fc, time.Second, func() { fired <- struct{}{} })
			defer w.stop()
			c.steps(w)
			fc.Advance(2 * time.Second)
			select {
			case <-fired:
				if !c.fires {
					t.Fatal("fired")
				}
			case <-time.After(200 * time.Millisecond):
				if c.fires {
					t.Fatal("did not fire")
				}
			}
		})
	}
}

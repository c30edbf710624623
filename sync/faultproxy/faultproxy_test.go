package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// echo is a server that counts the requests whose body arrived whole.
func echo(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var whole atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil || int64(len(b)) != r.ContentLength {
			return
		}
		whole.Add(1)
		w.Write([]byte("got " + http.StatusText(200)))
	}))
	t.Cleanup(srv.Close)
	return srv, &whole
}

func post(url string, n int, timeout time.Duration) (*http.Response, string, error) {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Post(url, "application/octet-stream", bytes.NewReader(bytes.Repeat([]byte("x"), n)))
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestFaults(t *testing.T) {
	srv, whole := echo(t)
	p, err := New(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	tests := []struct {
		name      string
		fault     *Fault
		wantErr   bool
		wantCode  int
		wantWhole int64 // requests the server got whole
		check     func(t *testing.T, resp *http.Response, err error)
	}{
		{name: "pass", wantCode: 200, wantWhole: 1},
		{name: "reset mid-body", fault: &Fault{Kind: ResetRequest, AfterBytes: 50 << 10}, wantErr: true, wantWhole: 0,
			check: func(t *testing.T, _ *http.Response, err error) {
				// How the reset shows depends on which of the transport's goroutines meets it
				// first: the reader (ECONNRESET, EOF) or the body writer, which finds the
				// connection already closed by the reader (net.ErrClosed, seen under load).
				if !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "broken pipe") &&
					!errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "use of closed network connection") {
					t.Errorf("error %v is not a reset", err)
				}
			}},
		{name: "lost response", fault: &Fault{Kind: ResetResponse}, wantErr: true, wantWhole: 1},
		{name: "held response", fault: &Fault{Kind: HoldResponse}, wantErr: true, wantWhole: 1},
		{name: "500", fault: ptr(Answer(500, `{"code":"2201","error":"system error","success":false}`)), wantCode: 500},
		{name: "429 retry-after", fault: ptr(Answer(429, `{}`, "Retry-After", "7")), wantCode: 429,
			check: func(t *testing.T, resp *http.Response, _ error) {
				if resp.Header.Get("Retry-After") != "7" || resp.Header.Get("Date") == "" {
					t.Errorf("headers %v", resp.Header)
				}
			}},
		{name: "stall", fault: &Fault{Kind: Stall, AfterBytes: 1 << 10}, wantErr: true, wantWhole: 0,
			check: func(t *testing.T, _ *http.Response, err error) {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("error %v is not a timeout", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := whole.Load()
			if tt.fault != nil {
				p.Plan(*tt.fault)
			}
			resp, _, err := post(p.URL(), 400<<10, 2*time.Second)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && resp.StatusCode != tt.wantCode {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if tt.check != nil {
				tt.check(t, resp, err)
			}
			// The server side of a lost response finishes a moment after the reset.
			deadline := time.Now().Add(5 * time.Second)
			for whole.Load()-before != tt.wantWhole && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if got := whole.Load() - before; got != tt.wantWhole {
				t.Fatalf("server got %d whole requests, want %d", got, tt.wantWhole)
			}
			if p.Planned() != 0 {
				t.Fatalf("fault not used")
			}
		})
	}
}

func TestDownAndUp(t *testing.T) {
	srv, _ := echo(t)
	p, err := New(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Down()
	if _, _, err := post(p.URL(), 10, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("while down: %v, want connection refused", err)
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	if resp, body, err := post(p.URL(), 10, time.Second); err != nil || resp.StatusCode != 200 || body != "got OK" {
		t.Fatalf("after up: %v %q", err, body)
	}
}

// The limiter books the link: each chunk reserves bytes/rate of link time after the
// previous one, so the booked time (not the machine's speed) is what this checks.
func TestRateLimitBooksTheLink(t *testing.T) {
	srv, _ := echo(t)
	p, err := New(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetRate(200 << 10) // 200 KiB/s
	if c := p.up.chunk(); c != (200<<10)/20 {
		t.Fatalf("chunk = %d, want 50 ms of the link", c)
	}
	p.up.mu.Lock()
	p.up.next = time.Time{}
	p.up.mu.Unlock()
	start := time.Now()
	if resp, _, err := post(p.URL(), 100<<10, 10*time.Second); err != nil || resp.StatusCode != 200 {
		t.Fatalf("post through the slow link: %v", err)
	}
	p.up.mu.Lock()
	booked := p.up.next.Sub(start)
	p.up.mu.Unlock()
	// The request is 100 KiB plus its head: at least half a second of link time booked.
	if booked < 500*time.Millisecond {
		t.Fatalf("booked %v of link time for 100 KiB at 200 KiB/s, want at least 500ms", booked)
	}
	p.SetRate(0)
	if c := p.up.chunk(); c != 32<<10 {
		t.Fatalf("unlimited chunk = %d", c)
	}
}

func ptr(f Fault) *Fault { return &f }

func TestSilentConnectionKeepsTheFault(t *testing.T) {
	srv, _ := echo(t)
	p, err := New(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Plan(Answer(503, `{}`))
	c, err := net.Dial("tcp", p.Addr()) // a connectivity probe: connect, send nothing, close
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	resp, _, err := post(p.URL(), 10, time.Second)
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("first request after a probe: %v %v, want the planned 503", resp, err)
	}
}

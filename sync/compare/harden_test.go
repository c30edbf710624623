package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Answers that say the configuration or the network is wrong, not the job: a
// redirect, or a 4xx without a code of the contract. They halt sending.
func TestSubmitMisdirectedAnswersHalt(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string // in the message
		leak    string // must not be in the message
	}{
		{"302 captive portal", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://portal.example.net/login?session=s3cr3t", http.StatusFound)
		}, "https://portal.example.net", "s3cr3t"},
		{"301 http to https", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://api.example.com"+r.URL.Path, http.StatusMovedPermanently)
		}, "redirect", ""},
		{"404 wrong path in api_url", func(w http.ResponseWriter, r *http.Request) {
			http.NotFound(w, r)
		}, "api_url", ""},
		{"407 proxy login", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusProxyAuthRequired)
		}, "proxy", ""},
		{"403 html from a firewall", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<html>blocked by policy</html>")
		}, "HTTP 403", ""},
		{"400 JSON without a code", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"bad request"}`)
		}, "HTTP 400", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			_, err := newTestClient(t, srv.URL, nil).Submit(context.Background(), validRequest())
			var e *Error
			if !errors.As(err, &e) || e.Class != ClassHalt {
				t.Fatalf("err = %v, want a halt", err)
			}
			if !strings.Contains(e.Message, c.want) || (c.leak != "" && strings.Contains(err.Error(), c.leak)) {
				t.Fatalf("message %q: want %q, and not %q", err, c.want, c.leak)
			}
		})
	}
	// The job's fate is unknown on a 2xx other than 200 without a code: retry (a
	// resend that reached the server answers 2215).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL, nil).Submit(context.Background(), validRequest())
	if ClassOf(err) != ClassRetry {
		t.Fatalf("204 without a body: %v, want retry", err)
	}
}

func TestNewRefusesPlainHTTPToOtherHosts(t *testing.T) {
	s, _ := NewKeySigner("0001", []byte(testKey))
	cases := []struct {
		url   string
		allow bool
		ok    bool
		warn  bool
	}{
		{"http://127.0.0.1:8080", false, true, false},
		{"http://127.9.9.9:8080", false, true, false},
		{"http://localhost:8080", false, true, false},
		{"http://[::1]:8080", false, true, false},
		{"https://api.example.com", false, true, false},
		{"http://api.example.com", false, false, false},
		{"http://10.0.0.5:8080", false, false, false},
		{"http://localhost.example.com", false, false, false},
		{"http://api.example.com", true, true, true},
		{"http://127.0.0.1:8080", true, true, false},
	}
	for _, c := range cases {
		var logs bytes.Buffer
		_, err := New(Options{BaseURL: c.url, Signer: s, AllowInsecureHTTP: c.allow,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if (err == nil) != c.ok {
			t.Errorf("%s (allow %v): err = %v", c.url, c.allow, err)
			continue
		}
		if !c.ok && !strings.Contains(err.Error(), "allow_insecure_http") {
			t.Errorf("%s: the error does not say how to allow it: %v", c.url, err)
		}
		if warned := strings.Contains(logs.String(), "level=WARN"); warned != c.warn {
			t.Errorf("%s (allow %v): warned %v, want %v: %s", c.url, c.allow, warned, c.warn, logs.String())
		}
	}
}

func TestRemoteSignerTransportRules(t *testing.T) {
	const token = "tok-123"
	ts := "2026-11-25T22:19:36.123Z"
	var hits atomic.Int32
	sign := func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		json.NewEncoder(w).Encode(map[string]string{"timestamp": ts, "signature": ComputeSignature([]byte("k"), ts, "0001")})
	}

	t.Run("plain http to another host refused", func(t *testing.T) {
		_, err := SignerConfig{PartnerID: "0001", SignerURL: "http://signer.example.com/sign"}.Signer(nil)
		if err == nil || !strings.Contains(err.Error(), "allow_insecure_http") {
			t.Fatalf("Signer = %v, want a refusal", err)
		}
		rs := &RemoteSigner{URL: "http://signer.example.com/sign", Token: token, PartnerID: "0001"}
		if _, err := rs.Sign(context.Background(), time.Now()); !errors.Is(err, ErrHalt) {
			t.Fatalf("Sign over plain http to another host = %v, want a halt", err)
		}
		allowed, err := SignerConfig{PartnerID: "0001", SignerURL: "http://signer.example.com/sign", AllowInsecureHTTP: true}.Signer(nil)
		if err != nil {
			t.Fatalf("Signer with allow_insecure_http: %v", err)
		}
		var logs bytes.Buffer
		if _, err := New(Options{BaseURL: "https://api.example.com", Signer: allowed, Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil ||
			!strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "example.com/sign") {
			t.Fatalf("New with an allowed plain-http signer: %v, logs %q; want one warning naming the host only", err, logs.String())
		}
		if _, err := New(Options{BaseURL: "https://api.example.com", Signer: rs}); err == nil {
			t.Fatal("New accepted a remote signer over plain http to another host")
		}
	})

	t.Run("ca_file trusted", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.HandlerFunc(sign))
		defer srv.Close()
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
		s, err := SignerConfig{PartnerID: "0001", SignerURL: srv.URL, CAFile: caFile}.Signer(nil)
		if err != nil {
			t.Fatal(err)
		}
		if sig, err := s.Sign(context.Background(), time.Now()); err != nil || sig.Timestamp != ts {
			t.Fatalf("Sign through the pinned CA: %+v %v", sig, err)
		}
		s, err = SignerConfig{PartnerID: "0001", SignerURL: srv.URL}.Signer(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sign(context.Background(), time.Now()); !errors.Is(err, ErrHalt) {
			t.Fatalf("Sign to a server the system roots do not trust = %v, want a halt", err)
		}
	})

	t.Run("redirect not followed", func(t *testing.T) {
		hits.Store(0)
		elsewhere := httptest.NewServer(http.HandlerFunc(sign))
		defer elsewhere.Close()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		s, err := SignerConfig{PartnerID: "0001", SignerURL: srv.URL}.Signer(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sign(context.Background(), time.Now()); err == nil || hits.Load() != 0 {
			t.Fatalf("Sign followed a redirect: err %v, %d requests elsewhere", err, hits.Load())
		}
	})
}

// A server that trickles its answer keeps the stall watchdog armed for ever; the
// attempt deadline (on by default) ends the attempt.
func TestSubmitAttemptDeadline(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
		for {
			w.Write([]byte(" "))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	defer close(stop)
	clk := clock.NewFake(time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC))
	// The trickle re-arms the stall watchdog; a long StallTimeout stands for that.
	c := newTestClient(t, srv.URL, func(o *Options) { o.Clock = clk; o.StallTimeout = 24 * time.Hour })
	done := make(chan error, 1)
	go func() {
		_, err := c.Submit(context.Background(), validRequest())
		done <- err
	}()
	failAt := time.After(60 * time.Second) // failure bound only
	for {
		select {
		case err := <-done:
			if !errors.Is(err, ErrAttemptTimeout) || ClassOf(err) != ClassRetry {
				t.Fatalf("Submit = %v, want a retryable attempt timeout", err)
			}
			if elapsed := clk.Now().Sub(time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)); elapsed < DefaultAttemptTimeout {
				t.Fatalf("the attempt ended after %v of fake time, before its deadline %v", elapsed, DefaultAttemptTimeout)
			}
			return
		case <-failAt:
			t.Fatal("Submit still running: no attempt deadline")
		case <-time.After(5 * time.Millisecond):
			clk.Advance(time.Minute)
		}
	}
}

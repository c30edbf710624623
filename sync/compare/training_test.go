package compare

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/hosttest"
)

// countingServer answers a match and counts the requests that reached it.
func countingServer(t *testing.T, l net.Listener) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	return hosttest.CountingServer(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, matchBody)
	}))
}

func trainingRequest(callback string) *Request {
	r := validRequest()
	r.Job.Training = true
	r.Job.CallbackURL = callback
	return r
}

func wantTrainingRefusal(t *testing.T, err error, got int32) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Class != ClassPermanent || !errors.Is(err, ErrTrainingProduction) {
		t.Fatalf("err = %v, want a permanent ErrTrainingProduction", err)
	}
	if !strings.Contains(e.Message, "training job not sent") {
		t.Fatalf("message %q does not say the training job was not sent", e.Message)
	}
	if got != 0 {
		t.Fatalf("the production API received %d requests", got)
	}
}

// A training job reaches only this machine's loopback: the API's URL and the
// callback URL are checked, and so is the address actually dialed, so that a name
// ("localhost") that resolves elsewhere (a hostile /etc/hosts or DNS) is refused.
// A production job still goes wherever the config says.
func TestTrainingJobOnlyToLoopback(t *testing.T) {
	local, localN := countingServer(t, nil)
	prod, prodN := countingServer(t, hosttest.NonLoopbackListener(t))
	insecure := func(o *Options) { o.AllowInsecureHTTP = true }

	t.Run("to the local sandbox", func(t *testing.T) {
		before := localN.Load()
		res, err := newTestClient(t, local.URL, nil).Submit(context.Background(), trainingRequest(local.URL+"/cb"))
		if err != nil || res.Code != "0840" || localN.Load() != before+1 {
			t.Fatalf("res %+v, err %v, requests %d", res, err, localN.Load()-before)
		}
	})
	t.Run("production job to a non-loopback API", func(t *testing.T) {
		before := prodN.Load()
		if _, err := newTestClient(t, prod.URL, insecure).Submit(context.Background(), validRequest()); err != nil || prodN.Load() != before+1 {
			t.Fatalf("a production job was not delivered: %v", err)
		}
	})
	t.Run("to a non-loopback API", func(t *testing.T) {
		before := prodN.Load()
		c := newTestClient(t, prod.URL, insecure)
		// A production job first leaves a kept-alive connection in the pool.
		if _, err := c.Submit(context.Background(), validRequest()); err != nil {
			t.Fatal(err)
		}
		_, err := c.Submit(context.Background(), trainingRequest(local.URL+"/cb"))
		wantTrainingRefusal(t, err, prodN.Load()-before-1)
	})
	t.Run("a production callback URL", func(t *testing.T) {
		before := localN.Load()
		_, err := newTestClient(t, local.URL, nil).Submit(context.Background(), trainingRequest("https://partner.example.com/hook"))
		wantTrainingRefusal(t, err, localN.Load()-before)
	})
	t.Run("a callback by name", func(t *testing.T) {
		_, err := newTestClient(t, local.URL, nil).Submit(context.Background(), trainingRequest("http://localhost:9/hook"))
		wantTrainingRefusal(t, err, 0)
	})
}

// "localhost" that /etc/hosts or DNS maps elsewhere: the dialer checks the address it
// connects to, so the name alone carries no practice job away. The test's resolver maps
// the name to a TEST-NET address (nothing is sent to it: the dialer refuses it before
// connecting), so this runs on any machine.
func TestTrainingLocalhostMappedElsewhere(t *testing.T) {
	local, _ := countingServer(t, nil)
	c := newTestClient(t, "http://localhost:8080", nil)
	var dialed []string
	c.mapAddr = func(addr string) string { dialed = append(dialed, addr); return "192.0.2.1:8080" }
	_, err := c.Submit(context.Background(), trainingRequest(local.URL+"/cb"))
	wantTrainingRefusal(t, err, 0)
	if !errors.Is(err, ErrNotLoopback) || len(dialed) == 0 {
		t.Fatalf("err = %v (dialed %v), want the dialer's ErrNotLoopback", err, dialed)
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.3.2.1": true, "::1": true, "::ffff:127.0.0.1": true,
		"localhost": false, "LOCALHOST": false, "127.0.0.1.example.com": false, "192.0.2.2": false, "": false,
	} {
		if got := LoopbackHost(host); got != want {
			t.Errorf("LoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// A CA file (the pinned roots) that the group or others may write is refused.
func TestWritableCAFileRefused(t *testing.T) {
	p := t.TempDir() + "/ca.pem"
	if err := os.WriteFile(p, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o664); err != nil {
		t.Fatal(err)
	}
	s, _ := NewKeySigner("0001", []byte(testKey))
	_, err := New(Options{BaseURL: "https://api.example.com", Signer: s, CAFile: p})
	if !errors.Is(err, ErrCAFileMode) || !strings.Contains(err.Error(), "chmod go-w "+p) {
		t.Fatalf("New with a 0664 CA file = %v", err)
	}
}

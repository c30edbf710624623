package compare

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPing(t *testing.T) {
	var method, sig string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, sig = r.Method, r.Header.Get(HeaderSignature)
		if r.URL.Path == Path+"x" {
			return
		}
		// The server's clock is 2 minutes ahead of the kiosk's.
		w.Header().Set("Date", time.Now().Add(2*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, nil)
	if _, ok := c.ClockSkew(); ok {
		t.Fatal("a skew before any answer")
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping to a server answering 405: %v", err)
	}
	if method != http.MethodHead || sig != "" {
		t.Fatalf("Ping sent %s with signature %q; want an unsigned HEAD", method, sig)
	}
	skew, ok := c.ClockSkew()
	if !ok || skew < 119*time.Second || skew > 121*time.Second {
		t.Fatalf("skew %v, %v after the ping; want about 2m", skew, ok)
	}

	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://portal.example/login?token=secret", http.StatusFound)
	}))
	defer portal.Close()
	err := newTestClient(t, portal.URL, nil).Ping(context.Background())
	if err == nil || !strings.Contains(err.Error(), "captive portal") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("Ping through a captive portal = %v; want a redirect error without the URL's query", err)
	}

	srv.Close()
	if err := c.Ping(context.Background()); err == nil {
		t.Fatal("Ping to a closed server succeeded")
	}
}

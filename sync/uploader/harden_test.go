package uploader

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/offline"
)

// A redirect or a 4xx without a contract code says the network or the configuration is
// wrong, not the job: sending halts after one request with one alert naming the
// cause, and every job stays in the queue.
func TestMisdirectedAnswersHaltAndKeepJobs(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"captive portal 302", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://portal.example.net/login?mac=aa:bb", http.StatusFound)
		}, "captive portal"},
		{"wrong path in api_url 404", http.NotFound, "check api_url"},
		{"proxy 403 page", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "<html>access denied</html>")
		}, "HTTP 403"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				c.handler(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			ids := []string{fmt.Sprintf("m%d-0", i), fmt.Sprintf("m%d-1", i), fmt.Sprintf("m%d-2", i), fmt.Sprintf("m%d-3", i)}
			fillQueue(t, dir, "tiny", ids...)
			q := openOffline(t, dir, nil)
			defer q.Close()
			ev := &eventLog{}
			prober, _ := NewDialProber(srv.URL)
			u := New(OfflineQueue{q}, CompareSender{Client: newClient(t, srv.URL, e2eKey)},
				Options{InFlight: 2, RetryBase: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond, Prober: prober, OnEvent: ev.add})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // failure bound only
			defer cancel()
			_, err := u.Drain(ctx)
			var he *HaltError
			if !errors.As(err, &he) || !strings.Contains(he.Halt.Reason, c.want) || !strings.Contains(he.Halt.Reason, "no job is lost") {
				t.Fatalf("Drain = %v, want a halt naming %q", err, c.want)
			}
			if strings.Contains(he.Halt.Reason, "mac=") {
				t.Fatalf("the alert shows the redirect's query: %s", he.Halt.Reason)
			}
			if hits.Load() != 1 || len(ev.of(EventHalted)) != 1 {
				t.Fatalf("%d requests and %d alerts, want 1 and 1", hits.Load(), len(ev.of(EventHalted)))
			}
			for _, id := range ids {
				e, err := q.Get(id)
				if err != nil || (e.State != offline.StateQueued && e.State != offline.StateHeld) {
					t.Fatalf("job %s: %v %v, want it kept (queued or held)", id, e.State, err)
				}
			}
		})
	}
}

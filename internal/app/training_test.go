package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/hosttest"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// apiServer is a real HTTP server on l (nil: loopback; or this machine's non-loopback
// address) that counts the requests it receives, and answers each 503.
func apiServer(t *testing.T, l net.Listener) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	return hosttest.CountingServer(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "counted", http.StatusServiceUnavailable)
	}))
}

// The app's sender (newSending, the one kioskctl sync builds too: parts.NewSync) sends
// a practice job only to a loopback API, over real HTTP: a server on this machine's
// non-loopback address never receives one, a name is refused before anything is
// dialed, and the refusal is for good with the reason; a production job goes anywhere,
// and a practice job reaches the loopback sandbox.
func TestTrainingJobsReachOnlyLoopback(t *testing.T) {
	prod, prodGot := apiServer(t, hosttest.NonLoopbackListener(t))
	local, localGot := apiServer(t, nil)
	_, port, _ := net.SplitHostPort(local.Listener.Addr().String())
	for _, tc := range []struct {
		name     string
		url      string
		training bool
		got      *atomic.Int32 // the server that must (sent) or must not receive it
		sent     bool
		host     string // named by the refusal
	}{
		{"training to a non-loopback API", prod.URL, true, prodGot, false, strings.TrimPrefix(prod.URL, "http://")},
		{"training to a name", "https://api.example.com", true, prodGot, false, "api.example.com"},
		{"training to a name that looks loopback", "https://127.0.0.1.example.com", true, prodGot, false, "127.0.0.1.example.com"},
		{"production job to a non-loopback API", prod.URL, false, prodGot, true, ""},
		{"training to the sandbox", local.URL, true, localGot, true, ""},
		{"training to localhost", "http://localhost:" + port, true, localGot, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(t)
			c.Compare.APIURL = tc.url
			c.Compare.PartnerID = "0001"
			c.Compare.APIKeyEnv = "TEST_KEY"
			c.Compare.AllowInsecureHTTP = true
			c.Sync.CallbackURL = "http://127.0.0.1:9/cb"
			s, err := newSending(c, func(string) string { return "k" }, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			before := tc.got.Load()
			j := testJob("j")
			j.Training = tc.training
			_, err = s.Sender.Send(context.Background(), uploader.Job{ID: "j", Job: j}, nil)
			if got := tc.got.Load() - before; got != map[bool]int32{true: 1, false: 0}[tc.sent] {
				t.Fatalf("the server received %d requests (err %v)", got, err)
			}
			if tc.sent {
				return
			}
			var se *uploader.SendError
			if !errors.As(err, &se) || se.Class != uploader.ClassPermanent || !errors.Is(err, ErrTrainingProduction) || !strings.Contains(se.Message, tc.host) {
				t.Fatalf("refusal = %#v", err)
			}
		})
	}
}

package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/testkit/localapitest"
	"github.com/smartselfie/kiosk-agent/offline"
)

// counting wraps an API and counts the submissions (POSTs) and the sync engine's
// probes (compare.Client.Ping's HEADs) it receives.
type counting struct {
	h            http.Handler
	posts, heads atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		c.posts.Add(1)
	case http.MethodHead:
		c.heads.Add(1)
	}
	c.h.ServeHTTP(w, r)
}

// waitUntil polls cond every 5 ms for at most d (a bound against a hang, not a
// measure); it reports whether cond came true.
func waitUntil(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// Finding 3: 50 wake-ups in a second gave 50 signed uploads with a wrong key (each
// lifted the halt the last one caused). Now a halt is lifted at most once a minute.
// And 50 wake-ups by a reader, then by an admin, against an API that fails every
// upload: the engine's backoff is cut (the API probed at once) at most once per
// ReaderWakeEvery or AdminWakeEvery, counted by the probes the API receives, and the
// job's own next attempt holds (no upload at all).
func TestWakeStorm(t *testing.T) {
	t.Run("lifting a wrong key's halt", func(t *testing.T) {
		api := &counting{h: startSandbox(t).Config.Handler}
		srv := httptest.NewServer(api)
		defer srv.Close()
		c := sandboxConfig(t, srv.URL)
		if err := os.WriteFile(c.Compare.APIKeyFile, []byte("not-the-partner-key-0123456789"), 0o600); err != nil {
			t.Fatal(err)
		}
		a := newApp(t, c, clock.Real{})
		if _, err := a.Queue().Enqueue(testJob("storm-1")); err != nil {
			t.Fatal(err)
		}
		run(t, a)
		halted := func() bool { _, h := a.up.Halted(); return h }
		if !waitUntil(20*time.Second, halted) {
			t.Fatal("the wrong key did not halt sending")
		}
		before := api.posts.Load()
		cl, err := localapi.Dial(context.Background(), a.Settings().SocketPath)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		refused := 0
		for range 50 {
			_, err := cl.SyncNow(context.Background(), localapi.SyncRequest{RetryHalted: true})
			switch {
			case errors.Is(err, localapi.ErrTooMany):
				refused++
			case err != nil:
				t.Fatalf("sync --retry-halted: %v", err)
			}
			// Give each lift the time to send and halt again.
			n := api.posts.Load()
			waitUntil(50*time.Millisecond, func() bool { return api.posts.Load() != n && halted() })
		}
		waitUntil(5*time.Second, halted)
		if got := api.posts.Load() - before; got > 1 || refused < 48 {
			t.Fatalf("50 lifts of the halt gave %d more uploads with a wrong key (%d refused); want at most 1", got, refused)
		}
	})

	t.Run("cutting the backoff", func(t *testing.T) {
		api := &counting{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
			if r.Method == http.MethodPost {
				http.Error(w, `{"code":"2201","error":"unavailable"}`, http.StatusInternalServerError)
			}
		})}
		srv := httptest.NewServer(api)
		defer srv.Close()
		c := sandboxConfig(t, srv.URL)
		c.Sync.RetryBase, c.Sync.RetryMax = config.Duration(time.Hour), config.Duration(time.Hour)
		a := newApp(t, c, clock.Real{})
		if _, err := a.Queue().Enqueue(testJob("storm-2")); err != nil {
			t.Fatal(err)
		}
		run(t, a)
		if !waitUntil(20*time.Second, func() bool { return api.posts.Load() > 0 && a.Queue().Counts().ByState[offline.StateQueued] == 1 }) {
			t.Fatal("the job was not tried")
		}
		// A cut backoff is a probe at once (compare.Client.Ping, a HEAD); a nudge
		// probes nothing. The job failed with an hour's backoff: no wake-up sends it.
		posts := api.posts.Load()
		storm := func(role localapi.Role) int64 {
			before := api.heads.Load()
			ctx := localapi.WithActor(context.Background(), localapi.Actor{UID: 1000, Role: role})
			for range 50 {
				if _, err := a.Backend().SyncNow(ctx, localapi.SyncRequest{}); err != nil {
					t.Fatalf("wake-up: %v", err)
				}
				n := api.heads.Load()
				waitUntil(50*time.Millisecond, func() bool { return api.heads.Load() != n })
			}
			return api.heads.Load() - before
		}
		if got := storm(localapi.RoleReader); got != 1 {
			t.Fatalf("50 wake-ups by a reader gave %d probes of the API; want 1 (the first cuts the backoff, the others within 30 s nudge)", got)
		}
		if got := storm(localapi.RoleAdmin); got > 1 {
			t.Fatalf("50 wake-ups by an admin within 5 s gave %d probes of the API; want at most 1", got)
		}
		if got := api.posts.Load() - posts; got != 0 {
			t.Fatalf("the wake-ups gave %d uploads through the job's hour of backoff; want none", got)
		}
	})
}

// TestLocalAPIChild is the flooding client TestFloodDoesNotStopSending runs as
// another user; on its own it does nothing.
func TestLocalAPIChild(t *testing.T) {
	path := os.Getenv("APP_TEST_FLOOD_SOCKET")
	if path == "" {
		t.Skip("run by TestFloodDoesNotStopSending")
	}
	n, _ := strconv.Atoi(os.Getenv("APP_TEST_FLOOD_N"))
	localapitest.Flood(path, n)
}

// Finding 3: a group member holding thousands of keep-alive connections took every
// file descriptor of the kiosk: the uploader failed with "too many open files" and
// root's kioskctl status timed out. With the kiosk's descriptors limited to 512, a
// group member (uid 65534) opens 3000 connections and holds them; root's status
// still answers, the kiosk holds few of them, and a job queued meanwhile is sent to
// the real sandbox on loopback.
func TestFloodDoesNotStopSending(t *testing.T) {
	dir, child := localapitest.ChildBinary(t)
	api := &counting{h: startSandbox(t).Config.Handler}
	srv := httptest.NewServer(api)
	defer srv.Close()
	c := sandboxConfig(t, srv.URL)
	c.LocalAPI.Socket, c.LocalAPI.Group = filepath.Join(dir, "run", "kiosk.sock"), "4242"

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = min(old.Max, 512)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })

	a := newApp(t, c, clock.Real{})
	run(t, a)
	before := localapitest.OpenFDs(t)
	f := localapitest.Start(t, child, "TestLocalAPIChild", 65534, []uint32{4242},
		"APP_TEST_FLOOD_SOCKET="+c.LocalAPI.Socket, "APP_TEST_FLOOD_N=3000")
	t.Logf("flooding client: %s", f.Result)
	if during := localapitest.OpenFDs(t); during-before > localapi.DefaultLimits.MaxConnsPerUser+8 {
		t.Fatalf("the flood holds %d more descriptors of the kiosk", during-before)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a bound against a hang
	defer cancel()
	cl, err := localapi.Dial(ctx, c.LocalAPI.Socket)
	if err != nil {
		t.Fatalf("root during the flood: %v", err)
	}
	defer cl.Close()
	if st, err := cl.Status(ctx); err != nil || st.KioskID != "kiosk-t" {
		t.Fatalf("root's status during the flood: %+v, %v", st, err)
	}
	if _, err := a.Queue().Enqueue(testJob("during-flood")); err != nil {
		t.Fatal(err)
	}
	sent := func() bool {
		e, err := a.Queue().Get("during-flood")
		return err == nil && e.State != offline.StateQueued && e.State != offline.StateSending
	}
	if !waitUntil(60*time.Second, sent) {
		e, _ := a.Queue().Get("during-flood")
		t.Fatalf("the job queued during the flood was not sent: %+v (%d submissions reached the API)", e, api.posts.Load())
	}
	if api.posts.Load() == 0 {
		t.Fatal("no submission reached the API")
	}
	f.Release()
}

package uploader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
)

// tinyJPEG is a stand-in image: the queue seals bytes, it does not decode them.
func tinyJPEG(seed, n int) []byte {
	b := bytes.Repeat([]byte{byte(seed)}, n)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	return b
}

func enqueue(t *testing.T, q *offline.Queue, id string) {
	t.Helper()
	j := &job.Job{ID: id, UserID: "user-" + id, ComparisonType: job.IDPhoto,
		Selfie: tinyJPEG(1, 2000), Comparison: tinyJPEG(2, 2000)}
	for i := 0; i < 4; i++ {
		j.Liveness = append(j.Liveness, tinyJPEG(3+i, 1000))
	}
	if _, err := q.Enqueue(j); err != nil {
		t.Fatalf("enqueue %s: %v", id, err)
	}
}

func openOffline(t *testing.T, dir string, clk clock.Clock) *offline.Queue {
	t.Helper()
	q, err := offline.Open(dir, offline.Options{Clock: clk, Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatalf("opening the queue: %v", err)
	}
	return q
}

func TestOfflineAdapterOutcomes(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	oq := openOffline(t, dir, clk)
	defer oq.Close()
	answers := map[string]error{
		"j-done":     nil,
		"j-known":    &SendError{Class: ClassReconcile, Code: "2215", Message: "job already exists"},
		"j-bad":      &SendError{Class: ClassPermanent, Code: "2204", Message: "comparison_image_type unknown"},
		"j-enrolled": &SendError{Class: ClassOperator, Code: "2209", Message: "user already enrolled"},
		"j-retry":    &SendError{Class: ClassRetry, Code: "2201", Message: "system error"},
	}
	for _, id := range []string{"j-done", "j-known", "j-bad", "j-enrolled", "j-retry"} {
		enqueue(t, oq, id)
	}
	ev := &eventLog{}
	s := &fakeSender{clk: clk, script: func(id string, attempt int) (Result, error) {
		if id == "j-retry" && attempt > 1 {
			return okResult(id, attempt)
		}
		if err := answers[id]; err != nil {
			return Result{}, err
		}
		return Result{Code: "0840", Text: "Face Match", SmileJobID: "sj-" + id, Actions: map[string]string{"Selfie_Check": "Passed"}}, nil
	}}
	u := New(OfflineQueue{oq}, s, Options{Clock: clk, OnEvent: ev.add, Rand: func() float64 { return 0 }})
	u.idleHook = func(wait time.Duration, n int) {
		if n == 0 && wait > 0 {
			clk.Advance(wait)
		}
	}
	rep, err := u.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 2 || rep.Unknown != 1 || rep.Failed != 1 || rep.NeedsOperator != 1 || rep.Retries != 1 {
		t.Fatalf("report = %+v", rep)
	}
	want := map[string]struct {
		state   offline.State
		code    string
		reason  string
		errCode string // the entry's typed code of the failure
	}{
		"j-done":     {offline.StateDone, "0840", "", ""},
		"j-known":    {offline.StateDone, "2215", "", ""},
		"j-bad":      {offline.StateFailed, "", "2204: comparison_image_type unknown", "2204"},
		"j-enrolled": {offline.StateNeedsOperator, "", "2209", "2209"},
		"j-retry":    {offline.StateDone, "0840", "", ""},
	}
	for id, w := range want {
		e, err := oq.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if e.State != w.state || !strings.Contains(e.Reason, w.reason) || e.Code != w.errCode {
			t.Errorf("%s: %s %q code %q, want %s %q code %q", id, e.State, e.Reason, e.Code, w.state, w.reason, w.errCode)
		}
		if w.code != "" && (e.Result == nil || e.Result.Code != w.code) {
			t.Errorf("%s: result %+v, want code %s", id, e.Result, w.code)
		}
	}
	if e, _ := oq.Get("j-known"); e.Result.Text != UnknownResultText {
		t.Errorf("2215 result text = %q", e.Result.Text)
	}
	if e, _ := oq.Get("j-done"); e.Result.SmileJobID != "sj-j-done" || e.Result.Actions["Selfie_Check"] != "Passed" {
		t.Errorf("stored result = %+v", e.Result)
	}
	if e, _ := oq.Get("j-retry"); e.Attempts != 2 {
		t.Errorf("j-retry attempts recorded = %d, want 2 (the failed one and the delivery)", e.Attempts)
	}
	if c := len(s.callsFor("j-retry")); c != 2 {
		t.Errorf("j-retry sent %d times", c)
	}
}

func TestOfflineAdapterHaltHoldsAndReleases(t *testing.T) {
	clk := clock.NewFake(t0)
	oq := openOffline(t, t.TempDir(), clk)
	defer oq.Close()
	enqueue(t, oq, "a")
	enqueue(t, oq, "b")
	bad := &fakeSender{clk: clk, script: func(string, int) (Result, error) {
		return Result{}, &SendError{Class: ClassHalt, Code: "2205", Message: "unauthorized"}
	}}
	u := New(OfflineQueue{oq}, bad, Options{Clock: clk, ConfigID: "k1", InFlight: 1})
	if _, err := u.Drain(context.Background()); !errors.Is(err, ErrHalted) {
		t.Fatalf("Drain = %v", err)
	}
	if c := oq.Counts(); c.ByState[offline.StateHeld] != 1 || c.ByState[offline.StateQueued] != 1 || bad.total() != 1 {
		t.Fatalf("counts = %v, sent %d", c.ByState, bad.total())
	}
	good := &fakeSender{clk: clk, script: okResult}
	u.Reconfigure(good, "k2")
	if _, err := u.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := oq.Counts(); c.ByState[offline.StateDone] != 2 || good.total() != 2 {
		t.Fatalf("counts = %v, sent %d", c.ByState, good.total())
	}
}

func TestOfflineAdapterWatchWakes(t *testing.T) {
	clk := clock.NewFake(t0)
	oq := openOffline(t, t.TempDir(), clk)
	defer oq.Close()
	s := &fakeSender{clk: clk, script: okResult}
	u := New(OfflineQueue{oq}, s, Options{Clock: clk, PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go OfflineQueue{oq}.Watch(ctx, u.Notify)
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	for i := 0; i < 3; i++ {
		enqueue(t, oq, fmt.Sprintf("w%d", i))
	}
	eventually(t, "three jobs delivered on wake-ups alone", func() bool { return oq.Counts().ByState[offline.StateDone] == 3 })
	cancel()
	<-done
}

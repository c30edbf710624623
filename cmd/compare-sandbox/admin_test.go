package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// closeSignalListener reports when the server closes it (Shutdown's first step).
type closeSignalListener struct {
	net.Listener
	once   atomic.Bool
	closed chan struct{}
}

func (l *closeSignalListener) Close() error {
	if l.once.CompareAndSwap(false, true) {
		close(l.closed)
	}
	return l.Listener.Close()
}

// stop returns only once the admin server has shut down: a request in flight when it is
// called has finished, so what the handler uses (the sandbox) may be closed after it.
func TestAdminStopWaitsForRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &closeSignalListener{Listener: ln, closed: make(chan struct{})}
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		finished.Store(true)
		io.WriteString(w, "ok")
	})
	stop := (&httpServer{handler: h}).background(context.Background(), cl, slog.New(slog.NewTextHandler(io.Discard, nil)))

	got := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/jobs")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = &statusError{resp.StatusCode}
			}
		}
		got <- err
	}()
	<-entered

	stopped := make(chan bool, 1) // whether the request had finished when stop returned
	go func() {
		stop()
		stopped <- finished.Load()
	}()
	<-cl.closed // shutting down; the request is still held
	close(release)
	if !<-stopped {
		t.Fatal("stop returned while an admin request was still running")
	}
	if err := <-got; err != nil {
		t.Fatalf("the request in flight failed: %v", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("the admin address still accepts connections after stop")
	}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }

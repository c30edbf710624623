package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

// adminGrace bounds how long shutting down the admin server waits for requests in flight.
const adminGrace = 5 * time.Second

// httpServer serves a handler until ctx is done.
type httpServer struct{ handler http.Handler }

// serve serves on ln until ctx is done, then shuts down and returns once every request in
// flight has finished; requests still running after adminGrace are cut (with an error).
func (s *httpServer) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served: // failed on its own: nothing was shut down
		return err
	case <-ctx.Done():
	}
	// Serve returns at once when Shutdown starts; Shutdown returns when the requests
	// in flight are done: wait for both.
	sctx, cancel := context.WithTimeout(context.Background(), adminGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("shutting down: requests still running after %s were cut: %w", adminGrace, err)
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// background runs serve in a goroutine and returns stop, which ends it and waits until it
// has shut down: what the handler uses may be closed once stop returns.
func (s *httpServer) background(ctx context.Context, ln net.Listener, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.serve(ctx, ln); err != nil {
			log.Warn("admin server", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

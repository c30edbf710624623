package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

// httpServer serves a handler until ctx is done.
type httpServer struct{ handler http.Handler }

func (s *httpServer) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

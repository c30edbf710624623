package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/offline"
)

// SocketMode is the socket file's mode: the owner (root) and the group read and write.
const SocketMode = 0o660

// Options configure Listen. The zero value is usable.
type Options struct {
	// Path is the socket file; DefaultSocket when empty. Its folder is created
	// (0755) if missing.
	Path string
	// Group is the group allowed to use the API, by name ("kiosk") or number
	// ("997"); the socket file gets it as group owner. Empty: the process's group.
	Group string
	// Logger receives refusals and errors; nil discards them.
	Logger *slog.Logger
}

// Server serves the local API on a unix socket.
type Server struct {
	path  string
	gid   uint32
	group string // for messages
	ln    *net.UnixListener
	log   *slog.Logger
}

// Listen creates the socket: mode SocketMode, group owner Options.Group. A socket
// file left by a kiosk that died (nothing accepts on it) is removed first; a live
// one fails with ErrRunning, and a path that is not a socket is left alone (error).
func Listen(o Options) (*Server, error) {
	s := &Server{path: o.Path, log: o.Logger}
	if s.path == "" {
		s.path = DefaultSocket
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.gid, s.group, err = resolveGroup(o.Group); err != nil {
		return nil, fmt.Errorf("starting the local API: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return nil, fmt.Errorf("starting the local API: creating the socket's folder: %w", err)
	}
	if err := s.clearStale(); err != nil {
		return nil, fmt.Errorf("starting the local API on %s: %w", s.path, err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("starting the local API: %w", err)
	}
	ln.SetUnlinkOnClose(true)
	// Until these two calls the file has the umask's mode; the peer check below
	// refuses anyone outside the group meanwhile.
	if err := os.Chown(s.path, -1, int(s.gid)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting the local API: giving %s to group %s: %w", s.path, s.group, err)
	}
	if err := os.Chmod(s.path, SocketMode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("starting the local API: %w", err)
	}
	s.ln = ln
	return s, nil
}

// clearStale removes a socket file that nothing serves.
func (s *Server) clearStale() error {
	fi, err := os.Lstat(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket: remove it, or set another socket path", s.path)
	}
	c, err := net.DialTimeout("unix", s.path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: stop the other kiosk first", ErrRunning)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("checking the socket left in place: %w", err)
	}
	s.log.Info("removing the socket of a kiosk that is no longer running", "path", s.path)
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing the stale socket: %w", err)
	}
	return nil
}

// resolveGroup turns a group name or number into a gid.
func resolveGroup(g string) (uint32, string, error) {
	if g == "" {
		gid := os.Getegid()
		return uint32(gid), strconv.Itoa(gid), nil
	}
	if n, err := strconv.ParseUint(g, 10, 32); err == nil {
		return uint32(n), g, nil
	}
	gr, err := user.LookupGroup(g)
	if err != nil {
		return 0, "", fmt.Errorf("the kiosk's group %q: %w (create it, e.g. groupadd --system %s)", g, err, g)
	}
	n, err := strconv.ParseUint(gr.Gid, 10, 32)
	if err != nil {
		return 0, "", fmt.Errorf("the kiosk's group %q has gid %q: %w", g, gr.Gid, err)
	}
	return uint32(n), g, nil
}

// Path is the socket file.
func (s *Server) Path() string { return s.path }

// Close stops accepting and removes the socket file. Serve calls it when ctx ends.
func (s *Server) Close() error { return s.ln.Close() }

type peerKey struct{}

type peerResult struct {
	p   Peer
	err error
}

// Serve answers requests until ctx ends, then lets the requests in progress finish
// (2 s at most), removes the socket and returns nil.
func (s *Server) Serve(ctx context.Context, b Backend) error {
	srv := &http.Server{
		Handler:           s.Handler(b),
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			var r peerResult
			if sc, ok := c.(syscall.Conn); ok {
				r.p, r.err = PeerOf(sc)
			} else {
				r.err = errors.New("not a unix socket")
			}
			return context.WithValue(ctx, peerKey{}, r)
		},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err := srv.Serve(s.ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serving the local API: %w", err)
}

// Handler is the API's HTTP handler: every request goes through the peer check
// (which needs the connection's credentials in the context, as Serve puts them).
func (s *Server) Handler(b Backend) http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := fn(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, v)
		})
	}
	h("GET /v1/status", func(r *http.Request) (any, error) { return b.Status(r.Context()) })
	h("GET /v1/jobs", func(r *http.Request) (any, error) {
		var o offline.ListOptions
		if st := r.URL.Query().Get("state"); st != "" {
			state, err := offline.ParseState(st)
			if err != nil {
				return nil, &badRequest{err.Error()}
			}
			o.States = []offline.State{state}
		}
		return b.Jobs(r.Context(), o)
	})
	h("GET /v1/jobs/{id}", func(r *http.Request) (any, error) { return b.Job(r.Context(), r.PathValue("id")) })
	h("POST /v1/jobs/{id}/retry", func(r *http.Request) (any, error) {
		var req RetryRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.Retry(r.Context(), r.PathValue("id"), req)
	})
	h("POST /v1/jobs/{id}/purge", func(r *http.Request) (any, error) {
		var req PurgeRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.Purge(r.Context(), r.PathValue("id"), req)
	})
	h("POST /v1/purge", func(r *http.Request) (any, error) { return b.Sweep(r.Context()) })
	// Audit is a POST so that a customer id to search for is in the body, never a URL.
	h("POST /v1/audit", func(r *http.Request) (any, error) {
		var q AuditQuery
		if err := decode(r, &q); err != nil {
			return nil, err
		}
		return b.Audit(r.Context(), q)
	})
	h("GET /v1/sync", func(r *http.Request) (any, error) { return b.SyncStatus(r.Context()) })
	h("POST /v1/sync", func(r *http.Request) (any, error) {
		var req SyncRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.SyncNow(r.Context(), req)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr, ok := r.Context().Value(peerKey{}).(peerResult)
		switch {
		case !ok || pr.err != nil:
			s.log.Warn("local API: refused a client whose credentials could not be read", "err", pr.err)
			s.writeError(w, r, fmt.Errorf("%w: the kiosk could not read who you are", ErrForbidden))
			return
		case !pr.p.Allowed(s.gid):
			s.log.Warn("local API: refused a client outside the kiosk's group", "uid", pr.p.UID, "pid", pr.p.PID, "group", s.group)
			s.writeError(w, r, fmt.Errorf("%w: uid %d is neither root nor in the group %s; add the user to it (usermod -aG %s USER) and log in again",
				ErrForbidden, pr.p.UID, s.group, s.group))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// decode reads a JSON body (an empty body is the zero request).
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return badRequestf("reading the request: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, status := codeOf(err)
	var br *badRequest
	if errors.As(err, &br) {
		code, status = "bad_request", http.StatusBadRequest
	}
	if status >= 500 {
		s.log.Error("local API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, wireError{Error: err.Error(), Code: code})
}

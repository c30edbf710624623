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
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/offline"
)

// SocketMode is the socket file's mode: the owner (root) and the group read and write.
const SocketMode = 0o660

// Options configure Listen. The zero value is usable.
type Options struct {
	// Path is the socket file; DefaultSocket when empty. Its folder is created
	// (0755) if missing, and refused when it is a symbolic link, is not owned by root
	// or the kiosk's user, or others may write in it.
	Path string
	// Group is the group allowed to use the API (readers), by name ("kiosk") or
	// number ("997"); the socket file gets it as group owner. Empty: the process's
	// group.
	Group string
	// AdminGroup is the group whose members may change things through the API
	// (retry, purge, operators, lifting a halt), by name or number; root and the
	// kiosk's own user always may. Empty, or a name this machine does not have: no
	// admin group.
	AdminGroup string
	// Supervisors checks the supervisor's PIN a client sends (HeaderSupervisor,
	// HeaderSupervisorPIN) to raise a reader to RoleAdmin for one request; nil: no
	// PIN is accepted.
	Supervisors Supervisors
	// Limits bound what local clients may hold; zero fields take the defaults.
	Limits Limits
	// Clock paces the readers' request rate; nil is the real clock.
	Clock clock.Clock
	// Observe, when set, is called once per request with its route (the mux's
	// pattern, "" when none matched), the status answered and how long it took.
	Observe func(route string, status int, took time.Duration)
	// Logger receives refusals and errors; nil discards them.
	Logger *slog.Logger
}

// Server serves the local API on a unix socket.
type Server struct {
	path     string
	group    string // for messages
	admin    string // for messages ("" when no admin group)
	roles    Roles
	sup      Supervisors
	supMu    sync.Mutex // one PIN check at a time (argon2id is heavy)
	lim      Limits
	conns    *connLimiter
	refusals refusals // the connections over the limits being answered
	readers  *readerLimiter
	pins     *readerLimiter
	users    sync.Map // uid → user name
	ino      fileID   // the socket file this server made
	ln       *net.UnixListener
	observe  func(string, int, time.Duration)
	log      *slog.Logger
}

// fileID names a file for good (device and inode).
type fileID struct{ dev, ino uint64 }

// Listen creates the socket: mode SocketMode, group owner Options.Group. A socket
// file left by a kiosk that died (nothing accepts on it) is removed first; a live
// one fails with ErrRunning, and a path that is not a socket is left alone (error).
//
// The socket is made where nobody else can swap it for a symbolic link: bound in a
// private folder (0700) inside the socket's folder, given its group and mode there,
// then renamed into place; and the socket's folder must be a real folder owned by
// root or the kiosk's user that others cannot write in.
func Listen(o Options) (*Server, error) {
	s := &Server{path: o.Path, log: o.Logger, sup: o.Supervisors, lim: o.Limits.withDefaults(), observe: o.Observe}
	if s.path == "" {
		s.path = DefaultSocket
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	clk := o.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	s.conns = newConnLimiter(s.lim, s.log)
	s.readers = newReaderLimiter(s.lim, clk)
	s.pins = newPINLimiter(s.lim, clk)
	var err error
	if s.roles.ReadGID, s.group, err = resolveGroup(o.Group); err != nil {
		return nil, fmt.Errorf("starting the local API: %w", err)
	}
	s.roles.SelfUID = uint32(os.Geteuid())
	if o.AdminGroup != "" {
		if gid, name, err := resolveGroup(o.AdminGroup); err != nil {
			s.log.Info("local API: no admin group on this machine; only root and the kiosk's user may change things through the socket, or a supervisor's PIN", "admin_group", o.AdminGroup)
		} else {
			s.roles.AdminGID, s.roles.HasAdmin, s.admin = gid, true, name
		}
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("starting the local API: creating the socket's folder: %w", err)
	}
	if err := checkSocketDir(dir); err != nil {
		return nil, fmt.Errorf("starting the local API: %w", err)
	}
	if err := s.clearStale(); err != nil {
		return nil, fmt.Errorf("starting the local API on %s: %w", s.path, err)
	}
	if s.ln, s.ino, err = bindPrivately(s.path, s.roles.ReadGID, s.group); err != nil {
		return nil, fmt.Errorf("starting the local API: %w", err)
	}
	return s, nil
}

// checkSocketDir refuses a socket folder someone else controls: a symbolic link (it
// could point anywhere), one owned by another user, or one others may write in
// (they could put their own file or link in the socket's place).
func checkSocketDir(dir string) error {
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return fmt.Errorf("checking the socket's folder %s: %w", dir, err)
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return fmt.Errorf("the socket's folder %s is a symbolic link: make it a real folder (owned by root or the kiosk's user, mode 0750), or set local_api.socket elsewhere", dir)
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("the socket's folder %s is not a folder: set local_api.socket elsewhere", dir)
	case st.Uid != 0 && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("the socket's folder %s belongs to uid %d, neither root nor the kiosk's user (uid %d): chown %d %s, or set local_api.socket in a folder of the kiosk's own", dir, st.Uid, os.Geteuid(), os.Geteuid(), dir)
	case st.Mode&0o022 != 0:
		return fmt.Errorf("the socket's folder %s is writable by group or others (mode %04o): chmod go-w %s", dir, st.Mode&0o7777, dir)
	}
	return nil
}

// bindPrivately binds the socket inside a fresh private folder next to path, gives
// it its group and mode there (no one else can reach that folder, so no link can be
// put in its place), and renames it to path.
func bindPrivately(path string, gid uint32, group string) (*net.UnixListener, fileID, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".kiosk-sock-")
	if err != nil {
		return nil, fileID{}, fmt.Errorf("creating the socket: %w", err)
	}
	defer os.RemoveAll(tmp)
	name := filepath.Join(tmp, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: name, Net: "unix"})
	if err != nil {
		return nil, fileID{}, fmt.Errorf("creating the socket: %w", err)
	}
	ln.SetUnlinkOnClose(false) // the name changes below; Close removes the final one
	fail := func(err error) (*net.UnixListener, fileID, error) {
		ln.Close()
		return nil, fileID{}, err
	}
	if err := unix.Fchownat(unix.AT_FDCWD, name, -1, int(gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fail(fmt.Errorf("giving the socket to group %s: %w", group, err))
	}
	if err := os.Chmod(name, SocketMode); err != nil {
		return fail(fmt.Errorf("setting the socket's mode: %w", err))
	}
	var st unix.Stat_t
	if err := unix.Lstat(name, &st); err != nil {
		return fail(fmt.Errorf("checking the socket: %w", err))
	}
	if err := os.Rename(name, path); err != nil {
		return fail(fmt.Errorf("putting the socket in place at %s: %w", path, err))
	}
	return ln, fileID{uint64(st.Dev), st.Ino}, nil
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

// Close stops accepting and removes the socket file (when it is still the one Listen
// made). Serve calls it when ctx ends.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.refusals.close()
	var st unix.Stat_t
	if unix.Lstat(s.path, &st) == nil && (fileID{uint64(st.Dev), st.Ino}) == s.ino {
		os.Remove(s.path)
	}
	return err
}

type peerKey struct{}

type peerResult struct {
	p   Peer
	err error
}

// Serve answers requests until ctx ends, then lets the requests in progress finish
// (2 s at most), removes the socket and returns nil.
//
// Local clients are bounded (Limits): connections per user and in total (root has
// its own share, so a flood by a group member never stops root's kioskctl status),
// a header, a body and an idle timeout, and the readers' request rate.
func (s *Server) Serve(ctx context.Context, b Backend) error {
	srv := &http.Server{
		Handler:           s.Handler(b),
		ReadHeaderTimeout: s.lim.HeaderTimeout,
		ReadTimeout:       s.lim.BodyTimeout,
		WriteTimeout:      s.lim.WriteTimeout,
		IdleTimeout:       s.lim.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			var r peerResult
			if pc, ok := c.(*peerConn); ok {
				r.p = pc.peer
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
		s.Close()
	}()
	err := srv.Serve(&limitedListener{s: s})
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serving the local API: %w", err)
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Handler is the API's HTTP handler. Every request goes through one middleware, the
// one place where a request's route, caller and status are known: it reads the
// caller's credentials (which Serve puts in the context), decides their role
// (Roles, a supervisor's PIN), refuses what the role may not do, paces readers,
// then serves the route with the Actor in the context (the audit's "operator") and
// reports route and status to Options.Observe.
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
		if q.UserID != "" {
			// Whether a customer enrolled here is not for every group member.
			if err := needAdmin(r, "searching the audit log by customer id"); err != nil {
				return nil, err
			}
		}
		return b.Audit(r.Context(), q)
	})
	h("GET /v1/sync", func(r *http.Request) (any, error) { return b.SyncStatus(r.Context()) })
	h("POST /v1/sync", func(r *http.Request) (any, error) {
		var req SyncRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		if req.RetryHalted {
			if err := needAdmin(r, "lifting a sending halt"); err != nil {
				return nil, err
			}
		}
		return b.SyncNow(r.Context(), req)
	})
	if sb, ok := b.(SnapshotBackend); ok {
		h("GET /v1/metrics/snapshots", snapshotRoute(sb))
	}
	// ADMIN-ONLY MUTATIONS: the operators (operators.go; CredentialsOnly).
	operatorRoutes(h, b)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		_, route := mux.Handler(r)
		if s.observe != nil {
			defer func() { s.observe(route, sw.status, time.Since(start)) }()
		}
		a, release, err := s.authorize(r, route)
		if err != nil {
			s.writeError(sw, r, err)
			return
		}
		defer release()
		mux.ServeHTTP(sw, r.WithContext(WithActor(r.Context(), a)))
	})
}

// authorize decides who the caller is and whether they may use route; release ends
// the request's share of the readers' limit.
func (s *Server) authorize(r *http.Request, route string) (Actor, func(), error) {
	none := func() {}
	pr, ok := r.Context().Value(peerKey{}).(peerResult)
	if !ok || pr.err != nil {
		s.log.Warn("local API: refused a client whose credentials could not be read", "err", pr.err)
		return Actor{}, none, fmt.Errorf("%w: the kiosk could not read who you are", ErrForbidden)
	}
	p := pr.p
	role := s.roles.RoleOf(p)
	if role == RoleNone {
		s.log.Warn("local API: refused a client outside the kiosk's group", "uid", p.UID, "pid", p.PID, "group", s.group)
		return Actor{}, none, fmt.Errorf("%w: uid %d is neither root nor in the group %s; add the user to it (usermod -aG %s USER) and log in again",
			ErrForbidden, p.UID, s.group, s.group)
	}
	a := Actor{UID: p.UID, User: s.userName(p.UID), Role: role}
	release := none
	if role == RoleReader {
		var err error
		if release, err = s.readers.admit(r.Context(), p.UID); err != nil {
			return Actor{}, none, err
		}
	}
	fail := func(err error) (Actor, func(), error) {
		release()
		return Actor{}, none, err
	}
	// The operators' changes need an administrator by credentials: a supervisor's
	// PIN does not raise a reader for them (operators.go).
	if CredentialsOnly(route) && role < RoleAdmin {
		s.log.Warn("local API: refused an operator change to a reader", "uid", p.UID, "route", route)
		who := "root, the kiosk's user"
		if s.admin != "" {
			who += " or the group " + s.admin
		}
		return fail(fmt.Errorf("%w: %s changes the kiosk's operators: only %s may (uid %d is a reader; a supervisor's PIN is not enough): run it with sudo", ErrForbidden, route, who, p.UID))
	}
	// A supervisor's PIN counts for changes only (reads need none), and is checked
	// even for an admin so that the audit names a supervisor only when one really
	// authorized the change.
	if id := r.Header.Get(HeaderSupervisor); id != "" && r.Method != http.MethodGet {
		op, err := s.checkSupervisor(id, r.Header.Get(HeaderSupervisorPIN), route, a)
		if err != nil {
			return fail(err)
		}
		a.Operator, a.Role = op, RoleAdmin
	}
	if route != "" && RouteRole(route) > a.Role {
		s.log.Warn("local API: refused a change to a reader", "uid", p.UID, "route", route)
		return fail(fmt.Errorf("%w: %s", ErrForbidden, s.adminSentence(route, a)))
	}
	return a, release, nil
}

// routeWhat names a change for the sentences (the command that makes it).
var routeWhat = map[string]string{
	"POST /v1/jobs/{id}/retry": "sending a job again (kioskctl queue retry)",
	"POST /v1/jobs/{id}/purge": "deleting a job's images (kioskctl queue purge ID)",
	"POST /v1/purge":           "applying retention now (kioskctl queue purge)",
}

// adminSentence says who may do what a reader asked for.
func (s *Server) adminSentence(route string, a Actor) string {
	who := "root"
	if s.admin != "" {
		who += ", the group " + s.admin
	}
	what := routeWhat[route]
	if what == "" {
		what = route
	}
	return fmt.Sprintf("%s is a change: only %s, or a supervisor's PIN, may make it (uid %d is a reader); give the supervisor's id with --operator-id (the PIN is asked), or run it with sudo",
		what, who, a.UID)
}

// checkSupervisor verifies a supervisor's PIN (one check at a time: each costs about
// a tenth of a second and tens of MB; wrong PINs count toward the lockout).
func (s *Server) checkSupervisor(id, pin, route string, a Actor) (string, error) {
	if s.sup == nil {
		return "", fmt.Errorf("%w: this kiosk checks no supervisor PIN through its socket", ErrForbidden)
	}
	if pin == "" {
		return "", fmt.Errorf("%w: a supervisor's id came without a PIN", ErrForbidden)
	}
	if a.UID != 0 && !s.pins.take(a.UID) {
		s.log.Warn("local API: too many supervisor's PINs to check", "uid", a.UID, "route", route)
		return "", fmt.Errorf("%w: uid %d had %d supervisor's PINs checked just now; wait a few seconds and try again", ErrTooMany, a.UID, s.lim.PINBurst)
	}
	s.supMu.Lock()
	defer s.supMu.Unlock()
	op, err := s.sup.Authorize(id, pin, offline.RoleSupervisor, "local API "+route+" for "+a.String())
	if err != nil {
		s.log.Warn("local API: a supervisor's PIN was refused", "uid", a.UID, "route", route, "err", err)
		return "", fmt.Errorf("%w: %v", ErrForbidden, err)
	}
	return op.ID, nil
}

// userName is uid's user name, looked up once.
func (s *Server) userName(uid uint32) string {
	if v, ok := s.users.Load(uid); ok {
		return v.(string)
	}
	n := userName(uid)
	s.users.Store(uid, n)
	return n
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

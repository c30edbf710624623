package localapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Limits bound what local clients may hold and ask, so that no group member can take
// the kiosk's file descriptors, memory or CPU from the sync engine or from root.
// Zero fields take the defaults.
type Limits struct {
	// MaxConnsPerUser is how many connections one user (other than root) may hold
	// (default 8).
	MaxConnsPerUser int
	// MaxReaderConns is how many connections the readers hold together (default 32);
	// MaxConns is how many every user but root holds together (default 64); root has
	// MaxRootConns of its own (default 16). Beyond them a connection is answered 503
	// once its request is read (HeaderTimeout at most), and closed.
	MaxReaderConns int
	MaxConns       int
	MaxRootConns   int
	// HeaderTimeout, BodyTimeout, WriteTimeout and IdleTimeout are the server's
	// (defaults 5 s, 10 s, 30 s and 30 s): a connection that sends nothing, sends
	// slowly, or sits idle is closed.
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
	WriteTimeout  time.Duration
	IdleTimeout   time.Duration
	// ReaderRate is how many requests per second one reader may make, with bursts of
	// ReaderBurst (defaults 10 and 20); beyond it the answer is 429. ReaderInFlight is
	// how many readers' requests are served at once (default 2); the others wait.
	ReaderRate     float64
	ReaderBurst    int
	ReaderInFlight int
	// PINRate is how many supervisor's PINs one user may have checked a second, with
	// bursts of PINBurst (defaults 0.5 and 3): each check costs about a tenth of a
	// second of both cores (argon2id), so a stream of guesses under unknown ids (which
	// lock nobody out) must not take the CPU from the sync engine. Beyond it, 429.
	PINRate  float64
	PINBurst int
}

// DefaultLimits are the limits of a kiosk.
var DefaultLimits = Limits{
	MaxConnsPerUser: 8, MaxReaderConns: 32, MaxConns: 64, MaxRootConns: 16,
	HeaderTimeout: 5 * time.Second, BodyTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 30 * time.Second,
	ReaderRate: 10, ReaderBurst: 20, ReaderInFlight: 2,
	PINRate: 0.5, PINBurst: 3,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxConnsPerUser, d.MaxConnsPerUser)
	set(&l.MaxReaderConns, d.MaxReaderConns)
	set(&l.MaxConns, d.MaxConns)
	set(&l.MaxRootConns, d.MaxRootConns)
	set(&l.ReaderBurst, d.ReaderBurst)
	set(&l.ReaderInFlight, d.ReaderInFlight)
	set(&l.PINBurst, d.PINBurst)
	if l.PINRate <= 0 {
		l.PINRate = d.PINRate
	}
	setD(&l.HeaderTimeout, d.HeaderTimeout)
	setD(&l.BodyTimeout, d.BodyTimeout)
	setD(&l.WriteTimeout, d.WriteTimeout)
	setD(&l.IdleTimeout, d.IdleTimeout)
	if l.ReaderRate <= 0 {
		l.ReaderRate = d.ReaderRate
	}
	return l
}

// connLimiter counts the connections held, by user and by pool.
type connLimiter struct {
	lim  Limits
	log  *slog.Logger
	mu   sync.Mutex
	uid  map[uint32]int
	read int // readers (and refused users: they count like readers)
	all  int // everyone but root
	root int
	// refused counts the connections refused since the last log line, which is
	// written at most every 10 s (a flood must not flood the journal too).
	refused  int
	lastLog  time.Time
	refusing map[uint32]bool
}

func newConnLimiter(l Limits, log *slog.Logger) *connLimiter {
	return &connLimiter{lim: l, log: log, uid: map[uint32]int{}, refusing: map[uint32]bool{}}
}

// acquire takes a connection's share, or says why it may not.
func (c *connLimiter) acquire(uid uint32, role Role) (func(), string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var why string
	switch {
	case uid == 0:
		if c.root >= c.lim.MaxRootConns {
			why = fmt.Sprintf("root has reached its limit of %d connections to the kiosk", c.lim.MaxRootConns)
		}
	case c.uid[uid] >= c.lim.MaxConnsPerUser:
		why = fmt.Sprintf("uid %d has reached its limit of %d connections to the kiosk", uid, c.lim.MaxConnsPerUser)
	case role < RoleAdmin && c.read >= c.lim.MaxReaderConns:
		why = fmt.Sprintf("the kiosk's group has reached its limit of %d connections", c.lim.MaxReaderConns)
	case c.all >= c.lim.MaxConns:
		why = fmt.Sprintf("local clients have reached their limit of %d connections to the kiosk", c.lim.MaxConns)
	}
	if why != "" {
		c.refusedLocked(uid, why)
		return nil, why
	}
	if uid == 0 {
		c.root++
	} else {
		c.uid[uid]++
		c.all++
		if role < RoleAdmin {
			c.read++
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if uid == 0 {
				c.root--
				return
			}
			if c.uid[uid]--; c.uid[uid] == 0 {
				delete(c.uid, uid)
			}
			c.all--
			if role < RoleAdmin {
				c.read--
			}
		})
	}, ""
}

func (c *connLimiter) refusedLocked(uid uint32, why string) {
	c.refused++
	c.refusing[uid] = true
	now := time.Now()
	if now.Sub(c.lastLog) < 10*time.Second {
		return
	}
	uids := make([]string, 0, len(c.refusing))
	for u := range c.refusing {
		uids = append(uids, strconv.FormatUint(uint64(u), 10))
	}
	c.log.Warn("local API: connections refused over the limit", "refused", c.refused, "uids", uids, "last", why)
	c.refused, c.lastLog = 0, now
	clear(c.refusing)
}

// held reports the connections held: by root, and by everyone else.
func (c *connLimiter) held() (root, others int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.root, c.all
}

// limitedListener accepts the socket's connections, reads each peer's credentials
// and refuses, at once, a connection over the limits.
type limitedListener struct{ s *Server }

func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.s.ln.AcceptUnix()
		if err != nil {
			return nil, err
		}
		p, err := PeerOf(c)
		if err != nil {
			l.s.log.Warn("local API: refused a client whose credentials could not be read", "err", err)
			c.Close()
			continue
		}
		release, why := l.s.conns.acquire(p.UID, l.s.roles.RoleOf(p))
		if release == nil {
			l.s.refusals.refuse(c, why, l.s.lim.HeaderTimeout)
			continue
		}
		return &peerConn{UnixConn: c, peer: p, release: release}, nil
	}
}

func (l *limitedListener) Close() error   { return l.s.ln.Close() }
func (l *limitedListener) Addr() net.Addr { return l.s.ln.Addr() }

// maxRefusing bounds the refusals waiting for their request at once: beyond it (a
// flood of connections that send nothing) a connection is answered without its
// request being read, and closed.
const maxRefusing = 4

// refusals answers the connections over the limits: 503 with the reason, written
// once the client's request has been read. Answered before, the answer races the
// request: an HTTP client that reads an answer before it has written its request
// drops it as unsolicited ("readLoopPeekFailLocked"), and one that writes after the
// close gets a broken pipe; either way the caller is not told why.
type refusals struct {
	mu     sync.Mutex
	conns  map[*net.UnixConn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// refuse answers c (over the limits) in a goroutine of its own once its request is
// read, or at once when maxRefusing are waiting already or the server is closing.
func (r *refusals) refuse(c *net.UnixConn, why string, wait time.Duration) {
	r.mu.Lock()
	if r.closed || len(r.conns) >= maxRefusing {
		r.mu.Unlock()
		answerBusy(c, why)
		c.Close()
		return
	}
	if r.conns == nil {
		r.conns = map[*net.UnixConn]struct{}{}
	}
	r.conns[c] = struct{}{}
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		c.SetReadDeadline(time.Now().Add(wait))
		// The request's head, and a small body (the local API's are JSON of a few
		// hundred bytes), so that the client's write is over before the answer.
		br := bufio.NewReaderSize(io.LimitReader(c, 32<<10), 4<<10)
		if req, err := http.ReadRequest(br); err == nil {
			io.Copy(io.Discard, io.LimitReader(req.Body, 16<<10))
		}
		answerBusy(c, why)
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		c.Close()
	}()
}

// close ends the refusals waiting for their request (each is answered at once) and
// waits for them.
func (r *refusals) close() {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.SetReadDeadline(time.Now())
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// answerBusy writes the 503 that says why. The write goes into an empty socket
// buffer: it never waits.
func answerBusy(c *net.UnixConn, why string) {
	body := fmt.Sprintf(`{"error":%q,"code":"busy"}`, why+": close some (or wait for them to time out) and try again")
	c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// peerConn is an accepted connection with its peer's credentials and its share of
// the limits, given back on Close.
type peerConn struct {
	*net.UnixConn
	peer    Peer
	release func()
}

func (c *peerConn) Close() error {
	c.release()
	return c.UnixConn.Close()
}

// readerLimiter paces the readers: a token bucket per user, and a bound on the
// readers' requests served at once.
type readerLimiter struct {
	rate  float64
	burst int
	clk   clock.Clock
	mu    sync.Mutex
	b     map[uint32]*bucket
	sem   chan struct{}
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newReaderLimiter(l Limits, clk clock.Clock) *readerLimiter {
	return &readerLimiter{rate: l.ReaderRate, burst: l.ReaderBurst, clk: clk, b: map[uint32]*bucket{}, sem: make(chan struct{}, l.ReaderInFlight)}
}

// newPINLimiter paces the supervisor's PIN checks (take only).
func newPINLimiter(l Limits, clk clock.Clock) *readerLimiter {
	return &readerLimiter{rate: l.PINRate, burst: l.PINBurst, clk: clk, b: map[uint32]*bucket{}}
}

// take takes a token of uid's bucket, or reports that it is empty.
func (rl *readerLimiter) take(uid uint32) bool {
	now := rl.clk.Now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	b := rl.b[uid]
	if b == nil {
		if len(rl.b) > 4096 { // users come and go; forget the full buckets
			for u, o := range rl.b {
				if o.tokens >= float64(rl.burst) {
					delete(rl.b, u)
				}
			}
		}
		b = &bucket{tokens: float64(rl.burst), last: now}
		rl.b[uid] = b
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(float64(rl.burst), b.tokens+d.Seconds()*rl.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// admit takes a token of uid's bucket (ErrTooMany when it is empty), then waits for a
// place among the readers' requests served at once.
func (rl *readerLimiter) admit(ctx context.Context, uid uint32) (func(), error) {
	if !rl.take(uid) {
		return nil, fmt.Errorf("%w: uid %d asks more than %g times a second; wait a second and try again", ErrTooMany, uid, rl.rate)
	}
	select {
	case rl.sem <- struct{}{}:
		return func() { <-rl.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

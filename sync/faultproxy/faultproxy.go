// Package faultproxy is a TCP proxy for tests that puts a bad network between an HTTP
// client and a server on loopback: connection resets in the middle of a request body or
// just as the answer starts, canned HTTP answers (500, 429 with Retry-After), a stall
// (the peer stops reading), a thin link (bytes per second, shared by all connections),
// and a server that is down for a while (connection refused).
//
// Faults are planned per connection: Plan queues faults for the next connections in the
// order they are accepted; a connection with no planned fault passes through. An HTTP
// client that keeps connections alive opens a new one after each faulted connection is
// closed, so a plan such as [Reset, Status(500), Pass] hits the next two requests.
//
// It is test equipment: it logs nothing, and it never looks inside the bytes it forwards
// except to read a request's end for a canned answer.
package faultproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Kind names a fault.
type Kind int

const (
	Pass          Kind = iota // forward both ways
	ResetRequest              // forward AfterBytes of the request, then reset the connection
	ResetResponse             // forward the whole request; reset as the answer starts (a lost response)
	Stall                     // forward AfterBytes of the request, then stop reading and never answer
	Status                    // read the whole request, answer StatusCode (with Header, Body), close
	HoldResponse              // forward the whole request; swallow the answer and hold the connection open
)

// Fault is what happens to one connection.
type Fault struct {
	Kind       Kind
	AfterBytes int64 // ResetRequest, Stall
	StatusCode int   // Status
	Header     http.Header
	Body       string
}

// Reset returns a fault that resets the connection after n bytes of the request.
func Reset(n int64) Fault { return Fault{Kind: ResetRequest, AfterBytes: n} }

// Answer returns a fault that answers with code and a JSON body, with the given header
// pairs (e.g. "Retry-After", "2").
func Answer(code int, body string, header ...string) Fault {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return Fault{Kind: Status, StatusCode: code, Body: body, Header: h}
}

// Proxy forwards connections from its listening address to a target address.
type Proxy struct {
	target string

	mu      sync.Mutex
	ln      net.Listener
	addr    string
	plan    []Fault
	conns   map[net.Conn]struct{}
	stats   Stats
	up, dn  *limiter
	closed  bool
	quit    chan struct{} // closed by Close: releases stalled connections
	serving sync.WaitGroup
}

// Stats counts what went through.
type Stats struct {
	Accepted int // connections accepted
	Faulted  int // connections that got a fault
	Downs    int // calls of Down
}

// New starts a proxy on a free loopback port in front of target (host:port).
func New(target string) (*Proxy, error) {
	p := &Proxy{target: target, conns: map[net.Conn]struct{}{}, up: &limiter{}, dn: &limiter{}, quit: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listening: %w", err)
	}
	p.ln, p.addr = ln, ln.Addr().String()
	p.serving.Add(1)
	go p.accept(ln)
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

// URL is http://Addr.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Plan queues faults for the next connections, in order.
func (p *Proxy) Plan(f ...Fault) {
	p.mu.Lock()
	p.plan = append(p.plan, f...)
	p.mu.Unlock()
}

// Planned returns how many planned faults have not been used yet.
func (p *Proxy) Planned() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.plan)
}

// SetRate limits the link to bytesPerSecond in each direction, shared by all connections
// (0: unlimited). 50 kbit/s is 6250.
func (p *Proxy) SetRate(bytesPerSecond int) {
	p.up.set(bytesPerSecond)
	p.dn.set(bytesPerSecond)
}

// Stats returns the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Down stops listening (new connections are refused) and resets open connections.
func (p *Proxy) Down() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.stats.Downs++
	for c := range p.conns {
		reset(c)
	}
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
}

// Up listens again on the same address.
func (p *Proxy) Up() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil || p.closed {
		return nil
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after Close
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("faultproxy: listening again on %s: %w", p.addr, err)
	}
	p.ln = ln
	p.serving.Add(1)
	go p.accept(ln)
	return nil
}

// Close stops the proxy and resets every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
	p.mu.Unlock()
	p.Down()
	p.serving.Wait()
	return nil
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.serving.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			reset(c)
			return
		}
		p.stats.Accepted++
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.serving.Add(1)
		go func() {
			defer p.serving.Done()
			// The fault is taken when the first byte arrives: a connection that sends
			// nothing (a connectivity probe) does not use up a planned fault.
			bc := &bufConn{Conn: c, r: bufio.NewReader(c)}
			if _, err := bc.r.Peek(1); err != nil {
				c.Close()
			} else {
				p.mu.Lock()
				f := Fault{Kind: Pass}
				if len(p.plan) > 0 {
					f, p.plan = p.plan[0], p.plan[1:]
					p.stats.Faulted++
				}
				p.mu.Unlock()
				p.handle(bc, f)
			}
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// bufConn is a connection whose first bytes were peeked.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

func reset(c net.Conn) {
	if bc, ok := c.(*bufConn); ok {
		c = bc.Conn
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // close with RST
	}
	c.Close()
}

func (p *Proxy) handle(c net.Conn, f Fault) {
	if f.Kind == Status {
		answer(c, f)
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, up)
		p.mu.Unlock()
	}()

	done := make(chan struct{}, 2)
	switch f.Kind {
	case ResetRequest:
		go func() { p.up.copy(up, c, f.AfterBytes); reset(c); reset(up); done <- struct{}{} }()
		go func() { p.dn.copy(c, up, -1); done <- struct{}{} }()
	case Stall:
		// Forward the first bytes, then stop reading: the client's writes fill the
		// buffers and block, and nothing comes back until the proxy closes.
		p.up.copy(up, c, f.AfterBytes)
		<-p.quit
		reset(c)
		reset(up)
		return
	case HoldResponse:
		// The server gets the request and answers; the client never hears back.
		go p.up.copy(up, c, -1)
		go io.Copy(io.Discard, up)
		<-p.quit
		reset(c)
		reset(up)
		return
	case ResetResponse:
		go func() { p.up.copy(up, c, -1); done <- struct{}{} }()
		go func() {
			var b [1]byte
			up.Read(b[:]) // the answer starts: lose it
			reset(c)
			reset(up)
			done <- struct{}{}
		}()
	default:
		go func() {
			p.up.copy(up, c, -1)
			if tc, ok := up.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			done <- struct{}{}
		}()
		go func() {
			p.dn.copy(c, up, -1)
			if tc, ok := c.(*bufConn).Conn.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			done <- struct{}{}
		}()
	}
	<-done
	<-done
	c.Close()
	up.Close()
}

// answer reads one whole request from c and writes a canned answer.
func answer(c net.Conn, f Fault) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	io.Copy(io.Discard, req.Body)
	req.Body.Close()
	h := f.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(f.Body)))
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\n", f.StatusCode, http.StatusText(f.StatusCode))
	h.Write(c)
	io.WriteString(c, "\r\n"+f.Body)
}

// limiter is a shared byte rate for one direction of the link.
type limiter struct {
	mu   sync.Mutex
	rate int
	next time.Time
}

func (l *limiter) set(r int) {
	l.mu.Lock()
	l.rate = r
	l.mu.Unlock()
}

// wait reserves n bytes of the link and sleeps until they may go.
func (l *limiter) wait(n int) {
	l.mu.Lock()
	if l.rate <= 0 {
		l.mu.Unlock()
		return
	}
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(time.Duration(float64(n) / float64(l.rate) * float64(time.Second)))
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		time.Sleep(d)
	}
}

func (l *limiter) chunk() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return 32 << 10
	}
	return max(64, min(32<<10, l.rate/20)) // about 50 ms of the link
}

// copy forwards src to dst at the link's rate, at most limit bytes (-1: all).
func (l *limiter) copy(dst io.Writer, src io.Reader, limit int64) {
	buf := make([]byte, 32<<10)
	var done int64
	for limit < 0 || done < limit {
		n := l.chunk()
		if limit >= 0 && int64(n) > limit-done {
			n = int(limit - done)
		}
		m, err := src.Read(buf[:n])
		if m > 0 {
			l.wait(m)
			if _, werr := dst.Write(buf[:m]); werr != nil {
				return
			}
			done += int64(m)
		}
		if err != nil {
			return
		}
	}
}

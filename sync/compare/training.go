package compare

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrTrainingProduction: a job sealed in training mode (job.Job.Training) was about to
// leave for an address that is not this machine's loopback. Such a job is refused for
// good (ClassPermanent): a practice job never reaches a production API.
var ErrTrainingProduction = errors.New("a training job never goes to a production API")

// ErrNotLoopback is the dial error of a training job's connection whose address, once
// resolved, is not a loopback address (wrapped with ErrTrainingProduction).
var ErrNotLoopback = errors.New("the address dialed is not a loopback address")

// LoopbackHost reports whether host (a URL's Hostname) is a loopback IP literal
// (127.0.0.0/8, ::1). Names, "localhost" included, are not: /etc/hosts or DNS decide
// where a name goes.
func LoopbackHost(host string) bool {
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// LoopbackURL reports whether the URL's host is a loopback IP literal (LoopbackHost).
func LoopbackURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && LoopbackHost(u.Hostname())
}

// trainingDestination is the check of a training job's destination before anything is
// dialed: the API's host is a loopback IP literal or "localhost" (whose address the
// dialer checks), and the callback URL's host, which the API will call with the results
// (the user id among them), is a loopback IP literal. It returns the refusal, or nil.
func trainingDestination(apiURL, callbackURL string) *Error {
	u, err := url.Parse(apiURL)
	if err != nil || !(LoopbackHost(u.Hostname()) || strings.EqualFold(u.Hostname(), "localhost")) {
		return &Error{Class: ClassPermanent, Err: ErrTrainingProduction,
			Message: fmt.Sprintf("training job not sent: %s is not a local sandbox (http://127.0.0.1:PORT); a practice job never reaches a production API (purge it)", hostOf(apiURL))}
	}
	if callbackURL != "" && !LoopbackURL(callbackURL) {
		return &Error{Class: ClassPermanent, Err: ErrTrainingProduction,
			Message: fmt.Sprintf("training job not sent: its callback URL %s is not on this machine; the sandbox would post the practice results there (set sync.callback_url to http://127.0.0.1:PORT/..., or purge it)", hostOf(callbackURL))}
	}
	return nil
}

// loopbackControl is the net.Dialer Control of a training job's connections: it runs
// on the socket after name resolution and before connect, with the very address the
// kernel is about to connect to, and refuses any that is not loopback.
func loopbackControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("%w: %w (%s)", ErrTrainingProduction, ErrNotLoopback, address)
	}
	return nil
}

// newLoopbackTransport is the transport of training jobs: no proxy (a proxy would
// carry the job wherever it likes), and a dialer that connects only to loopback
// addresses, checked on the resolved address (loopbackControl) and again on the
// connected socket's peer. Its pool holds loopback connections only, so a connection
// is never shared with production jobs. mapAddr (tests) rewrites the address before
// dialing, as a hostile /etc/hosts or DNS would.
func newLoopbackTransport(opts Options, mapAddr func(string) string) (*http.Transport, error) {
	tlsConf, err := tlsConfig(opts.CAFile)
	if err != nil {
		return nil, fmt.Errorf("creating compare client: %w", err)
	}
	d := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second, Control: loopbackControl}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if mapAddr != nil {
			addr = mapAddr(addr)
		}
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if ta, ok := conn.RemoteAddr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
			conn.Close()
			return nil, fmt.Errorf("%w: %w (%s)", ErrTrainingProduction, ErrNotLoopback, conn.RemoteAddr())
		}
		return conn, nil
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.HeaderTimeout,
		MaxIdleConns:          2,
		IdleConnTimeout:       90 * time.Second,
	}, nil
}

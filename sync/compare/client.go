package compare

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Path is the endpoint's path under the base URL.
const Path = "/v2/smart-selfie-compare"

// Default timeouts (used when an Options field is zero).
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultHeaderTimeout  = 90 * time.Second // the server analyses the faces before answering
	DefaultStallTimeout   = 30 * time.Second
	// DefaultAttemptTimeout bounds one whole submission: about 3 MB at 40 kbit/s.
	DefaultAttemptTimeout = 10 * time.Minute
)

// ErrCAFileMode: the CA file (ca_file) may be written by its group or others.
var ErrCAFileMode = errors.New("the CA file is writable by group or others")

// ErrStalled: no byte moved for Options.StallTimeout while sending the body or reading
// the answer (wrapped in a ClassRetry *Error).
var ErrStalled = errors.New("transfer stalled")

// ErrAttemptTimeout: one submission (connect, send, wait, read) took longer than
// Options.AttemptTimeout, e.g. a server that trickles its answer a byte at a time
// (wrapped in a ClassRetry *Error).
var ErrAttemptTimeout = errors.New("submission took longer than its deadline")

// Options configure a Client. The zero value of every field but BaseURL and Signer is usable.
type Options struct {
	// BaseURL is the API's base, e.g. https://api.example.com or http://127.0.0.1:8080;
	// Path is appended.
	BaseURL string
	Signer  Signer
	// ConnectTimeout bounds the TCP connect and the TLS handshake.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for the answer's headers once the body is sent.
	HeaderTimeout time.Duration
	// StallTimeout aborts the request when no byte of the body (either way) moved for
	// this long.
	StallTimeout time.Duration
	// AttemptTimeout bounds one whole submission, however the bytes move: a server
	// that trickles keeps the stall watchdog armed for ever. Default
	// DefaultAttemptTimeout (config key compare.attempt_timeout).
	AttemptTimeout time.Duration
	// AllowInsecureHTTP allows an http:// BaseURL to a host other than loopback.
	// Off by default: the signature headers, the user id and the photos would cross
	// the network in clear, and anyone on the path could replay the signature. When
	// it is used, New logs a warning (config key compare.allow_insecure_http).
	AllowInsecureHTTP bool
	// CAFile, when set, is a PEM file of the only CA certificates trusted for the API
	// (pinning); otherwise the system roots are used. Certificates are always verified.
	CAFile string
	// Transport replaces the built-in transport (tests); the timeouts above other than
	// StallTimeout and CAFile are then the caller's business.
	Transport http.RoundTripper
	Clock     clock.Clock  // clock.Real{} when nil
	Logger    *slog.Logger // discards when nil
	UserAgent string
}

// Client sends jobs to the compare API. It is safe for concurrent use.
type Client struct {
	url    string
	opts   Options
	hc     *http.Client
	clock  clock.Clock
	log    *slog.Logger
	mu     sync.Mutex
	skew   time.Duration
	skewOK bool

	// loopHC sends training jobs (loopback only, see newLoopbackTransport); built at
	// the first one. mapAddr is the tests' hostile resolver.
	loopOnce sync.Once
	loopHC   *http.Client
	loopErr  error
	mapAddr  func(string) string
}

// New checks opts and returns a Client.
func New(opts Options) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(opts.BaseURL), "/")
	if base == "" {
		return nil, errors.New("creating compare client: no API URL: set api_url (e.g. http://127.0.0.1:8080)")
	}
	insecure, err := checkTransportURL(base, opts.AllowInsecureHTTP, "api_url")
	if err != nil {
		return nil, fmt.Errorf("creating compare client: %w", err)
	}
	if opts.Signer == nil {
		return nil, errors.New("creating compare client: no signer: give an API key file or a remote signer URL")
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.HeaderTimeout <= 0 {
		opts.HeaderTimeout = DefaultHeaderTimeout
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = DefaultStallTimeout
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = DefaultAttemptTimeout
	}
	c := &Client{url: base + Path, opts: opts, clock: opts.Clock, log: opts.Logger}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if insecure {
		c.log.Warn("compare API over plain http to a host that is not loopback (allow_insecure_http is set): "+
			"signatures, user ids and photos cross the network in clear", "host", hostOf(base))
	}
	if rs, ok := opts.Signer.(*RemoteSigner); ok {
		if insecure, err := checkTransportURL(strings.TrimSpace(rs.URL), rs.AllowInsecureHTTP, "signer_url"); err != nil {
			return nil, fmt.Errorf("creating compare client: remote signer: %w", err)
		} else if insecure {
			c.log.Warn("remote signer over plain http to a host that is not loopback (allow_insecure_http is set): "+
				"its bearer token and the signatures cross the network in clear", "host", hostOf(rs.URL))
		}
	}
	rt := opts.Transport
	if rt == nil {
		t, err := newTransport(opts)
		if err != nil {
			return nil, err
		}
		rt = t
	}
	c.hc = &http.Client{
		Transport: rt,
		// The API never redirects; following one would re-send the images elsewhere.
		CheckRedirect: noRedirect,
	}
	return c, nil
}

// checkTransportURL applies the transport rules to a URL the agent sends secrets
// to (what names its config key): https://, or http:// to a loopback host (127.0.0.0/8,
// ::1, localhost); http:// to any other host only when allowInsecure is set, and
// then insecure is true so that the caller warns.
func checkTransportURL(raw string, allowInsecure bool, what string) (insecure bool, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return false, fmt.Errorf("%s %q is not a URL: %v", what, raw, err)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return false, fmt.Errorf("%s %q has no host", what, raw)
		}
		return false, nil
	case "http":
		if u.Host == "" {
			return false, fmt.Errorf("%s %q has no host", what, raw)
		}
		if isLoopback(u.Hostname()) {
			return false, nil
		}
		if allowInsecure {
			return true, nil
		}
		return false, fmt.Errorf("%s %q is plain http to a host that is not this machine: secrets and photos would cross the network in clear; "+
			"use https:// (or, on a trusted network only, set allow_insecure_http)", what, hostOf(raw))
	}
	return false, fmt.Errorf("%s %q must start with https:// (or http:// for this machine)", what, raw)
}

// isLoopback reports whether host is a loopback address or "localhost".
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostOf returns scheme://host of a URL, for messages and logs: never the path or
// the query, which may hold tokens.
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil || raw == "":
		return "(not a URL)"
	case u.Host == "":
		return "(a path on the same server)"
	}
	return u.Scheme + "://" + u.Host
}

// tlsConfig is the TLS configuration of every connection that carries secrets:
// TLS 1.2 or later, and, when caFile is set, only its certificates as roots.
func tlsConfig(caFile string) (*tls.Config, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		st, err := os.Stat(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		if st.Mode().Perm()&0o022 != 0 {
			// Whoever can write the pinned roots can put their own server in the API's place.
			return nil, fmt.Errorf("CA file %s has mode %04o: %w; run: chmod go-w %s", caFile, st.Mode().Perm(), ErrCAFileMode, caFile)
		}
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", caFile)
		}
		tlsConf.RootCAs = pool
	}
	return tlsConf, nil
}

// isTLSVerifyError reports a certificate the connection did not trust: not a passing
// network problem.
func isTLSVerifyError(err error) bool {
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	return errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &hne)
}

// noRedirect keeps a client from following a redirect: following one would re-send
// the body (images, or the signer's token) to wherever it points.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func newTransport(opts Options) (*http.Transport, error) {
	tlsConf, err := tlsConfig(opts.CAFile)
	if err != nil {
		return nil, fmt.Errorf("creating compare client: %w", err)
	}
	d := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.HeaderTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
	}, nil
}

// trainingClient returns the client of training jobs: the loopback-only transport
// (newLoopbackTransport), never Options.Transport, and no redirects.
func (c *Client) trainingClient() (*http.Client, error) {
	c.loopOnce.Do(func() {
		t, err := newLoopbackTransport(c.opts, c.mapAddr)
		if err != nil {
			c.loopErr = err
			return
		}
		c.loopHC = &http.Client{Transport: t, CheckRedirect: noRedirect}
	})
	return c.loopHC, c.loopErr
}

// ClockSkew returns the server's clock minus ours, measured at the last answer that
// carried a Date header (1 s resolution), and whether one was seen.
func (c *Client) ClockSkew() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.skew, c.skewOK
}

// Submit validates req, signs it and sends it once. It returns the Result of a
// comparison, or an *Error whose Class tells the caller what to do. It does not retry.
func (c *Client) Submit(ctx context.Context, req *Request) (*Result, error) {
	if req == nil {
		return nil, &Error{Class: ClassPermanent, Message: "no request", Err: ErrInvalidRequest}
	}
	if err := req.Validate(); err != nil {
		return nil, &Error{Class: ClassPermanent, Message: "checking the job before sending", Err: err}
	}
	if req.Job.Training {
		// A practice job goes only to this machine: checked here, before signing,
		// and again on the address actually dialed (trainingClient).
		if e := trainingDestination(c.url, req.Job.CallbackURL); e != nil {
			c.log.Warn("training job not sent: not a loopback destination", "job_id", req.Job.ID, "api", hostOf(c.url), "callback", hostOf(req.Job.CallbackURL))
			return nil, e
		}
	}
	b, err := buildBody(req, randomBoundary())
	if err != nil {
		return nil, &Error{Class: ClassPermanent, Message: "building the request", Err: err}
	}
	sig, err := c.opts.Signer.Sign(ctx, c.clock.Now())
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, &Error{Class: ClassHalt, Message: "signing the request", Err: err}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wd := newWatchdog(c.clock, c.opts.StallTimeout, func() { cancel(ErrStalled) })
	defer wd.stop()
	deadline := c.clock.NewTimer(c.opts.AttemptTimeout)
	attemptDone := make(chan struct{})
	defer close(attemptDone)
	go func() {
		defer deadline.Stop()
		select {
		case <-deadline.C():
			cancel(ErrAttemptTimeout)
		case <-attemptDone:
		}
	}()
	timedOut := func(err error) error {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, ErrStalled):
			return ErrStalled
		case errors.Is(cause, ErrAttemptTimeout):
			return fmt.Errorf("%w (%s)", ErrAttemptTimeout, c.opts.AttemptTimeout)
		}
		return err
	}

	newBody := func() io.ReadCloser {
		wd.set(phaseUpload) // a fresh body: the transport (re)sends it
		return io.NopCloser(&progressReader{r: b.reader(), total: b.size, fn: req.Progress, tick: wd.tick, eof: wd.uploaded})
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, nil)
	if err != nil {
		return nil, &Error{Class: ClassHalt, Message: "building the request: fix api_url", Err: err}
	}
	hreq.Body = newBody()
	hreq.GetBody = func() (io.ReadCloser, error) { return newBody(), nil }
	hreq.ContentLength = b.size
	hreq.Header.Set("Content-Type", b.contentType)
	hreq.Header.Set("Accept", "application/json")
	if c.opts.UserAgent != "" {
		hreq.Header.Set("User-Agent", c.opts.UserAgent)
	}
	hreq.Header.Set(HeaderPartnerID, sig.PartnerID)
	hreq.Header.Set(HeaderTimestamp, sig.Timestamp)
	hreq.Header.Set(HeaderSignature, sig.Value)

	hc := c.hc
	if req.Job.Training {
		if hc, err = c.trainingClient(); err != nil {
			return nil, &Error{Class: ClassHalt, Message: "building the training transport", Err: err}
		}
	}
	start := c.clock.Now()
	resp, err := hc.Do(hreq)
	if err != nil {
		if errors.Is(err, ErrTrainingProduction) {
			c.log.Warn("training job not sent: the API's address is not loopback", "job_id", req.Job.ID, "host", hostOf(c.url))
			return nil, &Error{Class: ClassPermanent, Err: err,
				Message: fmt.Sprintf("training job not sent: %s resolved to an address that is not this machine's loopback; a practice job never reaches a production API (purge it)", hostOf(c.url))}
		}
		err = timedOut(err)
		c.log.Debug("compare request failed", "job_id", req.Job.ID, "err", err)
		if isTLSVerifyError(err) {
			// Not a passing network problem: the server is not who it should be, or
			// the pinned CA is wrong.
			return nil, &Error{Class: ClassHalt, Message: "verifying the server's TLS certificate (check api_url and ca_file)", Err: err}
		}
		return nil, &Error{Class: ClassRetry, Message: "sending the job", Err: err}
	}
	defer resp.Body.Close()
	wd.set(phaseDownload)
	data, err := io.ReadAll(io.LimitReader(&progressReader{r: resp.Body, tick: wd.tick}, maxResponseBytes))
	if err != nil {
		return nil, &Error{Class: ClassRetry, HTTPStatus: resp.StatusCode, Message: "reading the answer", Err: timedOut(err)}
	}
	wd.set(phaseDone)
	now := c.clock.Now()
	res, perr := ParseResponse(resp.StatusCode, resp.Header, data, now)
	var date time.Time
	if res != nil {
		date = res.ServerDate
	} else {
		var e *Error
		if errors.As(perr, &e) {
			date = e.ServerDate
		}
	}
	if !date.IsZero() {
		c.mu.Lock()
		c.skew, c.skewOK = date.Sub(now.Truncate(time.Second)), true
		c.mu.Unlock()
	}
	if perr != nil {
		c.log.Debug("compare answer", "job_id", req.Job.ID, "status", resp.StatusCode, "err", perr, "took", now.Sub(start))
		return nil, perr
	}
	c.log.Debug("compare answer", "job_id", req.Job.ID, "code", res.Code, "took", now.Sub(start))
	return res, nil
}

// watchdog cancels a request when no byte moved for d while it is armed. It is armed
// while the body is sent (upload) and while the answer is read (download); between the
// two, Options.HeaderTimeout rules.
type watchdog struct {
	mu    sync.Mutex
	t     clock.Timer
	d     time.Duration
	done  chan struct{}
	once  sync.Once
	phase int
}

const (
	phaseUpload = iota
	phaseHeaders
	phaseDownload
	phaseDone
)

func newWatchdog(c clock.Clock, d time.Duration, fire func()) *watchdog {
	w := &watchdog{t: c.NewTimer(d), d: d, done: make(chan struct{}), phase: phaseUpload}
	w.t.Stop() // armed by the first byte of the body: connecting is ConnectTimeout's
	go func() {
		select {
		case <-w.t.C():
			fire()
		case <-w.done:
		}
	}()
	return w
}

// tick re-arms the watchdog: bytes moved.
func (w *watchdog) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.phase == phaseUpload || w.phase == phaseDownload {
		w.t.Reset(w.d)
	}
}

// uploaded disarms the watchdog once the body is sent, unless the answer is already
// being read (the transport may read the body's EOF late).
func (w *watchdog) uploaded() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.phase == phaseUpload {
		w.phase = phaseHeaders
		w.t.Stop()
	}
}

// set moves to a phase: download arms the watchdog; upload waits for the first byte
// (connecting is ConnectTimeout's business); done disarms it.
func (w *watchdog) set(phase int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.phase = phase
	if phase == phaseDownload {
		w.t.Reset(w.d)
	} else {
		w.t.Stop()
	}
}

func (w *watchdog) stop() {
	w.once.Do(func() { close(w.done) })
	w.set(phaseDone)
}

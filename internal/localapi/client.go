package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// DialTimeout is how long Dial waits for the kiosk to accept.
const DialTimeout = time.Second

// Client talks to a running kiosk's local API.
type Client struct {
	path          string
	hc            *http.Client
	supID, supPIN string
}

// Dial checks that a kiosk serves the socket at path (DefaultSocket when empty)
// and returns a client for it. A missing socket, or one nothing accepts on (a kiosk
// that died), is ErrNoKiosk: the caller opens the queue file itself. A socket the
// caller may not open (not in the kiosk's group) is ErrForbidden.
func Dial(ctx context.Context, path string) (*Client, error) {
	if path == "" {
		path = DefaultSocket
	}
	dial := func(ctx context.Context) (net.Conn, error) {
		d := net.Dialer{Timeout: DialTimeout}
		c, err := d.DialContext(ctx, "unix", path)
		switch {
		case err == nil:
			return c, nil
		case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOTDIR):
			return nil, fmt.Errorf("%w: nothing serves %s", ErrNoKiosk, path)
		case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
			return nil, fmt.Errorf("%w: %s: only root and the kiosk's group may use it (usermod -aG GROUP USER, then log in again)", ErrForbidden, path)
		}
		return nil, fmt.Errorf("connecting to the kiosk at %s: %w", path, err)
	}
	c, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	c.Close()
	return &Client{path: path, hc: &http.Client{Transport: &http.Transport{
		DialContext:     func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
		MaxIdleConns:    2,
		IdleConnTimeout: 10 * time.Second,
	}}}, nil
}

// Supervisor makes the client send a supervisor's id and PIN with each change (never
// with a read): the kiosk checks the PIN itself (wrong ones count toward the
// supervisor's lockout) and records the supervisor as who decided. The PIN is sent
// over the socket only, in a header the kiosk never logs.
func (c *Client) Supervisor(id, pin string) { c.supID, c.supPIN = id, pin }

// Path is the socket the client talks to.
func (c *Client) Path() string { return c.path }

// Close releases the client's idle connection.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// do sends one request; the host name is a placeholder (the socket is the address).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("asking the kiosk %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://kiosk.local"+path, body)
	if err != nil {
		return fmt.Errorf("asking the kiosk %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.supID != "" && method != http.MethodGet {
		req.Header.Set(HeaderSupervisor, c.supID)
		req.Header.Set(HeaderSupervisorPIN, c.supPIN)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("asking the kiosk %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("asking the kiosk %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var we wireError
		if json.Unmarshal(b, &we) != nil || we.Error == "" {
			we = wireError{Error: fmt.Sprintf("the kiosk answered %s", resp.Status), Code: "error"}
		}
		return &Error{Status: resp.StatusCode, Code: we.Code, Message: we.Error}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("asking the kiosk %s %s: the answer does not decode: %w", method, path, err)
	}
	return nil
}

// Status is the kiosk's summary.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.do(ctx, http.MethodGet, "/v1/status", nil, &s)
}

// Jobs lists the queue; o.States may hold at most one state.
func (c *Client) Jobs(ctx context.Context, o offline.ListOptions) (JobList, error) {
	p := "/v1/jobs"
	switch len(o.States) {
	case 0:
	case 1:
		p += "?state=" + url.QueryEscape(o.States[0].String())
	default:
		return JobList{}, errors.New("listing jobs through the kiosk: give at most one state")
	}
	var l JobList
	return l, c.do(ctx, http.MethodGet, p, nil, &l)
}

// Job describes one job.
func (c *Client) Job(ctx context.Context, id string) (JobDetail, error) {
	var d JobDetail
	return d, c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id), nil, &d)
}

// Audit returns the audit events that match q.
func (c *Client) Audit(ctx context.Context, q AuditQuery) ([]offline.AuditEvent, error) {
	var evs []offline.AuditEvent
	return evs, c.do(ctx, http.MethodPost, "/v1/audit", q, &evs)
}

// Retry sends a job back to the queue.
func (c *Client) Retry(ctx context.Context, id string, r RetryRequest) (offline.Entry, error) {
	var e offline.Entry
	return e, c.do(ctx, http.MethodPost, "/v1/jobs/"+url.PathEscape(id)+"/retry", r, &e)
}

// Purge deletes one job's images.
func (c *Client) Purge(ctx context.Context, id string, r PurgeRequest) (offline.Entry, error) {
	var e offline.Entry
	return e, c.do(ctx, http.MethodPost, "/v1/jobs/"+url.PathEscape(id)+"/purge", r, &e)
}

// Sweep applies retention now.
func (c *Client) Sweep(ctx context.Context) (offline.SweepReport, error) {
	var r offline.SweepReport
	return r, c.do(ctx, http.MethodPost, "/v1/purge", struct{}{}, &r)
}

// SyncStatus is the sync engine's summary.
func (c *Client) SyncStatus(ctx context.Context) (uploader.Status, error) {
	var s uploader.Status
	return s, c.do(ctx, http.MethodGet, "/v1/sync", nil, &s)
}

// SyncNow wakes the sync engine; it returns at once with the engine's status.
func (c *Client) SyncNow(ctx context.Context, r SyncRequest) (uploader.Status, error) {
	var s uploader.Status
	return s, c.do(ctx, http.MethodPost, "/v1/sync", r, &s)
}

// Client implements Backend, so code written against Backend runs against the
// file (QueueBackend plus the app's parts) or the kiosk alike.
var _ Backend = (*Client)(nil)

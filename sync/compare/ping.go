package compare

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Ping asks the API's endpoint whether it answers, without a signature, a body or a
// job: one HEAD request through the client's transport (its https rule, certificate
// checks, ca_file, and no redirects). Any answer of the server counts, whatever its
// status (the endpoint only takes signed POSTs, so 405 or 401 are normal), except a
// redirect, which is what a captive portal or a proxy login answers: an error then, as
// for no answer at all. The answer's Date header updates ClockSkew, so the kiosk
// compares its clock with the API's from its first probe, before any job is sent.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.ConnectTimeout+c.opts.HeaderTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, c.url, nil)
	if err != nil {
		return fmt.Errorf("asking the API whether it answers: %w", err)
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("asking the API whether it answers: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	now := c.clock.Now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil {
			c.mu.Lock()
			c.skew, c.skewOK = t.Sub(now.Truncate(time.Second)), true
			c.mu.Unlock()
		}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return fmt.Errorf("asking the API whether it answers: the answer is a redirect (HTTP %d to %q): a captive portal or a proxy login is in the way", resp.StatusCode, hostOf(resp.Header.Get("Location")))
	}
	return nil
}

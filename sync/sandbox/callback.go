package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// callbackBody is the contract's callback body.
type callbackBody struct {
	ResultCode    string          `json:"ResultCode"`
	ResultText    string          `json:"ResultText"`
	IsFinalResult string          `json:"IsFinalResult"`
	PartnerParams map[string]any  `json:"PartnerParams"`
	SmileJobID    string          `json:"SmileJobID"`
	Actions       compare.Actions `json:"Actions"`
}

type callbackJob struct {
	url  string
	body []byte
}

// callbacks delivers callback bodies on a few workers, retrying with backoff.
type callbacks struct {
	opts      Options
	queue     chan callbackJob
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	delivered atomic.Int64
	failed    atomic.Int64
}

func startCallbacks(opts Options) *callbacks {
	ctx, cancel := context.WithCancel(context.Background())
	c := &callbacks{opts: opts, queue: make(chan callbackJob, opts.CallbackQueue), ctx: ctx, cancel: cancel}
	for range opts.CallbackWorkers {
		c.wg.Add(1)
		go c.run()
	}
	return c
}

// enqueue never blocks: a full queue drops the callback (logged).
func (c *callbacks) enqueue(log *slog.Logger, url string, b callbackBody) {
	body, err := json.Marshal(b)
	if err != nil {
		log.Error("encoding callback", "err", err)
		return
	}
	select {
	case c.queue <- callbackJob{url: url, body: body}:
	default:
		c.failed.Add(1)
		log.Warn("callback queue full: callback dropped", "smile_job_id", b.SmileJobID)
	}
}

func (c *callbacks) run() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case j := <-c.queue:
			if c.deliver(j) {
				c.delivered.Add(1)
			} else {
				c.failed.Add(1)
			}
		}
	}
}

func (c *callbacks) deliver(j callbackJob) bool {
	backoff := c.opts.CallbackBackoff
	for attempt := 1; attempt <= c.opts.CallbackAttempts; attempt++ {
		err := c.post(j)
		if err == nil {
			return true
		}
		c.opts.Logger.Info("callback failed", "to", hostOf(j.url), "attempt", attempt, "of", c.opts.CallbackAttempts, "err", err)
		if attempt == c.opts.CallbackAttempts {
			break
		}
		if clock.Sleep(c.ctx, c.opts.Clock, backoff) != nil {
			return false
		}
		backoff = min(backoff*2, 30*time.Second)
	}
	return false
}

func (c *callbacks) post(j callbackJob) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		return errors.New("the callback URL is not usable")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.opts.CallbackClient.Do(req)
	if err != nil {
		// A *url.Error repeats the full URL, query included: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 3:
		return fmt.Errorf("HTTP %d: a redirect, not followed", resp.StatusCode)
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// hostOf returns scheme://host of a URL, for logs: never its path or query, which may
// hold tokens.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	return u.Scheme + "://" + u.Host
}

func (c *callbacks) stop() {
	c.cancel()
	c.wg.Wait()
}

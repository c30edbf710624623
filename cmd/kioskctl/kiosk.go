package main

// kiosk.go: the commands that read or change the queue (status, queue, audit, sync) go
// through a localapi.Backend: the running kiosk's local API when one serves the socket
// (it holds queue.db), the queue file otherwise. Both sides serve the queue with
// localapi.QueueBackend and DescribeJob, so the output is the same either way.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// backend is the kiosk or the file, and how to let it go.
type backend struct {
	localapi.Backend
	// kiosk is set when a running kiosk answers (through its socket): client is it;
	// otherwise q is the queue file.
	kiosk  bool
	client *localapi.Client
	q      *offline.Queue
	// ctx is the context of every call; on the file it carries this process's user
	// (localapi.ProcessActor) as who makes the changes.
	ctx   context.Context
	close func()
}

// dialKiosk connects to the running kiosk's socket (config local_api.socket, or the
// --socket flag). It returns nil, nil when no kiosk runs.
func dialKiosk(g *globals, cfg config.Config) (*localapi.Client, error) {
	path := cfg.LocalAPI.Socket
	if g.socket != "" {
		path = g.socket
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*localapi.DialTimeout)
	defer cancel()
	c, err := localapi.Dial(ctx, path)
	if errors.Is(err, localapi.ErrNoKiosk) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// openBackend returns the running kiosk, or the queue file when no kiosk runs.
func openBackend(g *globals) (backend, error) {
	cfg, err := g.config()
	if err != nil {
		return backend{}, err
	}
	c, err := dialKiosk(g, cfg)
	if err != nil {
		return backend{}, err
	}
	if c != nil {
		return backend{Backend: c, kiosk: true, client: c, ctx: context.Background(), close: func() { c.Close() }}, nil
	}
	q, err := openQueue(g)
	if err != nil {
		return backend{}, err
	}
	return backend{Backend: fileBackend{QueueBackend: localapi.QueueBackend{Q: q}, cfg: cfg}, q: q,
		ctx: localapi.WithActor(context.Background(), localapi.ProcessActor()), close: func() { q.Close() }}, nil
}

// fileBackend is the queue file when no kiosk runs: the queue's part from
// localapi.QueueBackend, the status from the queue and the sync state file.
type fileBackend struct {
	localapi.QueueBackend
	cfg config.Config
}

func (b fileBackend) syncEngine() *uploader.Uploader {
	var q uploader.Queue = noQueue{}
	if b.Q != nil {
		q = uploader.OfflineQueue{Q: b.Q}
	}
	return uploader.New(q, nil, uploader.Options{State: uploader.FileState{Path: filepath.Join(b.cfg.DataDir, uploader.StateFile)}})
}

// Status is what the running kiosk's Status holds, but the fields only a running kiosk
// knows (started, operator).
func (b fileBackend) Status(ctx context.Context) (localapi.Status, error) {
	s := localapi.Status{KioskID: b.cfg.KioskID, Training: b.cfg.TrainingMode()}
	if b.Q != nil {
		s.ByState = map[string]int{}
		for st, n := range b.Q.Counts().ByState {
			s.ByState[st.String()] = n
		}
		s.Alerts = b.Q.Alerts()
	}
	var err error
	s.Status, err = b.syncEngine().Status(ctx)
	return s, err
}

func (b fileBackend) SyncStatus(ctx context.Context) (uploader.Status, error) {
	return b.syncEngine().Status(ctx)
}

func (b fileBackend) SyncNow(context.Context, localapi.SyncRequest) (uploader.Status, error) {
	return uploader.Status{}, errors.New("no kiosk is running: kioskctl sync sends from the file itself")
}

// syncThroughKiosk is `kioskctl sync` while a kiosk runs: it wakes the kiosk's sync
// engine and follows it until nothing is left to send, sending halts, or the timeout.
// The report is counted from the audit log (one event per claim and per settle), so
// it says what the kiosk did meanwhile, as Drain's report does.
func syncThroughKiosk(ctx context.Context, c localapi.Backend, retryHalted bool, onEvent func(offline.AuditEvent)) (uploader.Report, uploader.Status, error) {
	var rep uploader.Report
	last, err := c.Audit(ctx, localapi.AuditQuery{Limit: 1})
	if err != nil {
		return rep, uploader.Status{}, err
	}
	var since uint64
	if len(last) > 0 {
		since = last[len(last)-1].Seq
	}
	st, err := c.SyncNow(ctx, localapi.SyncRequest{RetryHalted: retryHalted})
	for err == nil {
		if st.Halt != nil && st.Sending == 0 && len(st.InFlight) == 0 {
			err = &uploader.HaltError{Halt: *st.Halt}
			break
		}
		if st.Queued == 0 && st.Sending == 0 && len(st.InFlight) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(200 * time.Millisecond):
			st, err = c.SyncStatus(ctx)
		}
	}
	// Count what happened since the sync began (with a fresh context: the report is
	// printed even after a timeout or an interrupt).
	evs, aerr := c.Audit(context.WithoutCancel(ctx), localapi.AuditQuery{})
	if aerr != nil && err == nil {
		err = fmt.Errorf("reading what the kiosk sent: %w", aerr)
	}
	for _, e := range evs {
		if e.Seq <= since {
			continue
		}
		onEvent(e)
		switch {
		case e.Kind == offline.AuditSent:
			rep.Attempts++
		case e.Kind == offline.AuditRequeued && e.From == offline.StateSending.String():
			rep.Retries++
		case e.Kind == offline.AuditQuarantined:
			rep.Skipped++
		case e.Kind == offline.AuditResult:
			switch e.To {
			case offline.StateDone.String():
				if len(e.Detail) >= 4 && e.Detail[:4] == "2215" {
					rep.Unknown++
				} else {
					rep.Delivered++
				}
			case offline.StateFailed.String():
				rep.Failed++
			case offline.StateNeedsOperator.String():
				rep.NeedsOperator++
			case offline.StateHeld.String():
				rep.Held++
			}
		}
	}
	if st2, serr := c.SyncStatus(context.WithoutCancel(ctx)); serr == nil {
		st = st2
	}
	return rep, st, err
}

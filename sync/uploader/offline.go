package uploader

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smartselfie/kiosk-agent/offline"
)

// OfflineQueue adapts *offline.Queue to Queue. Claimed jobs carry the opened job. The offline queue must use the same Clock as the
// Uploader (it decides which jobs are due).
type OfflineQueue struct {
	Q *offline.Queue
}

// Ready lists queued jobs that are due, oldest first.
func (a OfflineQueue) Ready(_ context.Context, _ time.Time, limit int) ([]string, error) {
	es, err := a.Q.Ready(limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids, nil
}

// Claim moves the job to sending and opens it (signature check, decryption). A job that
// fails the check is quarantined by the queue; one whose images are gone is failed; both
// come back as ErrUnusable. Any other problem puts the job back in the queue.
func (a OfflineQueue) Claim(_ context.Context, id string) (Job, error) {
	e, err := a.Q.Claim(id)
	if err != nil {
		return Job{}, err
	}
	j, err := a.Q.Load(id)
	switch {
	case errors.Is(err, offline.ErrQuarantined):
		return Job{}, fmt.Errorf("%w: %w", ErrUnusable, err)
	case errors.Is(err, offline.ErrImagesPurged):
		if _, serr := a.Q.SetState(id, offline.StateFailed, offline.Update{Reason: "its images were deleted before it could be sent"}); serr != nil {
			return Job{}, fmt.Errorf("opening job %s: %w (and %v)", id, err, serr)
		}
		return Job{}, fmt.Errorf("%w: %w", ErrUnusable, err)
	case err != nil:
		if _, serr := a.Q.SetState(id, offline.StateQueued, offline.Update{Reason: "could not be opened: " + err.Error(), Attempts: e.Attempts}); serr != nil {
			return Job{}, fmt.Errorf("opening job %s: %w (and %v)", id, err, serr)
		}
		return Job{}, fmt.Errorf("opening job %s: %w", id, err)
	}
	return Job{ID: id, Attempt: e.Attempts, Size: j.ImageBytes(), Job: j}, nil // the claim counted this attempt
}

// Settle records the outcome through the queue's one state setter.
func (a OfflineQueue) Settle(_ context.Context, id string, o Outcome) error {
	var (
		to offline.State
		u  = offline.Update{Reason: o.Reason, Code: o.Code}
	)
	switch o.State {
	case StateDone:
		to = offline.StateDone
		r := o.Result
		if r == nil {
			r = &Result{Unknown: true}
		}
		res := &offline.Result{Code: r.Code, Text: r.Text, SmileJobID: r.SmileJobID, Actions: r.Actions, ServerTime: r.ServerTime}
		if r.Unknown {
			res.Code = "2215"
			res.Text = UnknownResultText
		}
		u.Result = res
	case StateFailed:
		to = offline.StateFailed
	case StateHeld:
		to = offline.StateHeld
	case StateNeedsOperator:
		to = offline.StateNeedsOperator
	case StateQueued:
		to = offline.StateQueued
		u.NextAttempt, u.Attempts = o.NotBefore, o.Attempts
	default:
		return fmt.Errorf("settling job %s: unknown outcome %v", id, o.State)
	}
	_, err := a.Q.SetState(id, to, u)
	return err
}

// UnknownResultText is the result text stored for a job the server had already (2215).
const UnknownResultText = "delivered before (2215: the job id was already on the server); result unknown"

// ReleaseHeld moves held jobs back to queued.
func (a OfflineQueue) ReleaseHeld(context.Context) (int, error) {
	es, err := a.Q.List(offline.ListOptions{States: []offline.State{offline.StateHeld}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		if _, err := a.Q.SetState(e.ID, offline.StateQueued, offline.Update{Reason: "sending resumed", Attempts: e.Attempts}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Pending counts unsent jobs from the queue's memory.
func (a OfflineQueue) Pending(context.Context) (Pending, error) {
	c := a.Q.Counts()
	p := Pending{
		Queued:  c.ByState[offline.StateQueued],
		Sending: c.ByState[offline.StateSending],
		Held:    c.ByState[offline.StateHeld],
	}
	if t, ok := a.Q.NextAttempt(); ok {
		p.NextAttempt = t
	}
	return p, nil
}

// Watch calls notify whenever a job is queued (new, retried by an operator, released)
// until ctx ends. Run it beside Uploader.Run: go OfflineQueue{q}.Watch(ctx, u.Notify).
func (a OfflineQueue) Watch(ctx context.Context, notify func()) {
	ch, stop := a.Q.Subscribe(16)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			if e.Kind == offline.EventEnqueued || (e.Kind == offline.EventState && e.To == offline.StateQueued && e.From != offline.StateSending) {
				notify()
			}
		}
	}
}

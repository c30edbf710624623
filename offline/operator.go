package offline

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// RetryOptions describe an operator's retry.
type RetryOptions struct {
	// Operator names who acted (audit log).
	Operator string
	// AllowNewEnroll re-seals the job with allow_new_enroll=true (the answer to
	// "user already enrolled").
	AllowNewEnroll bool
}

// Retry sends a failed, held or needs-operator job back to the queue (attempts reset)
// on an operator's decision. A job whose images were purged cannot be retried.
func (q *Queue) Retry(id string, o RetryOptions) (Entry, error) {
	e, err := q.Get(id)
	if err != nil {
		return Entry{}, fmt.Errorf("retrying job %s: %w", id, err)
	}
	if e.ImagesPurged {
		return Entry{}, fmt.Errorf("retrying job %s: %w: enroll the customer again", id, ErrImagesPurged)
	}
	switch e.State {
	case StateFailed, StateHeld, StateNeedsOperator:
	default:
		return Entry{}, fmt.Errorf("retrying job %s: %w: the job is %s; only failed, held and needs-operator jobs can be retried", id, ErrBadTransition, e.State)
	}
	var blob, sig []byte
	if o.AllowNewEnroll {
		j, err := q.Load(id)
		if err != nil {
			return Entry{}, fmt.Errorf("retrying job %s: %w", id, err)
		}
		j.AllowNewEnroll = true
		if blob, sig, err = q.key.seal(j); err != nil {
			return Entry{}, fmt.Errorf("retrying job %s: re-sealing: %w", id, err)
		}
	}
	var out Entry
	err = q.update(func(tx *bolt.Tx, c *commit) error {
		r, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		if blob != nil {
			if err := tx.Bucket(bucketBlobs).Put([]byte(id), blob); err != nil {
				return err
			}
			r.Sig = sig
			r.SealedBytes = int64(len(blob))
		}
		reason := "retry by operator"
		if o.AllowNewEnroll {
			reason += " with allow_new_enroll"
		}
		out, err = q.transition(tx, c, r, StateQueued, Update{Operator: o.Operator, Reason: reason})
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("retrying job %s: %w", id, err)
	}
	return out, nil
}

// PurgeOptions describe an operator's purge of one job.
type PurgeOptions struct {
	Operator string
	// Force allows purging a job that is still queued (it will never be sent).
	Force bool
}

// Purge deletes the images of one job on an operator's decision; the record stays
// (for the audit trail) until retention removes it. A held or needs-operator job
// (and a queued one with Force) becomes failed. A job being sent cannot be purged.
func (q *Queue) Purge(id string, o PurgeOptions) (Entry, error) {
	var out Entry
	err := q.update(func(tx *bolt.Tx, c *commit) error {
		r, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		switch r.State {
		case StateSending:
			return fmt.Errorf("%w: the job is being sent; try again when the send ends", ErrBadTransition)
		case StateQueued:
			if !o.Force {
				return fmt.Errorf("%w: the job is still waiting to be sent and would be lost; add --force if the customer's enrollment must be deleted", ErrBadTransition)
			}
		}
		if r.State == StateQueued || r.State == StateHeld || r.State == StateNeedsOperator {
			e, err := q.transition(tx, c, r, StateFailed, Update{Operator: o.Operator, Reason: "purged by operator"})
			if err != nil {
				return err
			}
			r.Entry = e
		}
		if err := q.purgeImages(tx, c, r, o.Operator, "images deleted by operator"); err != nil {
			return err
		}
		out = r.Entry
		return nil
	})
	if err != nil {
		return Entry{}, fmt.Errorf("purging job %s: %w", id, err)
	}
	return out, nil
}

// purgeImages deletes a job's sealed payload and marks the record.
func (q *Queue) purgeImages(tx *bolt.Tx, c *commit, r *record, operator, detail string) error {
	if r.ImagesPurged {
		return nil
	}
	now := q.clk.Now()
	if err := tx.Bucket(bucketBlobs).Delete([]byte(r.ID)); err != nil {
		return err
	}
	r.ImagesPurged = true
	r.PurgedAt = now
	if err := putRecord(tx, r); err != nil {
		return err
	}
	if err := q.appendAudit(tx, AuditEvent{Kind: AuditPurged, JobID: r.ID, UserHash: r.UserHash, Operator: operator, Detail: detail}); err != nil {
		return err
	}
	c.set(&r.Entry)
	c.emit(Event{Kind: EventImagesPurged, JobID: r.ID, From: r.State, To: r.State, Time: now})
	return nil
}

package offline

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// EnrollAgainOptions describe a supervisor's decision to enroll a customer again.
type EnrollAgainOptions struct {
	// NewID is the new job's id (job.NewID); the server knows the old id already.
	NewID string
	// Supervisor names who allowed it (the audit log).
	Supervisor string
}

// EnrollAgain answers a job the server refused because the user is already enrolled
// (2209, needs-operator): it seals the same photos and ids again as a new job, NewID,
// with allow_new_enroll, queued to be sent, without a new capture. The old job is kept
// for the audit trail: it moves to failed ("2209: enrolled again as job NEW") and names
// the new one (Entry.ReplacedBy), which names it back (Entry.EnrolledAgainFrom); the new
// job keeps the old one's capture origin and document record (the same photos). Both
// happen in one commit, with an enrolled_again audit event naming the old job and the
// supervisor. A job that is not needs-operator, or whose images were purged, is refused
// (ErrBadTransition, ErrImagesPurged); the queue's limits apply to the new job.
//
// A plain Retry would send the same job id again, which the server refuses again.
func (q *Queue) EnrollAgain(id string, o EnrollAgainOptions) (Entry, error) {
	fail := func(err error) (Entry, error) {
		return Entry{}, fmt.Errorf("enrolling again the customer of job %s: %w", id, err)
	}
	e, err := q.Get(id)
	if err != nil {
		return fail(err)
	}
	if e.State != StateNeedsOperator {
		return fail(fmt.Errorf("%w: the job is %s; only a job the service refused as already enrolled (needs-operator) is enrolled again", ErrBadTransition, e.State))
	}
	if e.ImagesPurged {
		return fail(fmt.Errorf("%w: its photos were deleted; enroll the customer with a new capture", ErrImagesPurged))
	}
	if o.NewID == "" || o.NewID == id {
		return fail(fmt.Errorf("%w: the new job needs a new id", ErrInvalidJob))
	}
	j, err := q.Load(id)
	if err != nil {
		return fail(err)
	}
	now := q.clk.Now()
	j.ID, j.AllowNewEnroll, j.Created = o.NewID, true, now.UTC().Round(0)
	if err := j.Validate(); err != nil {
		return fail(err)
	}
	blob, sig, err := q.key.seal(j)
	if err != nil {
		return fail(fmt.Errorf("sealing the new job: %w", err))
	}
	nr := &record{Sig: sig, Entry: Entry{
		ID: j.ID, Version: SchemaVersion, State: StateQueued, Created: j.Created, Updated: now,
		UserHash: q.key.hashUser(j.UserID), UserMasked: MaskUserID(j.UserID), ComparisonType: j.ComparisonType, LivenessFrames: len(j.Liveness),
		SealedBytes: int64(len(blob)), PrechecksOK: j.Prechecks.OK, Forced: j.Prechecks.Forced,
		Document: j.Document, CaptureOrigin: j.CaptureOrigin, EnrolledAgainFrom: id,
	}}
	err = q.update(func(tx *bolt.Tx, c *commit) error {
		if tx.Bucket(bucketJobs).Get([]byte(j.ID)) != nil {
			return fmt.Errorf("%w: %s; choose another job id", ErrDuplicateJob, j.ID)
		}
		old, err := getRecord(tx, id)
		if err != nil {
			return err
		}
		if old.State != StateNeedsOperator { // moved since the read
			return fmt.Errorf("%w: the job is now %s", ErrBadTransition, old.State)
		}
		if err := q.checkLimitsLocked(now, int64(len(blob))); err != nil {
			return err
		}
		if err := putRecord(tx, nr); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBlobs).Put([]byte(j.ID), blob); err != nil {
			return err
		}
		detail := "allow_new_enroll, the photos of job " + id
		if o.Supervisor != "" {
			detail += "; allowed by supervisor " + o.Supervisor
		}
		if err := q.appendAudit(tx, AuditEvent{Kind: AuditEnrolledAgain, JobID: j.ID, UserHash: nr.UserHash, Operator: j.OperatorID,
			Detail: detail, CaptureOrigin: j.CaptureOrigin}); err != nil {
			return err
		}
		c.set(&nr.Entry)
		c.emit(Event{Kind: EventEnqueued, JobID: j.ID, To: StateQueued, Time: now})
		old.ReplacedBy = j.ID
		_, err = q.transition(tx, c, old, StateFailed, Update{Reason: "2209: enrolled again as job " + j.ID, Operator: o.Supervisor})
		return err
	})
	if err != nil {
		return fail(err)
	}
	return nr.Entry, nil
}

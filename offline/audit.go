package offline

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Audit event kinds.
const (
	AuditEnrolled      = "enrolled"         // a job was sealed into the queue (CaptureOrigin: how its comparison image was taken)
	AuditEnrolledAgain = "enrolled_again"   // a 2209 job's photos sealed again as a new job with allow_new_enroll (Detail: the old job, the supervisor)
	AuditSent          = "sent"             // the uploader claimed the job to send it
	AuditResult        = "result"           // the job reached done, failed, held or needs-operator
	AuditRequeued      = "requeued"         // back to queued (retry later, or found in sending at start-up)
	AuditRetry         = "retry"            // an operator sent the job back to the queue
	AuditQuarantined   = "quarantined"      // the job failed its integrity check
	AuditPurged        = "purged"           // images or the whole record deleted
	AuditSignIn        = "operator_sign_in" // an operator signed in
	AuditRecovered     = "db_recovered"     // a corrupt database was moved aside
	AuditClockJump     = "clock_jump"       // the wall clock jumped: retention held, resumed or took the new time
	AuditDropped       = "audit_dropped"    // the oldest audit events were dropped (the log was over its size bound)
)

// AuditEvent is one line of the append-only audit log. It holds no customer data
// in clear: the user id is a keyed hash (Queue.HashUserID).
type AuditEvent struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     string    `json:"kind"`
	JobID    string    `json:"job_id,omitempty"`
	UserHash string    `json:"user_hash,omitempty"`
	Operator string    `json:"operator,omitempty"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	// CaptureOrigin is, on enrolled and enrolled_again events, how the job's comparison
	// image was taken (job.CaptureOrigin: auto, manual, import). Empty on the other
	// kinds, and on events written before it was recorded (they read as they were).
	CaptureOrigin job.CaptureOrigin `json:"capture_origin,omitempty"`
}

// appendAudit adds an event in tx (so it commits, or not, with the change it records).
func (q *Queue) appendAudit(tx *bolt.Tx, e AuditEvent) error {
	b := tx.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("appending audit event: %w", err)
	}
	e.Seq = seq
	if e.Time.IsZero() {
		e.Time = q.clk.Now()
	}
	v, err := json.Marshal(&e)
	if err != nil {
		return fmt.Errorf("appending audit event: %w", err)
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), v)
}

// RecordSignIn appends an operator sign-in to the audit log.
func (q *Queue) RecordSignIn(operatorID string) error {
	return q.update(func(tx *bolt.Tx, _ *commit) error {
		return q.appendAudit(tx, AuditEvent{Kind: AuditSignIn, Operator: operatorID})
	})
}

// AuditFilter selects audit events. The zero value selects every event.
type AuditFilter struct {
	Since    time.Time // events at or after this time
	JobID    string
	UserHash string // from Queue.HashUserID
	Kind     string
	Limit    int // the last Limit events when > 0
}

// Audit returns the audit events that match f, oldest first.
func (q *Queue) Audit(f AuditFilter) ([]AuditEvent, error) {
	var out []AuditEvent
	err := q.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			var e AuditEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("reading audit event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if (!f.Since.IsZero() && e.Time.Before(f.Since)) || (f.JobID != "" && e.JobID != f.JobID) ||
				(f.UserHash != "" && e.UserHash != f.UserHash) || (f.Kind != "" && e.Kind != f.Kind) {
				return nil
			}
			out = append(out, e)
			return nil
		})
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, err
}

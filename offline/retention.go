package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// SweepReport says what one retention pass removed.
type SweepReport struct {
	ImagesPurged   int `json:"images_purged"`
	RecordsDeleted int `json:"records_deleted"`
	// AuditDeleted counts the oldest audit events dropped because the log was over
	// Settings.AuditMaxEvents (never by age).
	AuditDeleted int `json:"audit_deleted"`
	// ClockHeld is set when the pass deleted nothing because the wall clock jumped
	// (see Sweep).
	ClockHeld bool `json:"clock_held,omitempty"`
}

// Sweep applies retention once: the images of done jobs older than
// PurgeImagesAfterMinutes, and of failed, needs-operator and quarantined jobs older
// than FailedImagesMaxDays, are deleted; records of finished jobs without images older
// than KeepResultsDays are deleted. Unsent jobs are never touched. The audit log is
// never cut by age: when it holds more than AuditMaxEvents, the oldest go, and an
// AuditDropped event says which.
//
// Ages are measured on the wall clock, which Sweep first checks against the time that
// really passed (clock.Elapsed) since the last pass: when the two differ by more than
// MaxClockJump (a step forward or back), Sweep deletes nothing (ClockHeld), audits the
// jump once (AuditClockJump) and raises an alert, and holds until the wall clock agrees
// again with the time it trusted, or ClockJumpHold of running time passed, after which
// the new time is taken (audited). See retentionClock.
func (q *Queue) Sweep() (SweepReport, error) {
	var rep SweepReport
	err := q.update(func(tx *bolt.Tx, c *commit) error {
		rep = SweepReport{}
		now := q.clk.Now()
		held, msg, err := q.checkRetentionClock(tx, now)
		if err != nil {
			return err
		}
		if msg != "" {
			c.alert(msg)
		}
		if held {
			rep.ClockHeld = true
			return nil
		}
		imgDone := now.Add(-time.Duration(q.set.PurgeImagesAfterMinutes) * time.Minute)
		imgFailed := now.Add(-time.Duration(q.set.FailedImagesMaxDays) * day)
		keep := now.Add(-time.Duration(q.set.KeepResultsDays) * day)
		var purge, del []*record
		err = tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			r := &record{}
			if err := json.Unmarshal(v, r); err != nil {
				return nil // damaged records are quarantined at open; leave them
			}
			switch r.State {
			case StateQueued, StateSending, StateHeld:
				return nil
			}
			if !r.ImagesPurged {
				if (r.State == StateDone && !r.Updated.After(imgDone)) ||
					(r.State != StateDone && q.set.FailedImagesMaxDays > 0 && !r.Created.After(imgFailed)) {
					purge = append(purge, r)
				}
				return nil
			}
			if q.set.KeepResultsDays > 0 && r.Updated.Before(keep) && (r.PurgedAt.IsZero() || r.PurgedAt.Before(keep)) {
				del = append(del, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range purge {
			detail := "images deleted by retention: job done"
			if r.State != StateDone {
				detail = fmt.Sprintf("images deleted by retention: job %s for more than %d days", r.State, q.set.FailedImagesMaxDays)
			}
			if err := q.purgeImages(tx, c, r, "", detail); err != nil {
				return err
			}
			rep.ImagesPurged++
		}
		for _, r := range del {
			if err := tx.Bucket(bucketJobs).Delete([]byte(r.ID)); err != nil {
				return err
			}
			if err := q.appendAudit(tx, AuditEvent{Kind: AuditPurged, JobID: r.ID, UserHash: r.UserHash, Detail: "record deleted by retention"}); err != nil {
				return err
			}
			c.remove(r.ID)
			c.emit(Event{Kind: EventDeleted, JobID: r.ID, From: r.State, To: r.State, Time: now})
			rep.RecordsDeleted++
		}
		n, err := q.capAudit(tx)
		rep.AuditDeleted = n
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("applying retention: %w", err)
	}
	return rep, nil
}

// RunRetention calls Sweep every interval (default 10 min) until ctx ends.
func (q *Queue) RunRetention(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = 10 * time.Minute
	}
	for {
		if rep, err := q.Sweep(); err != nil {
			q.log.Warn("retention pass failed", "err", err)
		} else if rep.ClockHeld {
			q.log.Warn("retention pass held: the wall clock jumped; nothing deleted (see the audit log's clock_jump)")
		} else if rep != (SweepReport{}) {
			q.log.Info("retention pass", "images_purged", rep.ImagesPurged, "records_deleted", rep.RecordsDeleted, "audit_deleted", rep.AuditDeleted)
		}
		if err := clock.Sleep(ctx, q.clk, every); err != nil {
			return nil
		}
	}
}

// Retention's clock guard.
const (
	// MaxClockJump is how far the wall clock may move from the time that really
	// passed between two retention passes before retention holds.
	MaxClockJump = time.Hour
	// ClockJumpHold is how long (of running time) retention holds after a jump the
	// wall clock does not come back from; the new time is then taken.
	ClockJumpHold = 7 * day
)

var metaRetentionClock = []byte("retention_clock")

// retentionClock is what the last retention pass trusted, kept in the meta bucket:
// the wall time then, and the Elapsed reading at that moment. While a jump is held,
// Wall is the trusted time (the old wall time plus the time that really passed), and
// HeldFor the running time held so far.
type retentionClock struct {
	Wall    time.Time     `json:"wall"`
	Elapsed clock.Elapsed `json:"elapsed"`
	Held    bool          `json:"held,omitempty"`
	HeldFor time.Duration `json:"held_for,omitempty"`
}

// checkRetentionClock compares the wall clock with the time trusted at the last pass.
// Within one boot the time that passed is known (CLOCK_BOOTTIME); across a reboot it is
// not (the machine may have been off), so a step forward made while off is taken, and
// a step back beyond MaxClockJump holds. It returns whether to hold, and an alert for
// the operator when a hold starts.
func (q *Queue) checkRetentionClock(tx *bolt.Tx, now time.Time) (held bool, alert string, err error) {
	meta := tx.Bucket(bucketMeta)
	e := clock.ElapsedOf(q.clk)
	var rc retentionClock
	if v := meta.Get(metaRetentionClock); v == nil || json.Unmarshal(v, &rc) != nil || rc.Wall.IsZero() {
		return false, "", q.putRetentionClock(meta, retentionClock{Wall: now, Elapsed: e})
	}
	passed, sameBoot := e.Sub(rc.Elapsed)
	trusted := rc.Wall.Add(passed)
	jump := now.Sub(trusted)
	ok := jump <= MaxClockJump && jump >= -MaxClockJump
	if !sameBoot && !rc.Held && jump > 0 {
		ok = true // off for a while: a forward step cannot be told from the time off
	}
	if ok {
		if rc.Held {
			if err := q.appendAudit(tx, AuditEvent{Kind: AuditClockJump, Time: now,
				Detail: fmt.Sprintf("the wall clock agrees again with the time retention trusted (%s): retention resumes", trusted.UTC().Format(time.RFC3339))}); err != nil {
				return false, "", err
			}
		}
		return false, "", q.putRetentionClock(meta, retentionClock{Wall: now, Elapsed: e})
	}
	next := retentionClock{Wall: trusted, Elapsed: e, Held: true, HeldFor: rc.HeldFor + passed}
	if !rc.Held {
		alert = fmt.Sprintf("the kiosk's clock jumped by %s (it says %s, the time that passed says %s): retention holds, nothing is deleted; set the clock right (NTP), or retention takes the new time after %s",
			roundDuration(jump), now.UTC().Format(time.RFC3339), trusted.UTC().Format(time.RFC3339), ClockJumpHold)
		if err := q.appendAudit(tx, AuditEvent{Kind: AuditClockJump, Time: now, Detail: "retention held: " + alert}); err != nil {
			return false, "", err
		}
	}
	if next.HeldFor >= ClockJumpHold {
		if err := q.appendAudit(tx, AuditEvent{Kind: AuditClockJump, Time: now,
			Detail: fmt.Sprintf("retention held for %s and the clock still says %s: the new time is taken", ClockJumpHold, now.UTC().Format(time.RFC3339))}); err != nil {
			return false, "", err
		}
		return false, alert, q.putRetentionClock(meta, retentionClock{Wall: now, Elapsed: e})
	}
	return true, alert, q.putRetentionClock(meta, next)
}

func (q *Queue) putRetentionClock(meta *bolt.Bucket, rc retentionClock) error {
	v, err := json.Marshal(rc)
	if err != nil {
		return err
	}
	return meta.Put(metaRetentionClock, v)
}

// roundDuration writes a jump as days and hours ("+91d0h", "-2h30m0s").
func roundDuration(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if d >= day {
		return fmt.Sprintf("%s%dd%dh", sign, d/day, (d%day)/time.Hour)
	}
	return sign + d.Round(time.Second).String()
}

// capAudit drops the oldest audit events beyond Settings.AuditMaxEvents and appends an
// AuditDropped event that says how many, which sequence numbers and which times. It
// returns how many it dropped.
func (q *Queue) capAudit(tx *bolt.Tx) (int, error) {
	max := q.set.AuditMaxEvents
	b := tx.Bucket(bucketAudit)
	n := b.Stats().KeyN
	if max <= 0 || n <= max {
		return 0, nil
	}
	drop := n - max + 1 // room for the marker
	var keys [][]byte
	var first, last AuditEvent
	cur := b.Cursor()
	for k, v := cur.First(); k != nil && len(keys) < drop; k, v = cur.Next() {
		var ev AuditEvent
		json.Unmarshal(v, &ev)
		if len(keys) == 0 {
			first = ev
		}
		last = ev
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), q.appendAudit(tx, AuditEvent{Kind: AuditDropped, Detail: fmt.Sprintf(
		"%d oldest audit events dropped (seq %d to %d, %s to %s): the audit log keeps its last %d events",
		len(keys), first.Seq, last.Seq, first.Time.UTC().Format(time.RFC3339), last.Time.UTC().Format(time.RFC3339), max)})
}

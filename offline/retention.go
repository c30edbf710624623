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
	AuditDeleted   int `json:"audit_deleted"`
}

// Sweep applies retention once: the images of done jobs older than
// PurgeImagesAfterMinutes, and of failed, needs-operator and quarantined jobs older
// than FailedImagesMaxDays, are deleted; records of finished jobs without images and
// audit events older than KeepResultsDays are deleted. Unsent jobs are never touched.
func (q *Queue) Sweep() (SweepReport, error) {
	var rep SweepReport
	err := q.update(func(tx *bolt.Tx, c *commit) error {
		rep = SweepReport{}
		now := q.clk.Now()
		imgDone := now.Add(-time.Duration(q.set.PurgeImagesAfterMinutes) * time.Minute)
		imgFailed := now.Add(-time.Duration(q.set.FailedImagesMaxDays) * day)
		keep := now.Add(-time.Duration(q.set.KeepResultsDays) * day)
		var purge, del []*record
		err := tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
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
		if q.set.KeepResultsDays > 0 {
			var old [][]byte
			cur := tx.Bucket(bucketAudit).Cursor()
			for k, v := cur.First(); k != nil; k, v = cur.Next() {
				var e AuditEvent
				if json.Unmarshal(v, &e) == nil && !e.Time.Before(keep) {
					break // events are in time order
				}
				old = append(old, append([]byte(nil), k...))
			}
			for _, k := range old {
				if err := tx.Bucket(bucketAudit).Delete(k); err != nil {
					return err
				}
			}
			rep.AuditDeleted = len(old)
		}
		return nil
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
		} else if rep != (SweepReport{}) {
			q.log.Info("retention pass", "images_purged", rep.ImagesPurged, "records_deleted", rep.RecordsDeleted, "audit_deleted", rep.AuditDeleted)
		}
		if err := clock.Sleep(ctx, q.clk, every); err != nil {
			return nil
		}
	}
}

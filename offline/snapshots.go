package offline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketMetrics keeps the kiosk's metric snapshots taken while it was offline: big-endian
// Unix nanoseconds → the snapshot (internal/metrics' exposition text). It holds no job
// data, and is created at the first snapshot.
var bucketMetrics = []byte("metrics")

// MaxSnapshotBytes bounds one metric snapshot (a kiosk's metrics are a few KiB).
const MaxSnapshotBytes = 1 << 20

// ErrSnapshotTooLarge: a metric snapshot over MaxSnapshotBytes was refused.
var ErrSnapshotTooLarge = errors.New("metric snapshot too large")

// MetricSnapshot is one snapshot of the kiosk's metrics, kept while it could not reach
// the API so that an offline branch's history can be shipped later (kioskctl metrics).
type MetricSnapshot struct {
	At   time.Time `json:"at"`
	Text []byte    `json:"text"` // Prometheus text exposition format
}

// AddMetricSnapshot stores s in the bounded ring of metric snapshots, removes the
// oldest beyond keep (keep < 1 keeps one), and returns how many the ring holds.
func (q *Queue) AddMetricSnapshot(s MetricSnapshot, keep int) (int, error) {
	if len(s.Text) > MaxSnapshotBytes {
		return 0, fmt.Errorf("storing a metric snapshot of %d bytes: %w (at most %d)", len(s.Text), ErrSnapshotTooLarge, MaxSnapshotBytes)
	}
	keep = max(keep, 1)
	held := 0
	err := q.update(func(tx *bolt.Tx, _ *commit) error {
		b, err := tx.CreateBucketIfNotExists(bucketMetrics)
		if err != nil {
			return fmt.Errorf("storing a metric snapshot: %w", err)
		}
		if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(s.At.UnixNano())), s.Text); err != nil {
			return fmt.Errorf("storing a metric snapshot: %w", err)
		}
		n := 0
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		// Remove the oldest beyond keep.
		for ; n > keep; n-- {
			k, _ := c.First()
			if k == nil {
				break
			}
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("dropping an old metric snapshot: %w", err)
			}
		}
		held = n
		return nil
	})
	return held, err
}

// MetricSnapshots returns the metric snapshots taken at or after since, oldest first.
func (q *Queue) MetricSnapshots(since time.Time) ([]MetricSnapshot, error) {
	var out []MetricSnapshot
	err := q.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMetrics)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		k, v := c.First()
		if !since.IsZero() {
			k, v = c.Seek(binary.BigEndian.AppendUint64(nil, uint64(max(since.UnixNano(), 0))))
		}
		for ; k != nil; k, v = c.Next() {
			if len(k) != 8 {
				continue
			}
			out = append(out, MetricSnapshot{At: time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC(), Text: append([]byte(nil), v...)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the metric snapshots: %w", err)
	}
	return out, nil
}

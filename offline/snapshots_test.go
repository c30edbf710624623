package offline

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestMetricSnapshotsRing: the ring keeps the newest snapshots, answers --since, survives
// a reopen, and refuses an oversized one; the jobs bucket is untouched.
func TestMetricSnapshotsRing(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := range 10 {
		s := MetricSnapshot{At: t0.Add(time.Duration(i) * time.Minute), Text: []byte(fmt.Sprintf("kiosk_agent_x %d\n", i))}
		n, err := q.AddMetricSnapshot(s, 4)
		if err != nil || n != min(i+1, 4) {
			t.Fatalf("snapshot %d: held %d, err %v; want %d", i, n, err, min(i+1, 4))
		}
	}
	got, err := q.MetricSnapshots(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || !got[0].At.Equal(t0.Add(6*time.Minute)) || string(got[3].Text) != "kiosk_agent_x 9\n" {
		t.Fatalf("ring = %d snapshots, first %v, last %q; want the 4 newest (6..9)", len(got), got[0].At, got[len(got)-1].Text)
	}
	_, err = q.AddMetricSnapshot(MetricSnapshot{At: t0, Text: []byte(strings.Repeat("x", MaxSnapshotBytes+1))}, 4)
	if !errors.Is(err, ErrSnapshotTooLarge) {
		t.Fatalf("oversized snapshot: err = %v, want ErrSnapshotTooLarge", err)
	}
	if c := q.Counts(); len(c.ByState) != 0 {
		t.Fatalf("snapshots show up as jobs: %+v", c)
	}
	q.Close()
	if q, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	got, err = q.MetricSnapshots(t0.Add(8 * time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].At.Equal(t0.Add(8*time.Minute)) {
		t.Fatalf("since 8m after reopen: %d snapshots (%v), want 8 and 9", len(got), got)
	}
	if got, _ := q.MetricSnapshots(t0.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("since after the last: %d snapshots, want none", len(got))
	}
}

package offline

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Loading a job releases the mapped pages of its payload; a second load must fault
// them back in and read the same bytes, for this job and for its neighbours.
func TestLoadAfterReleasingMappedPages(t *testing.T) {
	e := newEnv(t, Settings{})
	var jobs []*job.Job // over the 4 MB below which nothing is released
	for i := range 8 {
		jobs = append(jobs, testJob(fmt.Sprintf("big-%d", i), 300_000))
	}
	for _, j := range jobs {
		mustEnqueue(t, e.q, j)
	}
	// Purging one job makes bbolt rewrite leaves (through the map) while the others are read.
	if _, err := e.q.Purge(jobs[0].ID, PurgeOptions{Operator: "op", Force: true}); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	jobs = jobs[1:]
	for round := range 3 {
		for _, want := range jobs {
			got, err := e.q.Load(want.ID)
			if err != nil {
				t.Fatalf("round %d: Load(%s): %v", round, want.ID, err)
			}
			if !bytes.Equal(got.Selfie, want.Selfie) || !bytes.Equal(got.Comparison, want.Comparison) ||
				len(got.Liveness) != len(want.Liveness) || !bytes.Equal(got.Liveness[3], want.Liveness[3]) {
				t.Fatalf("round %d: job %s read back different images", round, want.ID)
			}
		}
	}
}

package offline

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// A queue sealed by the code before internal/job existed (offline.Job, string comparison
// types) must open with today's code: the sealed JSON names did not change. The fixture
// in testdata/sealed-v2-2026-11 was written by that code (commit 4b81150) with a test key.
func TestLoadJobSealedBeforeInternalJob(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{DBFile, DeviceKeyFile} {
		b, err := os.ReadFile(filepath.Join("testdata", "sealed-v2-2026-11", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	q, err := Open(dir, Options{Clock: clock.NewFake(at.Add(time.Hour)), freeSpace: func(string) (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	const id = "k-20261129T120000Z-0a1b2c3d"
	e, err := q.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if e.ComparisonType != job.Document || e.LivenessFrames != 5 || e.State != StateQueued || !e.Forced {
		t.Fatalf("entry = %+v", e)
	}
	j, err := q.Load(id)
	if err != nil {
		t.Fatalf("loading the old job: %v", err)
	}
	pc := j.Prechecks
	if j.ID != id || j.UserID != "customer-old" || j.ComparisonType != job.Document || !j.AllowNewEnroll ||
		j.CallbackURL != "https://example.test/cb" || j.KioskID != "kiosk-old" || j.OperatorID != "op-9" ||
		j.PartnerParams["branch"] != "nairobi-3" || !j.Created.Equal(at) {
		t.Fatalf("fields = %+v", j)
	}
	if !pc.Ran || pc.OK || !pc.Forced || len(pc.Problems) != 1 || pc.Problems[0].Code != "no_match" ||
		pc.Similarity == nil || *pc.Similarity != 0.42 || pc.Match == nil || *pc.Match || pc.Identical == nil {
		t.Fatalf("prechecks = %+v", pc)
	}
	if !bytes.Equal(j.Selfie, fakeJPEG(1, 300)) || !bytes.Equal(j.Comparison, fakeJPEG(2, 300)) || len(j.Liveness) != 5 ||
		!bytes.Equal(j.Liveness[4], fakeJPEG(7, 100)) {
		t.Fatal("images differ from those sealed")
	}
	if err := j.Validate(); err != nil {
		t.Fatalf("the old job does not validate: %v", err)
	}
}

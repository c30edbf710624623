package offline

import (
	"errors"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRandomDamageNeverPanics flips random bytes past the meta pages of a queue file
// (bbolt has no page checksums) and checks that opening and reading it never panics:
// each job either opens intact or is quarantined, or the file is moved aside.
func TestRandomDamageNeverPanics(t *testing.T) {
	base := t.TempDir()
	q, err := Open(base, Options{Settings: noLimits})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		mustEnqueue(t, q, testJob(fmt.Sprintf("j%02d", i), 3000))
	}
	q.Close()
	orig, _ := os.ReadFile(filepath.Join(base, DBFile))
	key, _ := os.ReadFile(filepath.Join(base, DeviceKeyFile))
	r := rand.New(rand.NewPCG(1, 2))
	outcomes := map[string]int{}
	trials := 300 // OFFLINE_DAMAGE_TRIALS=5000 for a longer soak
	if n, err := strconv.Atoi(os.Getenv("OFFLINE_DAMAGE_TRIALS")); err == nil && n > 0 {
		trials = n
	}
	for trial := range trials {
		dir := t.TempDir()
		b := append([]byte(nil), orig...)
		for range 8 {
			off := 8192 + r.IntN(len(b)-8192)
			b[off] ^= byte(1 + r.IntN(255))
		}
		os.WriteFile(filepath.Join(dir, DBFile), b, 0o600)
		os.WriteFile(filepath.Join(dir, DeviceKeyFile), key, 0o600)
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("trial %d: panic escaped: %v", trial, p)
				}
			}()
			q, err := Open(dir, Options{Settings: noLimits})
			if err != nil {
				t.Fatalf("trial %d: Open: %v", trial, err)
			}
			defer q.Close()
			if len(q.Alerts()) > 0 {
				outcomes["moved aside"]++
				return
			}
			alerts, stop := q.Subscribe(100)
			defer stop()
			es, _ := q.List(ListOptions{})
			bad := 0
			for _, e := range es {
				_, err := q.Load(e.ID)
				switch {
				case err == nil:
				case errors.Is(err, ErrQuarantined), errors.Is(err, ErrDamaged):
					bad++
					if errors.Is(err, ErrDamaged) || strings.Contains(err.Error(), "pages holding") {
						if len(q.Alerts()) == 0 {
							t.Fatalf("trial %d: a damaged page was read without an alert", trial)
						}
						if ev := <-alerts; ev.Kind != EventAlert && ev.Kind != EventState {
							t.Fatalf("trial %d: event %v", trial, ev.Kind)
						}
						outcomes["damaged page read"]++
					}
				default:
					t.Fatalf("trial %d: Load %s: %v", trial, e.ID, err)
				}
			}
			if bad > 0 {
				outcomes["some quarantined"]++
			} else {
				outcomes["intact"]++
			}
		}()
	}
	t.Logf("outcomes of %d damaged files: %v", trials, outcomes)
}

// TestBucketWhereAJobShouldBe: a key in the jobs bucket that is a bucket (what a flipped
// page flag looks like) made Open fail with bbolt's "incompatible value" when it tried
// to quarantine it; the file must be moved aside instead and a new queue started.
func TestBucketWhereAJobShouldBe(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Options{Settings: noLimits})
	if err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, q, testJob("j01", 100))
	q.Close()
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.Bucket(bucketJobs).CreateBucket([]byte("j02"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	q, err = Open(dir, Options{Settings: noLimits})
	if err != nil {
		t.Fatalf("Open: %v (want the damaged file moved aside)", err)
	}
	defer q.Close()
	if len(q.Alerts()) != 1 || !strings.Contains(q.Alerts()[0].Message, "moved aside") {
		t.Fatalf("alerts %+v, want one saying the file was moved aside", q.Alerts())
	}
	aside, _ := filepath.Glob(filepath.Join(dir, DBFile+".corrupt-*"))
	if len(aside) != 1 {
		t.Fatalf("files moved aside: %v", aside)
	}
}

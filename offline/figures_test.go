package offline

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// job300KB is a job of about 300 KB of images: a 100 KB selfie, an 80 KB comparison
// image and 8 liveness frames of 15 KB.
func job300KB(id string) *job.Job {
	j := testJob(id, 100<<10)
	j.Comparison = j.Comparison[:80<<10]
	j.Liveness = nil
	for i := range 8 {
		j.Liveness = append(j.Liveness, fakeJPEG(uint64(i)+99, 15<<10))
	}
	return j
}

func BenchmarkEnqueue300KB(b *testing.B) {
	q, err := Open(b.TempDir(), Options{Settings: noLimits})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	jobs := make([]*job.Job, b.N)
	for i := range jobs {
		jobs[i] = job300KB(fmt.Sprintf("b%d", i))
	}
	b.SetBytes(300 << 10)
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Enqueue(jobs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad300KB(b *testing.B) {
	q, err := Open(b.TempDir(), Options{Settings: noLimits})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Enqueue(job300KB("x")); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(300 << 10)
	b.ResetTimer()
	for range b.N {
		if _, err := q.Load("x"); err != nil {
			b.Fatal(err)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// measureEnqueue enqueues n 300 KB jobs one by one (each commit fsynced) and returns
// p50 and p95.
func measureEnqueue(t *testing.T, q *Queue, prefix string, n int) (time.Duration, time.Duration) {
	var ds []time.Duration
	for i := range n {
		j := job300KB(fmt.Sprintf("%s%d", prefix, i))
		start := time.Now()
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	return percentile(ds, 0.5), percentile(ds, 0.95)
}

// buildSmallQueue writes n small jobs (4 KB of images) in batches: 70% done with
// images purged, 30% queued.
func buildSmallQueue(t *testing.T, q *Queue, n int) {
	const batch = 500
	for start := 0; start < n; start += batch {
		err := q.db.Update(func(tx *bolt.Tx) error {
			for i := start; i < min(n, start+batch); i++ {
				j := testJob(fmt.Sprintf("s%05d", i), 512)
				j.Created = time.Now().Add(-time.Duration(n-i) * time.Minute).UTC()
				blob, sig, err := q.key.seal(j)
				if err != nil {
					return err
				}
				r := &record{Sig: sig, Entry: Entry{ID: j.ID, Version: SchemaVersion, State: StateQueued, Created: j.Created, Updated: j.Created,
					UserHash: q.key.hashUser(j.UserID), ComparisonType: j.ComparisonType, LivenessFrames: 4, SealedBytes: int64(len(blob))}}
				if i%10 < 7 {
					r.State, r.ImagesPurged, r.PurgedAt = StateDone, true, j.Created
					r.Result = &Result{Code: "0840", Text: "Face Match", SmileJobID: "sj-" + j.ID, Actions: map[string]string{"Liveness_Check": "Passed", "Selfie_Check": "Passed"}}
				} else if err := tx.Bucket(bucketBlobs).Put([]byte(j.ID), blob); err != nil {
					return err
				}
				if err := putRecord(tx, r); err != nil {
					return err
				}
				if err := q.appendAudit(tx, AuditEvent{Kind: AuditEnrolled, JobID: j.ID, UserHash: r.UserHash}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// vmHWM reads the peak resident set size of this process.
func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// childFigures opens the queue in dir, lists it, and prints the timings and the peak
// memory of this fresh process.
func childFigures(dir string) int {
	start := time.Now()
	q, err := Open(dir, Options{Settings: noLimits})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	open := time.Since(start)
	start = time.Now()
	all, err := q.List(ListOptions{})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	list := time.Since(start)
	start = time.Now()
	ready, _ := q.Ready(0)
	readyT := time.Since(start)
	start = time.Now()
	c := q.Counts()
	countsT := time.Since(start)
	q.Close()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("open\t%d jobs\t%s\n", len(all), fmtDur(open))
	fmt.Printf("list\t%d entries\t%s\n", len(all), fmtDur(list))
	fmt.Printf("ready\t%d queued\t%s\n", len(ready), fmtDur(readyT))
	fmt.Printf("counts\t%d unsent\t%s\n", c.Unsent, fmtDur(countsT))
	fmt.Printf("peak RSS (open+list, fresh process)\t%s\tGo heap in use %d MB\n", vmHWM(), ms.HeapInuse>>20)
	return 0
}

func fmtDur(d time.Duration) string { return ms(d) }

// TestPrintFigures prints the queue's speed and memory figures; it runs only from
// scripts/bench.d/offline.sh (OFFLINE_FIGURES=1) and asserts nothing about speed.
func TestPrintFigures(t *testing.T) {
	if os.Getenv("OFFLINE_FIGURES") == "" {
		t.Skip("figures run from scripts/bench.d/offline.sh (OFFLINE_FIGURES=1)")
	}
	n := 10000
	if s := os.Getenv("OFFLINE_FIGURES_JOBS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	q, err := Open(dir, Options{Settings: noLimits})
	if err != nil {
		t.Fatal(err)
	}
	p50, p95 := measureEnqueue(t, q, "e", 200)
	fmt.Printf("seal+enqueue 300 KB job, fsync, empty queue (200 jobs)\tp50 %s\tp95 %s\n", ms(p50), ms(p95))
	start := time.Now()
	for i := range 50 {
		if _, err := q.Load(fmt.Sprintf("e%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Printf("load (verify signature + decrypt) 300 KB job\tmean %s\n", ms(time.Since(start)/50))
	buildSmallQueue(t, q, n)
	p50, p95 = measureEnqueue(t, q, "f", 100)
	fmt.Printf("seal+enqueue 300 KB job, fsync, queue of %d jobs (100 jobs)\tp50 %s\tp95 %s\n", n+200, ms(p50), ms(p95))
	q.Close()
	st, _ := os.Stat(filepath.Join(dir, DBFile))
	fmt.Printf("database file\t%d MB\n", st.Size()>>20)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=figures", "OFFLINE_TEST_DIR="+dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
}

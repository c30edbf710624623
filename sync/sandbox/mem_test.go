package sandbox_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// resetPeak resets the process's VmHWM to its RSS (/proc/self/clear_refs, 5), so a
// sub-benchmark's peak is its own.
func resetPeak(tb testing.TB) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Logf("VmHWM not reset (%v): the peak may be an earlier one", err)
	}
}

func statusMB(tb testing.TB, field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// BenchmarkCMYKRequestsMemory: the residual attack of issue 19 (finding 9): four
// requests at once whose ten images are each an under-limit CMYK JPEG (4000x3000,
// decoded by image/jpeg at full size), to the sandbox with the real engine and 2
// or 4 workers. It reports the process's RSS once the engine is loaded, the peak (VmHWM)
// while the four are served, and the RSS 2 s after (once collected). Before the
// process-wide decode budget (internal/imagelimit.Reserve) and the sandbox's memory
// limit, the peak was 1.09 GB and 0.99 GB stayed.
//
//	go test -run '^$' -bench CMYKRequestsMemory -benchtime 1x ./sync/sandbox
func BenchmarkCMYKRequestsMemory(b *testing.B) {
	for _, workers := range []int{2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { cmykRequests(b, workers) })
	}
}

func cmykRequests(b *testing.B, workers int) {
	eng := testEngine(b)
	opts := sandbox.Options{
		Partners: []sandbox.Partner{{ID: "0001", Key: []byte("bench-key"), ProductActive: true}},
		DBPath:   filepath.Join(b.TempDir(), "sandbox.db"),
		Analyzer: sandbox.NewEngineAnalyzer(eng, sandbox.EngineOptions{}),
		Workers:  workers,
	}
	undo := sandbox.LimitMemory(opts)
	defer undo()
	sb, err := sandbox.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer func() { srv.Close(); sb.Close() }()
	signer, _ := compare.NewKeySigner("0001", []byte("bench-key"))
	client, err := compare.New(compare.Options{BaseURL: srv.URL, Signer: signer, HeaderTimeout: 10 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	cmyk := imagebomb.JPEG{Width: 4000, Height: 3000, Sampling: imagebomb.CMYK}.Bytes()
	var live [][]byte
	for i := 0; i < 8; i++ {
		live = append(live, cmyk)
	}
	runtime.GC()
	debug.FreeOSMemory()
	resetPeak(b)
	before := statusMB(b, "VmRSS")
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		var wg sync.WaitGroup
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := client.Submit(context.Background(), &compare.Request{Job: &job.Job{
					UserID: fmt.Sprintf("u%d", c), ID: fmt.Sprintf("cmyk-%d-%d", n, c), Selfie: cmyk,
					Comparison: cmyk, Liveness: live, ComparisonType: job.Portrait,
					CallbackURL: "http://127.0.0.1:1/none", AllowNewEnroll: true,
				}})
				var ce *compare.Error
				if err != nil && !errors.As(err, &ce) {
					b.Errorf("request %d: %v", c, err)
				}
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	peak := statusMB(b, "VmHWM")
	runtime.GC()
	time.Sleep(2 * time.Second)
	b.ReportMetric(before, "MB-RSS-before")
	b.ReportMetric(peak, "MB-RSS-peak")
	b.ReportMetric(statusMB(b, "VmRSS"), "MB-RSS-after")
}

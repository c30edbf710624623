package sandbox_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// BenchmarkConcurrentClients: N clients send real jobs (640 px selfie and comparison,
// 4 liveness images of 320 px) to the sandbox with the real engine on loopback. Each
// op is one request; it reports p50/p99 latency, throughput and errors.
func BenchmarkConcurrentClients(b *testing.B) {
	for _, clients := range []int{1, 8, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			sb, err := sandbox.New(sandbox.Options{
				Partners: []sandbox.Partner{{ID: "0001", Key: []byte("bench-key"), ProductActive: true}},
				DBPath:   filepath.Join(b.TempDir(), "sandbox.db"),
				Analyzer: sandbox.NewEngineAnalyzer(testEngine(b), sandbox.EngineOptions{}),
				Workers:  2,
			})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(sb.Handler())
			defer func() { srv.Close(); sb.Close() }()
			signer, _ := compare.NewKeySigner("0001", []byte("bench-key"))
			client, err := compare.New(compare.Options{BaseURL: srv.URL, Signer: signer})
			if err != nil {
				b.Fatal(err)
			}
			selfie := photoJPEG(b, "obama_1.jpg", 640, false)
			comparison := photoJPEG(b, "obama_2.jpg", 640, false)
			var live [][]byte
			for _, n := range []string{"obama_2.jpg", "obama_3.jpg"} {
				live = append(live, photoJPEG(b, n, 320, false), photoJPEG(b, n, 320, true))
			}
			var next, errs atomic.Int64
			var mu sync.Mutex
			lat := make([]time.Duration, 0, b.N)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						t0 := time.Now()
						res, err := client.Submit(context.Background(), &compare.Request{Job: &job.Job{
							UserID: fmt.Sprintf("u%d", c), ID: fmt.Sprintf("bench-%d", i), Selfie: selfie,
							Comparison: comparison, Liveness: live, ComparisonType: job.Portrait,
							CallbackURL: "http://127.0.0.1:1/none", AllowNewEnroll: true,
						}})
						d := time.Since(t0)
						if err != nil || res.Code != compare.CodeMatch {
							errs.Add(1)
							if err != nil {
								b.Logf("request %d: %v", i, err)
							}
							continue
						}
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				if len(lat) == 0 {
					return 0
				}
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(errs.Load()), "errors")
			b.ReportMetric(0, "ns/op")
			if clients <= 8 && errs.Load() > 0 {
				b.Fatalf("%d errors with %d clients", errs.Load(), clients)
			}
		})
	}
}

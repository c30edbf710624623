package app

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/testkit/metricstest"
)

// BenchmarkScrape is the cost of one GET /metrics on loopback from a running kiosk whose
// queue holds 1000 jobs (scripts/bench.d/metrics.sh; goal ≤ 2 ms a scrape, p50). It
// reports the median and the 90th percentile besides the mean.
func BenchmarkScrape(b *testing.B) {
	c := testConfig(&testing.T{})
	c.DataDir = b.TempDir()
	c.Metrics.Listen = metricstest.FreePort(b)
	c.Offline.MaxJobs = 2000
	a, err := New(Options{Config: c, NoCameras: true, NoNetwatch: true, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	stop := run(t, a)
	defer stop()
	for i := range 1000 {
		if _, err := a.Queue().Enqueue(testJob(fmt.Sprintf("bench-%04d", i))); err != nil {
			b.Fatal(err)
		}
	}
	url := "http://" + a.MetricsAddr() + "/metrics"
	hc := &http.Client{}
	get := func() int {
		res, err := hc.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return int(n)
	}
	size := get()
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		get()
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(size), "bytes")
}

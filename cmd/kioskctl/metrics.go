package main

import (
	"fmt"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/metrics"
	"github.com/smartselfie/kiosk-agent/offline"
)

func init() {
	register(&command{name: "metrics", summary: "print the metric snapshots kept while the kiosk could not reach the API (OpenMetrics, or JSON)", run: runMetrics})
}

// parseSince reads --since: a duration ago (24h, 7d) or an RFC 3339 time; "" is the
// zero time (everything).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := config.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d.D()), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q is neither a duration (24h, 7d) nor an RFC 3339 time (2026-01-02T15:04:05Z)", s)
}

// runMetrics prints the snapshots of the kiosk's metrics that it kept while offline
// (metrics.snapshot_interval, metrics.snapshots): through the running kiosk's socket, or
// from the queue file. The default output is OpenMetrics with each sample's timestamp,
// what `promtool tsdb create-blocks-from openmetrics` imports into Prometheus.
func runMetrics(g *globals, args []string) int {
	fs := g.newFlagSet("metrics", "[--since DURATION|TIME] [--instance HOST:PORT [--job NAME]] [--json]")
	since := fs.String("since", "", "only snapshots since a duration ago (e.g. 24h, 7d) or an RFC 3339 time; default: all kept")
	instance := fs.String("instance", "", "label every sample with instance=HOST:PORT, the kiosk's scrape target (so the backfilled history joins its live series)")
	jobName := fs.String("job", "kiosk-agent", "with --instance: the job label")
	asJSON := fs.Bool("json", false, "print JSON: each snapshot's time and samples (name, labels, value; histograms as _count and _sum)")
	if _, ok := queueArgs(g, fs, args, 0, 0); !ok {
		return exitUsage
	}
	from, err := parseSince(*since, time.Now())
	if err != nil {
		fmt.Fprintf(g.stderr, "kioskctl metrics: %v\n", err)
		return exitUsage
	}
	b, err := openBackend(g)
	if err != nil {
		return g.errorf("metrics: %v", err)
	}
	defer b.close()
	var stored []offline.MetricSnapshot
	if b.client != nil {
		stored, err = b.client.MetricSnapshots(b.ctx, from)
	} else {
		stored, err = b.q.MetricSnapshots(from)
	}
	if err != nil {
		return g.errorf("metrics: %v", err)
	}
	snaps := make([]metrics.Snapshot, 0, len(stored))
	for _, s := range stored {
		snap, err := metrics.ParseSnapshot(s.At, s.Text)
		if err != nil {
			return g.errorf("metrics: %v", err)
		}
		snaps = append(snaps, snap)
	}
	if *asJSON {
		out := make([]metrics.SnapshotJSON, len(snaps))
		for i, s := range snaps {
			out[i] = s.JSON()
		}
		if err := queueJSON(g.stdout, out); err != nil {
			return g.errorf("metrics: %v", err)
		}
		return exitOK
	}
	var target map[string]string
	if *instance != "" {
		target = map[string]string{"instance": *instance, "job": *jobName}
	}
	if err := metrics.WriteOpenMetrics(g.stdout, snaps, target); err != nil {
		return g.errorf("metrics: %v", err)
	}
	return exitOK
}

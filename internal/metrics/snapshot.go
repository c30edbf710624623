package metrics

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"
)

// Snapshot is one stored snapshot of the kiosk's metrics (offline.MetricSnapshot's text,
// parsed).
type Snapshot struct {
	At       time.Time
	Families []*dto.MetricFamily // sorted by name
}

// ParseSnapshot reads a snapshot's text exposition.
func ParseSnapshot(at time.Time, text []byte) (Snapshot, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	m, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading the snapshot of %s: %w", at.UTC().Format(time.RFC3339), err)
	}
	s := Snapshot{At: at}
	for _, mf := range m {
		s.Families = append(s.Families, mf)
	}
	sort.Slice(s.Families, func(i, j int) bool { return s.Families[i].GetName() < s.Families[j].GetName() })
	return s, nil
}

// WriteOpenMetrics writes the snapshots in the OpenMetrics text format, every sample
// with its snapshot's timestamp, ending with "# EOF": what `promtool tsdb
// create-blocks-from openmetrics` imports into a Prometheus server (the backfill of an
// offline branch's history). A family's samples are grouped across snapshots, as the
// format wants, in time order. Each sample gets the labels of target too (job and
// instance: the kiosk's scrape target, so the history joins its live series).
func WriteOpenMetrics(w io.Writer, snaps []Snapshot, target map[string]string) error {
	var extra []*dto.LabelPair
	for _, k := range slices.Sorted(maps.Keys(target)) {
		extra = append(extra, &dto.LabelPair{Name: proto.String(k), Value: proto.String(target[k])})
	}
	byName := map[string]*dto.MetricFamily{}
	var names []string
	for _, s := range snaps {
		ts := s.At.UnixMilli()
		for _, mf := range s.Families {
			all, ok := byName[mf.GetName()]
			if !ok {
				all = &dto.MetricFamily{Name: mf.Name, Help: mf.Help, Type: mf.Type, Unit: mf.Unit}
				byName[mf.GetName()] = all
				names = append(names, mf.GetName())
			}
			for _, m := range mf.Metric {
				m.TimestampMs = &ts
				if len(extra) > 0 {
					m.Label = append(slices.Clone(extra), m.Label...)
				}
				all.Metric = append(all.Metric, m)
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := expfmt.MetricFamilyToOpenMetrics(w, byName[n]); err != nil {
			return fmt.Errorf("writing %s: %w", n, err)
		}
	}
	_, err := io.WriteString(w, "# EOF\n")
	return err
}

// Sample is one value of a snapshot in JSON (kioskctl metrics --json): a counter's or
// gauge's value, a histogram's count and sum.
type Sample struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	Value  float64           `json:"value"`
}

// SnapshotJSON is one snapshot as kioskctl metrics --json prints it.
type SnapshotJSON struct {
	At      time.Time `json:"at"`
	Samples []Sample  `json:"samples"`
}

// JSON flattens a snapshot into samples (histograms as NAME_count and NAME_sum; values
// that JSON cannot hold, NaN and infinities, are left out).
func (s Snapshot) JSON() SnapshotJSON {
	out := SnapshotJSON{At: s.At.UTC(), Samples: []Sample{}}
	add := func(name string, m *dto.Metric, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		smp := Sample{Name: name, Value: v}
		if len(m.Label) > 0 {
			smp.Labels = map[string]string{}
			for _, l := range m.Label {
				smp.Labels[l.GetName()] = l.GetValue()
			}
		}
		out.Samples = append(out.Samples, smp)
	}
	for _, mf := range s.Families {
		for _, m := range mf.Metric {
			switch {
			case m.Counter != nil:
				add(mf.GetName(), m, m.Counter.GetValue())
			case m.Gauge != nil:
				add(mf.GetName(), m, m.Gauge.GetValue())
			case m.Untyped != nil:
				add(mf.GetName(), m, m.Untyped.GetValue())
			case m.Histogram != nil:
				add(mf.GetName()+"_count", m, float64(m.Histogram.GetSampleCount()))
				add(mf.GetName()+"_sum", m, m.Histogram.GetSampleSum())
			case m.Summary != nil:
				add(mf.GetName()+"_count", m, float64(m.Summary.GetSampleCount()))
				add(mf.GetName()+"_sum", m, m.Summary.GetSampleSum())
			}
		}
	}
	return out
}

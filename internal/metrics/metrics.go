package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Namespace prefixes every metric of the kiosk.
const Namespace = "kiosk_agent"

// TextfileName is the file written in node_exporter's textfile folder.
const TextfileName = "kiosk_agent.prom"

// Build describes the running build: the labels of kiosk_agent_build_info.
type Build struct {
	Version string
	// KioskID is the kiosk's name (config kiosk_id): a label of the build info only,
	// never of another series (join on the instance to name a kiosk).
	KioskID string
	// Arch is the CPU architecture; empty: runtime.GOARCH.
	Arch string
	// ORTVersion returns ONNX Runtime's version ("" until the engine is loaded); nil: "".
	ORTVersion func() string
	// Models maps each model file's name to its sha256 (hex).
	Models map[string]string
}

// Options configure New.
type Options struct {
	Build Build
	// State reads the kiosk's state at scrape time: the numbers the status screen and
	// kioskctl doctor read (internal/app fills it from App.Status). nil: no state
	// metrics.
	State func(ctx context.Context) (State, error)
	// Clock times the uploads and the steps' gaps; nil: the wall clock.
	Clock clock.Clock
	// Logger receives the endpoint's and the textfile's errors; nil discards them.
	Logger *slog.Logger
}

// Set is the kiosk's metrics: a registry of its own (never the global default one),
// the collectors that read the state at scrape time, and the counters and histograms
// that the parts' events feed (see the Observe methods). Safe for concurrent use.
type Set struct {
	o    Options
	clk  clock.Clock
	log  *slog.Logger
	reg  *prometheus.Registry // kiosk_agent_*: the endpoint, the textfile, the snapshots
	proc *prometheus.Registry // Go and process metrics: the endpoint only

	sync     *syncMetrics
	enroll   enrollMetrics
	cams     cameraMetrics
	ops      operatorMetrics
	localAPI *prometheus.CounterVec
}

// New builds the metrics.
func New(o Options) *Set {
	s := &Set{o: o, clk: o.Clock, log: o.Logger, reg: prometheus.NewRegistry(), proc: prometheus.NewRegistry()}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.o.Build.Arch == "" {
		s.o.Build.Arch = runtime.GOARCH
	}
	s.proc.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reg.MustRegister(&buildCollector{b: s.o.Build})
	if o.State != nil {
		s.reg.MustRegister(&stateCollector{read: o.State})
	}
	s.sync = newSyncMetrics(s.reg)
	s.enroll = newEnrollMetrics(s.reg)
	s.cams = newCameraMetrics(s.reg)
	s.ops = newOperatorMetrics(s.reg)
	s.localAPI = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "local_api_requests_total",
		Help: "Requests to the local API (kioskctl's socket), by route and HTTP status."}, []string{"route", "code"})
	s.reg.MustRegister(s.localAPI)
	return s
}

// Gatherer is the kiosk's own metrics (kiosk_agent_*), as the textfile and the snapshots
// hold them.
func (s *Set) Gatherer() prometheus.Gatherer { return s.reg }

// Handler serves the kiosk's metrics and the Go and process metrics in the Prometheus
// formats (text, or what the scraper asks for).
func (s *Set) Handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{s.reg, s.proc}, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		ErrorLog:            slogPrinter{s.log},
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Warn("metrics", "err", fmt.Sprint(v...)) }

// Text returns the kiosk's metrics (kiosk_agent_*) in the text exposition format.
func (s *Set) Text() ([]byte, error) {
	mfs, err := s.reg.Gather()
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, werr := expfmt.MetricFamilyToText(&buf, mf); werr != nil {
			return nil, fmt.Errorf("writing the metrics: %w", werr)
		}
	}
	if err != nil {
		return buf.Bytes(), fmt.Errorf("gathering the metrics: %w", err)
	}
	return buf.Bytes(), nil
}

// Serve answers GET /metrics on ln until ctx ends.
func (s *Set) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("serving the metrics: %w", err)
}

// WriteTextfile writes the kiosk's metrics to dir/TextfileName for node_exporter's
// textfile collector: to a temporary file in dir, then renamed over the old one, so the
// collector never reads half a file.
func (s *Set) WriteTextfile(dir string) error {
	if err := prometheus.WriteToTextfile(filepath.Join(dir, TextfileName), s.reg); err != nil {
		return fmt.Errorf("writing the metrics textfile in %s: %w", dir, err)
	}
	return nil
}

// RunTextfile writes the textfile at once and then every interval until ctx ends; on the
// way out it removes the file, so node_exporter stops reporting a kiosk that stopped.
// A failed write is logged (once until it works again) and tried at the next tick.
func (s *Set) RunTextfile(ctx context.Context, dir string, every time.Duration) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		s.log.Warn("metrics.textfile_dir is not a folder yet: the kiosk writes there once it is (create it, or install prometheus-node-exporter)", "dir", dir)
	}
	failing := false
	write := func() {
		err := s.WriteTextfile(dir)
		switch {
		case err != nil && !failing:
			s.log.Warn("metrics textfile", "err", err)
		case err == nil && failing:
			s.log.Info("metrics textfile written again", "dir", dir)
		}
		failing = err != nil
	}
	write()
	return Every(ctx, s.clk, every, write, func() { os.Remove(filepath.Join(dir, TextfileName)) })
}

// Every calls fn every d on clk until ctx ends, then calls last (if not nil).
func Every(ctx context.Context, clk clock.Clock, d time.Duration, fn, last func()) error {
	t := clk.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if last != nil {
				last()
			}
			return nil
		case <-t.C():
			fn()
			t.Reset(d)
		}
	}
}

// buildCollector exports kiosk_agent_build_info and kiosk_agent_model_info.
type buildCollector struct {
	b Build
}

var (
	buildDesc = prometheus.NewDesc(Namespace+"_build_info",
		"The running build: 1, labelled with the version, the CPU architecture, Go's and ONNX Runtime's versions (empty until the face engine loads) and the kiosk's id.",
		[]string{"version", "arch", "goversion", "ort_version", "kiosk_id"}, nil)
	modelDesc = prometheus.NewDesc(Namespace+"_model_info",
		"The face models the build carries: 1, labelled with each model file and its sha256.",
		[]string{"model", "sha256"}, nil)
)

func (c *buildCollector) Describe(ch chan<- *prometheus.Desc) { ch <- buildDesc; ch <- modelDesc }

func (c *buildCollector) Collect(ch chan<- prometheus.Metric) {
	ort := ""
	if c.b.ORTVersion != nil {
		ort = c.b.ORTVersion()
	}
	ch <- prometheus.MustNewConstMetric(buildDesc, prometheus.GaugeValue, 1, c.b.Version, c.b.Arch, runtime.Version(), ort, c.b.KioskID)
	names := make([]string, 0, len(c.b.Models))
	for n := range c.b.Models {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ch <- prometheus.MustNewConstMetric(modelDesc, prometheus.GaugeValue, 1, n, c.b.Models[n])
	}
}

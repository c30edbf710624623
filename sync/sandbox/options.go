package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/jsontree"
)

// Partner is one account the sandbox serves.
type Partner struct {
	ID                string
	Key               []byte // the API key; never logged
	ProductActive     bool   // false → 2214
	ProductionEnabled bool   // false and Options.Production → 2220
}

// Options configure a Sandbox. Zero values are usable except Partners, DBPath and Analyzer.
type Options struct {
	Partners []Partner
	// DBPath is the bbolt state file (created if missing).
	DBPath   string
	Analyzer Analyzer
	// Production makes the sandbox act as the production environment: partners without
	// ProductionEnabled answer 2220.
	Production bool
	// Workers is how many analyses run at once (default: the number of CPUs).
	Workers int
	// MaxWaiting is how many requests may wait for a worker (default 64); beyond it the
	// answer is 503/2210 at once.
	MaxWaiting int
	// QueueTimeout is the longest wait for a worker before 503/2210 (default 60 s).
	QueueTimeout time.Duration
	// RetryAfter is the Retry-After sent with 503 (default 2 s).
	RetryAfter time.Duration
	// MaxBodyBytes limits the request body (default 20 MiB); beyond it → 413/2413.
	MaxBodyBytes int64
	// MaxBodyMemory bounds the request bodies held at once, read or being read, waiting
	// for a worker or being analysed (default (Workers+2) × MaxBodyBytes, at least
	// MaxBodyBytes). A body is admitted before it is read, for its Content-Length (or
	// MaxBodyBytes when the length is not declared); a request that does not fit waits
	// like one that waits for a worker (QueueTimeout, MaxWaiting), then 503/2210.
	MaxBodyMemory int64
	// TimestampWindow is the accepted distance of SmileID-Timestamp from the sandbox's
	// clock (default 15 minutes).
	TimestampWindow time.Duration
	// AnalysisTimeout bounds one job's analysis (default 60 s) → 500/2201.
	AnalysisTimeout time.Duration
	// ReadHeaderTimeout and ReadTimeout guard Serve against slow clients (defaults 10 s
	// and 10 minutes: room for about 3 MB at 40 kbit/s, the slow branch links this
	// product is for, and the kiosk's own attempt deadline); WriteTimeout defaults to
	// ReadTimeout + QueueTimeout + AnalysisTimeout. A body that does not arrive within
	// ReadTimeout is answered 408/2201 (retry), not as malformed.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	// Callback delivery: attempts per callback (default 5), first backoff (default 1 s,
	// doubled each time, at most 30 s), per-attempt timeout (default 10 s), queue size
	// (default 1024), workers (default 2), and the client (default: plain http.Client).
	CallbackAttempts int
	CallbackBackoff  time.Duration
	CallbackTimeout  time.Duration
	CallbackQueue    int
	CallbackWorkers  int
	CallbackClient   *http.Client
	// AdminToken is the bearer token that AdminHandler's /jobs requires; while it is
	// empty /jobs answers 403. Never logged.
	AdminToken []byte

	Clock  clock.Clock  // clock.Real{} when nil
	Logger *slog.Logger // discards when nil
}

func (o *Options) fill() error {
	var errs []error
	if len(o.Partners) == 0 {
		errs = append(errs, errors.New("no partner configured: give at least one (id and key)"))
	}
	seen := map[string]bool{}
	for i, p := range o.Partners {
		if strings.TrimSpace(p.ID) == "" {
			errs = append(errs, fmt.Errorf("partner %d has no id", i+1))
		}
		if len(bytes.TrimSpace(p.Key)) == 0 {
			errs = append(errs, fmt.Errorf("partner %s has no API key", p.ID))
		}
		if seen[p.ID] {
			errs = append(errs, fmt.Errorf("partner %s is configured twice", p.ID))
		}
		seen[p.ID] = true
	}
	if o.DBPath == "" {
		errs = append(errs, errors.New("no state file: set the data folder"))
	}
	if o.Analyzer == nil {
		errs = append(errs, errors.New("no analyzer"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defi := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defi(&o.Workers, runtime.NumCPU())
	defi(&o.MaxWaiting, 64)
	def(&o.QueueTimeout, 60*time.Second)
	def(&o.RetryAfter, 2*time.Second)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 20 << 20
	}
	if o.MaxBodyMemory <= 0 {
		o.MaxBodyMemory = int64(o.Workers+2) * o.MaxBodyBytes
	}
	o.MaxBodyMemory = max(o.MaxBodyMemory, o.MaxBodyBytes)
	def(&o.TimestampWindow, 15*time.Minute)
	def(&o.AnalysisTimeout, 60*time.Second)
	def(&o.ReadHeaderTimeout, 10*time.Second)
	def(&o.ReadTimeout, 10*time.Minute)
	def(&o.WriteTimeout, o.ReadTimeout+o.QueueTimeout+o.AnalysisTimeout)
	defi(&o.CallbackAttempts, 5)
	def(&o.CallbackBackoff, time.Second)
	def(&o.CallbackTimeout, 10*time.Second)
	defi(&o.CallbackQueue, 1024)
	defi(&o.CallbackWorkers, 2)
	if o.CallbackClient == nil {
		o.CallbackClient = &http.Client{}
	}
	// A callback never follows a redirect: it would re-post the result wherever the
	// redirect points.
	cc := *o.CallbackClient
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o.CallbackClient = &cc
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// FileConfig is the JSON config file of cmd/compare-sandbox for several partners:
//
//	{"addr":"127.0.0.1:8080","production":false,
//	 "partners":[{"id":"0001","key_file":"/path/key","product_active":true,"production_enabled":false}]}
type FileConfig struct {
	Addr         string          `json:"addr,omitempty"`
	DataDir      string          `json:"data_dir,omitempty"`
	Production   bool            `json:"production,omitempty"`
	Workers      int             `json:"workers,omitempty"`
	MaxBodyBytes int64           `json:"max_body_bytes,omitempty"`
	Partners     []PartnerConfig `json:"partners"`
}

// PartnerConfig is one partner in FileConfig. The key comes from key_file (mode 0600).
// product_active defaults to true.
type PartnerConfig struct {
	ID                string `json:"id"`
	KeyFile           string `json:"key_file"`
	ProductActive     *bool  `json:"product_active,omitempty"`
	ProductionEnabled bool   `json:"production_enabled,omitempty"`
}

// LoadFileConfig reads a FileConfig; unknown keys and a key given twice are errors.
func LoadFileConfig(path string) (FileConfig, error) {
	var c FileConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading sandbox config: %w", err)
	}
	if _, err := jsontree.Read(b); err != nil {
		return c, fmt.Errorf("sandbox config %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("sandbox config %s: %w", path, err)
	}
	return c, nil
}

// ReadKeyFile reads an API key file, refusing one readable by group or others.
func ReadKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading API key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("API key file %s is readable by group or others (mode %04o): run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading API key file: %w", err)
	}
	k := bytes.TrimSpace(b)
	if len(k) == 0 {
		return nil, fmt.Errorf("API key file %s is empty", path)
	}
	return k, nil
}

// PartnerList turns the config's partners into Partner values, reading the key files.
func (c FileConfig) PartnerList() ([]Partner, error) {
	var out []Partner
	for _, pc := range c.Partners {
		if pc.KeyFile == "" {
			return nil, fmt.Errorf("partner %s: key_file is not set", pc.ID)
		}
		k, err := ReadKeyFile(pc.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("partner %s: %w", pc.ID, err)
		}
		active := pc.ProductActive == nil || *pc.ProductActive
		out = append(out, Partner{ID: pc.ID, Key: k, ProductActive: active, ProductionEnabled: pc.ProductionEnabled})
	}
	return out, nil
}

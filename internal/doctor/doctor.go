package doctor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
)

// Status is a check's verdict. Its JSON form is "ok", "warn" or "fail".
type Status int

// The verdicts, from best to worst.
const (
	OK Status = iota
	Warn
	Fail
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	}
	return "fail"
}

// MarshalText writes the verdict's name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a verdict's name.
func (s *Status) UnmarshalText(b []byte) error {
	switch string(b) {
	case "ok":
		*s = OK
	case "warn":
		*s = Warn
	case "fail":
		*s = Fail
	default:
		return fmt.Errorf("verdict %q is not one of ok, warn, fail", b)
	}
	return nil
}

// ExitCode is the exit status of a report whose worst verdict is s: 0, 1 or 2.
func (s Status) ExitCode() int { return int(s) }

// The checks' names, in the order Run runs them.
const (
	CheckConfig  = "config"
	CheckKiosk   = "kiosk"
	CheckCameras = "cameras"
	CheckModels  = "models"
	CheckDataDir = "data_dir"
	CheckKeys    = "keys"
	CheckDisk    = "disk"
	CheckQueue   = "queue"
	CheckAPI     = "api"
	CheckClock   = "clock"
)

// Result is one check's verdict.
type Result struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was found, in one or two sentences.
	Detail string `json:"detail"`
	// Fix says what to do, in one sentence; empty when Status is OK.
	Fix string `json:"fix,omitempty"`
	// Code is the finding's stable code, the key of its sentence in internal/messages'
	// catalogs, filled with Args (name, value pairs); FixCode is the fix's (empty when
	// Status is OK). A finding without a code of its own gets the check's generic one,
	// GenericCode(Name, Status), and a fix GenericFixCode. Detail and Fix stay the
	// English of kioskctl doctor; the codes are for screens in other languages.
	Code    string `json:"-"`
	FixCode string `json:"-"`
	Args    []any  `json:"-"`
}

// GenericFixCode is the fix of a finding that has no code of its own: "run kioskctl
// doctor for the details".
const GenericFixCode = "doctor.fix.details"

// GenericCode is the code of a finding of check name with verdict s that has no code of
// its own: "doctor.<name>.<status>".
func GenericCode(name string, s Status) string { return "doctor." + name + "." + s.String() }

// Checks are the checks' names, in the order Run runs them.
var Checks = []string{CheckConfig, CheckKiosk, CheckCameras, CheckModels, CheckDataDir, CheckKeys, CheckDisk, CheckQueue, CheckAPI, CheckClock}

// coded sets r's codes and arguments.
func (r Result) coded(code, fixCode string, args ...any) Result {
	r.Code, r.FixCode, r.Args = code, fixCode, args
	return r
}

func ok(name, detail string, args ...any) Result {
	return Result{Name: name, Status: OK, Detail: fmt.Sprintf(detail, args...)}
}

func warn(name, fix, detail string, args ...any) Result {
	return Result{Name: name, Status: Warn, Detail: fmt.Sprintf(detail, args...), Fix: fix}
}

func fail(name, fix, detail string, args ...any) Result {
	return Result{Name: name, Status: Fail, Detail: fmt.Sprintf(detail, args...), Fix: fix}
}

// Report is every check's verdict and the worst of them.
type Report struct {
	Status  Status    `json:"status"`
	Version string    `json:"version,omitempty"`
	Time    time.Time `json:"time"`
	Checks  []Result  `json:"checks"`
}

// Check returns the result of the named check, and whether it ran.
func (r Report) Check(name string) (Result, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Result{}, false
}

func (r *Report) add(res Result) {
	if res.Code == "" {
		res.Code, res.Args = GenericCode(res.Name, res.Status), nil
	}
	if res.FixCode == "" && res.Status != OK {
		res.FixCode = GenericFixCode
	}
	r.Checks = append(r.Checks, res)
	if res.Status > r.Status {
		r.Status = res.Status
	}
}

// DefaultDataOwner is the system user the package creates to own the data folder and
// run the kiosk.
const DefaultDataOwner = "kiosk-agent"

// Options configure Run. Only Config is required.
type Options struct {
	// Config is the kiosk's config (already loaded and validated). ConfigErr, when set,
	// is why it could not be loaded: the config check fails with it and the other
	// checks run on Config (the defaults, typically).
	Config    config.Config
	ConfigErr error
	// ConfigPath names the file in messages.
	ConfigPath string
	// Version is the build's version, copied into the report.
	Version string
	// DataOwner must own the data folder and the keys (default DefaultDataOwner); when
	// no such user exists on this machine, the owner is not checked (the detail says so).
	DataOwner string
	// Socket is the running kiosk's socket (default Config.LocalAPI.Socket).
	Socket string
	// Clock is the local clock (nil: the wall clock); Getenv reads the environment
	// (nil: os.Getenv); Logger receives the parts' logs (nil: discarded).
	Clock  clock.Clock
	Getenv func(string) string
	Logger *slog.Logger
	// Skip names checks not to run (e.g. "models" for a quick run).
	Skip []string

	// Seams for tests.
	freeBytes func(dir string) (uint64, error)
	transport http.RoundTripper
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DataOwner == "" {
		o.DataOwner = DefaultDataOwner
	}
	if o.Socket == "" {
		o.Socket = o.Config.LocalAPI.Socket
	}
	if o.freeBytes == nil {
		o.freeBytes = offline.FreeBytes
	}
}

func (o Options) skipped(name string) bool {
	for _, s := range o.Skip {
		if s == name {
			return true
		}
	}
	return false
}

// Run runs every check (but those in Options.Skip) and returns the report. The checks
// only read, with two exceptions that the kiosk's own start would do too: opening an
// existing queue file may requeue jobs left in sending, and the API check sends one
// signed request (see CheckAPI). It never creates the data folder or a key.
func Run(ctx context.Context, o Options) Report {
	o.defaults()
	rep := Report{Version: o.Version, Time: o.Clock.Now().UTC()}
	if !o.skipped(CheckConfig) {
		rep.add(checkConfig(o))
	}
	kiosk, kres := dialKiosk(ctx, o)
	if kiosk != nil {
		defer kiosk.Close()
	}
	if !o.skipped(CheckKiosk) {
		rep.add(kres)
	}
	run := func(name string, fn func() Result) {
		if !o.skipped(name) {
			rep.add(fn())
		}
	}
	run(CheckCameras, func() Result { return checkCameras(ctx, o, kiosk != nil) })
	run(CheckModels, func() Result { return checkModels(o) })
	run(CheckDataDir, func() Result { return checkDataDir(o) })
	run(CheckKeys, func() Result { return checkKeys(o) })
	run(CheckDisk, func() Result { return checkDisk(o) })
	var view kioskView // nil unless a kiosk answers (not a nil *localapi.Client)
	if kiosk != nil {
		view = kiosk
	}
	run(CheckQueue, func() Result { return checkQueue(ctx, o, view) })
	if !o.skipped(CheckAPI) || !o.skipped(CheckClock) {
		api, clk := checkAPIAndClock(ctx, o)
		run(CheckAPI, func() Result { return api })
		run(CheckClock, func() Result { return clk })
	}
	return rep
}

func checkConfig(o Options) Result {
	where := o.ConfigPath
	if where == "" {
		where = "no config file (the defaults)"
	}
	var me *config.ModeError
	if errors.As(o.ConfigErr, &me) {
		return fail(CheckConfig, me.Fix(), "%v", o.ConfigErr).coded(CodeConfigWritable, CodeConfigChmod, "Path", me.Path)
	}
	if o.ConfigErr != nil {
		return fail(CheckConfig, "correct the file (docs/config.md lists every key); the checks below ran on the defaults",
			"%s: %v", where, o.ConfigErr).coded(CodeConfigInvalid, CodeConfigFix)
	}
	if o.ConfigPath == "" {
		return ok(CheckConfig, "%s: valid", where).coded(CodeConfigDefaults, "")
	}
	return ok(CheckConfig, "%s: valid", where).coded(CodeConfigValid, "", "Path", where)
}

// kioskView is what the queue check asks the running kiosk (*localapi.Client).
type kioskView interface {
	Status(ctx context.Context) (localapi.Status, error)
	Jobs(ctx context.Context, o offline.ListOptions) (localapi.JobList, error)
}

// The findings and fixes that have codes of their own (internal/messages has their
// sentences). The disk's and the valid config's English is their Detail and Fix word for
// word; the others' findings are short sentences for the screen (Detail adds the
// counts, the errors, the English-only parts), their fixes Fix word for word.
const (
	CodeConfigValid    = "doctor.config.valid"    // Path
	CodeConfigDefaults = "doctor.config.defaults" // no config file
	CodeConfigInvalid  = "doctor.config.invalid"
	CodeConfigFix      = "doctor.config.fix"
	CodeConfigWritable = "doctor.config.writable"  // Path
	CodeConfigChmod    = "doctor.config.chmod"     // Path
	CodeDiskOK         = "doctor.disk.enough"      // Free, Dir, Floor (MB)
	CodeDiskNoFloor    = "doctor.disk.no-floor"    // Free, Dir
	CodeDiskLow        = "doctor.disk.low"         // Free, Dir, Floor
	CodeDiskUnderFloor = "doctor.disk.under-floor" // Free, Dir, Floor
	CodeDiskFreeSpace  = "doctor.disk.free-space"  // Dir
	CodeDiskFreeSoon   = "doctor.disk.free-soon"   // Dir

	CodeKeysSealed     = "doctor.keys.sealed"     // Protector
	CodeKeysMoving     = "doctor.keys.moving"     // Protector
	CodeKeysPlain      = "doctor.keys.plain"      // the plain file: not protected against disk theft
	CodeKeysRefused    = "doctor.keys.refused"    // keys.require_hardware and the plain file
	CodeKeysProtect    = "doctor.keys.protect"    // fix: a TPM or a credential
	CodeKeysUnfinished = "doctor.keys.unfinished" // device.key beside device.sealed
	CodeKeysFinish     = "doctor.keys.finish"     // fix: start the kiosk

	CodeQueueHealthy     = "doctor.queue.healthy"     // Unsent
	CodeQueueQuarantined = "doctor.queue.quarantined" // N
	CodeQueueCallSupport = "doctor.queue.call-support"
	CodeQueueHalted      = "doctor.queue.halted" // Code
	CodeQueueRetryHalted = "doctor.queue.retry-halted"
	CodeQueueTooOld      = "doctor.queue.too-old" // Age, Max
	CodeQueueConnect     = "doctor.queue.connect"
	CodeQueueAging       = "doctor.queue.aging" // Age, Max
	CodeQueueConnectSoon = "doctor.queue.connect-soon"
	CodeQueueToLookAt    = "doctor.queue.to-look-at" // Held, NeedsOperator, Failed
	CodeQueueLookAt      = "doctor.queue.look-at"

	CodeAPINoURL        = "doctor.api.no-url"
	CodeAPISetURL       = "doctor.api.set-url"       // File
	CodeAPIUnreachable  = "doctor.api.unreachable"   // Host
	CodeAPICheckNetwork = "doctor.api.check-network" // Host
	CodeAPIAccepted     = "doctor.api.accepted"      // Host
	CodeAPIRefused      = "doctor.api.refused"       // Host
	CodeAPIPutKey       = "doctor.api.put-key"
	CodeAPISetClock     = "doctor.api.set-clock"

	CodeClockOff    = "doctor.clock.off" // Skew
	CodeClockSet    = "doctor.clock.set"
	CodeClockWithin = "doctor.clock.within" // Skew
	// The clock's other verdicts (clock.Judge): beyond the tolerance, kept by NTP but
	// not compared with the API, neither.
	CodeClockDrift    = "doctor.clock.drift" // Skew
	CodeClockNTP      = "doctor.clock.ntp"
	CodeClockUnsynced = "doctor.clock.unsynced"
)

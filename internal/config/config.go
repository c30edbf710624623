package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/inference/gates"
	"github.com/smartselfie/kiosk-agent/internal/jsontree"
)

// DefaultPath is where the packaged agent looks for its config file.
const DefaultPath = "/etc/kiosk-agent/config.json"

// Config is the whole configuration of a kiosk. docs/config.md is its reference: every
// key with its default, range and meaning.
type Config struct {
	// DataDir holds the queue database, the device keys and the audit log.
	DataDir string `json:"data_dir"`
	// KioskID names this kiosk in job records and audit events.
	KioskID string `json:"kiosk_id"`
	// LogLevel is one of debug, info, warn, error.
	LogLevel string `json:"log_level"`
	// ModelsDir, when set, loads the ONNX models from this folder instead of the
	// copies built into the binary.
	ModelsDir string `json:"models_dir,omitempty"`
	// ONNXRuntimeLib is the path of libonnxruntime.so.1; empty means search
	// (ONNXRUNTIME_LIB, beside the binary, the packaged path).
	ONNXRuntimeLib string `json:"onnxruntime_lib,omitempty"`
	// Capture chooses the cameras.
	Capture Capture `json:"capture"`
	// Inference holds the face-analysis thresholds; a zero field means its default
	// (gates.Default). It is the inference part's own leaf type: plain numbers, no
	// durations, validated by gates.Thresholds.Validate.
	Inference gates.Thresholds `json:"inference"`
	// Offline holds the offline queue's limits and retention.
	Offline Offline `json:"offline"`
	// Sync holds the sync engine's knobs.
	Sync Sync `json:"sync"`
	// Compare holds the compare API connection.
	Compare Compare `json:"compare"`
	// Training makes the kiosk a practice kiosk: every job it seals is marked training,
	// and it sends only to a loopback API (a local compare-sandbox). A loopback
	// compare.api_url turns it on too (see TrainingMode).
	Training bool `json:"training,omitempty"`
	// LocalAPI is the running kiosk's unix socket for kioskctl.
	LocalAPI LocalAPI `json:"local_api"`
	// UI holds the kiosk screen's settings.
	UI UI `json:"ui"`
	// Metrics holds the fleet metrics: the Prometheus endpoint, the node_exporter
	// textfile and the snapshots kept while offline.
	Metrics Metrics `json:"metrics"`
	// Keys chooses what protects the device keys (offline/protector).
	Keys Keys `json:"keys"`

	// Deprecated lists the old key names the file used, each with its new form, for the
	// program to print as a warning. It is not part of the file.
	Deprecated []string `json:"-"`
}

// Capture is the "capture" section.
type Capture struct {
	// SelfieCamera faces the customer: the selfie and the liveness frames.
	SelfieCamera Camera `json:"selfie_camera"`
	// DocumentCamera scans the ID document. Left out (no path, name or bus), the
	// selfie camera scans the document too.
	DocumentCamera Camera `json:"document_camera"`
	// DocumentCardGates (on by default) makes the document step find the card in each
	// frame and wait until it holds every card gate (capture/card: found, in the frame,
	// near enough, centred, straight, lit, no glare, sharp, still), and send the card
	// flattened. Off: the face on a sharp, still document is enough and the whole frame
	// is sent (a document camera that shows a page with no card edge to find).
	DocumentCardGates bool `json:"document_card_gates"`
	// DocumentManualAfter is how long the document and portrait steps wait before they
	// offer "Take it now" (the frame on screen, recorded as a manual capture): the
	// auto-capture gets its chance first. 0: at once.
	DocumentManualAfter Duration `json:"document_manual_after"`
}

// Camera chooses one camera and the format asked of it. A camera is found by Path when it
// is set, otherwise as the first camera whose name contains Name and whose bus contains Bus.
type Camera struct {
	// ReplayDir, instead of a camera, replays the images of this folder (.jpg, .jpeg,
	// .png, in name order, looping) at FPS: a kiosk with no camera (demo, training,
	// tests). It excludes Path, Name and Bus.
	ReplayDir string `json:"replay_dir,omitempty"`
	Path      string `json:"path,omitempty"`
	Name      string `json:"name,omitempty"`
	Bus       string `json:"bus,omitempty"`
	// Width and Height are the target frame size (0: 640x480 for the selfie camera,
	// 1280x720 for a document camera).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// FPS is the target frame rate (0: 30).
	FPS int `json:"fps,omitempty"`
	// Formats is the order of preference among CameraFormats (empty: MJPG, YUYV, RGB3).
	Formats []string `json:"formats,omitempty"`
	// FrameTimeout bounds the wait for one frame before the camera is judged stuck.
	FrameTimeout Duration `json:"frame_timeout"`
}

// Chosen reports whether c names a camera (path, name or bus), rather than "the first one".
func (c Camera) Chosen() bool { return c.Path != "" || c.Name != "" || c.Bus != "" }

// Replay reports whether c replays images instead of opening a camera.
func (c Camera) Replay() bool { return c.ReplayDir != "" }

// CameraFormats are the formats the capture code can convert, by their V4L2 codes.
var CameraFormats = []string{"MJPG", "JPEG", "YUYV", "RGB3"}

// Offline is the "offline" section: the queue's limits and retention.
type Offline struct {
	// MaxJobs is the most unsent jobs kept; -1: no limit.
	MaxJobs int `json:"max_jobs"`
	// MaxDiskMB is the most space the sealed payloads may take; -1: no limit.
	MaxDiskMB int `json:"max_disk_mb"`
	// MinFreeDiskMB is the free space that must remain on the data disk after a new job
	// is sealed; -1: no check.
	MinFreeDiskMB int `json:"min_free_disk_mb"`
	// MaxOldestUnsent refuses new jobs once the oldest unsent job is this old; negative:
	// no limit.
	MaxOldestUnsent Duration `json:"max_oldest_unsent"`
	// PurgeImagesAfter is how long a done job keeps its images ("0s": at once).
	PurgeImagesAfter Duration `json:"purge_images_after"`
	// KeepResults is how long finished job records and audit events are kept; negative:
	// for ever.
	KeepResults Duration `json:"keep_results"`
	// KeepFailedImages is how long failed, needs-operator and quarantined jobs keep their
	// images when no operator acts; negative: for ever.
	KeepFailedImages Duration `json:"keep_failed_images"`
}

// Sync is the "sync" section: the sync engine's knobs.
type Sync struct {
	// InFlight is how many jobs are sent at a time: 1 or 2.
	InFlight int `json:"in_flight"`
	// RetryBase is the first backoff delay after a failure; RetryMax caps it.
	RetryBase Duration `json:"retry_base"`
	RetryMax  Duration `json:"retry_max"`
	// MaxRetryAfter caps a server's Retry-After.
	MaxRetryAfter Duration `json:"max_retry_after"`
	// PollInterval is how often the queue is looked at without a wake-up.
	PollInterval Duration `json:"poll_interval"`
	// SkewTolerance is the clock difference with the server that a 2205 alert reports.
	SkewTolerance Duration `json:"skew_tolerance"`
	// CallbackURL is sent for jobs sealed without one (the API requires a callback URL).
	CallbackURL string `json:"callback_url,omitempty"`
}

// Compare is the "compare" section: the compare API connection. Exactly one way to sign:
// signer_url (with signer_token_file), or api_key_env, or api_key_file.
type Compare struct {
	APIURL          string   `json:"api_url,omitempty"`
	PartnerID       string   `json:"partner_id,omitempty"`
	APIKeyFile      string   `json:"api_key_file,omitempty"`
	APIKeyEnv       string   `json:"api_key_env,omitempty"`
	SignerURL       string   `json:"signer_url,omitempty"`
	SignerTokenFile string   `json:"signer_token_file,omitempty"`
	CAFile          string   `json:"ca_file,omitempty"`
	ConnectTimeout  Duration `json:"connect_timeout"`
	HeaderTimeout   Duration `json:"header_timeout"`
	StallTimeout    Duration `json:"stall_timeout"`
	// AttemptTimeout bounds one submission from connect to answer, however slowly the
	// bytes trickle.
	AttemptTimeout Duration `json:"attempt_timeout"`
	// AllowInsecureHTTP allows http:// to a host that is not loopback (api_url and
	// signer_url). The key, the user id and the photos then cross the network in clear;
	// the kiosk warns at start-up.
	AllowInsecureHTTP bool `json:"allow_insecure_http,omitempty"`
}

// LocalAPI is the "local_api" section: the unix socket through which kioskctl talks to
// the running kiosk (internal/localapi).
type LocalAPI struct {
	// Socket is the socket file's path.
	Socket string `json:"socket"`
	// Group may use the socket (its group owner), by name or number; root always may.
	// Its members read (status, queue, audit without a customer id, sync status).
	Group string `json:"group"`
	// AdminGroup's members may also change things through the socket (retry, purge,
	// operators, lifting a halt), by name or number; root and the kiosk's own user
	// always may, a reader with a supervisor's PIN for one request. Empty: none.
	AdminGroup string `json:"admin_group"`
}

// Metrics is the "metrics" section: the kiosk's Prometheus metrics (internal/metrics).
type Metrics struct {
	// Listen is the address of the /metrics endpoint (host:port, e.g. 127.0.0.1:9464 or
	// the branch VPN address); empty: no endpoint.
	Listen string `json:"listen,omitempty"`
	// TextfileDir is node_exporter's textfile collector folder: the metrics are written
	// to TextfileDir/kiosk_agent.prom every Interval (atomically); empty: no file.
	TextfileDir string `json:"textfile_dir,omitempty"`
	// Interval is how often the textfile is written.
	Interval Duration `json:"interval"`
	// SnapshotInterval is how often a snapshot of the metrics is kept while the API
	// cannot be reached (kioskctl metrics --since prints them).
	SnapshotInterval Duration `json:"snapshot_interval"`
	// Snapshots is the most snapshots kept (the oldest go first); -1: none.
	Snapshots int `json:"snapshots"`
}

// Keys is the "keys" section: what keeps the device keys (which open every queued job)
// off the disk in clear.
type Keys struct {
	// Protector is auto, tpm2, systemd-creds or file. auto: tpm2 when a TPM answers at
	// TPMPath, else systemd-creds when the kiosk runs with its encrypted credential,
	// else file; a data folder already sealed keeps its protector.
	Protector string `json:"protector"`
	// TPMPath is the TPM: a device (/dev/tpmrm0) or unix:PATH, a software TPM's socket.
	TPMPath string `json:"tpm_path"`
	// RequireHardware refuses the plain file (what a production config sets).
	RequireHardware bool `json:"require_hardware,omitempty"`
	// TPMBindPCR7 seals the keys to the Secure Boot state (PCR 7).
	TPMBindPCR7 bool `json:"tpm_bind_pcr7,omitempty"`
}

// KeyProtectors are the values of keys.protector.
var KeyProtectors = []string{"auto", "tpm2", "systemd-creds", "file"}

// UI is the "ui" section: the kiosk screen's settings.
type UI struct {
	// IdleLock locks the operator's session after this long without a touch.
	IdleLock Duration `json:"idle_lock"`
	// ResultWait is how long the screen waits for the API's answer after sealing a job
	// before it says the job will be sent later.
	ResultWait Duration `json:"result_wait"`
	// Language of the screens: en or fr.
	Language string `json:"language"`
	// ImportDirs are the folders the enrollment's ID photo import lists: each folder's
	// .jpg, .jpeg and .png files, and those of the folders one and two levels below it
	// (a USB stick mounted at /media/USER/LABEL). Absolute paths.
	ImportDirs []string `json:"import_dirs"`
	// CustomerIDFrom, "mrz_document_number", lets the agent leave the customer's id
	// empty when the comparison image is the document: the wizard fills it with the
	// document number read from the document's zone once the document is taken. Empty:
	// the agent always types the id.
	CustomerIDFrom string `json:"customer_id_from,omitempty"`
}

// CustomerIDFromMRZ is ui.customer_id_from's one value: the customer's id is the
// document number read from the document's machine readable zone.
const CustomerIDFromMRZ = "mrz_document_number"

// Languages are the languages of the screens.
var Languages = []string{"en", "fr"}

// Default returns a Config that works on a packaged kiosk. Every default of the parts is
// written out here, so docs/config.md and the file agree (internal/parts tests that
// these are the parts' own defaults).
func Default() Config {
	host, _ := os.Hostname()
	cam := Camera{FrameTimeout: Duration(3 * time.Second)}
	return Config{
		DataDir:   "/var/lib/kiosk-agent",
		KioskID:   host,
		LogLevel:  "info",
		Capture:   Capture{SelfieCamera: cam, DocumentCamera: cam, DocumentCardGates: true, DocumentManualAfter: Duration(20 * time.Second)},
		Inference: gates.Default(),
		Offline: Offline{
			MaxJobs:          1000,
			MaxDiskMB:        4096,
			MinFreeDiskMB:    256,
			MaxOldestUnsent:  Duration(14 * Day),
			PurgeImagesAfter: 0,
			KeepResults:      Duration(90 * Day),
			KeepFailedImages: Duration(30 * Day),
		},
		Sync: Sync{
			InFlight:      2,
			RetryBase:     Duration(2 * time.Second),
			RetryMax:      Duration(5 * time.Minute),
			MaxRetryAfter: Duration(time.Hour),
			PollInterval:  Duration(5 * time.Minute),
			SkewTolerance: Duration(3 * time.Minute),
		},
		Compare: Compare{
			ConnectTimeout: Duration(10 * time.Second),
			HeaderTimeout:  Duration(90 * time.Second),
			StallTimeout:   Duration(30 * time.Second),
			AttemptTimeout: Duration(10 * time.Minute),
		},
		LocalAPI: LocalAPI{Socket: "/run/kiosk-agent/kiosk.sock", Group: "kiosk", AdminGroup: "kiosk-admin"},
		Metrics: Metrics{
			Interval:         Duration(time.Minute),
			SnapshotInterval: Duration(15 * time.Minute),
			Snapshots:        672, // 7 days at 15 minutes
		},
		Keys: Keys{Protector: "auto", TPMPath: "/dev/tpmrm0"},
		UI: UI{
			IdleLock:   Duration(5 * time.Minute),
			ResultWait: Duration(20 * time.Second),
			Language:   "en",
			ImportDirs: []string{"/media", "/run/media"},
		},
	}
}

// TrainingMode reports whether the kiosk is a practice kiosk: training is set, or
// compare.api_url is a loopback URL (a local compare-sandbox). Validate refuses training
// with an API URL that is not loopback, so a training job never reaches production.
func (c Config) TrainingMode() bool {
	return c.Training || (c.Compare.APIURL != "" && LoopbackURL(c.Compare.APIURL))
}

// LoopbackURL reports whether the URL's host is this machine's loopback: "localhost",
// 127.0.0.0/8 or ::1. Any other name counts as not loopback, since it could resolve
// anywhere.
func LoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// loopbackIPURL reports whether the URL's host is a loopback IP literal (127.0.0.0/8,
// ::1): a name, "localhost" included, goes wherever /etc/hosts or DNS say.
func loopbackIPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// redactURL is a URL's scheme and host, for messages: its path or query may hold a token.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	return u.Scheme + "://" + u.Host
}

// Load reads the JSON file at path over Default() and validates the result.
//
// A file that the group or others may write is refused (a *ModeError): whoever can write
// it decides where the jobs go and which key signs them.
func Load(path string) (Config, error) {
	c := Default()
	f, err := os.Open(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	if err := CheckFileMode(f, path); err != nil {
		return c, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes))
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	if err := Parse(b, &c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// maxConfigBytes bounds the config file read (a real one is a few KB).
const maxConfigBytes = 4 << 20

// ErrWritableFile: a config or key file may be written by its group or by others.
var ErrWritableFile = errors.New("file is writable by group or others")

// ModeError is a config or key file that its group or others may write. Fix is the
// command that makes it safe.
type ModeError struct {
	Path string
	Mode os.FileMode
}

func (e *ModeError) Error() string {
	return fmt.Sprintf("%s has mode %04o: it is writable by group or others, who could change where jobs go or which key signs them; run: %s", e.Path, e.Mode.Perm(), e.Fix())
}

// Fix is the command that takes the write bits of group and others away.
func (e *ModeError) Fix() string { return "chmod go-w " + e.Path }

func (e *ModeError) Unwrap() error { return ErrWritableFile }

// CheckFileMode refuses an open file (a config or key file, at path) that its group
// or others may write.
func CheckFileMode(f *os.File, path string) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if st.Mode().Perm()&0o022 != 0 {
		return &ModeError{Path: path, Mode: st.Mode()}
	}
	return nil
}

// Parse decodes the JSON of a config file into c, keeping the values that the JSON does
// not set. A key given twice in one object, an unknown key, a malformed duration, and an
// old key name given with its new one are errors that name the key; old key names are
// rewritten (see renames) and listed in c.Deprecated.
func Parse(b []byte, c *Config) error {
	tree, err := jsontree.Read(b)
	if err != nil {
		return err
	}
	root, ok := tree.(*jsontree.Object)
	if !ok {
		return errors.New("the config file must hold one JSON object, like {\"data_dir\": \"/var/lib/kiosk-agent\"}")
	}
	notes, err := applyRenames(root)
	if err != nil {
		return err
	}
	if err := errors.Join(checkKeys(root, reflect.TypeOf(Config{}), "")...); err != nil {
		return err
	}
	clean, err := json.Marshal(root)
	if err != nil {
		return fmt.Errorf("re-encoding the config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return err
	}
	c.Deprecated = append(c.Deprecated, notes...)
	return nil
}

// Validate reports every problem in c at once; each error names its key and says what
// to give instead.
func (c Config) Validate() error {
	var v validator
	if strings.TrimSpace(c.DataDir) == "" {
		v.add("data_dir is empty: set it to a folder the agent may write, e.g. /var/lib/kiosk-agent")
	}
	if id := strings.TrimSpace(c.KioskID); id == "" || len(c.KioskID) > 64 || id != c.KioskID || !printable(c.KioskID) {
		v.add("kiosk_id %q: give 1 to 64 printable characters without spaces at either end (default: the host name)", c.KioskID)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		v.add("log_level %q is not one of debug, info, warn, error", c.LogLevel)
	}
	if c.ModelsDir != "" && strings.TrimSpace(c.ModelsDir) == "" {
		v.add("models_dir is blank: leave it out to use the built-in models")
	}
	if c.ONNXRuntimeLib != "" && strings.TrimSpace(c.ONNXRuntimeLib) == "" {
		v.add("onnxruntime_lib is blank: leave it out to search for the library")
	}
	c.Capture.validate(&v)
	if err := c.Inference.Validate(); err != nil {
		v.errs = append(v.errs, err)
	}
	c.Offline.validate(&v)
	c.Sync.validate(&v)
	c.Compare.validate(&v)
	if c.Training && c.Compare.APIURL != "" && !LoopbackURL(c.Compare.APIURL) {
		v.add("training is set with compare.api_url %q, which is not on this machine: a training kiosk sends only to a local compare-sandbox (http://127.0.0.1:PORT); remove training or point api_url at the sandbox", c.Compare.APIURL)
	}
	if c.TrainingMode() && c.Sync.CallbackURL != "" && !loopbackIPURL(c.Sync.CallbackURL) {
		v.add("sync.callback_url %q is not on this machine, and this is a training kiosk (training, or a loopback compare.api_url): the sandbox would post the practice results, user ids included, there; give http://127.0.0.1:PORT/... or leave training", redactURL(c.Sync.CallbackURL))
	}
	c.LocalAPI.validate(&v)
	c.Metrics.validate(&v)
	c.UI.validate(&v)
	c.Keys.validate(&v)
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) add(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) dur(key string, d, lo, hi Duration, what string) {
	if err := durationRange(key, d, lo, hi, what); err != nil {
		v.errs = append(v.errs, err)
	}
}

// durOrOff is dur for a key where a negative value turns the limit off.
func (v *validator) durOrOff(key string, d, lo, hi Duration, what string) {
	if d < 0 {
		return
	}
	v.dur(key, d, lo, hi, what+"; a negative value like \"-1d\" turns it off")
}

// count checks an integer key in [lo, hi]; 0 (the default) and -1 (off) when allowed.
func (v *validator) count(key string, n, lo, hi int, zeroOK, offOK bool, what string) {
	if (n == 0 && zeroOK) || (n == -1 && offOK) || (n >= lo && n <= hi) {
		return
	}
	extra := ""
	if offOK {
		extra = ", or -1 for no limit"
	}
	v.add("%s %d is out of range: give %d to %d%s (%s)", key, n, lo, hi, extra, what)
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func (c Capture) validate(v *validator) {
	c.SelfieCamera.validate(v, "capture.selfie_camera")
	c.DocumentCamera.validate(v, "capture.document_camera")
	s, d := c.SelfieCamera, c.DocumentCamera
	if d.Chosen() && d.Path == s.Path && d.Name == s.Name && d.Bus == s.Bus {
		v.add("capture.document_camera chooses the same camera as capture.selfie_camera: leave document_camera out to scan documents with the selfie camera")
	}
	v.dur("capture.document_manual_after", c.DocumentManualAfter, 0, Duration(10*time.Minute),
		"how long the document step waits before it offers \"Take it now\"; default 20s, \"0s\" at once")
}

func (c Camera) validate(v *validator, key string) {
	if c.ReplayDir != "" {
		if strings.TrimSpace(c.ReplayDir) == "" {
			v.add("%s.replay_dir is blank: give a folder of .jpg or .png images, or leave it out to use a camera", key)
		}
		if c.Chosen() {
			v.add("%s: replay_dir replays images instead of a camera: leave out path, name and bus, or leave out replay_dir", key)
		}
	}
	if c.Path != "" && !filepath.IsAbs(c.Path) {
		v.add("%s.path %q is not an absolute path: use /dev/videoN or a /dev/v4l/by-id/ link (kioskctl cameras lists them)", key, c.Path)
	}
	if c.Name != "" && strings.TrimSpace(c.Name) == "" {
		v.add("%s.name is blank: give part of the camera's name (kioskctl cameras lists them) or leave it out", key)
	}
	if c.Bus != "" && strings.TrimSpace(c.Bus) == "" {
		v.add("%s.bus is blank: give part of the camera's bus (kioskctl cameras lists them) or leave it out", key)
	}
	if c.Width < 0 || c.Height < 0 || (c.Width == 0) != (c.Height == 0) {
		v.add("%s: width %d and height %d: give both, positive, or neither", key, c.Width, c.Height)
	}
	if c.Width > 8192 || c.Height > 8192 {
		v.add("%s: %dx%d is larger than any camera: give at most 8192x8192, the size kioskctl cameras lists", key, c.Width, c.Height)
	}
	if (c.Width > 0 && c.Width < 160) || (c.Height > 0 && c.Height < 120) {
		v.add("%s: %dx%d is too small to find a face: give at least 160x120", key, c.Width, c.Height)
	}
	v.count(key+".fps", c.FPS, 1, 240, true, false, "frames a second; 0 for the default, 30")
	for _, f := range c.Formats {
		known := false
		for _, k := range CameraFormats {
			known = known || f == k
		}
		if !known {
			v.add("%s.formats: %q is not one of %s", key, f, strings.Join(CameraFormats, ", "))
		}
	}
	if len(c.Formats) > len(CameraFormats) {
		v.add("%s.formats lists %d formats: name each of %s at most once", key, len(c.Formats), strings.Join(CameraFormats, ", "))
	}
	v.dur(key+".frame_timeout", c.FrameTimeout, Duration(100*time.Millisecond), Duration(time.Minute), "the longest wait for one frame; default 3s")
}

func (o Offline) validate(v *validator) {
	v.count("offline.max_jobs", o.MaxJobs, 1, 1_000_000, true, true, "unsent jobs kept; 0 for the default, 1000")
	v.count("offline.max_disk_mb", o.MaxDiskMB, 1, 16<<20, true, true, "MB of sealed jobs; 0 for the default, 4096")
	v.count("offline.min_free_disk_mb", o.MinFreeDiskMB, 1, 16<<20, true, true, "MB left free on the data disk; 0 for the default, 256")
	v.durOrOff("offline.max_oldest_unsent", o.MaxOldestUnsent, Duration(time.Hour), Duration(3650*Day), "age of the oldest unsent job before new jobs are refused; default 14d")
	v.dur("offline.purge_images_after", o.PurgeImagesAfter, 0, Duration(365*Day), "how long a done job keeps its images; default 0s, at once")
	v.durOrOff("offline.keep_results", o.KeepResults, Duration(Day), Duration(3650*Day), "how long finished records are kept (the audit log is bounded by size, not age); default 90d")
	v.durOrOff("offline.keep_failed_images", o.KeepFailedImages, Duration(Day), Duration(3650*Day), "how long failed jobs keep their images; default 30d")
}

func (s Sync) validate(v *validator) {
	v.count("sync.in_flight", s.InFlight, 1, 2, true, false, "jobs sent at a time; 0 for the default, 2")
	v.dur("sync.retry_base", s.RetryBase, Duration(100*time.Millisecond), Duration(time.Hour), "first backoff after a failure; default 2s")
	v.dur("sync.retry_max", s.RetryMax, Duration(time.Second), Duration(24*time.Hour), "longest backoff; default 5m")
	if s.RetryMax < s.RetryBase {
		v.add("sync.retry_max %s is below sync.retry_base %s: give a retry_max at least as long", s.RetryMax, s.RetryBase)
	}
	v.dur("sync.max_retry_after", s.MaxRetryAfter, Duration(time.Second), Duration(7*Day), "cap on a server's Retry-After; default 1h")
	v.dur("sync.poll_interval", s.PollInterval, Duration(time.Second), Duration(24*time.Hour), "how often the queue is looked at; default 5m")
	v.dur("sync.skew_tolerance", s.SkewTolerance, Duration(time.Second), Duration(15*time.Minute), "clock difference reported by a 2205 alert; the API refuses 15m; default 3m")
	checkURL(v, "sync.callback_url", s.CallbackURL, true)
}

func (l LocalAPI) validate(v *validator) {
	switch {
	case l.Socket == "":
		v.add("local_api.socket is empty: give the socket's path, e.g. /run/kiosk-agent/kiosk.sock")
	case !filepath.IsAbs(l.Socket):
		v.add("local_api.socket %q is not an absolute path: give one like /run/kiosk-agent/kiosk.sock", l.Socket)
	case len(l.Socket) > 107:
		v.add("local_api.socket is %d bytes long: a unix socket path holds at most 107; choose a shorter one", len(l.Socket))
	}
	if strings.TrimSpace(l.Group) == "" || strings.ContainsAny(l.Group, " \t:") {
		v.add("local_api.group %q: give the name or number of the group allowed to use the socket, e.g. kiosk", l.Group)
	}
	if l.AdminGroup != "" && (strings.TrimSpace(l.AdminGroup) == "" || strings.ContainsAny(l.AdminGroup, " \t:")) {
		v.add("local_api.admin_group %q: give the name or number of the group allowed to change things through the socket, e.g. kiosk-admin, or \"\" for none", l.AdminGroup)
	}
}

func (m Metrics) validate(v *validator) {
	if m.Listen != "" {
		host, port, err := net.SplitHostPort(m.Listen)
		n, perr := strconv.Atoi(port)
		switch {
		case err != nil || perr != nil || n < 1 || n > 65535:
			v.add("metrics.listen %q is not host:port: give an address such as 127.0.0.1:9464 (or the branch VPN address), or leave it out for no endpoint", m.Listen)
		case host == "":
			v.add("metrics.listen %q has no host: give the address to listen on, e.g. 127.0.0.1:9464, the branch VPN address, or 0.0.0.0:9464 for every interface", m.Listen)
		}
	}
	if m.TextfileDir != "" && (!filepath.IsAbs(m.TextfileDir) || filepath.Clean(m.TextfileDir) != m.TextfileDir) {
		v.add("metrics.textfile_dir %q is not a clean absolute path: give node_exporter's textfile folder, e.g. /var/lib/prometheus/node-exporter", m.TextfileDir)
	}
	v.dur("metrics.interval", m.Interval, Duration(5*time.Second), Duration(time.Hour), "how often the textfile is written; default 1m")
	v.dur("metrics.snapshot_interval", m.SnapshotInterval, Duration(time.Minute), Duration(24*time.Hour), "how often a snapshot is kept while offline; default 15m")
	if m.Snapshots < -1 || m.Snapshots > 100_000 {
		v.add("metrics.snapshots %d is out of range: give 1 to 100000 snapshots kept while offline, 0 for the default (672: 7 days at 15m), or -1 for none", m.Snapshots)
	}
}

func (k Keys) validate(v *validator) {
	if !slices.Contains(KeyProtectors, k.Protector) {
		v.add("keys.protector %q is not one of %s", k.Protector, strings.Join(KeyProtectors, ", "))
	}
	if sock, ok := strings.CutPrefix(k.TPMPath, "unix:"); ok {
		if !filepath.IsAbs(sock) || len(sock) > 107 {
			v.add("keys.tpm_path %q: a software TPM's socket is unix:/ABSOLUTE/PATH of at most 107 bytes", k.TPMPath)
		}
	} else if !strings.HasPrefix(k.TPMPath, "/dev/") || filepath.Clean(k.TPMPath) != k.TPMPath {
		v.add("keys.tpm_path %q: give the TPM device, /dev/tpmrm0 (the kernel's resource manager), or unix:/PATH of a software TPM's socket", k.TPMPath)
	}
	if k.RequireHardware && k.Protector == "file" {
		v.add("keys.require_hardware is true but keys.protector is \"file\" (the keys in clear on the disk): set keys.protector to \"auto\", \"tpm2\" or \"systemd-creds\"")
	}
	if k.TPMBindPCR7 && (k.Protector == "file" || k.Protector == "systemd-creds") {
		v.add("keys.tpm_bind_pcr7 is true but keys.protector is %q: PCR 7 binding is the TPM's (keys.protector \"tpm2\" or \"auto\")", k.Protector)
	}
}

// Validate checks the "ui" section alone (the app checks a change made on screen).
func (u UI) Validate() error {
	var v validator
	u.validate(&v)
	return errors.Join(v.errs...)
}

func (u UI) validate(v *validator) {
	v.dur("ui.idle_lock", u.IdleLock, Duration(30*time.Second), Duration(8*time.Hour), "the session locks after this long without a touch; default 5m")
	v.dur("ui.result_wait", u.ResultWait, Duration(time.Second), Duration(10*time.Minute), "wait for the API's answer on screen; default 20s")
	if !slices.Contains(Languages, u.Language) {
		v.add("ui.language %q is not one of %s", u.Language, strings.Join(Languages, ", "))
	}
	if u.CustomerIDFrom != "" && u.CustomerIDFrom != CustomerIDFromMRZ {
		v.add("ui.customer_id_from %q is not known: give %q (the document number read from the document's zone) or leave it out (the agent types the id)", u.CustomerIDFrom, CustomerIDFromMRZ)
	}
	for _, d := range u.ImportDirs {
		if !filepath.IsAbs(d) || filepath.Clean(d) != d {
			v.add("ui.import_dirs: %q is not a clean absolute path: give folders such as \"/media\" or \"/srv/id-photos\"", d)
		}
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c Compare) validate(v *validator) {
	checkURL(v, "compare.api_url", c.APIURL, false)
	if p := c.PartnerID; p != "" && (strings.TrimSpace(p) != p || strings.ContainsAny(p, " \t\r\n") || len(p) > 64 || !printable(p)) {
		v.add("compare.partner_id %q: give the partner id as issued, 1 to 64 characters without spaces (keep leading zeros, e.g. \"0001\")", p)
	}
	ways := 0
	for _, s := range []string{c.APIKeyFile, c.APIKeyEnv, c.SignerURL} {
		if s != "" {
			ways++
		}
	}
	if ways > 1 {
		v.add("compare: more than one way to sign is set (api_key_file, api_key_env, signer_url): keep one")
	}
	if c.APIKeyFile != "" && strings.TrimSpace(c.APIKeyFile) == "" {
		v.add("compare.api_key_file is blank: give the path of the key file (mode 0600)")
	}
	if c.APIKeyEnv != "" && !envName.MatchString(c.APIKeyEnv) {
		v.add("compare.api_key_env %q is not an environment variable name: letters, digits and _, not starting with a digit", c.APIKeyEnv)
	}
	checkURL(v, "compare.signer_url", c.SignerURL, false)
	if c.SignerTokenFile != "" && c.SignerURL == "" {
		v.add("compare.signer_token_file is set without compare.signer_url: set signer_url or leave the token file out")
	}
	if c.CAFile != "" && strings.TrimSpace(c.CAFile) == "" {
		v.add("compare.ca_file is blank: give the path of a PEM file or leave it out for the system roots")
	}
	v.dur("compare.connect_timeout", c.ConnectTimeout, Duration(time.Second), Duration(5*time.Minute), "TCP connect and TLS handshake; default 10s")
	v.dur("compare.header_timeout", c.HeaderTimeout, Duration(time.Second), Duration(30*time.Minute), "wait for the answer once the body is sent; default 90s")
	v.dur("compare.stall_timeout", c.StallTimeout, Duration(time.Second), Duration(30*time.Minute), "no byte moved either way; default 30s")
	v.dur("compare.attempt_timeout", c.AttemptTimeout, Duration(time.Minute), Duration(24*time.Hour), "one whole submission, however slow; default 10m")
	if !c.AllowInsecureHTTP {
		for _, k := range []struct{ key, url string }{{"compare.api_url", c.APIURL}, {"compare.signer_url", c.SignerURL}} {
			if u, err := url.Parse(k.url); err == nil && u.Scheme == "http" && !loopbackHost(u.Hostname()) {
				v.add("%s %q: plain http:// sends the key, the user id and the photos in clear; give an https:// URL (or set compare.allow_insecure_http: true for a closed test network)", k.key, k.url)
			}
		}
	}
}

// loopbackHost reports whether host is "localhost" or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkURL checks an http(s) URL with a host and no user info or fragment; empty is fine.
func checkURL(v *validator, key, s string, allowQuery bool) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.add("%s %q is not a URL: give one like https://api.example.com", key, redactURL(s))
	case u.Scheme != "http" && u.Scheme != "https":
		v.add("%s %q: give an https:// URL (http:// only for a loopback test server)", key, redactURL(s))
	case u.Host == "" || u.Hostname() == "":
		v.add("%s has no host: give one like https://api.example.com", key)
	case u.User != nil:
		v.add("%s: put no user name or password in the URL (it would be logged): use the key settings", key)
	case u.Fragment != "" || (!allowQuery && u.RawQuery != ""):
		v.add("%s %q: remove the query or fragment", key, redactURL(s))
	}
}

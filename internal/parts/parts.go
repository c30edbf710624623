package parts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/v4l2"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/onnx"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/offline/protector"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// OpenQueue opens the offline queue in cfg.DataDir with the "offline" section's settings,
// the kiosk id, the "keys" section's protector (KeyProtector), clk (nil: the wall clock)
// and log (nil: discarded). A data folder with a plain device.key moves to the
// configured protector here.
func OpenQueue(cfg config.Config, clk clock.Clock, log *slog.Logger) (*offline.Queue, error) {
	p, err := KeyProtector(cfg, true)
	if err != nil {
		return nil, fmt.Errorf("opening the offline queue: %w", err)
	}
	return OpenQueueWith(cfg, p, clk, log)
}

// OpenQueueWith is OpenQueue with the protector already opened (KeyProtector): kioskctl
// opens it as root (systemd-creds decrypt needs root) before working as the data
// folder's owner. The queue closes p, and so does OpenQueueWith when it fails.
func OpenQueueWith(cfg config.Config, p offline.KeyProtector, clk clock.Clock, log *slog.Logger) (*offline.Queue, error) {
	opts := QueueOptions(cfg)
	opts.Clock, opts.Logger = clk, log
	opts.Protector = p
	q, err := offline.Open(cfg.DataDir, opts)
	if err != nil {
		closeProtector(p)
		return nil, fmt.Errorf("opening the offline queue: %w", err)
	}
	return q, nil
}

// KeyProtector opens the protector of the "keys" section for cfg.DataDir: nil for the
// plain device.key. "auto" keeps the protector the data folder's keys are already
// sealed with. With migrate false (kioskctl doctor, which must not change the data
// folder) a data folder whose keys are still the plain file gets nil, whatever the
// config says. The queue closes what it is given.
func KeyProtector(cfg config.Config, migrate bool) (offline.KeyProtector, error) {
	sealed, err := offline.ReadSealedProtector(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if !migrate && sealed == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, offline.DeviceKeyFile)); err == nil {
			return nil, nil
		}
	}
	p, err := protector.Open(ProtectorOptions(cfg, sealed))
	if err != nil || p == nil {
		return nil, err
	}
	return p, nil
}

// ProtectorOptions are the "keys" section as offline/protector's Options; sealed is
// the protector the data folder's keys are sealed with ("" if none).
func ProtectorOptions(cfg config.Config, sealed string) protector.Options {
	k := cfg.Keys
	return protector.Options{Kind: k.Protector, TPMPath: k.TPMPath, BindPCR7: k.TPMBindPCR7, RequireHardware: k.RequireHardware, Sealed: sealed}
}

func closeProtector(p offline.KeyProtector) {
	if c, ok := p.(interface{ Close() error }); ok {
		c.Close()
	}
}

// EngineOptions returns the inference engine's Options: cfg.ModelsDir, the thresholds, and
// the ONNX Runtime library from cfg.ONNXRuntimeLib, else getenv(onnx.EnvVar) (getenv nil:
// os.Getenv), else "" (inference.Open then searches beside the binary and the packaged
// path). Workers and Threads are left to the caller.
func EngineOptions(cfg config.Config, getenv func(string) string, log *slog.Logger) inference.Options {
	if getenv == nil {
		getenv = os.Getenv
	}
	lib := cfg.ONNXRuntimeLib
	if lib == "" {
		lib = getenv(onnx.EnvVar)
	}
	return inference.Options{RuntimeLib: lib, ModelsDir: cfg.ModelsDir, Thresholds: Thresholds(cfg), Logger: log}
}

// OpenEngine opens the inference engine with EngineOptions. The caller closes it.
func OpenEngine(cfg config.Config, getenv func(string) string, log *slog.Logger) (*inference.Engine, error) {
	return inference.Open(EngineOptions(cfg, getenv, log))
}

// Sync is what sending needs, built from the "compare" and "sync" sections.
type Sync struct {
	Sender uploader.Sender
	// Prober asks the API's endpoint whether it answers (uploader.APIProber over the
	// client's Ping), at start, on network changes and before sending after a failure.
	Prober uploader.Prober
	// ClockSkew is the API server's clock minus the kiosk's, as the client last
	// measured it (a probe's or a send's Date header), and whether it was measured.
	ClockSkew func() (time.Duration, bool)
	// ConfigID fingerprints what a halt can be fixed by: the API URL, the partner id and
	// the key or signer (hashed; never the key itself).
	ConfigID string
}

// ErrNoAPIURL is returned by NewSync when the config names no API URL.
var ErrNoAPIURL = errors.New("no API URL: give --api-url (e.g. http://127.0.0.1:8080) or set compare.api_url in the config")

// NewSync builds the compare client (reading the key file, or the key from the
// environment through getenv; nil: os.Getenv) as an uploader.Sender with the sync
// section's callback URL, a prober that asks the API's endpoint (no job, no signature),
// the client's clock skew, and the ConfigID. The client
// logs its start-up warnings (compare.allow_insecure_http) to log; nil discards them.
func NewSync(cfg config.Config, getenv func(string) string, log *slog.Logger) (Sync, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	s := cfg.Compare
	if s.APIURL == "" {
		return Sync{}, ErrNoAPIURL
	}
	opts, err := CompareOptions(cfg, getenv)
	if err != nil {
		return Sync{}, err
	}
	opts.Logger = log
	client, err := compare.New(opts)
	if err != nil {
		return Sync{}, err
	}
	return Sync{
		Sender:    uploader.CompareSender{Client: client, CallbackURL: cfg.Sync.CallbackURL},
		Prober:    uploader.APIProber{Client: client},
		ClockSkew: client.ClockSkew,
		ConfigID:  ConfigID(cfg, getenv),
	}, nil
}

// ConfigID is the fingerprint of the sending configuration (see Sync.ConfigID): the API
// URL, the partner id, and the signer's URL and token, or the key's variable name and
// value, or the key file's content. An unreadable file counts as empty (NewSync's client
// has failed on it already).
func ConfigID(cfg config.Config, getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	s := cfg.Compare
	secret := []byte(s.APIKeyEnv)
	switch {
	case s.SignerURL != "":
		secret = []byte(s.SignerURL)
		if s.SignerTokenFile != "" {
			tok, _ := os.ReadFile(s.SignerTokenFile)
			secret = append(secret, tok...)
		}
	case s.APIKeyEnv != "":
		secret = append(secret, getenv(s.APIKeyEnv)...)
	case s.APIKeyFile != "":
		secret, _ = os.ReadFile(s.APIKeyFile)
	}
	return uploader.ConfigFingerprint([]byte(s.APIURL), []byte(s.PartnerID), secret)
}

// NewUploader builds the sync engine over q and s: the "sync" section's knobs
// (UploaderOptions), s's prober and ConfigID, the state file uploader.StateFile in
// cfg.DataDir, and the caller's own: own.Clock, own.Logger, own.OnEvent, own.Rand,
// own.ProbeTimeout and own.AttemptTimeout (the rest of own is ignored).
func NewUploader(cfg config.Config, q uploader.Queue, s Sync, own uploader.Options) *uploader.Uploader {
	opts := UploaderOptions(cfg)
	opts.Clock, opts.Logger, opts.OnEvent, opts.Rand = own.Clock, own.Logger, own.OnEvent, own.Rand
	opts.ProbeTimeout, opts.AttemptTimeout = own.ProbeTimeout, own.AttemptTimeout
	opts.Prober, opts.ConfigID = s.Prober, s.ConfigID
	opts.State = uploader.FileState{Path: filepath.Join(cfg.DataDir, uploader.StateFile)}
	return uploader.New(q, s.Sender, opts)
}

// OpenCameras opens the cameras of the "capture" section (v4l2.OpenCameras) with clk and
// log. The caller closes them.
func OpenCameras(ctx context.Context, cfg config.Config, clk clock.Clock, log *slog.Logger) (*v4l2.Cameras, error) {
	cams, err := v4l2.OpenCameras(ctx, CameraConfig(cfg), clk, log)
	if err != nil {
		return nil, fmt.Errorf("opening the cameras: %w", err)
	}
	return cams, nil
}

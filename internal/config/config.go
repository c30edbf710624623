// Package config holds the agent's one Config struct: Default, Load, Validate.
//
// The file format is JSON (/etc/kiosk-agent/config.json when packaged). Unknown keys are
// an error, so a typo in a deployed config is caught at start-up, not ignored. Only the
// programs under cmd/ read flags and environment variables; they layer them over the file.
//
// Each area of the agent keeps its own options type (with JSON tags and usable defaults)
// in its own package; Config gathers them.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/inference/gates"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// DefaultPath is where the packaged agent looks for its config file.
const DefaultPath = "/etc/kiosk-agent/config.json"

// Config is the whole configuration of a kiosk.
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
	// Capture chooses the cameras: selfie_camera and document_camera, each by path,
	// name or bus, with the frame size, rate, formats and frame timeout asked of it.
	Capture camera.Config `json:"capture"`
	// Inference holds the face-analysis thresholds (quality gates, liveness, match);
	// a zero field means its default (gates.Default).
	Inference gates.Thresholds `json:"inference"`
	// Offline holds the offline queue's limits and retention; a zero field means its
	// default (offline.DefaultSettings), a negative limit means no limit.
	Offline offline.Settings `json:"offline"`
	// Sync holds the sync engine's knobs (in flight, backoff, poll, skew tolerance); a
	// zero field means its default (see uploader.Settings).
	Sync uploader.Settings `json:"sync"`
	// Compare holds the compare API connection: api_url, partner_id, api_key_file (or
	// api_key_env, or signer_url + signer_token_file), ca_file and timeouts.
	Compare compare.Settings `json:"compare"`
}

// Default returns a Config that works on a packaged kiosk.
func Default() Config {
	host, _ := os.Hostname()
	return Config{
		DataDir:   "/var/lib/kiosk-agent",
		KioskID:   host,
		LogLevel:  "info",
		Inference: gates.Default(),
	}
}

// Load reads the JSON file at path over Default() and validates the result.
func Load(path string) (Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
	}
	if err := Parse(b, &c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, c.Validate()
}

// Parse decodes JSON into c, keeping the values that the JSON does not set.
// Unknown keys are an error.
func Parse(b []byte, c *Config) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return err
	}
	return nil
}

// Validate reports every problem in c at once.
func (c Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data_dir is empty: set it to a folder the agent may write, e.g. /var/lib/kiosk-agent"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q is not one of debug, info, warn, error", c.LogLevel))
	}
	if err := c.Capture.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Inference.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Sync.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

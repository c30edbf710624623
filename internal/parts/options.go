// The config's sections as the parts' own Options: the one place where settings become
// options. The config owns the file (keys, units, ranges); each part owns its Options (Go
// types, usable zero values) and never imports the config. Every function takes a
// validated Config (config.Load validates) and fills only what the config decides; the
// caller adds what it owns (Clock, Logger, State, OnEvent, …).

package parts

import (
	"time"

	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/inference/gates"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// CameraConfig returns the cameras the "capture" section chooses.
func CameraConfig(c config.Config) camera.Config {
	conv := func(s config.Camera) camera.Settings {
		return camera.Settings{Path: s.Path, Name: s.Name, Bus: s.Bus, Width: s.Width, Height: s.Height,
			FPS: s.FPS, Formats: s.Formats, FrameTimeout: s.FrameTimeout.D()}
	}
	return camera.Config{SelfieCamera: conv(c.Capture.SelfieCamera), DocumentCamera: conv(c.Capture.DocumentCamera)}
}

// Thresholds returns the "inference" section with its zero fields at their defaults.
func Thresholds(c config.Config) gates.Thresholds { return c.Inference.WithDefaults() }

// QueueOptions returns the queue's Options: the "offline" section and the kiosk id.
func QueueOptions(c config.Config) offline.Options {
	o := c.Offline
	return offline.Options{
		KioskID: c.KioskID,
		Settings: offline.Settings{
			MaxJobs:                 o.MaxJobs,
			MaxDiskMB:               o.MaxDiskMB,
			MinFreeDiskMB:           o.MinFreeDiskMB,
			MaxOldestUnsentDays:     days(o.MaxOldestUnsent),
			PurgeImagesAfterMinutes: int(o.PurgeImagesAfter.D() / time.Minute),
			KeepResultsDays:         days(o.KeepResults),
			FailedImagesMaxDays:     days(o.KeepFailedImages),
			// Not a config key: the audit log's size bound is the queue's own.
			AuditMaxEvents: offline.DefaultSettings().AuditMaxEvents,
		},
	}
}

// days turns a day-valued setting into offline's whole days: negative (off) is -1, and a
// part of a day counts as a whole one (offline treats 0 as "the default").
func days(d config.Duration) int {
	if d < 0 {
		return -1
	}
	n := d.D() / config.Day
	if d.D()%config.Day != 0 {
		n++
	}
	return int(n)
}

// UploaderOptions returns the sync engine's knobs from the "sync" section.
func UploaderOptions(c config.Config) uploader.Options {
	s := c.Sync
	return uploader.Options{
		InFlight:      s.InFlight,
		RetryBase:     s.RetryBase.D(),
		RetryMax:      s.RetryMax.D(),
		MaxRetryAfter: s.MaxRetryAfter.D(),
		PollInterval:  s.PollInterval.D(),
		SkewTolerance: s.SkewTolerance.D(),
	}
}

// SignerConfig returns how the "compare" section signs.
func SignerConfig(c config.Config) compare.SignerConfig {
	s := c.Compare
	return compare.SignerConfig{PartnerID: s.PartnerID, APIKeyFile: s.APIKeyFile, APIKeyEnv: s.APIKeyEnv,
		SignerURL: s.SignerURL, SignerTokenFile: s.SignerTokenFile, CAFile: s.CAFile,
		AllowInsecureHTTP: s.AllowInsecureHTTP}
}

// CompareOptions returns the compare client's Options from the "compare" section, building its
// signer (which reads the key file, or the environment through getenv; os.Getenv when
// nil). Clock, Logger and Transport are left to the caller.
func CompareOptions(c config.Config, getenv func(string) string) (compare.Options, error) {
	signer, err := SignerConfig(c).Signer(getenv)
	if err != nil {
		return compare.Options{}, err
	}
	s := c.Compare
	return compare.Options{
		BaseURL:           s.APIURL,
		Signer:            signer,
		ConnectTimeout:    s.ConnectTimeout.D(),
		HeaderTimeout:     s.HeaderTimeout.D(),
		StallTimeout:      s.StallTimeout.D(),
		CAFile:            s.CAFile,
		AttemptTimeout:    s.AttemptTimeout.D(),
		AllowInsecureHTTP: s.AllowInsecureHTTP,
	}, nil
}

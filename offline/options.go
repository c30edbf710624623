package offline

import (
	"log/slog"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// Settings are the queue's limits and retention. Zero means the default; a negative limit
// means no limit (for the day limits: for ever). The config file's "offline" section is
// internal/config's; internal/parts turns it into Settings. Day values beyond
// MaxDays are taken as MaxDays, so no value overflows a time.Duration.
type Settings struct {
	// MaxJobs is the most unsent jobs (queued, sending, held) kept. Default 1000.
	MaxJobs int
	// MaxDiskMB is the most space the sealed payloads in the queue may take. Default 4096.
	MaxDiskMB int
	// MinFreeDiskMB is the free space that must remain on the data disk after a new
	// job is sealed. Default 256.
	MinFreeDiskMB int
	// MaxOldestUnsentDays refuses new jobs once the oldest unsent job is this old
	// (the kiosk has been offline too long). Default 14.
	MaxOldestUnsentDays int
	// PurgeImagesAfterMinutes is how long a done job keeps its images. Default 0: at once.
	PurgeImagesAfterMinutes int
	// KeepResultsDays is how long finished job records (without images) are kept.
	// Default 90.
	KeepResultsDays int
	// AuditMaxEvents bounds the audit log: beyond it the oldest events are dropped
	// (with an event that says so). The audit is never cut by age. Default 200000
	// (about 50 MB).
	AuditMaxEvents int
	// FailedImagesMaxDays is how long failed, needs-operator and quarantined jobs keep
	// their images when no operator acts. Default 30.
	FailedImagesMaxDays int
}

// DefaultSettings returns the defaults that the zero Settings stand for.
func DefaultSettings() Settings {
	return Settings{
		MaxJobs:             1000,
		MaxDiskMB:           4096,
		MinFreeDiskMB:       256,
		MaxOldestUnsentDays: 14,
		KeepResultsDays:     90,
		FailedImagesMaxDays: 30,
		AuditMaxEvents:      200000,
	}
}

// withDefaults fills zero fields from DefaultSettings.
func (s Settings) withDefaults() Settings {
	d := DefaultSettings()
	def := func(v *int, dv int) {
		if *v == 0 {
			*v = dv
		}
	}
	def(&s.MaxJobs, d.MaxJobs)
	def(&s.MaxDiskMB, d.MaxDiskMB)
	def(&s.MinFreeDiskMB, d.MinFreeDiskMB)
	def(&s.MaxOldestUnsentDays, d.MaxOldestUnsentDays)
	def(&s.KeepResultsDays, d.KeepResultsDays)
	def(&s.FailedImagesMaxDays, d.FailedImagesMaxDays)
	def(&s.AuditMaxEvents, d.AuditMaxEvents)
	if s.PurgeImagesAfterMinutes < 0 {
		s.PurgeImagesAfterMinutes = 0
	}
	s.PurgeImagesAfterMinutes = min(s.PurgeImagesAfterMinutes, MaxDays*24*60)
	for _, v := range []*int{&s.MaxOldestUnsentDays, &s.KeepResultsDays, &s.FailedImagesMaxDays} {
		*v = min(*v, MaxDays)
	}
	return s
}

const day = 24 * time.Hour

// MaxDays is the longest day value Settings take (100 years); a longer one would
// overflow time.Duration (about 106,751 days) and turn, say, "keep for ever" into "delete
// everything".
const MaxDays = 36500

// Options configure Open. The zero value is usable.
type Options struct {
	Settings
	// KioskID is written into jobs that do not name their kiosk.
	KioskID string
	// Clock is the source of time; nil means the wall clock.
	Clock clock.Clock
	// Logger receives the queue's logs; nil discards them.
	Logger *slog.Logger
	// Protector keeps the device keys off the disk in clear (offline/protector: a
	// TPM 2.0 or a systemd credential); nil keeps them in the plain device.key. A
	// data dir with a plain device.key moves to the protector at Open. The queue
	// closes it on Close.
	Protector KeyProtector
	// LockTimeout is how long Open waits for another process to release the
	// database. Default 2 s.
	LockTimeout time.Duration

	// rotate: Open draws a new KEK and re-wraps the data keys (RotateKEK).
	rotate bool
	// freeSpace reports the free bytes on the disk holding dir (tests replace it).
	freeSpace func(dir string) (uint64, error)
}

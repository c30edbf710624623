package uploader

import (
	"errors"
	"fmt"
	"time"
)

// Settings are the engine's knobs as they appear in the config file under "sync". Zero
// fields take the defaults of Options.
type Settings struct {
	// InFlight is how many jobs are sent at a time: 1 or 2. Default 2.
	InFlight int `json:"in_flight,omitempty"`
	// RetryBaseSeconds is the first backoff delay after a failure. Default 2.
	RetryBaseSeconds int `json:"retry_base_seconds,omitempty"`
	// RetryMaxSeconds caps the backoff delay. Default 300.
	RetryMaxSeconds int `json:"retry_max_seconds,omitempty"`
	// MaxRetryAfterSeconds caps a server's Retry-After. Default 3600.
	MaxRetryAfterSeconds int `json:"max_retry_after_seconds,omitempty"`
	// PollSeconds is how often the queue is looked at without a wake-up. Default 300.
	PollSeconds int `json:"poll_seconds,omitempty"`
	// SkewToleranceSeconds is the clock difference with the server that a 2205 alert
	// reports. Default 180.
	SkewToleranceSeconds int `json:"skew_tolerance_seconds,omitempty"`
	// CallbackURL is sent for jobs sealed without one (the API requires a callback URL).
	CallbackURL string `json:"callback_url,omitempty"`
}

// Validate reports every problem at once.
func (s Settings) Validate() error {
	var errs []error
	if s.InFlight < 0 || s.InFlight > 2 {
		errs = append(errs, fmt.Errorf("sync.in_flight %d: use 1 or 2 (0 for the default, 2)", s.InFlight))
	}
	for name, v := range map[string]int{
		"retry_base_seconds": s.RetryBaseSeconds, "retry_max_seconds": s.RetryMaxSeconds,
		"max_retry_after_seconds": s.MaxRetryAfterSeconds, "poll_seconds": s.PollSeconds,
		"skew_tolerance_seconds": s.SkewToleranceSeconds,
	} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("sync.%s %d is negative: use 0 for the default", name, v))
		}
	}
	if s.RetryBaseSeconds > 0 && s.RetryMaxSeconds > 0 && s.RetryMaxSeconds < s.RetryBaseSeconds {
		errs = append(errs, fmt.Errorf("sync.retry_max_seconds %d is below retry_base_seconds %d", s.RetryMaxSeconds, s.RetryBaseSeconds))
	}
	return errors.Join(errs...)
}

// Apply lays the non-zero settings over o.
func (s Settings) Apply(o Options) Options {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	if s.InFlight > 0 {
		o.InFlight = s.InFlight
	}
	if s.RetryBaseSeconds > 0 {
		o.RetryBase = sec(s.RetryBaseSeconds)
	}
	if s.RetryMaxSeconds > 0 {
		o.RetryMax = sec(s.RetryMaxSeconds)
	}
	if s.MaxRetryAfterSeconds > 0 {
		o.MaxRetryAfter = sec(s.MaxRetryAfterSeconds)
	}
	if s.PollSeconds > 0 {
		o.PollInterval = sec(s.PollSeconds)
	}
	if s.SkewToleranceSeconds > 0 {
		o.SkewTolerance = sec(s.SkewToleranceSeconds)
	}
	return o
}

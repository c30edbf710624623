package clock

import "time"

// APIWindow is how far a signature's timestamp may be from the compare API's clock
// before the API refuses it (2205).
const APIWindow = 15 * time.Minute

// DefaultSkewTolerance is the clock difference with the API above which the kiosk
// warns (config sync.skew_tolerance's default).
const DefaultSkewTolerance = 3 * time.Minute

// Reading is what the kiosk knows of its clock.
type Reading struct {
	// NTPSynced: the kernel says NTP keeps the clock synchronised (Synced).
	NTPSynced bool
	// Skew is the API server's clock minus the kiosk's (its Date header), when
	// Measured.
	Skew     time.Duration
	Measured bool
	// Tolerance is the difference above which a measured skew warns (0:
	// DefaultSkewTolerance).
	Tolerance time.Duration
}

// Level is a clock judgement's gravity.
type Level uint8

// The levels.
const (
	LevelOK Level = iota + 1
	LevelWarn
	LevelFail
)

// Verdict is the one judgement of the clock that the home screen's banner, the status
// screen and kioskctl doctor share. Code names the finding (stable, for sentences).
type Verdict struct {
	Level Level
	Code  string
	// Skew is the measured difference, absolute (0 when not measured).
	Skew time.Duration
	// Behind: the kiosk's clock is behind the API's (a measured Skew > 0).
	Behind bool
}

// The verdicts' codes.
const (
	// ClockWithin: compared with the API's clock, within the tolerance.
	ClockWithin = "within"
	// ClockDrift: compared with the API's clock, beyond the tolerance but within the
	// API's window: sending still works.
	ClockDrift = "drift"
	// ClockOff: compared with the API's clock, beyond the API's window: every
	// signature is refused.
	ClockOff = "off"
	// ClockNTP: not compared with the API, and NTP keeps the clock synchronised.
	ClockNTP = "ntp"
	// ClockUnsynced: neither compared with the API nor kept by NTP: nothing says the
	// clock is wrong, nothing says it is right.
	ClockUnsynced = "unsynced"
)

// Judge judges r. A measurement against the API's clock wins over the kernel's NTP
// flag: a kiosk without NTP whose clock agrees with the API's is right (the API is the
// clock that signatures must agree with), and one with NTP whose clock is 20 minutes
// off the API's still has every signature refused.
func Judge(r Reading) Verdict {
	tol := r.Tolerance
	if tol <= 0 {
		tol = DefaultSkewTolerance
	}
	if r.Measured {
		v := Verdict{Skew: r.Skew.Abs().Round(time.Second), Behind: r.Skew > 0}
		switch {
		case v.Skew > APIWindow:
			v.Level, v.Code = LevelFail, ClockOff
		case v.Skew > tol:
			v.Level, v.Code = LevelWarn, ClockDrift
		default:
			v.Level, v.Code = LevelOK, ClockWithin
		}
		return v
	}
	if r.NTPSynced {
		return Verdict{Level: LevelOK, Code: ClockNTP}
	}
	return Verdict{Level: LevelWarn, Code: ClockUnsynced}
}

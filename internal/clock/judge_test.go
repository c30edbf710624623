package clock

import (
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name string
		r    Reading
		want Verdict
	}{
		{"measured right, no NTP", Reading{Measured: true, Skew: 2 * time.Second}, Verdict{LevelOK, ClockWithin, 2 * time.Second, true}},
		{"measured right, kiosk ahead", Reading{Measured: true, Skew: -time.Second, NTPSynced: true}, Verdict{LevelOK, ClockWithin, time.Second, false}},
		{"measured drift", Reading{Measured: true, Skew: -5 * time.Minute}, Verdict{LevelWarn, ClockDrift, 5 * time.Minute, false}},
		{"measured drift, own tolerance", Reading{Measured: true, Skew: 90 * time.Second, Tolerance: time.Minute}, Verdict{LevelWarn, ClockDrift, 90 * time.Second, true}},
		{"measured off, NTP says synced", Reading{Measured: true, Skew: 20 * time.Minute, NTPSynced: true}, Verdict{LevelFail, ClockOff, 20 * time.Minute, true}},
		{"at the window", Reading{Measured: true, Skew: APIWindow}, Verdict{LevelWarn, ClockDrift, APIWindow, true}},
		{"not measured, NTP", Reading{NTPSynced: true}, Verdict{Level: LevelOK, Code: ClockNTP}},
		{"not measured, no NTP", Reading{}, Verdict{Level: LevelWarn, Code: ClockUnsynced}},
	} {
		if got := Judge(c.r); got != c.want {
			t.Errorf("%s: Judge(%+v) = %+v, want %+v", c.name, c.r, got, c.want)
		}
	}
}

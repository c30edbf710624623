package config

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Day is the unit "d" of a Duration: 24 hours (the agent does not follow daylight saving).
const Day = 24 * time.Hour

// Duration is a length of time written in the config file as a string with units: "300ms",
// "30s", "5m", "2h", "90d", or a sum such as "1d12h". It is the one style of every
// duration key; a bare number is refused (the old number-of-seconds form of the compare
// timeouts is rewritten to a string before decoding, see renames).
//
// A value too long for time.Duration (about 106,751 days) reads as the longest Duration,
// which every key's range refuses with a clear error rather than overflowing.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes d as a string in the largest unit that divides it ("90d", "2s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// String writes d in the largest unit that divides it: "90d", "36h", "2s", "1500ms".
func (d Duration) String() string {
	if time.Duration(d) == math.MaxInt64 {
		return "more than 106751d"
	}
	v := time.Duration(d)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"d", Day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if v >= u.d && v%u.d == 0 {
			return sign + strconv.FormatInt(int64(v/u.d), 10) + u.name
		}
	}
	if v == 0 {
		return "0s"
	}
	return sign + v.String()
}

// UnmarshalJSON reads a string with units; see ParseDuration.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: write it as a string with a unit, like \"30s\", \"5m\" or \"90d\"", b)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

var durationUnits = map[string]float64{
	"ms": float64(time.Millisecond), "s": float64(time.Second), "m": float64(time.Minute),
	"h": float64(time.Hour), "d": float64(Day),
}

// ParseDuration reads "90d", "1d12h", "2.5s", "-1d": decimal numbers each followed by one
// of the units ms, s, m, h, d. A value beyond time.Duration's range saturates (see Duration).
func ParseDuration(s string) (Duration, error) {
	bad := fmt.Errorf("duration %q: write a number and a unit (ms, s, m, h or d), like \"30s\", \"5m\" or \"90d\"", s)
	in := strings.TrimSpace(s)
	neg := strings.HasPrefix(in, "-")
	in = strings.TrimPrefix(in, "-")
	if in == "" {
		return 0, bad
	}
	if in == "0" {
		return 0, nil
	}
	var total float64
	for in != "" {
		i := 0
		for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.') {
			i++
		}
		num := in[:i]
		j := i
		for j < len(in) && in[j] >= 'a' && in[j] <= 'z' {
			j++
		}
		unit := durationUnits[in[i:j]]
		n, err := strconv.ParseFloat(num, 64)
		if num == "" || err != nil || unit == 0 || strings.Count(num, ".") > 1 {
			return 0, bad
		}
		total += n * unit
		in = in[j:]
	}
	if total >= math.MaxInt64 {
		if neg {
			return Duration(math.MinInt64), nil
		}
		return Duration(math.MaxInt64), nil
	}
	if neg {
		total = -total
	}
	return Duration(math.Round(total)), nil
}

// durationRange is the error of a Duration outside [lo, hi], or nil.
func durationRange(key string, d, lo, hi Duration, what string) error {
	if d >= lo && d <= hi {
		return nil
	}
	return fmt.Errorf("%s %s is out of range: give %s to %s (%s)", key, d, lo, hi, what)
}

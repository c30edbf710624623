package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestLogger(t *testing.T) {
	for _, tc := range []struct {
		level      string
		shown, not string // a level that is logged and one that is not ("" for none)
	}{
		{"debug", "DEBUG", ""},
		{"info", "INFO", "DEBUG"},
		{"", "INFO", "DEBUG"},
		{"warn", "WARN", "INFO"},
		{"error", "ERROR", "WARN"},
	} {
		var b bytes.Buffer
		log := Logger(tc.level, &b)
		log.Debug("m")
		log.Info("m")
		log.Warn("m")
		log.Error("m")
		out := b.String()
		if !strings.Contains(out, "level="+tc.shown) {
			t.Errorf("level %q: %s not logged: %q", tc.level, tc.shown, out)
		}
		if tc.not != "" && strings.Contains(out, "level="+tc.not) {
			t.Errorf("level %q: %s logged: %q", tc.level, tc.not, out)
		}
	}
	if _, err := ParseLevel("loud"); err == nil || !strings.Contains(err.Error(), "debug, info, warn, error") {
		t.Errorf("ParseLevel(loud) = %v, want an error listing the levels", err)
	}
}

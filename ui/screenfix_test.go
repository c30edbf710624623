package ui_test

import (
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/ui"
)

// Every fix kioskctl doctor gives (internal/doctor's fix codes) reads on the status
// screen as something the agent can do there or whom to call: never a command.
func TestScreenFixesAreForTheAgent(t *testing.T) {
	fixes := []ui.CheckResult{
		{Name: "config", Fix: "config.fix"}, {Name: "disk", Fix: "disk.free-space"}, {Name: "disk", Fix: "disk.free-soon"},
		{Name: "queue", Fix: "queue.call-support"}, {Name: "queue", Fix: "queue.retry-halted"}, {Name: "queue", Fix: "queue.connect"},
		{Name: "queue", Fix: "queue.connect-soon"}, {Name: "queue", Fix: "queue.look-at"}, {Name: "api", Fix: "api.set-url"},
		{Name: "api", Fix: "api.check-network"}, {Name: "api", Fix: "api.put-key"}, {Name: "api", Fix: "api.set-clock"},
		{Name: "clock", Fix: "clock.set"}, {Name: "models", Fix: "fix.details"}, {Name: "cameras", Fix: "fix.details"},
		{Name: "kiosk", Fix: "fix.details"}, {Name: "keys", Fix: "fix.details"},
	}
	for _, lang := range ui.Languages {
		if err := ui.SetLanguage(lang); err != nil {
			t.Fatal(err)
		}
		for _, c := range fixes {
			got := ui.ScreenFix(c)
			if got == "" || strings.HasPrefix(got, "doctor.") {
				t.Errorf("%s: %s/%s has no sentence: %q", lang, c.Name, c.Fix, got)
			}
			for _, cmd := range []string{"kioskctl", "timedatectl", "journalctl", "systemctl", "sudo"} {
				if strings.Contains(got, cmd) {
					t.Errorf("%s: %s/%s tells a touch-screen agent to run %s: %q", lang, c.Name, c.Fix, cmd, got)
				}
			}
		}
		if a, b := ui.ScreenFix(ui.CheckResult{Name: "api", Fix: "api.check-network"}), ui.ScreenFix(ui.CheckResult{Name: "keys", Fix: "fix.details"}); a == b {
			t.Errorf("%s: the network fix is the generic one: %q", lang, a)
		}
	}
	ui.SetLanguage(ui.English)
}

package doctor

import (
	"context"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/messages"
)

// The disk's and the config's codes say in English word for word what Detail and Fix
// say, and their French differs.
func TestCodedEnglishIsTheDetail(t *testing.T) {
	o := testOptions(t)
	o.Config.Offline.MinFreeDiskMB = 100
	var rs []Result
	for _, free := range []uint64{50 << 20, 150 << 20, 10 << 30} {
		oo := o
		oo.freeBytes = func(string) (uint64, error) { return free, nil }
		rs = append(rs, checkDisk(oo))
	}
	o.Config.Offline.MinFreeDiskMB = -1
	rs = append(rs, checkDisk(o), checkConfig(o))
	o.ConfigPath = "/etc/kiosk-agent/config.json"
	rs = append(rs, checkConfig(o))
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Code == "" || (r.Status != OK) != (r.FixCode != "") {
			t.Fatalf("%s %s: code %q, fix code %q", r.Name, r.Status, r.Code, r.FixCode)
		}
		seen[r.Code] = true
		if got := messages.Text("en", r.Code, r.Args...); got != r.Detail {
			t.Errorf("%s: English %q, detail %q", r.Code, got, r.Detail)
		}
		if r.FixCode != "" {
			if got := messages.Text("en", r.FixCode, r.Args...); got != r.Fix {
				t.Errorf("%s: English %q, fix %q", r.FixCode, got, r.Fix)
			}
		}
		if fr := messages.Text("fr", r.Code, r.Args...); fr == r.Detail {
			t.Errorf("%s: the French is the English %q", r.Code, fr)
		}
	}
	if len(seen) != 6 {
		t.Errorf("codes %v, want 6 different", seen)
	}
}

// Every result of a run has a code with a sentence in both languages; a failing one a
// fix code too; and every check's generic codes and name exist.
func TestEveryResultHasACode(t *testing.T) {
	o := testOptions(t)
	o.Skip = []string{CheckModels, CheckCameras, CheckAPI}
	rep := Run(context.Background(), o)
	if len(rep.Checks) == 0 {
		t.Fatal("no check ran")
	}
	for _, r := range rep.Checks {
		for _, c := range []string{r.Code, r.FixCode} {
			if c == "" {
				continue
			}
			for _, l := range []string{"en", "fr"} {
				if !messages.Has(l, c) {
					t.Errorf("%s: %s has no %s sentence", r.Name, c, l)
				}
			}
		}
		if r.Status != OK && r.FixCode == "" {
			t.Errorf("%s %s: no fix code", r.Name, r.Status)
		}
	}
	if k, _ := rep.Check(CheckKiosk); k.Code != GenericCode(CheckKiosk, Fail) || k.FixCode != GenericFixCode {
		t.Errorf("kiosk (none runs): %+v", k)
	}
	for _, n := range Checks {
		for _, c := range []string{GenericCode(n, OK), GenericCode(n, Warn), GenericCode(n, Fail), "doctor.name." + n} {
			for _, l := range []string{"en", "fr"} {
				if !messages.Has(l, c) {
					t.Errorf("%s has no %s sentence", c, l)
				}
			}
		}
	}
}

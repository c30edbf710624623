package doctor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
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

// The queue's, the API's and the clock's coded findings: the fix's English is Fix word
// for word, the finding's fills its arguments, and the French differs.
func TestCodedFixesAreTheFix(t *testing.T) {
	o := testOptions(t)
	now := o.Clock.Now()
	c := func(by map[offline.State]int) offline.Counts { return offline.Counts{ByState: by} }
	old := func(age time.Duration) offline.Counts {
		return offline.Counts{Unsent: 1, OldestUnsent: now.Add(-age), ByState: map[offline.State]int{}}
	}
	max := time.Duration(offline.DefaultSettings().MaxOldestUnsentDays) * 24 * time.Hour
	api, _ := checkAPIAndClock(context.Background(), o) // no api_url
	for _, x := range []struct {
		r       Result
		code    string
		finding string
	}{
		{judgeQueue(o, queueFacts{counts: c(map[offline.State]int{offline.StateQuarantined: 2})}), CodeQueueQuarantined, "2 quarantined jobs"},
		{judgeQueue(o, queueFacts{counts: c(nil), halt: &uploader.Halt{Code: "2205", Reason: "wrong key"}}), CodeQueueHalted, "(code 2205)"},
		{judgeQueue(o, queueFacts{counts: old(max + 24*time.Hour)}), CodeQueueTooOld, "refused"},
		{judgeQueue(o, queueFacts{counts: old(max/2 + time.Hour)}), CodeQueueAging, "past half"},
		{judgeQueue(o, queueFacts{counts: c(map[offline.State]int{offline.StateHeld: 1, offline.StateFailed: 3})}), CodeQueueToLookAt, "1 held, 0 need an operator, 3 failed"},
		{judgeQueue(o, queueFacts{counts: c(map[offline.State]int{offline.StateDone: 3})}), CodeQueueHealthy, "0 unsent"},
		{api, CodeAPINoURL, "no compare.api_url"},
	} {
		if x.r.Code != x.code {
			t.Errorf("%s: code %q, want %q", x.r.Detail, x.r.Code, x.code)
			continue
		}
		if got := messages.Text("en", x.r.Code, x.r.Args...); !strings.Contains(got, x.finding) {
			t.Errorf("%s: English %q lacks %q", x.code, got, x.finding)
		}
		if messages.Text("fr", x.r.Code, x.r.Args...) == messages.Text("en", x.r.Code, x.r.Args...) {
			t.Errorf("%s: the French is the English", x.code)
		}
		if x.r.FixCode == "" {
			if x.r.Status != OK {
				t.Errorf("%s: no fix code", x.code)
			}
			continue
		}
		if got := messages.Text("en", x.r.FixCode, x.r.Args...); got != x.r.Fix {
			t.Errorf("%s: English %q, fix %q", x.r.FixCode, got, x.r.Fix)
		}
	}
}

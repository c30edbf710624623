package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/offline"
)

// kioskctlEnv runs kioskctl with the process environment (ONNXRUNTIME_LIB for the
// prechecks).
func kioskctlEnv(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func enrollArgs(dir, user, selfie, comparison string, frames ...string) []string {
	a := []string{"enroll", "--data-dir", dir, "--user-id", user, "--selfie", testimages.Path(selfie),
		"--comparison", testimages.Path(comparison), "--comparison-type", "PORTRAIT", "--param", "branch=b7", "--operator-id", "op-1"}
	for _, f := range frames {
		a = append(a, "--liveness", testimages.Path(f))
	}
	return a
}

var fourFrames = []string{"obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "two_people.jpg"}

func TestEnrollQueueAuditWithoutPrechecks(t *testing.T) {
	dir := t.TempDir()
	const user = "NATID-1234567"
	args := append(enrollArgs(dir, user, "obama_1.jpg", "obama_2.jpg", fourFrames...), "--no-prechecks", "--job-id", "job-a", "--json")
	code, out, errs := kioskctlEnv(t, args...)
	if code != exitOK {
		t.Fatalf("enroll exit %d: %s", code, errs)
	}
	var eo enrollOutput
	if err := json.Unmarshal([]byte(out), &eo); err != nil || eo.JobID != "job-a" || eo.State != "queued" || eo.Prechecks.Ran || eo.CaptureOrigin != job.OriginImport {
		t.Fatalf("enroll output %q (%v)", out, err)
	}
	// A generated job id.
	code, out, _ = kioskctlEnv(t, append(enrollArgs(dir, "other", "biden_1.jpg", "biden_2.jpg", fourFrames...), "--no-prechecks")...)
	if code != exitOK || !strings.Contains(out, "job k-") || !strings.Contains(out, "prechecks not run; capture import") {
		t.Fatalf("enroll without --job-id: %d %q", code, out)
	}

	code, out, _ = kioskctlEnv(t, "queue", "list", "--json", "--data-dir", dir)
	var list struct {
		Jobs   []offline.Entry `json:"jobs"`
		Counts offline.Counts  `json:"counts"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list.Jobs) != 2 || list.Counts.ByState[offline.StateQueued] != 2 {
		t.Fatalf("queue list --json: %d %s", code, out)
	}
	code, out, _ = kioskctlEnv(t, "queue", "list", "--data-dir", dir, "--state", "queued")
	if code != exitOK || !strings.Contains(out, "job-a") || !strings.Contains(out, "2 jobs: 2 queued") || !strings.Contains(out, "CAPTURE") || strings.Count(out, " import ") != 2 {
		t.Fatalf("queue list: %d %s", code, out)
	}

	code, out, _ = kioskctlEnv(t, "queue", "show", "--json", "--data-dir", dir, "job-a")
	var show queueShowJSON
	if code != exitOK || json.Unmarshal([]byte(out), &show) != nil || show.Integrity != "ok" || show.Sealed == nil ||
		show.Sealed.UserID != "NAT…" || show.Sealed.OperatorID != "op-1" || len(show.Sealed.Images) != 6 {
		t.Fatalf("queue show --json: %d %s", code, out)
	}
	code, out, _ = kioskctlEnv(t, "queue", "show", "--data-dir", dir, "job-a")
	if code != exitOK || !strings.Contains(out, "integrity:   ok") || !strings.Contains(out, "capture:     import") {
		t.Fatalf("queue show: %d %s", code, out)
	}

	code, out, _ = kioskctlEnv(t, "audit", "--json", "--data-dir", dir, "--user-id", user)
	var evs []offline.AuditEvent
	if code != exitOK || json.Unmarshal([]byte(out), &evs) != nil || len(evs) != 1 || evs[0].Kind != offline.AuditEnrolled || evs[0].JobID != "job-a" || evs[0].Operator != "op-1" || evs[0].CaptureOrigin != job.OriginImport {
		t.Fatalf("audit --user-id: %d %s", code, out)
	}
	code, out, _ = kioskctlEnv(t, "audit", "--data-dir", dir)
	if code != exitOK || strings.Count(out, "enrolled") != 2 || strings.Count(out, "capture import") != 2 {
		t.Fatalf("audit: %d %s", code, out)
	}

	// Nothing printed so far holds the customer's id in full.
	for _, a := range [][]string{{"queue", "list", "--json"}, {"queue", "show", "--json", "job-a"}, {"audit", "--json"}} {
		_, out, errs := kioskctlEnv(t, append(a, "--data-dir", dir)...)
		if strings.Contains(out+errs, user) {
			t.Fatalf("%v printed the user id in full", a)
		}
	}

	// Operator actions.
	if code, _, errs := kioskctlEnv(t, "queue", "retry", "--data-dir", dir, "job-a"); code != exitError || !strings.Contains(errs, "only failed, held and needs-operator") {
		t.Fatalf("retry of a queued job: %d %s", code, errs)
	}
	if code, _, errs := kioskctlEnv(t, "queue", "purge", "--data-dir", dir, "job-a"); code != exitError || !strings.Contains(errs, "--force") {
		t.Fatalf("purge of a queued job: %d %s", code, errs)
	}
	if code, out, errs := kioskctlEnv(t, "queue", "purge", "--force", "--data-dir", dir, "job-a"); code != exitOK || !strings.Contains(out, "images deleted") {
		t.Fatalf("purge --force: %d %s %s", code, out, errs)
	}
	// The audit names who ran kioskctl by their real uid (never a name typed, nor SUDO_USER).
	if code, out, _ := kioskctlEnv(t, "audit", "--kind", "purged", "--json", "--data-dir", dir); code != exitOK || !strings.Contains(out, fmt.Sprintf("uid %d", os.Getuid())) {
		t.Fatalf("audit of the purge: %d %s", code, out)
	}
	if code, out, _ := kioskctlEnv(t, "queue", "show", "--data-dir", dir, "job-a"); code != exitOK || !strings.Contains(out, "images purged") || !strings.Contains(out, "failed") {
		t.Fatalf("show after purge: %s", out)
	}
	if code, out, _ := kioskctlEnv(t, "queue", "purge", "--json", "--data-dir", dir); code != exitOK || !strings.Contains(out, "images_purged") {
		t.Fatalf("purge (retention): %d %s", code, out)
	}
	if code, _, errs := kioskctlEnv(t, "queue", "show", "--data-dir", dir, "nope"); code != exitError || !strings.Contains(errs, "not found") {
		t.Fatalf("show of an unknown job: %d %s", code, errs)
	}
}

func TestEnrollBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"no user id", []string{"enroll", "--data-dir", dir, "--selfie", "x"}, exitUsage, "give --user-id"},
		{"three frames", enrollArgs(dir, "u", "obama_1.jpg", "obama_2.jpg", fourFrames[:3]...), exitUsage, "4 to 8 times (3 given)"},
		{"bad param", append(enrollArgs(dir, "u", "obama_1.jpg", "obama_2.jpg", fourFrames...), "--param", "novalue"), exitUsage, "is not key=value"},
		{"reserved param", append(enrollArgs(dir, "u", "obama_1.jpg", "obama_2.jpg", fourFrames...), "--param", "job_id=x"), exitUsage, "is reserved"},
		{"png selfie", append(enrollArgs(dir, "u", "astronaut.png", "obama_2.jpg", fourFrames...), "--no-prechecks"), exitError, "is not a JPEG"},
		{"missing file", []string{"enroll", "--data-dir", dir, "--user-id", "u", "--selfie", dir + "/none.jpg", "--comparison", "x",
			"--comparison-type", "ID_PHOTO", "--liveness", "a", "--liveness", "b", "--liveness", "c", "--liveness", "d"}, exitError, "no such file"},
		{"bad comparison type", append(enrollArgs(dir, "u", "obama_1.jpg", "obama_2.jpg", fourFrames...), "--no-prechecks", "--comparison-type", "SELFIE"), exitUsage, "must be ID_PHOTO, PORTRAIT or DOCUMENT"},
		{"unknown queue verb", []string{"queue", "drop"}, exitUsage, "unknown sub-command"},
		{"bad since", []string{"audit", "--data-dir", dir, "--since", "yesterday"}, exitUsage, "neither a duration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := kioskctlEnv(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.say) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", code, errs, c.code, c.say)
			}
		})
	}
	if _, err := os.Stat(dir + "/" + offline.DBFile); err == nil {
		code, out, _ := kioskctlEnv(t, "queue", "list", "--json", "--data-dir", dir)
		if code != exitOK || !strings.Contains(out, `"jobs": []`) {
			t.Fatalf("bad input was saved: %s", out)
		}
	}
}

func TestEnrollPrechecks(t *testing.T) {
	if lib := os.Getenv("ONNXRUNTIME_LIB"); lib == "" {
		t.Skip("ONNXRUNTIME_LIB is not set (make test sets it)")
	}
	dir := t.TempDir()
	// The selfie is Obama, the comparison image Biden: the match precheck fails.
	base := enrollArgs(dir, "u-1", "obama_1.jpg", "biden_1.jpg", "obama_2.jpg", "obama_3.jpg", "obama_2.jpg", "obama_3.jpg")
	code, out, errs := kioskctlEnv(t, append(base, "--job-id", "mismatch", "--json")...)
	var eo enrollOutput
	if code != exitError || json.Unmarshal([]byte(out), &eo) != nil || eo.State != "refused" || eo.Prechecks.OK || !eo.Prechecks.Ran ||
		!strings.Contains(errs, "nothing was saved") || !strings.Contains(errs, "--force") {
		t.Fatalf("refused enroll: %d %s %s", code, out, errs)
	}
	codes := map[string]bool{}
	for _, p := range eo.Prechecks.Problems {
		codes[p.Image+"/"+p.Code] = true
	}
	if !codes["pair/no_match"] || !codes["liveness/identical_frames"] || eo.Prechecks.Match == nil || *eo.Prechecks.Match {
		t.Fatalf("precheck problems = %+v", eo.Prechecks.Problems)
	}
	if code, out, _ := kioskctlEnv(t, "queue", "list", "--json", "--data-dir", dir); code == exitOK && strings.Contains(out, "mismatch") {
		t.Fatal("a refused job was saved")
	}
	code, out, errs = kioskctlEnv(t, append(base, "--job-id", "mismatch", "--json", "--force")...)
	if code != exitOK || json.Unmarshal([]byte(out), &eo) != nil || eo.State != "queued" || !eo.Prechecks.Forced {
		t.Fatalf("forced enroll: %d %s %s", code, out, errs)
	}
	code, out, _ = kioskctlEnv(t, "queue", "show", "--json", "--data-dir", dir, "mismatch")
	var show queueShowJSON
	if code != exitOK || json.Unmarshal([]byte(out), &show) != nil || !show.Entry.Forced || show.Sealed == nil || !show.Sealed.Prechecks.Forced {
		t.Fatalf("forced job: %s", out)
	}
}

func TestEnrollWhileQueueHeld(t *testing.T) {
	dir := t.TempDir()
	q, err := offline.Open(dir, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	code, _, errs := kioskctlEnv(t, append(enrollArgs(dir, "u", "obama_1.jpg", "obama_2.jpg", fourFrames...), "--no-prechecks")...)
	if code != exitError || !strings.Contains(errs, dir+"/"+offline.DBFile) || !strings.Contains(errs, "another process") {
		t.Fatalf("enroll while the queue is held: %d %s", code, errs)
	}
}

// enroll takes the job id's time and the job's creation time from the injected clock.
func TestEnrollUsesTheInjectedClock(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) // years from the wall clock
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb, getenv: os.Getenv, clk: clock.NewFake(at)}
	code := runWith(g, append(enrollArgs(dir, "u-clock", "obama_1.jpg", "obama_2.jpg", fourFrames...), "--no-prechecks", "--json"))
	var eo enrollOutput
	if code != exitOK || json.Unmarshal(out.Bytes(), &eo) != nil {
		t.Fatalf("enroll exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.HasPrefix(eo.JobID, "k-20310506T070809Z-") || !job.ValidID(eo.JobID) {
		t.Fatalf("job id %q does not carry the injected time", eo.JobID)
	}
	code, lo, _ := kioskctlEnv(t, "queue", "list", "--json", "--data-dir", dir)
	var list struct {
		Jobs []offline.Entry `json:"jobs"`
	}
	if code != exitOK || json.Unmarshal([]byte(lo), &list) != nil || len(list.Jobs) != 1 || !list.Jobs[0].Created.Equal(at) {
		t.Fatalf("queue list: %d %s", code, lo)
	}
}

package kioskui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/jobimages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
)

// A customer enrolled a second time is refused by compare-sandbox as already enrolled
// (2209). Over the real app, sync engine and sandbox, by taps: the queue shows the
// customer's id, the job's page says why Retry is not offered and offers Enroll again;
// a supervisor's PIN re-seals the same photos as a new job with allow_new_enroll,
// which the sandbox accepts; the old job is kept, failed, linked to the new one, and
// the audit names the supervisor. No new capture.
func TestEnrollAgain2209OverTheApp(t *testing.T) {
	r := newEnrollRig(t, enrolltest.ReplayDir(t), importDir(t), true)
	r.tap("Amina Diallo")
	r.pin(operatorPIN)
	imgs, err := jobimages.Make(240, 160, 4)
	if err != nil {
		t.Fatal(err)
	}
	const customer = "CI-1975-660-021"
	seal := func() string {
		j := &job.Job{ID: job.NewID(r.a.Now()), UserID: customer, ComparisonType: job.Portrait,
			Selfie: imgs.Selfie, Liveness: imgs.Liveness, Comparison: imgs.Comparison}
		if _, err := r.a.Seal(j); err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	first := seal()
	r.waitFor("the first job's answer", func() bool { return r.entryOf(first).State == offline.StateDone })
	second := seal()
	r.waitFor("the sandbox's 2209", func() bool { return r.entryOf(second).State == offline.StateNeedsOperator })

	r.tap(ui.T("home.queue"))
	if !r.has(customer) {
		t.Fatalf("the queue does not show the customer's id: %q", r.texts())
	}
	if !r.has(messages.Text("en", "error.2209") + " " + ui.T("queue.open-2209")) {
		t.Fatalf("the 2209 row does not say what to do: %q", r.texts())
	}
	test.Tap(r.buttons(ui.T("queue.open"))[0]) // newest first: the refused job
	if r.shell.Screen() != ui.ScreenJob || !r.has(second) || !r.has(customer) {
		t.Fatalf("not the refused job's page: %s %q", r.shell.Screen(), r.texts())
	}
	if !r.has(ui.T("job.no-retry-2209")+" "+ui.T("job.enroll-again-hint")) || len(r.buttons(ui.T("queue.retry"))) != 0 {
		t.Fatalf("Retry offered for a 2209, or not said why not: %q", r.texts())
	}
	r.tap(ui.T("job.enroll-again"))
	r.pin("999999") // a wrong PIN: nothing happens
	if len(r.a.Queue().Counts().ByState) == 0 || r.entryOf(second).State != offline.StateNeedsOperator {
		t.Fatalf("a wrong PIN enrolled again: %+v", r.entryOf(second))
	}
	r.pin(supervisorPIN)
	old := r.entryOf(second)
	if old.State != offline.StateFailed || old.ReplacedBy == "" {
		t.Fatalf("the old job after Enroll again: %+v", old)
	}
	if !r.has(ui.Tf("job.enrolled-again", map[string]any{"ID": old.ReplacedBy})) {
		t.Fatalf("no confirmation: %q", r.texts())
	}
	r.waitFor("the new job's answer", func() bool { return r.entryOf(old.ReplacedBy).State == offline.StateDone })
	nj := r.entryOf(old.ReplacedBy)
	if nj.Result == nil || nj.Result.Code != "0840" || nj.EnrolledAgainFrom != second {
		t.Fatalf("the new job %+v: want 0840 (match) and linked to %s", nj, second)
	}
	ev, _ := r.a.Queue().Audit(offline.AuditFilter{Kind: offline.AuditEnrolledAgain})
	if len(ev) != 1 || !strings.Contains(ev[0].Detail, "supervisor zawadi") || !strings.Contains(ev[0].Detail, second) {
		t.Fatalf("audit %+v", ev)
	}
	// The old job's page links to the new one and offers nothing more.
	r.shell.Refresh()
	if !r.has(ui.Tf("job.replaced-by", map[string]any{"ID": nj.ID})) || len(r.buttons(ui.T("job.enroll-again"))) != 0 {
		t.Fatalf("the old job's page: %q", r.texts())
	}
}

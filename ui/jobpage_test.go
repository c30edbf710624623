package ui_test

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// The queue's rows show the customer's id and open a job's page: its ids, times,
// state, result in words with its code, attempts; a 2209 job says why Retry is not
// offered and offers Enroll again behind a supervisor's PIN; the old job then links to
// the new one.
func TestJobPage2209(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			r := newRig(t, lang)
			r.signIn("Amina Diallo", fake.OperatorPIN)
			r.tap(ui.T("home.queue"))
			if !r.has("CI-1975-660-021") || !r.has("CI-2041-778-310") {
				t.Fatalf("the rows do not show the customers' ids: %q", fake.Texts(r.canvas()))
			}
			opens := fake.FindButtons(r.canvas(), ui.T("queue.open"))
			if len(opens) != 7 {
				t.Fatalf("%d Details buttons, want one per job (7)", len(opens))
			}
			test.Tap(opens[2]) // j-5, refused 2209
			if r.shell.Screen() != ui.ScreenJob || !r.has("j-5") || !r.has("CI-1975-660-021") || !r.has(ui.StateText(ui.JobNeedsOperator)) {
				t.Fatalf("the job's page: %s %q", r.shell.Screen(), fake.Texts(r.canvas()))
			}
			if !r.has(ui.ErrorText("2209")) || !r.has(ui.T("job.code")) || !r.has("2209") || !r.has("1") {
				t.Fatalf("no result in words with its code, or no attempts: %q", fake.Texts(r.canvas()))
			}
			if !r.has(ui.T("job.no-retry-2209")+" "+ui.T("job.enroll-again-hint")) || fake.FindButton(r.canvas(), ui.T("queue.retry")) != nil {
				t.Fatalf("Retry offered on a 2209, or not said why not: %q", fake.Texts(r.canvas()))
			}
			r.tap(ui.T("job.enroll-again"))
			r.pin(fake.OperatorPIN) // the operator's own PIN under the supervisor's name
			if len(r.queue.EnrolledAgain) != 0 {
				t.Fatal("enrolled again without a supervisor's PIN")
			}
			r.pin(fake.SupervisorPIN)
			if want := [][2]string{{"j-5", "sup-1"}}; !slices.Equal(r.queue.EnrolledAgain, want) {
				t.Fatalf("EnrollAgain calls %v, want %v", r.queue.EnrolledAgain, want)
			}
			if !r.has(ui.Tf("job.enrolled-again", map[string]any{"ID": "j-5-again"})) || !r.has(ui.Tf("job.replaced-by", map[string]any{"ID": "j-5-again"})) {
				t.Fatalf("after Enroll again: %q", fake.Texts(r.canvas()))
			}
			if fake.FindButton(r.canvas(), ui.T("job.enroll-again")) != nil {
				t.Fatal("Enroll again still offered on the replaced job")
			}
			r.tap(ui.T("job.back"))
			if r.shell.Screen() != ui.ScreenQueue {
				t.Fatalf("back from the job's page: %s", r.shell.Screen())
			}
		})
	}
}

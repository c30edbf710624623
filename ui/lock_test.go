package ui_test

import (
	"slices"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// Lock in the middle of the selfie: the lock screen covers the wizard, shows nothing
// of the customer, and the operator's PIN brings back the selfie step with the
// document and the id kept; the job sealed holds the document taken before the lock.
func TestLockMidSelfieKeepsThePhotos(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1}) // the customer is not ready yet
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.Msg("guidance.too_dark"))
	docs := r.enr.Captured(ui.CaptureDocument)
	if len(docs) != 1 {
		t.Fatalf("%d documents captured, want 1", len(docs))
	}
	// A dialog open when the lock comes goes with it.
	r.tap(ui.T("wizard.cancel"))
	if !r.has(ui.T("wizard.cancel-confirm")) {
		t.Fatalf("no confirmation: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("status.lock"))
	if !r.shell.Locked() || !r.has(ui.T("lock.title")) || !r.has(ui.T("lock.enrollment-kept")) {
		t.Fatalf("lock screen: %q", fake.Texts(r.canvas()))
	}
	for _, hidden := range []string{ui.T("selfie.title"), ui.T("wizard.cancel-confirm"), ui.T("wizard.cancel-yes"), "CUST-0042"} {
		if r.has(hidden) {
			t.Errorf("the lock screen shows %q", hidden)
		}
	}
	if !slices.Equal(r.ops.Ended, []ui.EndReason{ui.EndLock}) {
		t.Errorf("recorded %v, want [lock]", r.ops.Ended)
	}
	// The wizard's goroutines are stopped under the lock: nothing moves it on.
	for r.pump.one() {
	}
	if r.shell.Screen() != ui.ScreenEnrollment || !r.shell.Locked() {
		t.Fatalf("under the lock: %s, locked %v", r.shell.Screen(), r.shell.Locked())
	}
	r.enr.SetScenario(fake.Scenario{Interval: 2 * time.Millisecond}) // the customer is ready now
	r.pin(fake.OperatorPIN)
	if r.shell.Locked() {
		t.Fatalf("the operator's PIN did not resume: %q", fake.Texts(r.canvas()))
	}
	r.waitText(ui.T("selfie.title"))
	r.toReview()
	if r.enr.Opened(ui.CaptureDocument) != 1 || r.enr.Opened(ui.CaptureSelfie) != 2 {
		t.Errorf("cameras opened: document %d (want 1: kept), selfie %d (want 2: taken after the resume)",
			r.enr.Opened(ui.CaptureDocument), r.enr.Opened(ui.CaptureSelfie))
	}
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	d := sealed(t, r.enr, 1).Draft
	if d.Comparison.Image != docs[0].Image || d.UserID != "CUST-0042" || d.Selfie.Image == nil || len(d.Liveness) != 8 {
		t.Errorf("sealed: the document before the lock %v, user %q, selfie %v, %d liveness",
			d.Comparison.Image == docs[0].Image, d.UserID, d.Selfie.Image != nil, len(d.Liveness))
	}
}

// A supervisor's PIN ends a locked enrollment (recorded); an operator's does not.
func TestSupervisorEndsALockedEnrollment(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1})
	r.start(job.Document)
	r.scanDocument()
	r.waitText(ui.T("selfie.title"))
	r.tap(ui.T("status.lock"))
	if fake.FindButton(r.canvas(), ui.T("home.sign-out")) != nil {
		t.Error("a plain sign-out offered over an open enrollment")
	}
	r.tap(ui.T("lock.end"))
	if !r.has(ui.T("gate.end.title")) {
		t.Fatalf("no supervisor gate: %q", fake.Texts(r.canvas()))
	}
	r.pin(fake.OperatorPIN)
	if r.shell.Session() == nil || !r.shell.Locked() {
		t.Fatal("an operator's PIN ended the enrollment")
	}
	r.pin(fake.SupervisorPIN)
	if r.shell.Screen() != ui.ScreenSignIn || r.shell.Session() != nil || r.shell.Locked() {
		t.Fatalf("after the supervisor: %s, session %v", r.shell.Screen(), r.shell.Session())
	}
	if !r.has(ui.T("signin.ended")) {
		t.Errorf("the sign-in screen does not say the enrollment was ended: %q", fake.Texts(r.canvas()))
	}
	if !slices.Equal(r.ops.Ended, []ui.EndReason{ui.EndLock, ui.EndSupervisor}) {
		t.Errorf("recorded %v, want [lock ended-by-supervisor]", r.ops.Ended)
	}
	if len(r.enr.SealedRequests()) != 0 {
		t.Error("a job was sealed")
	}
	// The next enrollment starts afresh.
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.new"))
	r.tap(ui.T("consent.agree"))
	if r.entry().Text != "" {
		t.Errorf("the ended enrollment's id is back: %q", r.entry().Text)
	}
}

// Closing the app says what an open enrollment loses.
func TestCloseWithAnEnrollmentOpen(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.shell.CloseRequested()
	if !r.has(ui.T("gate.close.title")) || r.has(ui.T("gate.close.enrollment")) {
		t.Fatalf("close from home: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("common.cancel"))
	r.tap(ui.T("home.new"))
	r.tap(ui.T("consent.agree"))
	r.shell.CloseRequested()
	if !r.has(ui.T("gate.close.enrollment")) {
		t.Fatalf("close with an enrollment open does not warn: %q", fake.Texts(r.canvas()))
	}
}

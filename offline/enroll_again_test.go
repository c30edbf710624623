package offline

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// A job refused as already enrolled (2209) is enrolled again: the same photos and
// ids under a new job id with allow_new_enroll, queued; the old job is kept, failed,
// linked both ways, and the audit names the supervisor.
func TestEnrollAgain(t *testing.T) {
	e := newEnv(t, Settings{})
	j := testJob("job-2209", 2000)
	j.OperatorID = "amina"
	if _, err := e.q.Enqueue(j); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.EnrollAgain("job-2209", EnrollAgainOptions{NewID: "job-new"}); !errors.Is(err, ErrBadTransition) {
		t.Fatalf("EnrollAgain of a queued job = %v, want ErrBadTransition", err)
	}
	if _, err := e.q.Claim("job-2209"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.SetState("job-2209", StateNeedsOperator, Update{Reason: "2209: already enrolled"}); err != nil {
		t.Fatal(err)
	}
	ne, err := e.q.EnrollAgain("job-2209", EnrollAgainOptions{NewID: "job-new", Supervisor: "zawadi"})
	if err != nil {
		t.Fatal(err)
	}
	if ne.ID != "job-new" || ne.State != StateQueued || ne.EnrolledAgainFrom != "job-2209" {
		t.Fatalf("new entry %+v", ne)
	}
	nj, err := e.q.Load("job-new")
	if err != nil {
		t.Fatal(err)
	}
	if !nj.AllowNewEnroll || nj.UserID != j.UserID || !bytes.Equal(nj.Selfie, j.Selfie) || len(nj.Liveness) != len(j.Liveness) || nj.OperatorID != "amina" {
		t.Fatalf("new job: allow %v user %q operator %q, selfie same %v", nj.AllowNewEnroll, nj.UserID, nj.OperatorID, bytes.Equal(nj.Selfie, j.Selfie))
	}
	old, _ := e.q.Get("job-2209")
	if old.State != StateFailed || old.ReplacedBy != "job-new" || !strings.HasPrefix(old.Reason, "2209: enrolled again as job job-new") || old.ImagesPurged {
		t.Fatalf("old entry %+v", old)
	}
	ev, _ := e.q.Audit(AuditFilter{Kind: AuditEnrolledAgain})
	if len(ev) != 1 || ev[0].JobID != "job-new" || !strings.Contains(ev[0].Detail, "job-2209") || !strings.Contains(ev[0].Detail, "supervisor zawadi") {
		t.Fatalf("audit %+v", ev)
	}
	// Once is enough: the old job is no longer waiting for a decision.
	if _, err := e.q.EnrollAgain("job-2209", EnrollAgainOptions{NewID: "job-new-2"}); !errors.Is(err, ErrBadTransition) {
		t.Fatalf("a second EnrollAgain = %v", err)
	}
	// The new job survives a restart with its link.
	e.reopen(t, Settings{})
	if ne, _ := e.q.Get("job-new"); ne.EnrolledAgainFrom != "job-2209" || ne.State != StateQueued {
		t.Fatalf("after a restart: %+v", ne)
	}
}

package offline

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A supervisor's Unlock lifts a lockout at once and keeps the PIN; the audit names the
// supervisor and how long was left.
func TestOperatorUnlock(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	if _, err := ops.Add(NewOperator{ID: "zawadi", Role: RoleOperator, PIN: "402817"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		ops.SignIn("zawadi", "999000")
	}
	e.clk.Advance(time.Minute)
	if _, err := ops.SignIn("zawadi", "402817"); !errors.Is(err, ErrLockedOut) {
		t.Fatalf("right PIN while locked = %v, want a lockout", err)
	}
	o, err := ops.Unlock("zawadi", "amina")
	if err != nil || o.LockLeft(e.clk.Elapsed()) != 0 || o.FailedPINs != 0 || o.Lockouts != 0 {
		t.Fatalf("Unlock = %+v, %v", o, err)
	}
	if _, err := ops.SignIn("zawadi", "402817"); err != nil {
		t.Fatalf("the same PIN after the unlock = %v", err)
	}
	ev, _ := e.q.Audit(AuditFilter{Kind: AuditOperatorUnlocked})
	if len(ev) != 1 || ev[0].Operator != "zawadi" || !strings.Contains(ev[0].Detail, "4m0s left") || !strings.Contains(ev[0].Detail, "by amina") {
		t.Fatalf("unlock audit events %+v", ev)
	}
	if _, err := ops.Unlock("nobody", "amina"); !errors.Is(err, ErrOperatorNotFound) {
		t.Fatalf("Unlock of an unknown operator = %v", err)
	}
}

// The store keeps one enabled supervisor: nobody could open the settings after.
func TestLastSupervisorStays(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	for _, n := range []NewOperator{{ID: "amina", Role: RoleSupervisor, PIN: "402817"}, {ID: "kofi", Role: RoleSupervisor, PIN: "402817"}, {ID: "jb", Role: RoleOperator, PIN: "402817"}} {
		if _, err := ops.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ops.Disable("kofi", "amina"); err != nil {
		t.Fatalf("disabling one of two supervisors: %v", err)
	}
	if _, err := ops.Disable("amina", "amina"); !errors.Is(err, ErrLastSupervisor) {
		t.Fatalf("disabling the last supervisor = %v, want ErrLastSupervisor", err)
	}
	if o, _ := ops.Get("amina"); o.Disabled {
		t.Fatal("the last supervisor was disabled anyway")
	}
	if _, err := ops.Disable("jb", "amina"); err != nil {
		t.Fatalf("disabling an operator: %v", err)
	}
}

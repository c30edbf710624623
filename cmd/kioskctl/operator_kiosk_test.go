package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/offline"
)

// kioskctl operator list, unlock and reset-pin while the kiosk runs: through its local
// API (it holds queue.db), as root; the changes are the kiosk's own, audited with the
// caller's uid.
func TestOperatorThroughKiosk(t *testing.T) {
	operatorEnv(t)
	dir := t.TempDir()
	data := t.TempDir()
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	ops := q.Operators(operatorOptions)
	for _, n := range []offline.NewOperator{{ID: "zawadi", Role: offline.RoleSupervisor, PIN: "402817"}, {ID: "amina", Name: "Amina D.", Role: offline.RoleOperator, PIN: "739104"}} {
		if _, err := ops.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		ops.SignIn("amina", "111000")
	}
	q.Close()
	cfg := kioskConfig(t, dir, data, "")
	startKiosk(t, cfg, nil)

	code, out, errs := runKioskctl(t, "--config", cfg, "operator", "list", "--json")
	var l struct{ Operators []offline.Operator }
	if code != exitOK || json.Unmarshal([]byte(out), &l) != nil || len(l.Operators) != 2 || l.Operators[0].ID != "amina" || l.Operators[0].LockRemaining == 0 {
		t.Fatalf("operator list through the kiosk: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runKioskctl(t, "--config", cfg, "operator", "list")
	if code != exitOK || !strings.Contains(out, "amina") || !strings.Contains(out, "locked") {
		t.Fatalf("operator list (table): exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs = runKioskctl(t, "--config", cfg, "operator", "unlock", "amina"); code != exitOK || !strings.Contains(out, "amina unlocked") {
		t.Fatalf("operator unlock: exit %d\n%s%s", code, out, errs)
	}
	withStdin("580362\n")
	if code, out, errs = runKioskctl(t, "--config", cfg, "operator", "reset-pin", "--pin-stdin", "amina"); code != exitOK || !strings.Contains(out, "amina has a new PIN") {
		t.Fatalf("operator reset-pin: exit %d\n%s%s", code, out, errs)
	}
	withStdin("580362\n")
	if code, _, errs = runKioskctl(t, "--config", cfg, "operator", "add", "--pin-stdin", "amina"); code != exitError || !strings.Contains(errs, "already exists") {
		t.Fatalf("adding an existing operator: exit %d %s", code, errs)
	}
	if code, _, errs = runKioskctl(t, "--config", cfg, "operator", "disable", "zawadi"); code != exitError || !strings.Contains(errs, "last enabled supervisor") {
		t.Fatalf("disabling the last supervisor: exit %d %s", code, errs)
	}
}

// queue retry --allow-new-enroll of a job refused as already enrolled (2209) enrolls the
// customer again under a new job id (the same one would be answered 2215, "already
// received", and the customer never enrolled); the old job is kept, linked.
func TestRetry2209EnrollsAgain(t *testing.T) {
	data := queueWith(t, "k1")
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Claim("k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetState("k1", offline.StateNeedsOperator, offline.Update{Reason: "2209: already enrolled"}); err != nil {
		t.Fatal(err)
	}
	q.Close()
	code, out, errs := runKioskctl(t, "--data-dir", data, "queue", "retry", "--allow-new-enroll", "k1")
	if code != exitOK || !strings.Contains(out, "job k1 refused as already enrolled: the customer is enrolled again as job ") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runKioskctl(t, "--data-dir", data, "queue", "show", "--json", "k1")
	if code != exitOK || !strings.Contains(out, `"replaced_by"`) || !strings.Contains(out, `"failed"`) {
		t.Fatalf("the old job: %s", out)
	}
}

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
)

// supervisorQueue is a data folder with a supervisor (zawadi, PIN 402817), an operator
// (amina) and two failed jobs.
func supervisorQueue(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ops := q.Operators(operatorOptions)
	for _, n := range []offline.NewOperator{{ID: "zawadi", Role: offline.RoleSupervisor, PIN: "402817"}, {ID: "amina", Role: offline.RoleOperator, PIN: "739104"}} {
		if _, err := ops.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"job-1", "job-2"} {
		j := &job.Job{ID: id, UserID: "customer-" + id, ComparisonType: job.Portrait,
			Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
		for k := range 4 {
			j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + k)})
		}
		if _, err := q.Enqueue(j); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Claim(id); err != nil {
			t.Fatal(err)
		}
		if _, err := q.SetState(id, offline.StateFailed, offline.Update{Reason: "2209 user already enrolled"}); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// queue retry --operator-id: the supervisor's PIN, piped with --pin-stdin, is checked
// (by the running kiosk, or against the file's operators); a wrong one, or an
// operator's, changes nothing; the audit names the supervisor and the caller's uid,
// never a name that was only typed.
func TestSupervisorPINFromKioskctl(t *testing.T) {
	for _, through := range []string{"the file", "the kiosk"} {
		t.Run(through, func(t *testing.T) {
			operatorEnv(t)
			data := supervisorQueue(t)
			args := []string{"--data-dir", data}
			if through == "the kiosk" {
				cfg := kioskConfig(t, t.TempDir(), data, "")
				startKiosk(t, cfg, nil)
				args = []string{"--config", cfg}
			}
			kc := func(stdin string, a ...string) (int, string, string) {
				withStdin(stdin)
				return runKioskctl(t, append(append([]string{}, args...), a...)...)
			}
			if code, _, errs := kc("111111\n", "queue", "retry", "--allow-new-enroll", "--operator-id", "zawadi", "--pin-stdin", "job-1"); code != exitError || !strings.Contains(errs, "wrong PIN") {
				t.Fatalf("retry with a wrong PIN: exit %d %s", code, errs)
			}
			if code, _, errs := kc("739104\n", "queue", "retry", "--operator-id", "amina", "--pin-stdin", "job-1"); code != exitError || !strings.Contains(errs, "supervisor") {
				t.Fatalf("retry with an operator's PIN: exit %d %s", code, errs)
			}
			if code, _, errs := kc("", "queue", "retry", "--pin-stdin", "job-1"); code != exitError || !strings.Contains(errs, "--operator-id") {
				t.Fatalf("--pin-stdin alone: exit %d %s", code, errs)
			}
			if code, out, errs := kc("402817\n", "queue", "retry", "--allow-new-enroll", "--operator-id", "zawadi", "--pin-stdin", "job-1"); code != exitOK {
				t.Fatalf("retry with the supervisor's PIN: exit %d %s %s", code, out, errs)
			}
			code, out, errs := kc("", "audit", "--kind", "retry", "--json")
			if code != exitOK || strings.Count(out, `"kind": "retry"`) != 1 || !strings.Contains(out, `"operator": "zawadi (supervisor PIN; `) ||
				!strings.Contains(out, fmt.Sprintf("uid %d)", os.Getuid())) {
				t.Fatalf("the retry's audit: exit %d %s %s", code, out, errs)
			}
			if code, out, _ := kc("", "queue", "show", "--json", "job-2"); code != exitOK || !strings.Contains(out, `"failed"`) {
				t.Fatalf("job-2 changed: %s", out)
			}
		})
	}
}

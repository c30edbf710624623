package offline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fastPIN keeps the tests quick; the hashing code is the same at any cost.
var fastPIN = PINParams{Time: 1, MemoryKiB: 64, Threads: 1}

func TestValidatePIN(t *testing.T) {
	for _, tc := range []struct {
		pin  string
		ok   bool
		says string
	}{
		{"402817", true, ""},
		{"40281793", true, ""},
		{"123412", true, ""},
		{"730154", true, ""},
		{"12345", false, "6 to 12"},
		{"1234567890123", false, "6 to 12"},
		{"", false, "6 to 12"},
		{"40a817", false, "only the digits"},
		{"４０２８１７", false, "6 to 12"}, // full-width digits are not ASCII
		{"111111", false, "same"},
		{"123456", false, "follow"},
		{"987654", false, "follow"},
		{"890123", false, "follow"},
		{"121212", false, "repeats"},
		{"123123", false, "repeats"},
		{"12312312", false, "repeats"},
		// The PINs of the report (issue 19), each with the rule that refuses it.
		{"112233", false, "pairs"},
		{"123321", false, "backwards"},
		{"147258", false, "keypad"},
		{"159753", false, "keypad"},
		{"789456", false, "keypad"},
		{"753951", false, "keypad"},
		{"147852", false, "keypad"},
		{"123654", false, "keypad"},
		{"142536", false, "pairs"},
		{"246810", false, "counts"},
		{"135790", false, "steps"},
		{"102030", false, "counts"},
		{"000001", false, "all the digits but one"},
		{"100000", false, "all the digits but one"},
		{"111222", false, "keypad"},
		{"111000", false, "keypad"},
		{"200000", false, "all the digits but one"},
		{"999998", false, "all the digits but one"},
		// More of each pattern.
		{"000111", false, "keypad"},
		{"963852", false, "keypad"},
		{"258085", false, "keypad"},
		{"135791", false, "steps"},
		{"147036", false, "steps"},
		{"012345", false, "steps"},
		{"101112", false, "counts"},
		{"010203", false, "counts"},
		{"445566", false, "pairs"},
		{"415263", false, "pairs"},
		{"250390", false, "date"},   // DDMMYY
		{"031590", false, "date"},   // MMDDYY
		{"900325", false, "date"},   // YYMMDD
		{"25031990", false, "date"}, // DDMMYYYY
		{"19900325", false, "date"}, // YYYYMMDD
		{"1234554321", false, "backwards"},
		{"696969", false, "repeats"},
		{"159357", false, "keypad"},
		{"314159", false, "most used"},
		{"739146", true, ""},
		{"403817", true, ""},
	} {
		t.Run(tc.pin, func(t *testing.T) {
			err := ValidatePIN(tc.pin)
			if tc.ok {
				if err != nil {
					t.Fatalf("ValidatePIN(%q) = %v, want nil", tc.pin, err)
				}
				return
			}
			var we *WeakPINError
			if !errors.Is(err, ErrWeakPIN) || !errors.As(err, &we) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("ValidatePIN(%q) = %v, want ErrWeakPIN saying %q", tc.pin, err, tc.says)
			}
			if fr := we.Text("fr"); fr == "" || fr == we.Text("en") || strings.Contains(fr, "choose") {
				t.Fatalf("French refusal of %q: %q", tc.pin, fr)
			}
		})
	}
}

// The rules refuse a small fraction of the 10^6 six-digit PINs: the count is printed
// (go test -v -run TestPINRulesRefuseFew ./offline), and the fraction must stay small
// for the PINs to stay hard to guess by brute force.
func TestPINRulesRefuseFew(t *testing.T) {
	refused := map[string]int{}
	total := 0
	for n := 0; n < 1_000_000; n++ {
		pin := fmt.Sprintf("%06d", n)
		if err := ValidatePIN(pin); err != nil {
			var we *WeakPINError
			if !errors.As(err, &we) {
				t.Fatalf("ValidatePIN(%s) = %v", pin, err)
			}
			refused[we.Rule]++
			total++
		}
	}
	t.Logf("refused %d of 1000000 six-digit PINs (%.2f%%): %v", total, float64(total)/1e4, refused)
	if total > 100_000 {
		t.Fatalf("the rules refuse %d of 10^6 PINs: too many for the rest to be hard to guess", total)
	}
	for _, r := range []string{PINRuleSame, PINRuleNearSame, PINRuleSequence, PINRuleCounting, PINRuleRepeat, PINRuleKeypad, PINRulePairs, PINRuleMirror, PINRuleDate} {
		if refused[r] == 0 {
			t.Errorf("rule %s refuses no six-digit PIN", r)
		}
	}
}

func TestPINHash(t *testing.T) {
	p := PINParams{Time: 2, MemoryKiB: 128, Threads: 2}.withDefaults()
	h1, err := hashPIN("402817", p)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashPIN("402817", p)
	if h1 == h2 {
		t.Fatal("two hashes of the same PIN are equal: the salt is not random")
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=128,t=2,p=2$") || strings.Contains(h1, "402817") {
		t.Fatalf("hash %q: want a PHC argon2id string with its parameters and no PIN", h1)
	}
	ph, err := parsePINHash(h1)
	if err != nil {
		t.Fatal(err)
	}
	if ph.params != p {
		t.Fatalf("parsed params %+v, want %+v", ph.params, p)
	}
	if !ph.verify("402817") || ph.verify("402818") || ph.verify("") {
		t.Fatal("verify accepts a wrong PIN or refuses the right one")
	}
	for _, bad := range []string{"", "402817", "$argon2i$v=19$m=128,t=2,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=128,t=2,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=128,t=0,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if _, err := parsePINHash(bad); err == nil {
			t.Errorf("parsePINHash(%q) accepted", bad)
		}
	}
}

func TestOperatorsManage(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	if l, err := ops.List(); err != nil || len(l) != 0 {
		t.Fatalf("List on a new queue = %v, %v", l, err)
	}
	for _, tc := range []struct {
		name string
		n    NewOperator
		want error
	}{
		{"operator", NewOperator{ID: "zawadi", Name: "Zawadi K.", Role: RoleOperator, PIN: "402817"}, nil},
		{"supervisor", NewOperator{ID: "amina.o", Role: RoleSupervisor, PIN: "739104"}, nil},
		{"duplicate", NewOperator{ID: "zawadi", Role: RoleOperator, PIN: "402817"}, ErrOperatorExists},
		{"bad id", NewOperator{ID: "Zawadi K", Role: RoleOperator, PIN: "402817"}, ErrBadOperator},
		{"empty id", NewOperator{Role: RoleOperator, PIN: "402817"}, ErrBadOperator},
		{"bad role", NewOperator{ID: "x", Role: "admin", PIN: "402817"}, ErrBadOperator},
		{"control in name", NewOperator{ID: "y", Name: "a\nb", Role: RoleOperator, PIN: "402817"}, ErrBadOperator},
		{"weak PIN", NewOperator{ID: "z", Role: RoleOperator, PIN: "123456"}, ErrWeakPIN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ops.Add(tc.n)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Add = %v, want %v", err, tc.want)
			}
			if err == nil && (o.ID != tc.n.ID || o.Role != tc.n.Role || !o.Created.Equal(t0)) {
				t.Fatalf("Add returned %+v", o)
			}
		})
	}
	l, err := ops.List()
	if err != nil || len(l) != 2 || l[0].ID != "amina.o" || l[1].ID != "zawadi" || l[1].Name != "Zawadi K." {
		t.Fatalf("List = %+v, %v", l, err)
	}
	js, _ := json.Marshal(l)
	if bytes.Contains(js, []byte("argon2")) || bytes.Contains(js, []byte("pin_hash")) {
		t.Fatalf("an Operator carries its hash: %s", js)
	}

	if _, err := ops.SignIn("zawadi", "402817"); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if _, err := ops.SignIn("nobody", "402817"); !errors.Is(err, ErrOperatorNotFound) {
		t.Fatalf("SignIn unknown = %v", err)
	}
	if _, err := ops.Disable("zawadi", "amina.o"); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.SignIn("zawadi", "402817"); !errors.Is(err, ErrOperatorDisabled) {
		t.Fatalf("SignIn disabled = %v", err)
	}
	if _, err := ops.Enable("zawadi", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.ResetPIN("zawadi", "111111", ""); !errors.Is(err, ErrWeakPIN) {
		t.Fatalf("ResetPIN weak = %v", err)
	}
	if _, err := ops.ResetPIN("ghost", "580362", ""); !errors.Is(err, ErrOperatorNotFound) {
		t.Fatalf("ResetPIN unknown = %v", err)
	}
	if _, err := ops.ResetPIN("zawadi", "580362", "amina.o"); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.SignIn("zawadi", "402817"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("old PIN after reset = %v", err)
	}
	if o, err := ops.SignIn("zawadi", "580362"); err != nil || !o.LastSignIn.Equal(t0) {
		t.Fatalf("new PIN after reset = %+v, %v", o, err)
	}

	var kinds []string
	evs, _ := e.q.Audit(AuditFilter{})
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind+":"+ev.Operator)
	}
	want := "operator_added:zawadi operator_added:amina.o operator_sign_in:zawadi operator_disabled:zawadi operator_enabled:zawadi " +
		"operator_pin_reset:zawadi operator_sign_in_failed:zawadi operator_sign_in:zawadi"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("audit:\n got %s\nwant %s", got, want)
	}

	// Neither PIN is in the database file in clear.
	e.q.Close()
	raw, err := os.ReadFile(filepath.Join(e.dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, pin := range []string{"402817", "739104", "580362"} {
		if bytes.Contains(raw, []byte(pin)) {
			t.Fatalf("PIN %s is in queue.db in clear", pin)
		}
	}
}

func TestOperatorLockout(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	if _, err := ops.Add(NewOperator{ID: "zawadi", Role: RoleOperator, PIN: "402817"}); err != nil {
		t.Fatal(err)
	}
	// fiveWrong enters 5 wrong PINs and checks the tries left and the lock.
	fiveWrong := func(t *testing.T, lock time.Duration) {
		t.Helper()
		for i := 1; i <= 4; i++ {
			_, err := ops.SignIn("zawadi", "999000")
			var we *WrongPINError
			if !errors.As(err, &we) || we.Remaining != 5-i {
				t.Fatalf("wrong PIN %d = %v, want %d tries left", i, err, 5-i)
			}
		}
		_, err := ops.SignIn("zawadi", "999000")
		var le *LockoutError
		if !errors.As(err, &le) || !errors.Is(err, ErrLockedOut) || le.Left != lock || !le.Until.Equal(e.clk.Now().Add(lock)) {
			t.Fatalf("5th wrong PIN = %v, want a lock of %s", err, lock)
		}
	}
	// refused checks that the right PIN is refused with left time left.
	refused := func(t *testing.T, left time.Duration) {
		t.Helper()
		_, err := ops.SignIn("zawadi", "402817")
		var le *LockoutError
		if !errors.As(err, &le) || le.Left != left {
			t.Fatalf("right PIN while locked = %v, want a lockout with %s left", err, left)
		}
	}

	fiveWrong(t, 5*time.Minute)
	refused(t, 5*time.Minute)
	e.clk.Advance(2 * time.Minute)
	refused(t, 3*time.Minute)

	// A restart does not lift the lock.
	e.reopen(t, Settings{})
	ops = e.q.Operators(OperatorOptions{PIN: fastPIN})
	refused(t, 3*time.Minute)
	if o, _ := ops.Get("zawadi"); o.LockLeft(clock.ElapsedOf(e.clk)) != 3*time.Minute || o.Lockouts != 1 {
		t.Fatalf("after restart: %+v", o)
	}
	e.clk.Advance(3*time.Minute - time.Second)
	refused(t, time.Second)
	e.clk.Advance(time.Second)

	// The next lock doubles, and the one after.
	fiveWrong(t, 10*time.Minute)
	e.clk.Advance(10 * time.Minute)
	fiveWrong(t, 20*time.Minute)
	e.clk.Advance(20 * time.Minute)

	// A successful sign-in resets the doubling.
	if _, err := ops.SignIn("zawadi", "402817"); err != nil {
		t.Fatalf("right PIN after the lock = %v", err)
	}
	fiveWrong(t, 5*time.Minute)

	// A supervisor's reset lifts the lock at once.
	if _, err := ops.ResetPIN("zawadi", "580362", "amina"); err != nil {
		t.Fatal(err)
	}
	if _, err := ops.SignIn("zawadi", "580362"); err != nil {
		t.Fatalf("sign-in after reset = %v", err)
	}

	locks, _ := e.q.Audit(AuditFilter{Kind: AuditLockout})
	if len(locks) != 4 || !strings.Contains(locks[1].Detail, "10m0s") || !strings.Contains(locks[2].Detail, "20m0s") {
		t.Fatalf("lockout audit events: %+v", locks)
	}
}

func TestOperatorLockoutCap(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN, MaxFailures: 1, LockFor: time.Hour, MaxLockFor: 3 * time.Hour})
	ops.Add(NewOperator{ID: "a", Role: RoleOperator, PIN: "402817"})
	for _, want := range []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 3 * time.Hour} {
		_, err := ops.SignIn("a", "000999")
		var le *LockoutError
		if !errors.As(err, &le) || le.Left != want {
			t.Fatalf("lock = %v, want %s", err, want)
		}
		e.clk.Advance(want)
	}
}

func TestOperatorLockoutClockStepBack(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN, MaxFailures: 1})
	ops.Add(NewOperator{ID: "a", Role: RoleOperator, PIN: "402817"})
	if _, err := ops.SignIn("a", "000999"); !errors.Is(err, ErrLockedOut) {
		t.Fatal(err)
	}
	// The clock is stepped back a year (an RTC reset): the lock must not last a year.
	e.clk.Set(t0.AddDate(-1, 0, 0))
	_, err := ops.SignIn("a", "402817")
	var le *LockoutError
	if !errors.As(err, &le) || le.Left != 5*time.Minute {
		t.Fatalf("after the step back = %v, want 5m left", err)
	}
	e.clk.Advance(5 * time.Minute)
	if _, err := ops.SignIn("a", "402817"); err != nil {
		t.Fatalf("5 minutes after the step back = %v", err)
	}
}

// The reported attack: a clock 6 minutes ahead gave five fresh guesses during a
// 5-minute lock. The lock counts the time that really passed (clock.Elapsed), so no
// wall clock step, forward or back, shortens it, before or after a restart; a reboot
// (time off unknown) keeps what was left.
func TestOperatorLockoutClockSteps(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	ops.Add(NewOperator{ID: "a", Role: RoleOperator, PIN: "402817"})
	lock := func(t *testing.T) {
		t.Helper()
		for i := 0; i < 5; i++ {
			ops.SignIn("a", "000999")
		}
	}
	stillLocked := func(t *testing.T, what string, left time.Duration) {
		t.Helper()
		// The right PIN: a lock refuses it unchecked, so a guess would be wasted too.
		_, err := ops.SignIn("a", "402817")
		var le *LockoutError
		if !errors.As(err, &le) || le.Left != left {
			t.Fatalf("%s: right PIN = %v, want a lockout with %s left", what, err, left)
		}
	}
	lock(t)
	stillLocked(t, "locked", 5*time.Minute)
	e.clk.Set(e.clk.Now().Add(6 * time.Minute))
	stillLocked(t, "6 minutes ahead", 5*time.Minute)
	e.clk.Set(e.clk.Now().Add(365 * day))
	stillLocked(t, "a year ahead", 5*time.Minute)
	e.clk.Set(t0.Add(-time.Hour))
	stillLocked(t, "an hour back", 5*time.Minute)
	e.clk.Advance(2 * time.Minute)
	stillLocked(t, "2 minutes later", 3*time.Minute)

	// A restart of the kiosk in the same boot: the time counts on.
	e.reopen(t, Settings{})
	ops = e.q.Operators(OperatorOptions{PIN: fastPIN})
	e.clk.Advance(time.Minute)
	e.clk.Set(e.clk.Now().Add(time.Hour))
	stillLocked(t, "restarted, a minute later, an hour ahead", 2*time.Minute)
	// A reboot: the time off is unknown; what was left stays left.
	e.clk.Reboot()
	e.clk.Set(e.clk.Now().Add(30 * day))
	stillLocked(t, "rebooted 30 days ahead", 2*time.Minute)
	e.clk.Advance(2*time.Minute - time.Second)
	stillLocked(t, "just before the end", time.Second)
	e.clk.Advance(time.Second)
	if _, err := ops.SignIn("a", "402817"); err != nil {
		t.Fatalf("after the lock = %v", err)
	}
	if o, _ := ops.Get("a"); o.LockRemaining != 0 || o.LockLeft(clock.ElapsedOf(e.clk)) != 0 {
		t.Fatalf("lock not cleared by the sign-in: %+v", o)
	}
}

func TestOperatorAuthorizeAndSession(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	ops.Add(NewOperator{ID: "op", Role: RoleOperator, PIN: "402817"})
	ops.Add(NewOperator{ID: "sup", Role: RoleSupervisor, PIN: "739104"})
	if _, err := ops.Authorize("op", "402817", RoleSupervisor, "open settings"); !errors.Is(err, ErrNotSupervisor) {
		t.Fatalf("operator authorizing settings = %v", err)
	}
	if _, err := ops.Authorize("sup", "402817", RoleSupervisor, "open settings"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("wrong supervisor PIN = %v", err)
	}
	if o, err := ops.Authorize("sup", "739104", RoleSupervisor, "open settings"); err != nil || !o.LastSignIn.IsZero() {
		t.Fatalf("supervisor = %+v, %v (Authorize is not a sign-in)", o, err)
	}
	if err := ops.RecordSessionLock("op", "idle 5m"); err != nil {
		t.Fatal(err)
	}
	if err := ops.RecordSignOut("op", "by operator"); err != nil {
		t.Fatal(err)
	}
	evs, _ := e.q.Audit(AuditFilter{Since: t0})
	var got []string
	for _, ev := range evs[2:] { // after the two adds
		got = append(got, ev.Kind+":"+ev.Operator+":"+ev.Detail)
	}
	want := []string{"operator_sign_in_failed:sup:wrong PIN; 4 tries left", "operator_authorized:sup:open settings",
		"operator_session_locked:op:idle 5m", "operator_sign_out:op:by operator"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit:\n got %q\nwant %q", got, want)
	}
}

func TestOperatorRehashOnNewParams(t *testing.T) {
	e := newEnv(t, Settings{})
	old := e.q.Operators(OperatorOptions{PIN: fastPIN})
	old.Add(NewOperator{ID: "a", Role: RoleOperator, PIN: "402817"})
	stored := func() string {
		var h string
		e.q.view(func(tx *bolt.Tx) error {
			r, err := getOperator(tx, "a")
			if err == nil {
				h, err = e.q.key.unwrapPIN("a", r.PINHash)
			}
			return err
		})
		return h
	}
	if h := stored(); !strings.Contains(h, "m=64,t=1,p=1") {
		t.Fatalf("stored hash %q", h)
	}
	stronger := e.q.Operators(OperatorOptions{PIN: PINParams{Time: 2, MemoryKiB: 256, Threads: 2}})
	if _, err := stronger.SignIn("a", "402817"); err != nil {
		t.Fatalf("sign-in with a hash of older parameters = %v", err)
	}
	if h := stored(); !strings.Contains(h, "m=256,t=2,p=2") {
		t.Fatalf("after sign-in the hash was not upgraded: %q", h)
	}
	if _, err := old.SignIn("a", "402817"); err != nil {
		t.Fatalf("sign-in after the upgrade = %v", err)
	}
}

package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// bucketOperators holds operator id → operatorRecord (JSON). It is created by the
// first write, so a queue that never had an operator has no such bucket.
var bucketOperators = []byte("operators")

// Audit event kinds of operators (AuditSignIn is in audit.go).
const (
	AuditSignOut          = "operator_sign_out"       // an operator signed out (Detail: why, e.g. "by operator")
	AuditSessionLocked    = "operator_session_locked" // the session locked itself (Detail: why, e.g. "idle 5m")
	AuditSignInFailed     = "operator_sign_in_failed" // a wrong PIN (Detail: how many tries are left)
	AuditLockout          = "operator_locked_out"     // too many wrong PINs locked the operator (Detail: for how long)
	AuditAuthorized       = "operator_authorized"     // a PIN was checked for one action (Detail: the action)
	AuditOperatorAdded    = "operator_added"          // Detail: the role
	AuditOperatorEnabled  = "operator_enabled"
	AuditOperatorDisabled = "operator_disabled"
	AuditPINReset         = "operator_pin_reset" // a new PIN was set; any lockout is lifted
	AuditOperatorUnlocked = "operator_unlocked"  // a supervisor lifted a lockout (the PIN is unchanged)
)

// Operator errors. Each is matched with errors.Is.
var (
	// ErrOperatorNotFound: no operator has that id.
	ErrOperatorNotFound = errors.New("operator not found")
	// ErrOperatorExists: Add was given an id that is taken.
	ErrOperatorExists = errors.New("operator already exists")
	// ErrOperatorDisabled: the operator was disabled and cannot sign in.
	ErrOperatorDisabled = errors.New("operator is disabled")
	// ErrWrongPIN: the PIN does not match. The error is a *WrongPINError.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrLockedOut: too many wrong PINs; the error is a *LockoutError with the time left.
	ErrLockedOut = errors.New("operator locked out after too many wrong PINs")
	// ErrNotSupervisor: the action needs a supervisor and the operator is not one.
	ErrNotSupervisor = errors.New("a supervisor is needed")
	// ErrLastSupervisor: disabling this operator would leave no enabled supervisor;
	// add another supervisor first.
	ErrLastSupervisor = errors.New("the last enabled supervisor cannot be disabled: add another supervisor first")
	// ErrBadOperator: an id, name or role given to Add is not valid.
	ErrBadOperator = errors.New("invalid operator")
)

// WrongPINError is a wrong PIN; Remaining is how many more wrong PINs lock the operator.
type WrongPINError struct {
	Operator  string
	Remaining int
}

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("wrong PIN for operator %s: %d more wrong PINs lock the operator", e.Operator, e.Remaining)
}
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }

// LockoutError refuses a sign-in while the operator is locked out.
type LockoutError struct {
	Operator string
	Until    time.Time     // on the queue's clock
	Left     time.Duration // from the attempt to Until
	// New is set when this attempt's wrong PIN locked the operator (not an attempt made
	// while locked): one lockout, as the metrics count them.
	New bool
}

func (e *LockoutError) Error() string {
	return fmt.Sprintf("operator %s is locked after too many wrong PINs: try again in %s, or ask a supervisor to reset the PIN (kioskctl operator reset-pin)",
		e.Operator, roundUp(e.Left))
}
func (e *LockoutError) Is(target error) bool { return target == ErrLockedOut }

// roundUp rounds d up to the second, for messages ("4m31s", never "0s" while locked).
func roundUp(d time.Duration) time.Duration {
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return d
}

// Role is what an operator may do.
type Role string

const (
	// RoleOperator enrolls customers and sees the queue.
	RoleOperator Role = "operator"
	// RoleSupervisor also opens the settings, purges jobs and leaves kiosk mode.
	RoleSupervisor Role = "supervisor"
)

// ParseRole accepts "operator" and "supervisor".
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleOperator, RoleSupervisor:
		return r, nil
	}
	return "", fmt.Errorf("%w: role %q: use operator or supervisor", ErrBadOperator, s)
}

// Operator is a person who may sign in to the kiosk. It never holds the PIN or its hash.
type Operator struct {
	ID         string    `json:"id"`
	Name       string    `json:"name,omitempty"`
	Role       Role      `json:"role"`
	Disabled   bool      `json:"disabled,omitempty"`
	Created    time.Time `json:"created"`
	PINSet     time.Time `json:"pin_set"`
	LastSignIn time.Time `json:"last_sign_in,omitzero"`
	// FailedPINs counts wrong PINs since the last sign-in or lock.
	FailedPINs int `json:"failed_pins,omitempty"`
	// Lockouts counts locks since the last successful sign-in; each lasts twice
	// the one before.
	Lockouts int `json:"lockouts,omitempty"`
	// LockedAt is when the last lock started, on the wall clock (for people); LockedFor
	// its full length.
	LockedAt  time.Time     `json:"locked_at,omitzero"`
	LockedFor time.Duration `json:"locked_for,omitempty"`
	// LockedUntil is LockedAt + LockedFor on the wall clock, for people only: the lock
	// is counted on LockRemaining and LockMark.
	LockedUntil time.Time `json:"locked_until,omitzero"`
	// LockRemaining is how much of the lock was left at LockMark, an Elapsed reading
	// (boot id and time since boot) that a wall clock step does not move. Within one
	// boot the lock ends LockRemaining after LockMark; after a reboot, whose time off
	// nobody can tell, LockRemaining is left from the first reading of the new boot.
	LockRemaining time.Duration `json:"lock_remaining,omitempty"`
	LockMark      clock.Elapsed `json:"lock_mark,omitzero"`
}

// LockLeft is how long the operator stays locked out at the Elapsed reading e (0: not
// locked): LockRemaining less the time that really passed since LockMark. No wall clock
// step, forward or back, shortens or lengthens it; a reboot stops it for the time off.
func (o Operator) LockLeft(e clock.Elapsed) time.Duration {
	if o.LockRemaining <= 0 {
		return 0
	}
	passed, _ := e.Sub(o.LockMark) // another boot: none known to have passed
	return max(o.LockRemaining-passed, 0)
}

// remark moves the lock's mark to e, keeping what is left (a reboot's first reading
// starts counting the rest of the lock again).
func (o *Operator) remark(e clock.Elapsed) {
	if left := o.LockLeft(e); left > 0 {
		o.LockRemaining, o.LockMark = left, e
	}
}

// upgradeLock turns a lock stored before LockRemaining (a wall clock LockedUntil
// only) into one counted on Elapsed readings, from now.
func (o *Operator) upgradeLock(now time.Time, e clock.Elapsed) {
	if o.LockRemaining == 0 && !o.LockedUntil.IsZero() && now.Before(o.LockedUntil) {
		o.LockRemaining, o.LockMark = min(o.LockedUntil.Sub(now), o.LockedFor), e
	}
}

type operatorRecord struct {
	Operator
	// PINHash is the argon2id PHC string wrapped by the device's PIN key
	// (wrapPIN): "wrapped-v1:" and base64 of nonce and AES-256-GCM ciphertext.
	PINHash string `json:"pin_hash"`
}

// OperatorOptions configure the operator store. The zero value is usable.
type OperatorOptions struct {
	// PIN are the argon2id parameters of new hashes; zero fields take DefaultPINParams.
	PIN PINParams
	// MaxFailures wrong PINs in a row lock the operator. Default 5.
	MaxFailures int
	// LockFor is the first lock's length; each further lock doubles it. Default 5 min.
	LockFor time.Duration
	// MaxLockFor caps the doubling. Default 24 h.
	MaxLockFor time.Duration
}

// Operators is the operator store, kept in the queue database (bucket "operators").
// It is safe for concurrent use.
type Operators struct {
	q *Queue
	o OperatorOptions

	dummyOnce sync.Once
	dummy     pinHash // verified against for an unknown id, so it costs the same time
}

// Operators returns the operator store of q.
func (q *Queue) Operators(o OperatorOptions) *Operators {
	o.PIN = o.PIN.withDefaults()
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.LockFor <= 0 {
		o.LockFor = 5 * time.Minute
	}
	if o.MaxLockFor <= 0 {
		o.MaxLockFor = 24 * time.Hour
	}
	return &Operators{q: q, o: o}
}

// validOperatorID: 1 to 32 of a-z 0-9 . _ - (ids appear in the audit log and in jobs).
func validOperatorID(id string) error {
	if len(id) == 0 || len(id) > 32 {
		return fmt.Errorf("%w: id %q: use 1 to 32 characters a-z, 0-9, '.', '_' or '-'", ErrBadOperator, id)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: id %q: use 1 to 32 characters a-z, 0-9, '.', '_' or '-'", ErrBadOperator, id)
		}
	}
	return nil
}

func getOperator(tx *bolt.Tx, id string) (*operatorRecord, error) {
	b := tx.Bucket(bucketOperators)
	var v []byte
	if b != nil {
		v = b.Get([]byte(id))
	}
	if v == nil {
		return nil, fmt.Errorf("%w: %q (kioskctl operator list shows who exists)", ErrOperatorNotFound, id)
	}
	r := &operatorRecord{}
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("operator %s: record does not decode: %w", id, err)
	}
	return r, nil
}

func putOperator(tx *bolt.Tx, r *operatorRecord) error {
	b, err := tx.CreateBucketIfNotExists(bucketOperators)
	if err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding operator record: %w", err)
	}
	return b.Put([]byte(r.ID), v)
}

// NewOperator is what Add needs.
type NewOperator struct {
	ID   string // 1-32 of a-z 0-9 . _ -
	Name string // shown on the sign-in screen; at most 64 characters
	Role Role
	PIN  string // checked by ValidatePIN
	// By names who added the operator (audit log); empty for kioskctl as root.
	By string
}

// Add creates an operator.
func (s *Operators) Add(n NewOperator) (Operator, error) {
	if err := validOperatorID(n.ID); err != nil {
		return Operator{}, fmt.Errorf("adding operator: %w", err)
	}
	if _, err := ParseRole(string(n.Role)); err != nil {
		return Operator{}, fmt.Errorf("adding operator %s: %w", n.ID, err)
	}
	n.Name = strings.TrimSpace(n.Name)
	if len([]rune(n.Name)) > 64 || strings.IndexFunc(n.Name, unicode.IsControl) >= 0 {
		return Operator{}, fmt.Errorf("adding operator %s: %w: the name must be at most 64 printable characters", n.ID, ErrBadOperator)
	}
	if err := ValidatePIN(n.PIN); err != nil {
		return Operator{}, fmt.Errorf("adding operator %s: %w", n.ID, err)
	}
	h, err := s.q.newPINHash(n.ID, n.PIN, s.o.PIN)
	if err != nil {
		return Operator{}, fmt.Errorf("adding operator %s: %w", n.ID, err)
	}
	var out Operator
	err = s.q.update(func(tx *bolt.Tx, _ *commit) error {
		if _, err := getOperator(tx, n.ID); err == nil {
			return fmt.Errorf("%w: %s (reset its PIN with kioskctl operator reset-pin)", ErrOperatorExists, n.ID)
		}
		now := s.q.clk.Now()
		r := &operatorRecord{Operator: Operator{ID: n.ID, Name: n.Name, Role: n.Role, Created: now, PINSet: now}, PINHash: h}
		if err := putOperator(tx, r); err != nil {
			return err
		}
		out = r.Operator
		return s.q.appendAudit(tx, AuditEvent{Kind: AuditOperatorAdded, Operator: n.ID, Detail: auditBy(string(n.Role), n.By)})
	})
	if err != nil {
		return Operator{}, fmt.Errorf("adding operator %s: %w", n.ID, err)
	}
	return out, nil
}

func auditBy(detail, by string) string {
	if by != "" {
		return detail + " (by " + by + ")"
	}
	return detail
}

// Get returns one operator.
func (s *Operators) Get(id string) (Operator, error) {
	var out Operator
	err := s.q.view(func(tx *bolt.Tx) error {
		r, err := getOperator(tx, id)
		if err != nil {
			return err
		}
		out = r.Operator
		return nil
	})
	return out, err
}

// List returns every operator, disabled ones included, sorted by id.
func (s *Operators) List() ([]Operator, error) {
	var out []Operator
	err := s.q.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOperators)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r operatorRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("operator %s: record does not decode: %w", k, err)
			}
			out = append(out, r.Operator)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing operators: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// change applies fn to one operator's record in a write transaction.
func (s *Operators) change(what, id string, fn func(tx *bolt.Tx, r *operatorRecord, now time.Time) error) (Operator, error) {
	var out Operator
	err := s.q.update(func(tx *bolt.Tx, _ *commit) error {
		r, err := getOperator(tx, id)
		if err != nil {
			return err
		}
		if err := fn(tx, r, s.q.clk.Now()); err != nil {
			return err
		}
		out = r.Operator
		return putOperator(tx, r)
	})
	if err != nil {
		return Operator{}, fmt.Errorf("%s operator %s: %w", what, id, err)
	}
	return out, nil
}

// Disable stops an operator from signing in (the record stays for the audit trail).
//
// The last enabled supervisor is refused (ErrLastSupervisor): nobody could open the
// kiosk's settings or unlock an operator from its screen after.
func (s *Operators) Disable(id, by string) (Operator, error) {
	return s.change("disabling", id, func(tx *bolt.Tx, r *operatorRecord, _ time.Time) error {
		if r.Role == RoleSupervisor && !r.Disabled {
			n := 0
			err := tx.Bucket(bucketOperators).ForEach(func(k, v []byte) error {
				var o operatorRecord
				if err := json.Unmarshal(v, &o); err != nil {
					return fmt.Errorf("operator %s: record does not decode: %w", k, err)
				}
				if o.Role == RoleSupervisor && !o.Disabled {
					n++
				}
				return nil
			})
			if err != nil {
				return err
			}
			if n <= 1 {
				return ErrLastSupervisor
			}
		}
		r.Disabled = true
		return s.q.appendAudit(tx, AuditEvent{Kind: AuditOperatorDisabled, Operator: id, Detail: auditBy("", by)})
	})
}

// Enable lets a disabled operator sign in again.
func (s *Operators) Enable(id, by string) (Operator, error) {
	return s.change("enabling", id, func(tx *bolt.Tx, r *operatorRecord, _ time.Time) error {
		r.Disabled = false
		return s.q.appendAudit(tx, AuditEvent{Kind: AuditOperatorEnabled, Operator: id, Detail: auditBy("", by)})
	})
}

// ResetPIN sets a new PIN and lifts any lockout (and its doubling).
func (s *Operators) ResetPIN(id, pin, by string) (Operator, error) {
	if err := ValidatePIN(pin); err != nil {
		return Operator{}, fmt.Errorf("resetting the PIN of operator %s: %w", id, err)
	}
	h, err := s.q.newPINHash(id, pin, s.o.PIN)
	if err != nil {
		return Operator{}, fmt.Errorf("resetting the PIN of operator %s: %w", id, err)
	}
	return s.change("resetting the PIN of", id, func(tx *bolt.Tx, r *operatorRecord, now time.Time) error {
		r.PINHash, r.PINSet = h, now
		r.clearLock()
		return s.q.appendAudit(tx, AuditEvent{Kind: AuditPINReset, Operator: id, Detail: auditBy("", by)})
	})
}

// Unlock lifts an operator's lockout now (a supervisor who knows it is really them),
// keeping their PIN; the wrong PINs counted so far are forgotten and the doubling of
// the next lock starts again. Audited (operator_unlocked, by whom), also for an
// operator who was not locked.
func (s *Operators) Unlock(id, by string) (Operator, error) {
	return s.change("unlocking", id, func(tx *bolt.Tx, r *operatorRecord, now time.Time) error {
		detail := "was not locked"
		e := clock.ElapsedOf(s.q.clk)
		r.upgradeLock(now, e)
		if left := r.LockLeft(e); left > 0 {
			detail = "lock lifted with " + roundUp(left).String() + " left"
		}
		r.clearLock()
		return s.q.appendAudit(tx, AuditEvent{Kind: AuditOperatorUnlocked, Operator: id, Detail: auditBy(detail, by)})
	})
}

// SignIn checks an operator's PIN and records the sign-in in the audit log.
//
// Errors: ErrOperatorNotFound, ErrOperatorDisabled, a *WrongPINError (ErrWrongPIN)
// with the tries left, or a *LockoutError (ErrLockedOut) with the time left: the
// MaxFailures-th wrong PIN in a row locks the operator for LockFor, doubled for each
// lock since the last successful sign-in (capped at MaxLockFor). A locked operator's
// PIN is not checked at all until the lock ends. Failures and locks are stored, so a
// restart does not lift them; ResetPIN does.
func (s *Operators) SignIn(id, pin string) (Operator, error) {
	return s.authenticate(id, pin, "", AuditEvent{Kind: AuditSignIn})
}

// Authorize checks a PIN for one action (e.g. "open settings", "leave kiosk mode")
// without starting a session. need is the role the action requires (RoleSupervisor
// refuses an operator with ErrNotSupervisor, before the PIN is checked). Wrong PINs
// count toward the same lockout as SignIn.
func (s *Operators) Authorize(id, pin string, need Role, action string) (Operator, error) {
	return s.authenticate(id, pin, need, AuditEvent{Kind: AuditAuthorized, Detail: action})
}

// RecordSignOut appends an operator's sign-out (why: "by operator", "shutdown", ...).
func (s *Operators) RecordSignOut(id, why string) error {
	return s.record(AuditEvent{Kind: AuditSignOut, Operator: id, Detail: why})
}

// RecordSessionLock appends the lock of an operator's session (why: "idle 5m", ...).
// Unlocking is a SignIn.
func (s *Operators) RecordSessionLock(id, why string) error {
	return s.record(AuditEvent{Kind: AuditSessionLocked, Operator: id, Detail: why})
}

func (s *Operators) record(e AuditEvent) error {
	if err := s.q.update(func(tx *bolt.Tx, _ *commit) error { return s.q.appendAudit(tx, e) }); err != nil {
		return fmt.Errorf("recording %s of operator %s: %w", e.Kind, e.Operator, err)
	}
	return nil
}

func (s *Operators) dummyHash() pinHash {
	s.dummyOnce.Do(func() {
		h, err := hashPIN("000000", s.o.PIN)
		if err == nil {
			s.dummy, _ = parsePINHash(h)
		}
	})
	return s.dummy
}

func (s *Operators) lockout(r *operatorRecord, now time.Time, e clock.Elapsed) *LockoutError {
	r.upgradeLock(now, e)
	left := r.LockLeft(e)
	if left <= 0 {
		return nil
	}
	return &LockoutError{Operator: r.ID, Until: now.Add(left), Left: left}
}

// clearLock ends the lock, the wrong PINs and the doubling.
func (o *Operator) clearLock() {
	o.FailedPINs, o.Lockouts, o.LockedAt, o.LockedUntil, o.LockedFor = 0, 0, time.Time{}, time.Time{}, 0
	o.LockRemaining, o.LockMark = 0, clock.Elapsed{}
}

func (s *Operators) authenticate(id, pin string, need Role, ok AuditEvent) (Operator, error) {
	what := "signing in"
	if ok.Kind == AuditAuthorized {
		what = "checking the PIN of"
	}
	fail := func(err error) (Operator, error) {
		return Operator{}, fmt.Errorf("%s operator %s: %w", what, id, err)
	}
	// First a read, so that a locked or unknown operator costs no write.
	cur, err := s.Get(id)
	if errors.Is(err, ErrOperatorNotFound) {
		if d := s.dummyHash(); d.hash != nil {
			d.verify(pin)
		}
		return fail(err)
	}
	if err != nil {
		return fail(err)
	}
	if cur.Disabled {
		return fail(fmt.Errorf("%w: a supervisor can enable it again (kioskctl operator enable)", ErrOperatorDisabled))
	}
	if need == RoleSupervisor && cur.Role != RoleSupervisor {
		return fail(ErrNotSupervisor)
	}
	now, el := s.q.clk.Now(), clock.ElapsedOf(s.q.clk)
	if le := s.lockout(&operatorRecord{Operator: cur}, now, el); le != nil {
		// Store what is left, counted from now, so that a reboot (whose time off
		// nobody knows) loses no more than the time since this attempt.
		if err := s.q.update(func(tx *bolt.Tx, _ *commit) error {
			r, err := getOperator(tx, id)
			if err != nil {
				return err
			}
			r.upgradeLock(now, el)
			r.remark(el)
			return putOperator(tx, r)
		}); err != nil {
			return fail(err)
		}
		return Operator{}, le
	}
	var hash string
	if err := s.q.view(func(tx *bolt.Tx) error {
		r, err := getOperator(tx, id)
		if err == nil {
			hash = r.PINHash
		}
		return err
	}); err != nil {
		return fail(err)
	}
	phc, err := s.q.key.unwrapPIN(id, hash)
	if err != nil {
		return fail(err)
	}
	ph, err := parsePINHash(phc)
	if err != nil {
		return fail(err)
	}
	good := ph.verify(pin)
	var rehash string
	if good && ph.params != s.o.PIN {
		// The parameters changed since this PIN was set: store it under the new ones.
		if rehash, err = s.q.newPINHash(id, pin, s.o.PIN); err != nil {
			return fail(err)
		}
	}

	var out Operator
	var result error
	err = s.q.update(func(tx *bolt.Tx, _ *commit) error {
		r, err := getOperator(tx, id)
		if err != nil {
			return err
		}
		now, el := s.q.clk.Now(), clock.ElapsedOf(s.q.clk)
		if r.Disabled {
			result = fmt.Errorf("%w: a supervisor can enable it again (kioskctl operator enable)", ErrOperatorDisabled)
			return nil
		}
		if le := s.lockout(r, now, el); le != nil {
			r.remark(el) // what is left, counted from now: a reboot loses no more
			result = le
			return putOperator(tx, r)
		}
		if r.PINHash != hash { // the PIN was reset between the read and now
			good = false
		}
		if good {
			r.clearLock()
			if ok.Kind == AuditSignIn {
				r.LastSignIn = now
			}
			if rehash != "" {
				r.PINHash = rehash
			}
			out = r.Operator
			ok.Operator = id
			if err := putOperator(tx, r); err != nil {
				return err
			}
			return s.q.appendAudit(tx, ok)
		}
		r.FailedPINs++
		if r.FailedPINs < s.o.MaxFailures {
			left := s.o.MaxFailures - r.FailedPINs
			result = &WrongPINError{Operator: id, Remaining: left}
			if err := putOperator(tx, r); err != nil {
				return err
			}
			return s.q.appendAudit(tx, AuditEvent{Kind: AuditSignInFailed, Operator: id, Detail: fmt.Sprintf("wrong PIN; %d tries left", left)})
		}
		d := s.o.LockFor
		for i := 0; i < r.Lockouts && d < s.o.MaxLockFor; i++ {
			d *= 2
		}
		d = min(d, s.o.MaxLockFor)
		r.Lockouts++
		r.FailedPINs = 0
		r.LockedAt, r.LockedUntil, r.LockedFor = now, now.Add(d), d
		r.LockRemaining, r.LockMark = d, el
		result = &LockoutError{Operator: id, Until: r.LockedUntil, Left: d, New: true}
		if err := putOperator(tx, r); err != nil {
			return err
		}
		return s.q.appendAudit(tx, AuditEvent{Kind: AuditLockout, Operator: id,
			Detail: fmt.Sprintf("%d wrong PINs: locked for %s (lock %d)", s.o.MaxFailures, d, r.Lockouts)})
	})
	if err != nil {
		return fail(err)
	}
	if result != nil {
		var le *LockoutError
		var we *WrongPINError
		if errors.As(result, &le) || errors.As(result, &we) {
			return Operator{}, result
		}
		return fail(result)
	}
	return out, nil
}

package fake

import (
	"fmt"
	"regexp"
	"time"

	"github.com/smartselfie/kiosk-agent/ui"
)

// Change is one change Operators' OperatorAdmin methods made: what, to whom, and the
// supervisor who made it (the audit's "by").
type Change struct {
	What, ID, By string
}

var opID = regexp.MustCompile(`^[a-z0-9._-]{1,32}$`)

// weakPIN is a stand-in of the store's PIN rules: 6 to 12 digits, not all the same.
func weakPIN(pin string) bool {
	if len(pin) < 6 || len(pin) > 12 {
		return true
	}
	for i := range pin {
		if pin[i] < '0' || pin[i] > '9' {
			return true
		}
	}
	for i := 1; i < len(pin); i++ {
		if pin[i] != pin[0] {
			return false
		}
	}
	return true
}

// All lists every operator with its state (ui.OperatorAdmin).
func (o *Operators) All() ([]ui.OperatorInfo, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.Clock.Now()
	out := make([]ui.OperatorInfo, 0, len(o.ops))
	for _, op := range o.ops {
		i := ui.OperatorInfo{Operator: op.Operator, Disabled: op.disabled}
		if now.Before(op.until) {
			i.LockedUntil = op.until
		}
		out = append(out, i)
	}
	return out, nil
}

func (o *Operators) find(id string) (*opState, error) {
	for _, op := range o.ops {
		if op.ID == id {
			return op, nil
		}
	}
	return nil, fmt.Errorf("operator %s: %w", id, ui.ErrUnknownOperator)
}

func (o *Operators) record(what, id string, by ui.Session) {
	o.Changes = append(o.Changes, Change{What: what, ID: id, By: by.Operator.ID})
}

// Add adds an operator.
func (o *Operators) Add(by ui.Session, n ui.NewOperator) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !opID.MatchString(n.ID) || n.Name == "" {
		return ui.ErrBadOperator
	}
	if weakPIN(n.PIN) {
		return ui.ErrWeakPIN
	}
	if _, err := o.find(n.ID); err == nil {
		return ui.ErrOperatorExists
	}
	o.ops = append(o.ops, &opState{Op: Op{Operator: ui.Operator{ID: n.ID, Name: n.Name, Role: n.Role}, PIN: n.PIN}})
	o.record("add", n.ID, by)
	return nil
}

// Unlock lifts a lockout.
func (o *Operators) Unlock(by ui.Session, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, err := o.find(id)
	if err != nil {
		return err
	}
	op.fails, op.locks, op.until = 0, 0, time.Time{}
	o.record("unlock", id, by)
	return nil
}

// ResetPIN sets a new PIN and lifts any lockout.
func (o *Operators) ResetPIN(by ui.Session, id, pin string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, err := o.find(id)
	if err != nil {
		return err
	}
	if weakPIN(pin) {
		return ui.ErrWeakPIN
	}
	op.PIN = pin
	op.fails, op.locks, op.until = 0, 0, time.Time{}
	o.record("reset-pin", id, by)
	return nil
}

// SetDisabled disables or enables an operator; the last enabled supervisor stays.
func (o *Operators) SetDisabled(by ui.Session, id string, disabled bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	op, err := o.find(id)
	if err != nil {
		return err
	}
	if disabled && op.Role == ui.RoleSupervisor {
		n := 0
		for _, x := range o.ops {
			if x.Role == ui.RoleSupervisor && !x.disabled {
				n++
			}
		}
		if n <= 1 {
			return ui.ErrLastSupervisor
		}
	}
	op.disabled = disabled
	what := "enable"
	if disabled {
		what = "disable"
	}
	o.record(what, id, by)
	return nil
}

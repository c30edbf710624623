package app

import (
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
)

// ErrLastSupervisor: disabling this operator would leave the kiosk without an enabled
// supervisor (the store refuses it: offline.ErrLastSupervisor).
var ErrLastSupervisor = offline.ErrLastSupervisor

// The operators' management: a supervisor on the screen (by: their id, whose PIN the
// settings' gate checked) or an admin through the local API (by: who the kiosk says
// called, from the socket's credentials). Each change is audited with by.

// AddOperator adds an operator (n.By names who adds them).
func (a *App) AddOperator(n offline.NewOperator) (offline.Operator, error) {
	o, err := a.ops.Add(n)
	if err == nil {
		a.emit(Event{Kind: EventSession})
	}
	return o, err
}

// UnlockOperator lifts an operator's lockout; their PIN stays.
func (a *App) UnlockOperator(id, by string) (offline.Operator, error) {
	return a.ops.Unlock(id, by)
}

// ResetOperatorPIN sets a new PIN and lifts any lockout.
func (a *App) ResetOperatorPIN(id, pin, by string) (offline.Operator, error) {
	return a.ops.ResetPIN(id, pin, by)
}

// EnableOperator lets a disabled operator sign in again.
func (a *App) EnableOperator(id, by string) (offline.Operator, error) {
	o, err := a.ops.Enable(id, by)
	if err == nil {
		a.emit(Event{Kind: EventSession})
	}
	return o, err
}

// DisableOperator stops an operator from signing in; a session of theirs ends. The
// last enabled supervisor is refused (ErrLastSupervisor).
func (a *App) DisableOperator(id, by string) (offline.Operator, error) {
	o, err := a.ops.Disable(id, by)
	if err != nil {
		return o, err
	}
	a.mu.Lock()
	s := a.session
	if s != nil && s.Operator.ID == id {
		a.session = nil
	}
	a.mu.Unlock()
	if s != nil && s.Operator.ID == id {
		if err := a.ops.RecordSignOut(id, "disabled by "+by); err != nil {
			a.log.Warn("recording the sign-out", "err", err)
		}
	}
	a.emit(Event{Kind: EventSession})
	return o, nil
}

// LockLeft is how long o stays locked out, counted as the operator store counts it
// (time that really passed, on the app's clock; 0: not locked).
func (a *App) LockLeft(o offline.Operator) time.Duration { return o.LockLeft(clock.ElapsedOf(a.clk)) }

// Now is the app's clock's time (the screens' lockout countdowns).
func (a *App) Now() time.Time { return a.clk.Now() }

// OperatorStore is the operator store as the local API changes it (kioskctl operator
// while the kiosk runs): the app's methods, so that disabling an operator also ends
// their session.
func (b backend) OperatorStore() localapi.OperatorStore { return appOperators{b.a} }

type appOperators struct{ a *App }

func (o appOperators) List() ([]offline.Operator, error) { return o.a.Operators() }
func (o appOperators) Add(n offline.NewOperator) (offline.Operator, error) {
	return o.a.AddOperator(n)
}
func (o appOperators) Unlock(id, by string) (offline.Operator, error) {
	return o.a.UnlockOperator(id, by)
}
func (o appOperators) ResetPIN(id, pin, by string) (offline.Operator, error) {
	return o.a.ResetOperatorPIN(id, pin, by)
}
func (o appOperators) Disable(id, by string) (offline.Operator, error) {
	return o.a.DisableOperator(id, by)
}
func (o appOperators) Enable(id, by string) (offline.Operator, error) {
	return o.a.EnableOperator(id, by)
}

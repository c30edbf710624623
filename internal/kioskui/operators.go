package kioskui

import (
	"errors"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
)

// uiOperatorAdmin is the settings' operators page over the app: every change is
// audited with the supervisor whose PIN opened the settings.
type uiOperatorAdmin struct{ a *app.App }

func (u uiOperatorAdmin) All() ([]ui.OperatorInfo, error) {
	ops, err := u.a.Operators()
	if err != nil {
		return nil, err
	}
	out := make([]ui.OperatorInfo, 0, len(ops))
	for _, o := range ops {
		i := ui.OperatorInfo{Operator: uiOperator(o), Disabled: o.Disabled, LastSignIn: o.LastSignIn}
		if left := u.a.LockLeft(o); left > 0 {
			i.LockedUntil = u.a.Now().Add(left)
		}
		out = append(out, i)
	}
	return out, nil
}

func (u uiOperatorAdmin) Add(by ui.Session, n ui.NewOperator) error {
	role := offline.RoleOperator
	if n.Role == ui.RoleSupervisor {
		role = offline.RoleSupervisor
	}
	_, err := u.a.AddOperator(offline.NewOperator{ID: n.ID, Name: n.Name, Role: role, PIN: n.PIN, By: by.Operator.ID})
	return adminError(err)
}

func (u uiOperatorAdmin) Unlock(by ui.Session, id string) error {
	_, err := u.a.UnlockOperator(id, by.Operator.ID)
	return adminError(err)
}

func (u uiOperatorAdmin) ResetPIN(by ui.Session, id, pin string) error {
	_, err := u.a.ResetOperatorPIN(id, pin, by.Operator.ID)
	return adminError(err)
}

func (u uiOperatorAdmin) SetDisabled(by ui.Session, id string, disabled bool) error {
	var err error
	if disabled {
		_, err = u.a.DisableOperator(id, by.Operator.ID)
	} else {
		_, err = u.a.EnableOperator(id, by.Operator.ID)
	}
	return adminError(err)
}

// adminError is err as the operators page's errors (the store's sentences are for logs).
func adminError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, offline.ErrWeakPIN):
		var we *offline.WeakPINError
		if errors.As(err, &we) {
			return &ui.WeakPINError{Rule: we.Rule}
		}
		return ui.ErrWeakPIN
	case errors.Is(err, offline.ErrOperatorExists):
		return ui.ErrOperatorExists
	case errors.Is(err, offline.ErrBadOperator):
		return ui.ErrBadOperator
	case errors.Is(err, app.ErrLastSupervisor):
		return ui.ErrLastSupervisor
	case errors.Is(err, offline.ErrOperatorNotFound):
		return ui.ErrUnknownOperator
	}
	return err
}

// EnrollAgain enrolls again the customer of a 2209 job, on the supervisor's decision.
func (u uiQueue) EnrollAgain(sup ui.Session, id string) (string, error) {
	e, err := u.a.EnrollAgain(id, sup.Operator.ID)
	return e.ID, err
}

package app

import (
	"fmt"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
)

// EnrollAgain enrolls again the customer of a job the service refused as already
// enrolled (2209): the same photos, sealed as a new job with allow_new_enroll
// (offline.Queue.EnrollAgain; the old job kept, failed, and linked), on the decision of
// supervisor (whose PIN the screen's gate checked; they must be an enabled
// supervisor). It needs a signed-in operator, like Seal.
func (a *App) EnrollAgain(id, supervisor string) (offline.Entry, error) {
	a.sealing.RLock()
	defer a.sealing.RUnlock()
	if a.closing {
		return offline.Entry{}, fmt.Errorf("enrolling again job %s: %w", id, ErrShuttingDown)
	}
	if _, err := a.activeSession(); err != nil {
		return offline.Entry{}, fmt.Errorf("enrolling again job %s: %w", id, err)
	}
	sup, err := a.ops.Get(supervisor)
	if err != nil || sup.Disabled || sup.Role != offline.RoleSupervisor {
		return offline.Entry{}, fmt.Errorf("enrolling again job %s: %q did not allow it: %w", id, supervisor, offline.ErrNotSupervisor)
	}
	e, err := a.q.EnrollAgain(id, offline.EnrollAgainOptions{NewID: job.NewID(a.clk.Now()), Supervisor: supervisor})
	if err != nil {
		return offline.Entry{}, err
	}
	a.Touch()
	a.emit(Event{Kind: EventQueue, JobID: e.ID})
	return e, nil
}

// CustomerID is the customer id of a job, read from its sealed payload once and kept
// in memory, for the operator's screen only (never logged). A job whose images were
// purged no longer holds it (offline.ErrImagesPurged) unless it was read before.
func (a *App) CustomerID(id string) (string, error) {
	a.idsMu.Lock()
	c, ok := a.customerIDs[id]
	a.idsMu.Unlock()
	if ok {
		return c, nil
	}
	j, err := a.q.Load(id)
	if err != nil {
		return "", err
	}
	a.idsMu.Lock()
	if a.customerIDs == nil {
		a.customerIDs = map[string]string{}
	}
	a.customerIDs[id] = j.UserID
	a.idsMu.Unlock()
	return j.UserID, nil
}

// CachedCustomerID is a customer id CustomerID read before ("" and false otherwise):
// for a job whose payload can no longer be read.
func (a *App) CachedCustomerID(id string) (string, bool) {
	a.idsMu.Lock()
	defer a.idsMu.Unlock()
	c, ok := a.customerIDs[id]
	return c, ok
}

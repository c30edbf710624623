package app

import (
	"context"
	"fmt"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/offline"
)

// Session is the signed-in operator's session.
type Session struct {
	Operator  offline.Operator
	Started   time.Time
	LastTouch time.Time
	// Locked is set once the session locked itself after ui.idle_lock without a
	// touch (or Lock was called); only a sign-in unlocks it.
	Locked   bool
	LockedAt time.Time
}

// Operators lists the operators for the sign-in screen (disabled ones included, marked).
func (a *App) Operators() ([]offline.Operator, error) { return a.ops.List() }

// SignIn checks the operator's PIN (offline's lockout rules apply: 5 wrong PINs lock
// for 5 minutes, doubling) and starts a session, or unlocks a locked one. Another
// operator's session ends first (audit: sign-out "another operator signed in").
func (a *App) SignIn(id, pin string) (Session, error) {
	op, err := a.ops.SignIn(id, pin) // audits success, failure and lockout
	a.met.set.SignIn(signInResult(err))
	if err != nil {
		return Session{}, err
	}
	now := a.clk.Now()
	a.mu.Lock()
	if s := a.session; s != nil && s.Operator.ID != op.ID {
		if err := a.ops.RecordSignOut(s.Operator.ID, "another operator signed in"); err != nil {
			a.log.Warn("recording the sign-out", "err", err)
		}
		a.session = nil
	}
	if a.session == nil {
		a.session = &Session{Operator: op, Started: now}
	}
	a.session.Operator = op
	a.session.Locked, a.session.LockedAt, a.session.LastTouch = false, time.Time{}, now
	s := *a.session
	a.mu.Unlock()
	a.wakeIdle()
	a.emit(Event{Kind: EventSession})
	return s, nil
}

// Authorize checks a PIN for one action without changing the session (a supervisor
// opening the settings, leaving kiosk mode, purging a job). need: the role required.
func (a *App) Authorize(id, pin string, need offline.Role, action string) (offline.Operator, error) {
	return a.ops.Authorize(id, pin, need, action)
}

// SignOut ends the session (why goes to the audit log, e.g. "by operator").
func (a *App) SignOut(why string) error {
	a.mu.Lock()
	s := a.session
	a.session = nil
	a.mu.Unlock()
	if s == nil {
		return nil
	}
	a.emit(Event{Kind: EventSession})
	if err := a.ops.RecordSignOut(s.Operator.ID, why); err != nil {
		return fmt.Errorf("signing out: %w", err)
	}
	return nil
}

// Touch records activity (the UI calls it on every tap): it postpones the idle lock.
func (a *App) Touch() {
	a.mu.Lock()
	if a.session != nil && !a.session.Locked {
		a.session.LastTouch = a.clk.Now()
	}
	a.mu.Unlock()
	a.wakeIdle()
}

// Lock locks the session now (why goes to the audit log).
func (a *App) Lock(why string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lockLocked(why)
}

func (a *App) lockLocked(why string) error {
	s := a.session
	if s == nil || s.Locked {
		return nil
	}
	s.Locked, s.LockedAt = true, a.clk.Now()
	go a.emit(Event{Kind: EventSession})
	if err := a.ops.RecordSessionLock(s.Operator.ID, why); err != nil {
		return fmt.Errorf("locking the session: %w", err)
	}
	return nil
}

// Session returns the current session, if any, after applying the idle lock (a session
// idle for ui.idle_lock is returned Locked).
func (a *App) Session() (Session, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checkIdleLocked()
	if a.session == nil {
		return Session{}, false
	}
	return *a.session, true
}

// activeSession is the session an action runs under: signed in and not locked.
func (a *App) activeSession() (Session, error) {
	s, ok := a.Session()
	switch {
	case !ok:
		return Session{}, ErrNotSignedIn
	case s.Locked:
		return Session{}, ErrSessionLocked
	}
	return s, nil
}

// IdleLock is how long a session may stay untouched before it locks.
func (a *App) IdleLock() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.idleLockLocked()
}

func (a *App) idleLockLocked() time.Duration { return a.ui.IdleLock.D() }

// checkIdleLocked locks the session once it has been idle for IdleLock.
func (a *App) checkIdleLocked() {
	s := a.session
	if s == nil || s.Locked || a.opts.ExternalIdleLock {
		return
	}
	if idle := a.clk.Now().Sub(s.LastTouch); idle >= a.idleLockLocked() {
		if err := a.lockLocked("idle " + a.idleLockLocked().String()); err != nil {
			a.log.Warn("idle lock", "err", err)
		}
	}
}

func (a *App) wakeIdle() {
	select {
	case a.touchCh <- struct{}{}:
	default:
	}
}

// idleLoop locks the session when its idle time runs out, so the UI is told (an
// EventSession) even when nobody asks.
func (a *App) idleLoop(ctx context.Context) error {
	if a.opts.ExternalIdleLock {
		return nil
	}
	for {
		a.mu.Lock()
		a.checkIdleLocked()
		wait := time.Duration(-1)
		if s := a.session; s != nil && !s.Locked {
			wait = s.LastTouch.Add(a.idleLockLocked()).Sub(a.clk.Now())
		}
		a.mu.Unlock()
		var tc <-chan time.Time
		var t clock.Timer
		if wait >= 0 {
			t = a.clk.NewTimer(wait)
			tc = t.C()
		}
		select {
		case <-ctx.Done():
			if t != nil {
				t.Stop()
			}
			return nil
		case <-a.touchCh:
		case <-tc:
		}
		if t != nil {
			t.Stop()
		}
	}
}

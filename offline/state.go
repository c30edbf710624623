package offline

import "github.com/smartselfie/kiosk-agent/internal/codes"

// State is where a job is in its life (internal/codes, shared with the screens). The
// zero value is invalid.
type State = codes.State

// The job states (see internal/codes). A job moves only through Queue.SetState (and the
// helpers built on it), which checks the transition against allowed.
const (
	StateQueued        = codes.StateQueued
	StateSending       = codes.StateSending
	StateDone          = codes.StateDone
	StateFailed        = codes.StateFailed
	StateHeld          = codes.StateHeld
	StateNeedsOperator = codes.StateNeedsOperator
	StateQuarantined   = codes.StateQuarantined
)

// States lists every state in display order.
var States = codes.States

// ParseState is the inverse of State.String.
func ParseState(s string) (State, error) { return codes.ParseState(s) }

// allowed is the transition table: allowed[from][to].
var allowed = map[State]map[State]bool{
	StateQueued: {StateSending: true, StateHeld: true, StateQuarantined: true, StateFailed: true},
	StateSending: {StateDone: true, StateFailed: true, StateHeld: true, StateNeedsOperator: true,
		StateQueued: true, StateQuarantined: true},
	StateHeld:          {StateQueued: true, StateQuarantined: true, StateFailed: true},
	StateNeedsOperator: {StateQueued: true, StateFailed: true, StateQuarantined: true},
	StateFailed:        {StateQueued: true, StateQuarantined: true},
	StateDone:          {},
	StateQuarantined:   {},
}

// CanMove reports whether a job may move from one state to the other.
func CanMove(from, to State) bool { return allowed[from][to] }

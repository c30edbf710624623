package offline

import "fmt"

// State is where a job is in its life. The zero value is invalid.
type State uint8

// The job states. A job moves only through Queue.SetState (and the helpers built on
// it), which checks the transition against allowed.
const (
	// StateQueued: sealed and waiting to be sent (possibly not before NextAttempt).
	StateQueued State = iota + 1
	// StateSending: claimed by the uploader. A job found here at start-up goes back
	// to StateQueued (the previous process died mid-send).
	StateSending
	// StateDone: the server answered with a result; images are purged after the
	// configured delay.
	StateDone
	// StateFailed: permanent failure (the request is wrong); images are kept until an
	// operator acts or the maximum age passes.
	StateFailed
	// StateHeld: sending halted by an account or key problem (not the job's fault);
	// goes back to StateQueued when the problem is fixed.
	StateHeld
	// StateNeedsOperator: the operator must decide (e.g. the user is already enrolled).
	StateNeedsOperator
	// StateQuarantined: the job failed its integrity check; it is never sent and its
	// bytes are kept for inspection.
	StateQuarantined
)

var stateNames = map[State]string{
	StateQueued:        "queued",
	StateSending:       "sending",
	StateDone:          "done",
	StateFailed:        "failed",
	StateHeld:          "held",
	StateNeedsOperator: "needs-operator",
	StateQuarantined:   "quarantined",
}

// States lists every state in display order.
var States = []State{StateQueued, StateSending, StateHeld, StateNeedsOperator, StateFailed, StateQuarantined, StateDone}

func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ParseState is the inverse of String.
func ParseState(s string) (State, error) {
	for st, n := range stateNames {
		if n == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown job state %q (one of queued, sending, done, failed, held, needs-operator, quarantined)", s)
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) {
	if _, ok := stateNames[s]; !ok {
		return nil, fmt.Errorf("marshalling job state: invalid state %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Unsent reports whether the job still waits to reach the server (it counts
// against MaxJobs and MaxOldestUnsentDays).
func (s State) Unsent() bool { return s == StateQueued || s == StateSending || s == StateHeld }

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

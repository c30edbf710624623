package flow

import (
	"errors"
	"fmt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Step is one screen of the wizard. The zero value is invalid.
type Step uint8

// The steps, in the order the wizard shows them.
const (
	Consent Step = iota + 1
	Customer
	Comparison
	Selfie
	Liveness
	Review
	Result
	// Closed is outside the wizard: the agent left it (back from Consent, or Cancel).
	Closed
)

var stepNames = map[Step]string{
	Consent: "consent", Customer: "customer", Comparison: "comparison", Selfie: "selfie",
	Liveness: "liveness", Review: "review", Result: "result", Closed: "closed",
}

func (s Step) String() string {
	if n, ok := stepNames[s]; ok {
		return n
	}
	return fmt.Sprintf("step(%d)", uint8(s))
}

// Captures are the steps that capture images, in order.
var Captures = []Step{Comparison, Selfie, Liveness}

// EventKind is what happened.
type EventKind uint8

// The events.
const (
	// Agree: the customer consented (Consent).
	Agree EventKind = iota + 1
	// CustomerDone: the ids are entered and Event.Source chosen (Customer).
	CustomerDone
	// Captured: the step's images are taken (Comparison, Selfie, Liveness).
	Captured
	// Back: the agent tapped Back.
	Back
	// Retake: from Review, take Event.Step's images again.
	Retake
	// Seal: the job is sealed into the queue (Review, every capture done).
	Seal
	// NextCustomer: start again for the next customer (Result).
	NextCustomer
	// Cancel: leave the wizard, dropping everything (any step before Result).
	Cancel
	// Edit: from Review, go back to Event.Step (Customer) to change it; its Continue
	// (or Back) returns to Review with the captures kept.
	Edit
	// Again: at a capture step whose images are kept, drop them to take them again.
	Again
)

var eventNames = map[EventKind]string{
	Agree: "agree", CustomerDone: "customer-done", Captured: "captured", Back: "back",
	Retake: "retake", Seal: "seal", NextCustomer: "next-customer", Cancel: "cancel",
	Edit: "edit", Again: "again",
}

func (k EventKind) String() string {
	if n, ok := eventNames[k]; ok {
		return n
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is one event with its data.
type Event struct {
	Kind EventKind
	// Source is the comparison image's origin (CustomerDone).
	Source job.ComparisonType
	// Step is the step to take again (Retake) or to change (Edit).
	Step Step
}

// State is where the wizard is. The zero value is invalid: start with Start.
type State struct {
	Step Step
	// Consented is set once the customer agreed; no capture step is reachable without it.
	Consented bool
	// Source is where the comparison image comes from (set on Customer).
	Source job.ComparisonType
	// Retaking is set while a step is taken again (Retake) or changed (Edit) from
	// Review: when it is done (or the agent goes Back), the wizard returns to Review.
	Retaking bool
	// Sealed is set once the job is in the queue.
	Sealed bool
	has    [Closed + 1]bool
}

// Start is the state of a new enrollment.
func Start() State { return State{Step: Consent} }

// Has reports whether capture step s's images are taken (and kept).
func (s State) Has(step Step) bool {
	if step >= Closed {
		return false
	}
	return s.has[step]
}

// Complete reports whether every capture is done.
func (s State) Complete() bool {
	for _, c := range Captures {
		if !s.has[c] {
			return false
		}
	}
	return true
}

// ErrNotAllowed means the step shown does not accept the event.
var ErrNotAllowed = errors.New("not allowed at this step")

func isCapture(s Step) bool { return s == Comparison || s == Selfie || s == Liveness }

// Next is the state after event e.
func Next(s State, e Event) (State, error) {
	refuse := func() (State, error) {
		return s, fmt.Errorf("%v at step %v: %w", e.Kind, s.Step, ErrNotAllowed)
	}
	n := s
	if e.Kind == Cancel {
		if s.Step == Result || s.Step == Closed {
			return refuse()
		}
		return State{Step: Closed}, nil
	}
	switch s.Step {
	case Consent:
		switch e.Kind {
		case Agree:
			n.Consented, n.Step = true, Customer
		case Back:
			return State{Step: Closed}, nil
		default:
			return refuse()
		}
	case Customer:
		switch e.Kind {
		case CustomerDone:
			if !e.Source.Valid() || !s.Consented {
				return refuse()
			}
			if e.Source != s.Source {
				n.has[Comparison] = false // another kind of comparison image: take it anew
			}
			n.Source = e.Source
			if n.Complete() {
				// Everything is taken (changed from Review, or back through the steps):
				// straight to Review.
				n.Step, n.Retaking = Review, false
			} else {
				n.Step = Comparison // a retake's source changed: Retaking returns to Review
			}
		case Back:
			if s.Retaking {
				n.Step, n.Retaking = Review, false
			} else {
				n.Step = Consent
			}
		default:
			return refuse()
		}
	case Comparison, Selfie, Liveness:
		switch e.Kind {
		case Captured:
			n.has[s.Step] = true
			switch {
			case s.Retaking || s.Step == Liveness:
				n.Step, n.Retaking = Review, false
			default:
				n.Step++
			}
		case Back:
			switch {
			case s.Retaking:
				// Back from a retake: the images taken before are kept.
				n.Step, n.Retaking = Review, false
			case s.Step == Comparison:
				n.Step = Customer
			default:
				// The step before shows what it took, kept: Continue goes on, Again
				// takes it anew (no round of captures again by going back).
				n.Step--
			}
		case Again:
			n.has[s.Step] = false
		default:
			return refuse()
		}
	case Review:
		switch e.Kind {
		case Retake:
			if !isCapture(e.Step) {
				return refuse()
			}
			// The images taken before are kept until the new ones replace them.
			n.Step, n.Retaking = e.Step, true
		case Edit:
			if e.Step != Customer {
				return refuse()
			}
			n.Step, n.Retaking = Customer, true
		case Back:
			n.Step = Liveness // shows the head movements taken, kept
		case Seal:
			if !s.Complete() {
				return refuse()
			}
			n.Step, n.Sealed = Result, true
		default:
			return refuse()
		}
	case Result:
		if e.Kind != NextCustomer {
			return refuse()
		}
		return Start(), nil
	default:
		return refuse()
	}
	return n, nil
}

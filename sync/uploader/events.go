package uploader

import (
	"fmt"
	"time"
)

// EventKind names what happened.
type EventKind int

const (
	EventSending       EventKind = iota // a job was claimed and its upload starts
	EventProgress                       // bytes of a job's body went out (Sent of Total)
	EventDelivered                      // a job is done, with its Result (Result.Unknown for 2215)
	EventRetry                          // a job went back to the queue, to be tried at Retry
	EventFailed                         // a job failed for good, with Reason
	EventNeedsOperator                  // a job needs an operator's decision, with Reason
	EventHeld                           // a job was held by a halt
	EventHalted                         // sending stopped; Reason is the alert (sent once per halt)
	EventResumed                        // a halt was lifted
	EventOnline                         // the API became reachable
	EventOffline                        // the API became unreachable, with Reason
	EventSkipped                        // a job could not be opened and was quarantined by the queue
)

func (k EventKind) String() string {
	switch k {
	case EventSending:
		return "sending"
	case EventProgress:
		return "progress"
	case EventDelivered:
		return "delivered"
	case EventRetry:
		return "retry"
	case EventFailed:
		return "failed"
	case EventNeedsOperator:
		return "needs-operator"
	case EventHeld:
		return "held"
	case EventHalted:
		return "halted"
	case EventResumed:
		return "resumed"
	case EventOnline:
		return "online"
	case EventOffline:
		return "offline"
	case EventSkipped:
		return "skipped"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// MarshalText makes EventKind readable in JSON.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one thing the engine did, for the UI and the CLI.
type Event struct {
	Kind    EventKind `json:"kind"`
	Time    time.Time `json:"time"`
	JobID   string    `json:"job_id,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	Sent    int64     `json:"sent,omitempty"`  // EventProgress
	Total   int64     `json:"total,omitempty"` // EventProgress, EventSending (a hint)
	Result  *Result   `json:"result,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Retry   time.Time `json:"retry,omitempty"` // EventRetry: the next attempt
	// Code is the server's code for a settled attempt (the result's 0840…, the error's
	// 2205…, an HTTP status without a contract code), empty when no answer came back.
	Code string `json:"code,omitempty"`
}

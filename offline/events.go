package offline

import "time"

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventEnqueued: a new job was sealed into the queue (To is StateQueued).
	EventEnqueued EventKind = iota + 1
	// EventState: a job changed state (From → To).
	EventState
	// EventImagesPurged: a job's images were deleted (retention or operator).
	EventImagesPurged
	// EventDeleted: a finished job's record was deleted by retention.
	EventDeleted
	// EventAlert: something the operator must know (a damaged page of the database
	// was read). Message says what. Problems found by Open are in Queue.Alerts.
	EventAlert
)

func (k EventKind) String() string {
	switch k {
	case EventEnqueued:
		return "enqueued"
	case EventState:
		return "state"
	case EventImagesPurged:
		return "images-purged"
	case EventDeleted:
		return "deleted"
	case EventAlert:
		return "alert"
	}
	return "event(?)"
}

// Event is one change in the queue, sent to subscribers after it is committed.
type Event struct {
	Kind    EventKind
	JobID   string
	From    State
	To      State
	Time    time.Time
	Message string
}

// Alert is a problem the operator must be told about.
type Alert struct {
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
}

// Subscribe returns a channel of events and a function that ends the subscription.
// Events are hints: when the subscriber lags and its buffer (at least 1) is full,
// further events are dropped for it, so a subscriber must re-read the queue (Ready,
// Counts) after waking rather than count events.
func (q *Queue) Subscribe(buffer int) (<-chan Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	ch := make(chan Event, buffer)
	q.mu.Lock()
	id := q.nextSub
	q.nextSub++
	q.subs[id] = ch
	q.mu.Unlock()
	return ch, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if c, ok := q.subs[id]; ok {
			delete(q.subs, id)
			close(c)
		}
	}
}

// emitLocked sends events to every subscriber without blocking; q.mu is held.
func (q *Queue) emitLocked(evs ...Event) {
	for _, e := range evs {
		for _, ch := range q.subs {
			select {
			case ch <- e:
			default:
				q.dropped++
			}
		}
	}
}

package app

import "github.com/smartselfie/kiosk-agent/sync/uploader"

// EventKind says what changed.
type EventKind int

// The events the UI is told about; it re-reads Status or Session on each (events are
// hints and may be dropped for a slow subscriber).
const (
	EventSession EventKind = iota // sign-in, sign-out, lock
	EventQueue                    // a job was sealed
	EventSync                     // the sync engine's event (Sync holds it: progress, delivered, halted, …)
	EventCameras                  // the cameras were opened or failed to
	EventEngine                   // the face engine started loading, or loaded (or failed to)
)

// Event is one change.
type Event struct {
	Kind  EventKind
	JobID string
	Sync  *uploader.Event
}

// Subscribe returns a channel of events and a function that ends the subscription.
// An event is dropped for a subscriber whose buffer is full.
func (a *App) Subscribe(buffer int) (<-chan Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	ch := make(chan Event, buffer)
	a.mu.Lock()
	a.subs[ch] = struct{}{}
	a.mu.Unlock()
	return ch, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := a.subs[ch]; ok {
			delete(a.subs, ch)
			close(ch)
		}
	}
}

func (a *App) emit(e Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for ch := range a.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// onSyncEvent receives the sync engine's events (it must not block).
func (a *App) onSyncEvent(e uploader.Event) {
	a.met.set.ObserveSync(e)
	a.emit(Event{Kind: EventSync, JobID: e.JobID, Sync: &e})
}

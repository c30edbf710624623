package offline

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, Settings{})
	events, stop := e.q.Subscribe(1000)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if _, err := e.q.Enqueue(testJob(fmt.Sprintf("w%d-%d", w, i), 200)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	done := make(chan struct{})
	var senders sync.WaitGroup
	for range 2 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for {
				ready, _ := e.q.Ready(1)
				if len(ready) == 0 {
					select {
					case <-done:
						if r, _ := e.q.Ready(1); len(r) == 0 {
							return
						}
					default:
					}
					continue
				}
				id := ready[0].ID
				if _, err := e.q.Claim(id); err != nil {
					if errors.Is(err, ErrBadTransition) {
						continue // the other sender claimed it first
					}
					t.Error(err)
					return
				}
				if _, err := e.q.Load(id); err != nil {
					t.Error(err)
				}
				if _, err := e.q.SetState(id, StateDone, Update{Result: &Result{Code: "0840"}}); err != nil {
					t.Error(err)
				}
				e.q.Counts()
				e.q.List(ListOptions{})
			}
		}()
	}
	wg.Wait()
	close(done)
	senders.Wait()
	stop()
	n := 0
	for ev := range events {
		if ev.Kind == EventState && ev.To == StateDone {
			n++
		}
	}
	if c := e.q.Counts(); c.ByState[StateDone] != 40 || n != 40 {
		t.Fatalf("done = %d, done events = %d, want 40", c.ByState[StateDone], n)
	}
}

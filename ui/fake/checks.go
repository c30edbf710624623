package fake

import (
	"context"
	"sync"

	"github.com/smartselfie/kiosk-agent/ui"
)

// Checks is a ui.Checker that returns fixed results. While Hold is set, Run waits until
// Release (or its context ends), so a test sees the screen while the checks run.
type Checks struct {
	Results []ui.CheckResult
	Err     error

	mu      sync.Mutex
	runs    int
	hold    chan struct{}
	started chan struct{}
}

// DemoChecks are the checks the kiosk runs, in its order, of every level: the disk
// low, the clock unsynchronised, the API unreachable (the last), the others fine.
func DemoChecks() *Checks {
	return &Checks{Results: []ui.CheckResult{
		{Name: "kiosk", Level: ui.LevelOK, Finding: "kiosk.ok"},
		{Name: "cameras", Level: ui.LevelOK, Finding: "cameras.ok"},
		{Name: "models", Level: ui.LevelOK, Finding: "models.ok"},
		{Name: "data_dir", Level: ui.LevelOK, Finding: "data_dir.ok"},
		{Name: "keys", Level: ui.LevelOK, Finding: "keys.ok"},
		{Name: "disk", Level: ui.LevelWarn, Finding: "disk.low", Fix: "disk.free-soon",
			Args: []any{"Free", 150, "Dir", "/var/lib/kiosk-agent", "Floor", 100}},
		{Name: "queue", Level: ui.LevelOK, Finding: "queue.healthy", Args: []any{"Unsent", 3}},
		{Name: "clock", Level: ui.LevelWarn, Finding: "clock.warn", Fix: "fix.details"},
		{Name: "api", Level: ui.LevelFail, Finding: "api.unreachable", Fix: "api.check-network",
			Args: []any{"Host", "https://api.example.com"}},
	}}
}

// Hold makes the next runs wait for Release; Started is closed when one has begun.
func (c *Checks) Hold() (started <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold, c.started = make(chan struct{}), make(chan struct{})
	return c.started
}

// Release lets held runs finish.
func (c *Checks) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hold != nil {
		close(c.hold)
		c.hold = nil
	}
}

// Runs counts the runs begun.
func (c *Checks) Runs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs
}

// Run implements ui.Checker.
func (c *Checks) Run(ctx context.Context) ([]ui.CheckResult, error) {
	c.mu.Lock()
	c.runs++
	hold, started := c.hold, c.started
	c.mu.Unlock()
	if hold != nil {
		close(started)
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.Results, c.Err
}

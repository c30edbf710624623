package clock

import (
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Elapsed is a reading of time that a wall clock step does not move: the id of the
// current boot and the time since that boot (CLOCK_BOOTTIME, which counts suspend).
// Two readings of one boot give the time that really passed between them; readings of
// two boots tell nothing of the time between (the machine may have been off).
type Elapsed struct {
	Boot  string        `json:"boot"`
	Since time.Duration `json:"since"`
}

// Sub returns the time from e0 to e, and false when the two readings are of
// different boots (or e is earlier, which a boot's clock never is).
func (e Elapsed) Sub(e0 Elapsed) (time.Duration, bool) {
	if e.Boot == "" || e.Boot != e0.Boot || e.Since < e0.Since {
		return 0, false
	}
	return e.Since - e0.Since, true
}

// Booter is a Clock that gives Elapsed readings of its own (Fake).
type Booter interface {
	Elapsed() Elapsed
}

// ElapsedOf reads c's Elapsed: its own when c is a Booter, else the kernel's (the
// boot id of /proc/sys/kernel/random/boot_id and CLOCK_BOOTTIME).
func ElapsedOf(c Clock) Elapsed {
	if b, ok := c.(Booter); ok {
		return b.Elapsed()
	}
	return kernelElapsed()
}

var (
	bootOnce sync.Once
	bootID   string
)

func kernelElapsed() Elapsed {
	bootOnce.Do(func() {
		b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
		if err == nil {
			bootID = strings.TrimSpace(string(b))
		}
		if bootID == "" {
			// No boot id: this process's start stands for the boot, so elapsed time
			// still counts within the process and never across two.
			bootID = "process-" + time.Now().UTC().Format(time.RFC3339Nano)
		}
	})
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			return Elapsed{}
		}
	}
	return Elapsed{Boot: bootID, Since: time.Duration(ts.Nano())}
}

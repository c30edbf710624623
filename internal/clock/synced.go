package clock

import "golang.org/x/sys/unix"

// Synced asks the kernel whether NTP keeps the system clock synchronised (adjtimex: not
// TIME_ERROR). False when the kernel cannot tell.
func Synced() bool {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	return err == nil && state != unix.TIME_ERROR
}

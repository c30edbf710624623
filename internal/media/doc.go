// Package media finds the ID photos an operator may import: the files of the import
// folders and of the removable media plugged into the kiosk (USB sticks, SD cards).
// Neither a folder nor a stick is trusted.
//
// Scan walks the roots down to Depth levels, hidden files and folders left out, and
// keeps the regular .jpg, .jpeg and .png files (not FIFOs, devices or links); it stops
// at Max files and at MaxEntries entries looked at (folders are read 256 entries at a
// time, so a folder of a million entries is never read whole), and when its context ends
// (the operator left the screen), so a stick of a million files or a slow medium never
// holds the screen. It is meant to run off the UI goroutine. Reading a listed file goes
// through internal/imagelimit.ReadRegular (O_NONBLOCK|O_NOFOLLOW, fstat), so a file
// turned into a FIFO after the listing cannot block the import either.
//
// RemovableMounts decides what a stick is by its block device, not its file system:
// a mount (/proc/self/mountinfo) whose device (/sys/dev/block/MAJ:MIN) sits on a USB bus
// or whose disk says removable (the sysfs removable flag, 1). A vfat /boot/efi on the
// internal disk is not a stick; an ext4 stick is.
package media

package offline

import (
	"unsafe"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel that this process no longer needs the resident pages
// of the database's memory map. Reading a job's payload faults its pages in, and so does
// bbolt when it rewrites a leaf that shares pages with other payloads; without this a
// queue that has sent hundreds of 300 KB jobs keeps them all counted in its resident
// memory. The pages stay in the page cache: a later read faults them in again cheaply.
//
// It must run inside a read-only transaction: there bbolt holds its mapping lock, so the
// map cannot move or be unmapped meanwhile, and the map is bbolt's read-only shared file
// mapping (never Go's heap, where MADV_DONTNEED would zero live memory).
func releaseMapped(db *bolt.DB, tx *bolt.Tx) {
	const minRelease = 4 << 20 // a small queue is not worth the system call
	size := tx.Size()
	if size < minRelease {
		return
	}
	info := db.Info()
	// info.Data is the map's address as a uintptr; read it as a pointer in place (the
	// mapping is not managed by Go's garbage collector, so this is safe).
	base := *(*unsafe.Pointer)(unsafe.Pointer(&info.Data))
	if base == nil {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(base), size), unix.MADV_DONTNEED) // advisory only
}

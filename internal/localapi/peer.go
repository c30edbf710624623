package localapi

import (
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Peer is the process at the other end of a unix socket, as the kernel recorded it
// when it connected (SO_PEERCRED, SO_PEERGROUPS): it cannot lie about it.
type Peer struct {
	PID    int32
	UID    uint32
	GID    uint32   // primary group
	Groups []uint32 // supplementary groups
}

// PeerOf returns the credentials of c's peer.
func PeerOf(c syscall.Conn) (Peer, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("reading peer credentials: %w", err)
	}
	var p Peer
	var opErr error
	if err := rc.Control(func(fd uintptr) { p, opErr = peerOfFD(int(fd)) }); err != nil {
		return Peer{}, fmt.Errorf("reading peer credentials: %w", err)
	}
	return p, opErr
}

func peerOfFD(fd int) (Peer, error) {
	uc, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return Peer{}, fmt.Errorf("reading peer credentials (SO_PEERCRED): %w", err)
	}
	p := Peer{PID: uc.Pid, UID: uc.Uid, GID: uc.Gid}
	// SO_PEERGROUPS (Linux 4.13+) fills an array of gid_t; ERANGE gives the size.
	buf := make([]uint32, 64)
	for range 2 {
		n := uint32(len(buf) * 4)
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
		switch e {
		case 0:
			p.Groups = append([]uint32(nil), buf[:n/4]...)
			return p, nil
		case unix.ERANGE:
			buf = make([]uint32, n/4+1)
		default:
			return Peer{}, fmt.Errorf("reading peer groups (SO_PEERGROUPS): %w", e)
		}
	}
	return Peer{}, fmt.Errorf("reading peer groups (SO_PEERGROUPS): %w", unix.ERANGE)
}

// unixConn is what ConnContext receives for a unix socket.
var _ syscall.Conn = (*net.UnixConn)(nil)

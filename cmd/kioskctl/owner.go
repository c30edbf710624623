package main

// owner.go: kioskctl run as root on a data folder that belongs to someone else (the
// kiosk's user) works as that owner, so that every file it creates there (queue.db,
// device.key, the sync state) stays the kiosk's. A root-owned device.key or queue.db
// once made the kiosk restart every 2 s for ever.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// becomeOwner is swapped by tests that run in-process (it changes the whole process).
var becomeOwner = dropToOwner

// asDataOwner is called before a command opens or creates anything in dataDir. Run by
// root on a folder that exists and belongs to another user, it makes the whole process
// that user (its group and supplementary groups, then its uid: setresgid, setresuid),
// for good; when that fails it refuses, with the sudo -u line that works. Anyone else,
// or a folder of root's or not there yet, goes on unchanged.
func asDataOwner(g *globals, dataDir string) error {
	if os.Geteuid() != 0 || dataDir == "" {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Stat(dataDir, &st); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("checking the owner of %s: %w", dataDir, err)
	}
	if st.Uid == 0 {
		return nil
	}
	name := strconv.Itoa(int(st.Uid))
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	if err := becomeOwner(int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("%s belongs to %s, and kioskctl runs as root: the files it would create there would be root's and the kiosk could not open them; "+
			"run it as the folder's owner: sudo -u %s kioskctl %s (could not switch to that user: %v)", dataDir, name, name, strings.Join(g.args, " "), err)
	}
	return nil
}

// dropToOwner makes every thread of the process uid, with gid and uid's supplementary
// groups (or gid alone when the user is unknown). Go applies setresuid and setresgid to
// all threads.
func dropToOwner(uid, gid int) error {
	groups := []int{gid}
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		if ids, err := u.GroupIds(); err == nil {
			for _, s := range ids {
				if id, err := strconv.Atoi(s); err == nil && id != gid {
					groups = append(groups, id)
				}
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("setresgid %d: %w", gid, err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("setresuid %d: %w", uid, err)
	}
	if os.Geteuid() != uid || os.Getegid() != gid {
		return fmt.Errorf("still uid %d gid %d after switching", os.Geteuid(), os.Getegid())
	}
	return nil
}

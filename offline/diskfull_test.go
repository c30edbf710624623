package offline

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// mountTmpfs mounts a tmpfs of the given size on a new temp dir, or skips the test
// when mounting is not allowed (not root, or in a container without the right).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v); the disk-full path is then covered only by TestLimits/free_floor", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

func TestDiskFullTmpfs(t *testing.T) {
	t.Run("write fails with ENOSPC", func(t *testing.T) {
		dir := mountTmpfs(t, "3m")
		// Ballast: another file on the same disk, removed later as an operator would
		// free space.
		ballast := dir + "/ballast"
		if err := os.WriteFile(ballast, make([]byte, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		q, err := Open(dir, Options{Settings: noLimits})
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		var full error
		for i := 0; i < 100 && full == nil; i++ {
			id := fmt.Sprintf("j%d", i)
			if _, err := q.Enqueue(testJob(id, 40<<10)); err != nil {
				full = err
				break
			}
			stored = append(stored, id)
		}
		var le *LimitError
		if !errors.Is(full, ErrDiskFull) || !errors.As(full, &le) || !strings.Contains(le.Operator, "disk is full") {
			t.Fatalf("after %d jobs: err = %v, want ErrDiskFull", len(stored), full)
		}
		if len(stored) == 0 {
			t.Fatal("not one job fitted on the tmpfs")
		}
		// Nothing that was acknowledged is lost, and the queue still works.
		for _, id := range stored {
			if _, err := q.Load(id); err != nil {
				t.Fatalf("job %s after disk full: %v", id, err)
			}
		}
		if err := q.Close(); err != nil {
			t.Fatalf("Close after disk full: %v", err)
		}
		q, err = Open(dir, Options{Settings: noLimits})
		if err != nil {
			t.Fatalf("reopen after disk full: %v", err)
		}
		defer q.Close()
		if a := q.Alerts(); len(a) != 0 {
			t.Fatalf("alerts after disk full: %+v", a)
		}
		for _, id := range stored {
			if _, err := q.Load(id); err != nil {
				t.Fatalf("job %s after reopen: %v", id, err)
			}
		}
		// On a disk that is full to the last byte even recording a result needs a
		// page (bbolt copies on write): it fails cleanly, and works once space is freed.
		if _, err := q.Claim(stored[0]); err != nil && !errors.Is(err, ErrDiskFull) {
			t.Fatalf("claim on a full disk: %v", err)
		}
		if err := os.Remove(ballast); err != nil {
			t.Fatal(err)
		}
		if e, _ := q.Get(stored[0]); e.State == StateQueued {
			if _, err := q.Claim(stored[0]); err != nil {
				t.Fatalf("claim after freeing space: %v", err)
			}
		}
		if _, err := q.SetState(stored[0], StateDone, Update{Result: &Result{Code: "0840"}}); err != nil {
			t.Fatalf("finishing a job on a full disk: %v", err)
		}
		if _, err := q.Enqueue(testJob("after", 40<<10)); err != nil {
			t.Fatalf("enqueue after freeing a job: %v", err)
		}
	})
	t.Run("free floor measured by statfs", func(t *testing.T) {
		dir := mountTmpfs(t, "4m")
		set := noLimits
		set.MinFreeDiskMB = 2
		q, err := Open(dir, Options{Settings: set})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		var n int
		for ; n < 100; n++ {
			_, err = q.Enqueue(testJob(fmt.Sprintf("j%d", n), 40<<10))
			if err != nil {
				break
			}
		}
		var le *LimitError
		if !errors.Is(err, ErrDiskFull) || !errors.As(err, &le) || !strings.Contains(le.Operator, "MB free (at least 2 MB") {
			t.Fatalf("after %d jobs: %v", n, err)
		}
		free, _ := FreeBytes(dir)
		if free < 1<<20 {
			t.Fatalf("the floor let the disk fill to %d bytes free", free)
		}
	})
}

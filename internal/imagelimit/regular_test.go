package imagelimit

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// ReadRegular reads only regular files: a FIFO with no writer, a device and a link are
// refused at once (a FIFO used to block the reader for ever), and a file over its limit
// is refused from fstat.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(photo, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.jpg")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jpg")
	if err := os.Symlink(photo, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegular(photo, 0); err != nil || string(b) != "0123456789" {
		t.Fatalf("photo: %q, %v", b, err)
	}
	if _, err := ReadRegular(photo, 5); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if b, size, err := ReadRegularPrefix(photo, 4, 0); err != nil || string(b) != "0123" || size != 10 {
		t.Fatalf("prefix: %q %d %v", b, size, err)
	}
	for _, p := range []string{fifo, link, "/dev/zero", dir} {
		done := make(chan error, 1)
		go func() { _, err := ReadRegular(p, 0); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) {
				t.Fatalf("%s: %v, want ErrNotRegular", p, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the read blocked", p)
		}
	}
	if _, err := ReadRegular(filepath.Join(dir, "missing.jpg"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

// The decode budget: a reservation that does not fit waits for the ones before it.
func TestReserveWaits(t *testing.T) {
	first := Reserve(MaxDecodeBytes)
	if got := ReservedNow(); got != MaxDecodeBytes {
		t.Fatalf("reserved %d, want %d", got, MaxDecodeBytes)
	}
	small := Reserve(DecodeBudget - MaxDecodeBytes) // fits beside it
	done := make(chan struct{})
	go func() {
		r := Reserve(MaxDecodeBytes) // does not fit until first is released
		close(done)
		r()
	}()
	select {
	case <-done:
		t.Fatal("a second decode at the limit did not wait for the first")
	case <-time.After(200 * time.Millisecond):
	}
	first()
	first() // releasing twice gives back once
	small()
	<-done
	if got := ReservedNow(); got != 0 {
		t.Fatalf("reserved %d after every release", got)
	}
	Reserve(10 * DecodeBudget)() // more than the whole: takes the whole, alone
}

package offline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// openClose is what `kioskctl queue list` does to the data dir: open, read, close.
func openClose(dir string) error {
	q, err := Open(dir, Options{Settings: noLimits, LockTimeout: time.Minute})
	if err != nil {
		return err
	}
	if _, err := q.List(ListOptions{}); err != nil {
		q.Close()
		return err
	}
	return q.Close()
}

// Two openers racing on fresh data dirs: the key recorded in the database must be
// the key left on disk, every time.
func TestDeviceKeyCreatedOnceConcurrently(t *testing.T) {
	for i := range 40 {
		dir := filepath.Join(t.TempDir(), "data")
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[g] = openClose(dir)
			}()
		}
		close(start)
		wg.Wait()
		for g, err := range errs {
			if err != nil {
				t.Fatalf("dir %d, opener %d: %v", i, g, err)
			}
		}
		if err := openClose(dir); err != nil {
			t.Fatalf("dir %d: reopening after two concurrent first opens: %v", i, err)
		}
	}
}

// childOpen waits for stdin to close, then opens and closes the queue once.
func childOpen(dir string) int {
	var b [1]byte
	os.Stdin.Read(b[:])
	if err := openClose(dir); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ok")
	return 0
}

// The same race between two real processes, as two `kioskctl queue list` would run it.
func TestDeviceKeyCreatedOnceTwoProcesses(t *testing.T) {
	for i := range 8 {
		dir := filepath.Join(t.TempDir(), "data")
		type child struct {
			wait func() error
			in   interface{ Close() error }
			out  chan string
		}
		var kids []child
		for range 2 {
			cmd, out, in := startChild(t, "open", dir, 0)
			c := child{wait: cmd.Wait, in: in, out: make(chan string, 1)}
			go func() { b, _ := io.ReadAll(out); c.out <- string(b) }()
			kids = append(kids, c)
		}
		for _, c := range kids {
			c.in.Close() // both start at once
		}
		for p, c := range kids {
			said := <-c.out
			if err := c.wait(); err != nil || said != "ok\n" {
				t.Fatalf("dir %d, process %d: %v: %s", i, p, err, said)
			}
		}
		if err := openClose(dir); err != nil {
			t.Fatalf("dir %d: reopening after two processes opened it at once: %v", i, err)
		}
	}
}

func TestDeviceKeyNotRecreatedWhenMissing(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j", 100))
	e.q.Close()
	keyPath := filepath.Join(e.dir, DeviceKeyFile)
	_ = os.Remove(keyPath)
	_, err := Open(e.dir, e.options(Settings{}))
	if !errors.Is(err, ErrWrongDeviceKey) || !strings.Contains(err.Error(), "restore") {
		t.Fatalf("Open with the key missing: %v", err)
	}
	if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created a new device key over a sealed queue: %v", err)
	}
}

func TestDeviceKeyCRLF(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j", 100))
	e.q.Close()
	keyPath := filepath.Join(e.dir, DeviceKeyFile)
	orig, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"crlf":             bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n")),
		"no final newline": bytes.TrimRight(orig, "\n"),
		"trailing blanks":  append(bytes.ReplaceAll(orig, []byte("\n"), []byte(" \r\n")), '\n'),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(keyPath, content, 0o600); err != nil {
				t.Fatal(err)
			}
			e.open(t, Settings{})
			if _, err := e.q.Load("j"); err != nil {
				t.Fatalf("Load with the key rewritten: %v", err)
			}
			e.q.Close()
		})
	}
}

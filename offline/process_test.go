package offline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests below run the test binary again as a child process: with
// OFFLINE_TEST_CHILD set, TestMain runs the child's part instead of the tests.
const childEnv = "OFFLINE_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "hold":
		os.Exit(childHold(os.Getenv("OFFLINE_TEST_DIR")))
	case "open":
		os.Exit(childOpen(os.Getenv("OFFLINE_TEST_DIR")))
	case "figures":
		os.Exit(childFigures(os.Getenv("OFFLINE_TEST_DIR")))
	case "crash":
		seed, _ := strconv.ParseUint(os.Getenv("OFFLINE_TEST_SEED"), 10, 64)
		os.Exit(childCrash(os.Getenv("OFFLINE_TEST_DIR"), seed))
	default:
		fmt.Fprintln(os.Stderr, "unknown child", os.Getenv(childEnv))
		os.Exit(3)
	}
}

var noLimits = Settings{MaxJobs: -1, MaxDiskMB: -1, MinFreeDiskMB: -1, MaxOldestUnsentDays: -1}

// childHold opens the queue and keeps it open until stdin closes.
func childHold(dir string) int {
	q, err := Open(dir, Options{Settings: noLimits})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	defer q.Close()
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

func startChild(t *testing.T, kind, dir string, seed uint64) (*exec.Cmd, *bufio.Reader, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+kind, "OFFLINE_TEST_DIR="+dir, "OFFLINE_TEST_SEED="+strconv.FormatUint(seed, 10))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewReader(out), in
}

func TestLockedBySecondProcess(t *testing.T) {
	dir := t.TempDir()
	cmd, out, in := startChild(t, "hold", dir, 0)
	defer cmd.Wait()
	defer in.Close()
	line, err := out.ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("child: %q %v", line, err)
	}
	_, err = Open(dir, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir+"/"+DBFile) || !strings.Contains(err.Error(), "another process") {
		t.Fatalf("Open while another process holds the file: %v", err)
	}
	in.Close()
	cmd.Wait()
	q, err := Open(dir, Options{LockTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("Open after the other process ended: %v", err)
	}
	q.Close()
}

// childCrash enqueues jobs and moves them through their states until it is killed.
// It prints "enq ID" after Enqueue returns and "state ID STATE" after SetState returns.
func childCrash(dir string, seed uint64) int {
	q, err := Open(dir, Options{Settings: noLimits})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("ready")
	r := rand.New(rand.NewPCG(seed, 99))
	say := func(format string, a ...any) { fmt.Printf(format+"\n", a...) }
	for n := 0; ; n++ {
		if r.IntN(2) == 0 {
			id := fmt.Sprintf("c%d-%d", seed, n)
			if _, err := q.Enqueue(testJob(id, 512+r.IntN(2048))); err != nil {
				say("error enqueue %s: %v", id, err)
				return 1
			}
			say("enq %s", id)
			continue
		}
		ready, err := q.Ready(8)
		if err != nil {
			say("error ready: %v", err)
			return 1
		}
		if len(ready) == 0 {
			continue
		}
		id := ready[r.IntN(len(ready))].ID
		if _, err := q.Claim(id); err != nil {
			say("error claim %s: %v", id, err)
			return 1
		}
		say("state %s sending", id)
		if _, err := q.Load(id); err != nil {
			say("error load %s: %v", id, err)
			return 1
		}
		var to State
		var u Update
		switch k := r.IntN(10); {
		case k < 6:
			to, u = StateDone, Update{Result: &Result{Code: "0840", Text: "Face Match", SmileJobID: "s-" + id}}
		case k < 7:
			to, u = StateFailed, Update{Reason: "2204"}
		case k < 8:
			to, u = StateNeedsOperator, Update{Reason: "2209"}
		default:
			to, u = StateQueued, Update{Reason: "timeout", Attempts: 1}
		}
		if _, err := q.SetState(id, to, u); err != nil {
			say("error set %s: %v", id, err)
			return 1
		}
		say("state %s %s", id, to)
	}
}

// rank orders states along the crash child's paths; a job may never be seen at a
// lower rank than acknowledged (sending counts as queued: it is reset at open).
func rank(s State) int {
	switch s {
	case StateQueued, StateSending:
		return 1
	case StateDone, StateFailed, StateNeedsOperator:
		return 2
	}
	return 0
}

func TestCrashKill200(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	rounds := 200
	if s := os.Getenv("OFFLINE_CRASH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[string]State{}  // last acknowledged state of each job
	seen := map[string]State{}   // state seen at the last verification
	checked := map[string]bool{} // payload verified since its last change
	var totalAcks, killsBeforeReady int
	for round := 1; round <= rounds; round++ {
		cmd, out, in := startChild(t, "crash", dir, uint64(round))
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			for {
				l, err := out.ReadString('\n')
				if err != nil {
					return // a torn last line is dropped: it was not acknowledged
				}
				lines <- strings.TrimSuffix(l, "\n")
			}
		}()
		var ready bool
		if rng.IntN(10) == 0 {
			time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		} else {
			for l := range lines {
				if l == "ready" {
					ready = true
					break
				}
				t.Fatalf("round %d: child said %q before ready", round, l)
			}
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			f := strings.Fields(l)
			switch {
			case l == "ready":
				ready = true
			case len(f) == 2 && f[0] == "enq":
				acked[f[1]] = StateQueued
				totalAcks++
			case len(f) == 3 && f[0] == "state":
				s, err := ParseState(f[2])
				if err != nil {
					t.Fatalf("round %d: %q", round, l)
				}
				acked[f[1]] = s
				totalAcks++
			default:
				t.Fatalf("round %d: child: %q", round, l)
			}
		}
		cmd.Wait()
		in.Close()
		if !ready {
			killsBeforeReady++
		}

		q, err := Open(dir, Options{Settings: noLimits})
		if err != nil {
			t.Fatalf("round %d: Open after SIGKILL: %v", round, err)
		}
		if a := q.Alerts(); len(a) > 0 {
			t.Fatalf("round %d: alerts after SIGKILL: %+v", round, a)
		}
		all, err := q.List(ListOptions{})
		if err != nil {
			t.Fatalf("round %d: List: %v", round, err)
		}
		now := map[string]Entry{}
		for _, e := range all {
			now[e.ID] = e
		}
		for id, s := range acked {
			e, ok := now[id]
			if !ok {
				t.Fatalf("round %d: acknowledged job %s is missing", round, id)
			}
			if rank(e.State) < rank(s) || (rank(s) == 2 && e.State != s) {
				t.Fatalf("round %d: job %s acknowledged %v, found %v", round, id, s, e.State)
			}
		}
		for id, e := range now {
			if e.State == StateQuarantined || e.State == StateSending {
				t.Fatalf("round %d: job %s is %v after open (%s)", round, id, e.State, e.Reason)
			}
			if prev, ok := seen[id]; ok && (rank(e.State) < rank(prev) || (rank(prev) == 2 && e.State != prev)) {
				t.Fatalf("round %d: job %s went back from %v to %v", round, id, prev, e.State)
			}
			if e.State == StateDone && !e.ImagesPurged {
				t.Fatalf("round %d: done job %s kept its images", round, id)
			}
			if seen[id] != e.State {
				checked[id] = false
			}
			seen[id] = e.State
			if !checked[id] && !e.ImagesPurged {
				j, err := q.Load(id)
				if err != nil {
					t.Fatalf("round %d: job %s does not open: %v", round, id, err)
				}
				if j.ID != id || len(j.Liveness) != 4 {
					t.Fatalf("round %d: job %s opened wrong: %s, %d frames", round, id, j.ID, len(j.Liveness))
				}
				checked[id] = true
			}
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d kills (%d before the child was ready), %d acknowledged operations, %d jobs", rounds, killsBeforeReady, totalAcks, len(seen))
	if totalAcks < rounds {
		t.Fatalf("only %d acknowledged operations in %d rounds: the child barely ran", totalAcks, rounds)
	}
}

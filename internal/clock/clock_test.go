package clock

import (
	"context"
	"testing"
	"time"
)

func TestFakeTimersFireInOrder(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	a := f.NewTimer(2 * time.Second)
	b := f.NewTimer(1 * time.Second)
	f.Advance(500 * time.Millisecond)
	select {
	case <-a.C():
		t.Fatal("timer a fired early")
	case <-b.C():
		t.Fatal("timer b fired early")
	default:
	}
	f.Advance(time.Second)
	select {
	case got := <-b.C():
		if want := start.Add(1500 * time.Millisecond); !got.Equal(want) {
			t.Fatalf("b fired at %v, want %v", got, want)
		}
	default:
		t.Fatal("timer b did not fire")
	}
	if f.Pending() != 1 {
		t.Fatalf("pending = %d, want 1", f.Pending())
	}
	if !a.Stop() {
		t.Fatal("Stop of an active timer reported inactive")
	}
	f.Advance(time.Hour)
	select {
	case <-a.C():
		t.Fatal("stopped timer fired")
	default:
	}
}

func TestFakeResetAndSleep(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan error, 1)
	go func() { done <- Sleep(context.Background(), f, time.Minute) }()
	for f.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	if d, ok := f.NextDeadline(); !ok || !d.Equal(time.Unix(60, 0)) {
		t.Fatalf("next deadline = %v %v", d, ok)
	}
	f.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatalf("Sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, f, time.Hour); err == nil {
		t.Fatal("Sleep with a cancelled context returned nil")
	}
}

package codes

import (
	"strings"
	"testing"
)

func TestStateNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range States {
		name := s.String()
		if seen[name] || strings.HasPrefix(name, "state(") {
			t.Errorf("state %d: name %q missing or given twice", uint8(s), name)
		}
		seen[name] = true
		got, err := ParseState(name)
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", name, got, err)
		}
		b, err := s.MarshalText()
		var back State
		if err != nil || back.UnmarshalText(b) != nil || back != s {
			t.Errorf("state %v: text %q, %v, back %v", s, b, err, back)
		}
	}
	if len(seen) != len(stateNames) {
		t.Errorf("States lists %d states, the names are %d", len(seen), len(stateNames))
	}
	if _, err := ParseState("lost"); err == nil {
		t.Error("ParseState(lost) did not fail")
	}
	if _, err := State(0).MarshalText(); err == nil {
		t.Error("the zero state was written")
	}
	for s, unsent := range map[State]bool{StateQueued: true, StateSending: true, StateHeld: true, StateDone: false, StateFailed: false} {
		if s.Unsent() != unsent {
			t.Errorf("%v.Unsent() = %v", s, !unsent)
		}
	}
}

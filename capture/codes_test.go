package capture

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(errors.New("x")) != CodeOther {
		t.Error("nil or an unknown error")
	}
	for _, c := range errorCodes {
		if got := ErrorCode(fmt.Errorf("taking the selfie: %w", c.err)); got != c.code {
			t.Errorf("ErrorCode(wrapped %v) = %q, want %q", c.err, got, c.code)
		}
	}
	if got := ErrorCode(fmt.Errorf("%w after 5s: last problems", ErrNotAccepted)); got != CodeNotAccepted {
		t.Errorf("not accepted: %q", got)
	}
}

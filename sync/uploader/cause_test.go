package uploader

import "testing"

func TestHaltCause(t *testing.T) {
	for code, want := range map[string]string{"2205": HaltCredentials, "2214": HaltNotActivated, "2220": HaltNoProduction, "": HaltConfig, "2999": HaltOther} {
		if got := (Halt{Code: code}).Cause(); got != want {
			t.Errorf("Halt{Code: %q}.Cause() = %q, want %q", code, got, want)
		}
	}
}

package kioskui

import (
	"errors"
	"testing"

	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
)

// The store's reason for refusing a PIN reaches the operators page, which says it in
// the operator's language (ui.WeakPINError → internal/messages' pin.<rule>).
func TestWeakPINReasonReachesTheScreen(t *testing.T) {
	err := adminError(offline.ValidatePIN("147258"))
	var we *ui.WeakPINError
	if !errors.As(err, &we) || we.Rule != offline.PINRuleKeypad || !errors.Is(err, ui.ErrWeakPIN) {
		t.Fatalf("adminError = %#v", err)
	}
}

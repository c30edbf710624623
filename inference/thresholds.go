package inference

import "github.com/smartselfie/kiosk-agent/inference/gates"

// Thresholds are the quality-gate, liveness and match limits (config key "inference");
// a zero field means "use the default". See package gates for each field and for how
// the defaults were chosen.
type Thresholds = gates.Thresholds

// DefaultThresholds returns the default thresholds (gates.Default).
func DefaultThresholds() Thresholds { return gates.Default() }

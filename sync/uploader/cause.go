package uploader

// The causes of a halt (Halt.Cause): internal/messages has a sentence for each
// ("alert.halt." + cause; "alert.halt.skew-behind" or "-ahead" when Halt.Skew is set).
const (
	HaltCredentials  = "2205"   // the API refused the credentials (or the clock)
	HaltNotActivated = "2214"   // the product is not activated for the partner
	HaltNoProduction = "2220"   // production is not enabled for the partner
	HaltConfig       = "config" // the configuration cannot send (no answer from the API)
	HaltOther        = "other"  // another answer that halts
)

// Cause is the halt's stable cause, one of the Halt* codes.
func (h Halt) Cause() string {
	switch h.Code {
	case HaltCredentials, HaltNotActivated, HaltNoProduction:
		return h.Code
	case "":
		return HaltConfig
	}
	return HaltOther
}

package capture

import "errors"

// The codes of ErrorCode: internal/messages has an operator sentence for each
// ("capture." + code).
const (
	CodeUnplugged         = "unplugged"          // ErrUnplugged
	CodeBusy              = "busy"               // ErrBusy
	CodePermission        = "permission"         // ErrPermission
	CodeUnsupportedFormat = "unsupported_format" // ErrUnsupportedFormat
	CodeNoCamera          = "no_camera"          // ErrNoCamera
	CodeTimeout           = "timeout"            // ErrTimeout
	CodeClosed            = "closed"             // ErrClosed
	CodeBadFrame          = "bad_frame"          // ErrShortFrame, ErrBadJPEG
	CodeNotAccepted       = "not_accepted"       // ErrNotAccepted
	CodeOther             = "other"              // any other error
)

// errorCodes maps the sentinel errors to their codes, the more specific first.
var errorCodes = []struct {
	err  error
	code string
}{
	{ErrNotAccepted, CodeNotAccepted},
	{ErrUnplugged, CodeUnplugged},
	{ErrBusy, CodeBusy},
	{ErrPermission, CodePermission},
	{ErrUnsupportedFormat, CodeUnsupportedFormat},
	{ErrNoCamera, CodeNoCamera},
	{ErrTimeout, CodeTimeout},
	{ErrShortFrame, CodeBadFrame},
	{ErrBadJPEG, CodeBadFrame},
	{ErrClosed, CodeClosed},
}

// ErrorCode is the stable code of a source's or a procedure's error (errors.Is on the
// sentinel errors), CodeOther for any other; "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return CodeOther
}

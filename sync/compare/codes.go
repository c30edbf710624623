package compare

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Result codes of a 200 answer.
const (
	CodeMatch       = "0840" // Face Match (approved)
	CodeNoMatch     = "0841" // No Match - No Face Match (rejected)
	CodeIdentical   = "0941" // No Match - The compared images are identical (rejected)
	CodeDataInvalid = "0001" // Data Invalid / System Error (job-level failure)
)

// Error codes of a 4xx/5xx answer.
const (
	CodeSystemError     = "2201" // retry later
	CodeSystemBusy      = "2210" // retry later
	CodeInvalidParam    = "2204" // a parameter has the wrong type or value
	CodeUnauthorized    = "2205" // bad signature, key, environment or timestamp
	CodeAlreadyEnrolled = "2209" // user already enrolled
	CodeNotActivated    = "2214" // product not activated for this account
	CodeJobExists       = "2215" // job already exists for this job_id
	CodeNoProduction    = "2220" // production not enabled for this account
	CodeInputsIncorrect = "2413" // inputs incorrect or missing
)

// ResultText is the text of each result code.
var ResultText = map[string]string{
	CodeMatch:       "Face Match",
	CodeNoMatch:     "No Match - No Face Match",
	CodeIdentical:   "No Match - The compared images are identical",
	CodeDataInvalid: "Data Invalid / System Error",
}

// ResultStatus is the status of each result code that carries one.
var ResultStatus = map[string]string{
	CodeMatch:     "approved",
	CodeNoMatch:   "rejected",
	CodeIdentical: "rejected",
}

// Class says what the caller must do after a failed Submit.
type Class int

const (
	// ClassRetry: try again later with backoff (network errors, 5xx, 2201, 2210);
	// honour Error.RetryAfter when set.
	ClassRetry Class = iota + 1
	// ClassPermanent: this job cannot succeed as it is; mark it failed and show why.
	ClassPermanent
	// ClassHalt: stop all sending and alert the operator (2205, 2214, 2220): the
	// kiosk's configuration, account or clock is at fault, not the job.
	ClassHalt
	// ClassOperator: the user is already enrolled (2209); only an operator may re-send
	// the job with allow_new_enroll.
	ClassOperator
	// ClassReconcile: the job already reached the server (2215); never resend it under a
	// new id silently.
	ClassReconcile
)

func (c Class) String() string {
	switch c {
	case ClassRetry:
		return "retry"
	case ClassPermanent:
		return "permanent"
	case ClassHalt:
		return "halt"
	case ClassOperator:
		return "operator"
	case ClassReconcile:
		return "reconcile"
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Sentinels that errors.Is matches against an *Error of the same class.
var (
	ErrRetry     = errors.New("compare: retry later")
	ErrPermanent = errors.New("compare: permanent failure of this job")
	ErrHalt      = errors.New("compare: halt all sending")
	ErrOperator  = errors.New("compare: operator decision needed")
	ErrReconcile = errors.New("compare: job already on the server, reconcile")
	// ErrInvalidRequest: Request.Validate found a problem before anything was sent
	// (wrapped in an *Error of ClassPermanent).
	ErrInvalidRequest = errors.New("invalid request")
)

func (c Class) sentinel() error {
	switch c {
	case ClassRetry:
		return ErrRetry
	case ClassPermanent:
		return ErrPermanent
	case ClassHalt:
		return ErrHalt
	case ClassOperator:
		return ErrOperator
	case ClassReconcile:
		return ErrReconcile
	}
	return nil
}

// Classify returns the class of an error answer with code and HTTP status.
func Classify(code string, status int) Class {
	switch code {
	case CodeSystemError, CodeSystemBusy:
		return ClassRetry
	case CodeUnauthorized, CodeNotActivated, CodeNoProduction:
		return ClassHalt
	case CodeAlreadyEnrolled:
		return ClassOperator
	case CodeJobExists:
		return ClassReconcile
	}
	if status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout {
		return ClassRetry
	}
	return ClassPermanent
}

// Error is every failure of Submit. Class says what to do; Code and Message are the
// server's when it answered.
type Error struct {
	Class      Class
	Code       string        // the server's code ("2204"), empty for network errors
	Message    string        // the server's error text, or what we were doing
	HTTPStatus int           // 0 when no answer came
	RetryAfter time.Duration // from Retry-After; 0 when absent
	ServerDate time.Time     // from the answer's Date header; zero when absent
	Err        error         // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("compare: ")
	if e.Code != "" {
		fmt.Fprintf(&b, "%s ", e.Code)
	}
	b.WriteString(e.Message)
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	fmt.Fprintf(&b, " [%s", e.Class)
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
	}
	b.WriteString("]")
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches the class sentinels (ErrRetry, ErrHalt, ...).
func (e *Error) Is(target error) bool {
	s := e.Class.sentinel()
	return s != nil && target == s
}

// ClassOf returns the class of err: the Class of an *Error in its chain, and ClassRetry
// for any other error (treated as transient). nil gives 0.
func ClassOf(err error) Class {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassRetry
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			return 0
		}
		if d > 24*time.Hour {
			d = 24 * time.Hour
		}
		return d
	}
	return 0
}

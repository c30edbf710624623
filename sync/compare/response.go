package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Actions are the check values that come with a result (the sandbox returns them under
// "actions"); each is "Passed", "Failed" or empty when the server did not say.
type Actions struct {
	LivenessCheck  string `json:"Liveness_Check,omitempty"`
	SelfieCheck    string `json:"Selfie_Check,omitempty"`
	SelfieProvided string `json:"Selfie_Provided,omitempty"`
}

// Result is a 200 answer in which a comparison was made.
type Result struct {
	Code          string // CodeMatch, CodeNoMatch or CodeIdentical
	Text          string // the server's message, e.g. "Face Match"
	Status        string // approved or rejected
	HTTPStatus    int
	SmileJobID    string // the server's job id
	UserID        string
	PartnerID     string
	JobType       string
	PartnerParams map[string]any
	Actions       Actions
	CreatedAt     string
	UpdatedAt     string
	ServerDate    time.Time // from the Date header; zero when absent
	// Raw is the server's answer as received (JSON), for --json output and audit.
	Raw json.RawMessage
}

// Matched reports whether the faces matched (0840).
func (r *Result) Matched() bool { return r.Code == CodeMatch }

// wireResult is the JSON of a 200 answer.
type wireResult struct {
	Code          string          `json:"code"`
	CreatedAt     string          `json:"created_at"`
	JobType       json.RawMessage `json:"job_type"`
	Message       string          `json:"message"`
	JobID         string          `json:"job_id"`
	UserID        string          `json:"user_id"`
	PartnerID     string          `json:"partner_id"`
	PartnerParams map[string]any  `json:"partner_params"`
	UpdatedAt     string          `json:"updated_at"`
	Status        string          `json:"status"`
	Actions       Actions         `json:"actions"`
	Error         string          `json:"error"` // an error code in a 200 answer
}

// wireError is the JSON of an error answer.
type wireError struct {
	Code    string `json:"code"`
	Error   string `json:"error"`
	Success *bool  `json:"success"`
}

const maxResponseBytes = 1 << 20

// ParseResponse turns an answer (status, headers, body) into a Result or an *Error.
// It never panics on any input; now is used to resolve an HTTP-date Retry-After.
func ParseResponse(status int, h http.Header, body []byte, now time.Time) (*Result, error) {
	var date time.Time
	if d := h.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil {
			date = t
		}
	}
	retryAfter := parseRetryAfter(h.Get("Retry-After"), now)
	fail := func(class Class, code, msg string, err error) (*Result, error) {
		return nil, &Error{Class: class, Code: code, Message: msg, HTTPStatus: status, RetryAfter: retryAfter, ServerDate: date, Err: err}
	}
	trimmed := bytes.TrimSpace(body)
	if status == http.StatusOK {
		var w wireResult
		if err := json.Unmarshal(trimmed, &w); err != nil {
			// A 200 that is not ours (a captive portal, a proxy page): the job's fate is
			// unknown, so retry; a resend that reached the server answers 2215.
			return fail(ClassRetry, "", "answer is not the compare API's JSON: "+snippet(trimmed), err)
		}
		switch w.Code {
		case CodeMatch, CodeNoMatch, CodeIdentical:
		case CodeDataInvalid:
			msg := w.Message
			if msg == "" {
				msg = ResultText[CodeDataInvalid]
			}
			return fail(ClassPermanent, w.Code, msg, nil)
		case "":
			return fail(ClassRetry, "", "answer has no code: "+snippet(trimmed), nil)
		default:
			// An error code in a 200 answer: treat it as an error answer.
			msg := w.Message
			if msg == "" {
				msg = w.Error
			}
			if msg == "" {
				msg = "unexpected code in a 200 answer"
			}
			return fail(Classify(w.Code, status), w.Code, msg, nil)
		}
		jobType := string(w.JobType)
		var s string
		if json.Unmarshal(w.JobType, &s) == nil {
			jobType = s
		}
		return &Result{
			Code: w.Code, Text: w.Message, Status: w.Status, HTTPStatus: status,
			SmileJobID: w.JobID, UserID: w.UserID, PartnerID: w.PartnerID, JobType: jobType,
			PartnerParams: w.PartnerParams, Actions: w.Actions,
			CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, ServerDate: date,
			Raw: json.RawMessage(bytes.Clone(trimmed)),
		}, nil
	}
	var w wireError
	if err := json.Unmarshal(trimmed, &w); err != nil || !isContractCode(w.Code) {
		class, msg := classifyUncoded(status, h)
		if status < 300 || status >= 400 { // a redirect's page says nothing more
			msg += ": " + snippet(trimmed)
		}
		return fail(class, "", msg, nil)
	}
	msg := w.Error
	if msg == "" {
		msg = http.StatusText(status)
	}
	return fail(Classify(w.Code, status), w.Code, msg, nil)
}

// isContractCode reports a code of the contract's error answers: four digits.
func isContractCode(code string) bool {
	if len(code) != 4 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// classifyUncoded classes an answer other than 200 that carries no contract code, and
// says what it means. Such an answer did not come from the compare API's handler:
// a redirect (captive portal, proxy login, http→https), a 404 (a wrong path in
// api_url) or another 4xx (a proxy or firewall) says the configuration or the network
// is wrong, not the job, so sending halts and the jobs stay queued; a 5xx, 408 or 429
// is passing; a 1xx or 2xx leaves the job's fate unknown, so it is retried (a resend
// that reached the server answers 2215).
func classifyUncoded(status int, h http.Header) (Class, string) {
	head := fmt.Sprintf("HTTP %d %s without a compare API code", status, http.StatusText(status))
	switch {
	case status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout:
		return ClassRetry, head
	case status < 300:
		return ClassRetry, head
	case status < 400:
		return ClassHalt, fmt.Sprintf("api_url answered a redirect (HTTP %d to %s), which is not followed: "+
			"a captive portal or a proxy that wants a login is in the way, or api_url should be the https:// address", status, hostOf(h.Get("Location")))
	case status == http.StatusNotFound:
		return ClassHalt, head + ": the server at api_url has no compare endpoint at " + Path + "; check api_url (the base URL, without the path)"
	case status == http.StatusProxyAuthRequired:
		return ClassHalt, head + ": a proxy wants a login; fix the network's proxy settings"
	}
	return ClassHalt, head + ": something other than the compare API answered (a proxy or firewall?); check api_url and the network"
}

// snippet returns the start of a body for an error message, printable and short.
func snippet(b []byte) string {
	const max = 120
	if len(b) == 0 {
		return "(empty body)"
	}
	s := string(b)
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
}

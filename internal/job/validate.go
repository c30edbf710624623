package job

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every *Error: the job is missing something the
// compare API requires, or has something it refuses.
var ErrInvalid = errors.New("invalid job")

// Code names one kind of problem; codes are stable, for a UI to translate.
type Code string

// The problem codes of Validate.
const (
	CodeJobID           Code = "job_id_invalid"          // empty or against IDRule (Value: the id)
	CodeUserID          Code = "user_id_missing"         // blank
	CodeComparisonType  Code = "comparison_type_invalid" // not ID_PHOTO, PORTRAIT or DOCUMENT (Value: the type)
	CodeImageMissing    Code = "image_missing"           // an image is empty (Field, Index)
	CodeImageNotJPEG    Code = "image_not_jpeg"          // an image is not a JPEG (Field, Index)
	CodeLivenessCount   Code = "liveness_count"          // fewer than MinLiveness or more than MaxLiveness (Value: the count)
	CodeReservedParam   Code = "partner_param_reserved"  // a partner param uses a reserved key (Value: the key)
	CodeCallbackMissing Code = "callback_url_missing"    // ValidateSend: no callback URL
	CodeCallbackNotHTTP Code = "callback_url_invalid"    // not an http(s) URL with a host (Value: the URL)
)

// Problem is one thing wrong with a job.
type Problem struct {
	Code Code
	// Field is the API form field concerned: job_id, user_id, comparison_image_type,
	// selfie_image, comparison_image, liveness_images, partner_params, callback_url.
	Field string
	// Index is the liveness image's number (from 1) for problems of one liveness image.
	Index int
	// Value is the offending value when it is safe to show (never a user id or image).
	Value string
	// Message says in English what is wrong and what to do.
	Message string
}

// Error lists every problem of a job. It matches ErrInvalid.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return "invalid job: " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Has reports whether the error lists a problem with code c.
func (e *Error) Has(c Code) bool {
	for _, p := range e.Problems {
		if p.Code == c {
			return true
		}
	}
	return false
}

// Validate reports in one *Error everything the compare API would refuse in j, except a
// missing callback URL (the sender fills the configured one; see ValidateSend). It
// returns nil for a valid job.
func (j *Job) Validate() error { return j.validate(false) }

// ValidateSend is Validate for a job about to be sent: the callback URL is required too.
func (j *Job) ValidateSend() error { return j.validate(true) }

func (j *Job) validate(sending bool) error {
	var ps []Problem
	add := func(p Problem) { ps = append(ps, p) }
	if j.ID == "" {
		add(Problem{Code: CodeJobID, Field: "job_id", Message: "the job id is empty: give a job id unique for this partner"})
	} else if !ValidID(j.ID) {
		add(Problem{Code: CodeJobID, Field: "job_id", Value: clip(j.ID),
			Message: fmt.Sprintf("job id %q is not %s", clip(j.ID), IDRule)})
	}
	if !ValidUserID(j.UserID) {
		add(Problem{Code: CodeUserID, Field: "user_id", Message: "the user id is empty: give the customer's user id"})
	}
	if !j.ComparisonType.Valid() {
		add(Problem{Code: CodeComparisonType, Field: "comparison_image_type", Value: clip(string(j.ComparisonType)),
			Message: fmt.Sprintf("comparison type %q is not one of ID_PHOTO, PORTRAIT, DOCUMENT", clip(string(j.ComparisonType)))})
	}
	image := func(field, name string, index int, b []byte) {
		switch {
		case len(b) == 0:
			add(Problem{Code: CodeImageMissing, Field: field, Index: index, Message: "the " + name + " is missing"})
		case !IsJPEG(b):
			add(Problem{Code: CodeImageNotJPEG, Field: field, Index: index, Message: "the " + name + " is not a JPEG image: convert it to JPEG first"})
		}
	}
	image("selfie_image", "selfie image", 0, j.Selfie)
	image("comparison_image", "comparison image", 0, j.Comparison)
	if n := len(j.Liveness); n < MinLiveness || n > MaxLiveness {
		add(Problem{Code: CodeLivenessCount, Field: "liveness_images", Value: fmt.Sprint(n),
			Message: fmt.Sprintf("%d liveness images given: %d to %d are required", n, MinLiveness, MaxLiveness)})
	}
	for i, b := range j.Liveness {
		image("liveness_images", fmt.Sprintf("liveness image %d", i+1), i+1, b)
	}
	for _, k := range []string{ParamJobID, ParamUserID, ParamJobType} {
		if _, ok := j.PartnerParams[k]; ok {
			add(Problem{Code: CodeReservedParam, Field: "partner_params", Value: k,
				Message: fmt.Sprintf("partner param %q is reserved (the agent sets it from the job): remove it", k)})
		}
	}
	switch {
	case j.CallbackURL == "":
		if sending {
			add(Problem{Code: CodeCallbackMissing, Field: "callback_url",
				Message: "the callback URL is empty: the API requires one (set sync.callback_url in the config)"})
		}
	case !httpURL(j.CallbackURL):
		add(Problem{Code: CodeCallbackNotHTTP, Field: "callback_url", Value: clip(j.CallbackURL),
			Message: fmt.Sprintf("callback URL %q is not an http(s) URL", clip(j.CallbackURL))})
	}
	if len(ps) == 0 {
		return nil
	}
	return &Error{Problems: ps}
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// clip shortens a value shown in a message.
func clip(s string) string {
	const n = 140
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

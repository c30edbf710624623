package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// apiError is an error answer: HTTP status, contract code and text.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + " " + e.msg }

func missing(field string) *apiError {
	return &apiError{http.StatusBadRequest, compare.CodeInputsIncorrect, field + " is required."}
}

func invalid(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, compare.CodeInvalidParam, fmt.Sprintf(format, args...)}
}

func incorrect(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, compare.CodeInputsIncorrect, fmt.Sprintf(format, args...)}
}

// submission is a parsed, validated request form.
type submission struct {
	UserID         string
	JobID          string
	ComparisonType job.ComparisonType
	CallbackURL    string
	AllowNewEnroll bool
	PartnerParams  map[string]any
	Selfie         []byte
	Comparison     []byte
	Liveness       [][]byte
}

const (
	maxFieldBytes = 64 << 10
	maxParts      = 64
	// maxIDBytes bounds job_id and user_id: they are keys of the state file, whose
	// store (bbolt) refuses keys over 32 KiB.
	maxIDBytes = 1024
)

// parseForm reads a multipart/form-data body and validates it against the contract.
// maxFile limits one file part. It never panics on any input.
func parseForm(contentType string, body io.Reader, maxFile int64) (*submission, *apiError) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, incorrect("the body must be multipart/form-data with a boundary (got Content-Type %q).", truncate(contentType, 80))
	}
	mr := multipart.NewReader(body, params["boundary"])
	fields := map[string]string{}
	var s submission
	var selfieSeen, comparisonSeen bool
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError(err)
		}
		if n >= maxParts {
			return nil, incorrect("too many form parts (more than %d).", maxParts)
		}
		name := p.FormName()
		switch name {
		case "selfie_image", "comparison_image", "liveness_images":
			if name == "comparison_image" && p.FileName() == "" && !isFileContentType(p.Header.Get("Content-Type")) {
				// The published example's typo: comparison_image="ID_PHOTO". Treat a short
				// text value of a known type as comparison_image_type's fallback.
				v, aerr := readLimited(p, maxFieldBytes, name)
				if aerr != nil {
					return nil, aerr
				}
				if job.ComparisonType(strings.TrimSpace(string(v))).Valid() {
					if _, ok := fields["comparison_image_type"]; !ok {
						fields["comparison_image_type"] = strings.TrimSpace(string(v))
					}
					continue
				}
				if comparisonSeen {
					return nil, incorrect("comparison_image is given twice.")
				}
				s.Comparison, comparisonSeen = v, true
				continue
			}
			v, aerr := readLimited(p, maxFile, name)
			if aerr != nil {
				return nil, aerr
			}
			switch name {
			case "selfie_image":
				if selfieSeen {
					return nil, incorrect("selfie_image is given twice.")
				}
				s.Selfie, selfieSeen = v, true
			case "comparison_image":
				if comparisonSeen {
					return nil, incorrect("comparison_image is given twice.")
				}
				s.Comparison, comparisonSeen = v, true
			default:
				if len(s.Liveness) >= job.MaxLiveness {
					return nil, incorrect("liveness_images: more than %d given, %d to %d are required.", job.MaxLiveness, job.MinLiveness, job.MaxLiveness)
				}
				s.Liveness = append(s.Liveness, v)
			}
		case "user_id", "job_id", "partner_params", "comparison_image_type", "allow_new_enroll", "callback_url":
			v, aerr := readLimited(p, maxFieldBytes, name)
			if aerr != nil {
				return nil, aerr
			}
			if _, dup := fields[name]; dup && name != "comparison_image_type" {
				return nil, incorrect("%s is given twice.", name)
			}
			fields[name] = string(v)
		default:
			// Unknown parts are read and ignored, as an HTTP API does.
			if _, err := io.Copy(io.Discard, io.LimitReader(p, maxFile)); err != nil {
				return nil, bodyError(err)
			}
		}
	}
	// Required fields, in the contract's order.
	for _, f := range []string{"user_id", "job_id"} {
		if strings.TrimSpace(fields[f]) == "" {
			return nil, missing(f)
		}
	}
	if len(s.Selfie) == 0 {
		return nil, missing("selfie_image")
	}
	if len(s.Comparison) == 0 {
		return nil, missing("comparison_image")
	}
	if strings.TrimSpace(fields["comparison_image_type"]) == "" {
		return nil, missing("comparison_image_type")
	}
	if len(s.Liveness) == 0 {
		return nil, missing("liveness_images")
	}
	if n := len(s.Liveness); n < job.MinLiveness {
		return nil, incorrect("liveness_images: %d given, %d to %d are required.", n, job.MinLiveness, job.MaxLiveness)
	}
	if strings.TrimSpace(fields["partner_params"]) == "" {
		return nil, missing("partner_params")
	}
	if strings.TrimSpace(fields["callback_url"]) == "" {
		return nil, missing("callback_url")
	}
	for _, f := range []string{"user_id", "job_id"} {
		if n := len(fields[f]); n > maxIDBytes {
			return nil, invalid("%s is too long: %d bytes, at most %d.", f, n, maxIDBytes)
		}
	}
	s.UserID, s.JobID = fields["user_id"], fields["job_id"]
	s.ComparisonType = job.ComparisonType(strings.TrimSpace(fields["comparison_image_type"]))
	if !s.ComparisonType.Valid() {
		return nil, invalid("comparison_image_type %q is not one of ID_PHOTO, PORTRAIT, DOCUMENT.", truncate(string(s.ComparisonType), 40))
	}
	if v, ok := fields["allow_new_enroll"]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			s.AllowNewEnroll = true
		case "false", "":
		default:
			return nil, invalid("allow_new_enroll must be true or false, not %q.", truncate(v, 20))
		}
	}
	if err := json.Unmarshal([]byte(fields["partner_params"]), &s.PartnerParams); err != nil || s.PartnerParams == nil {
		return nil, invalid("partner_params must be a JSON object.")
	}
	for _, k := range []string{job.ParamJobID, job.ParamUserID, job.ParamJobType} {
		v, ok := s.PartnerParams[k]
		if !ok || v == nil || v == "" {
			return nil, missing("partner_params." + k)
		}
	}
	for _, k := range []string{job.ParamJobID, job.ParamUserID} {
		if str, ok := s.PartnerParams[k].(string); !ok || str != fields[k] {
			return nil, invalid("partner_params.%s must be the string given as %s.", k, k)
		}
	}
	if u, err := url.Parse(strings.TrimSpace(fields["callback_url"])); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalid("callback_url must be an http or https URL.")
	}
	s.CallbackURL = strings.TrimSpace(fields["callback_url"])
	if !job.IsJPEG(s.Selfie) {
		return nil, invalid("selfie_image must be a JPEG image.")
	}
	if !job.IsJPEG(s.Comparison) {
		return nil, invalid("comparison_image must be a JPEG image.")
	}
	for i, l := range s.Liveness {
		if !job.IsJPEG(l) {
			return nil, invalid("liveness_images %d must be a JPEG image.", i+1)
		}
	}
	return &s, nil
}

func isFileContentType(ct string) bool {
	return ct != "" && !strings.HasPrefix(ct, "text/")
}

func readLimited(r io.Reader, limit int64, name string) ([]byte, *apiError) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if int64(len(b)) > limit {
		return nil, &apiError{http.StatusRequestEntityTooLarge, compare.CodeInputsIncorrect, fmt.Sprintf("%s is too large: at most %d bytes.", name, limit)}
	}
	return b, nil
}

// bodyError turns a read error of the body into an answer. A body that did not arrive
// (the read timed out, the connection broke) is not malformed: it is answered
// 408/2201, which the client retries. Messages never carry the connection's error
// text (it names socket addresses).
func bodyError(err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.ECONNRESET) {
		return &apiError{http.StatusRequestTimeout, compare.CodeSystemError,
			"The request body did not arrive in time (a slow or broken link): try again later."}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return incorrect("the multipart body is malformed: it ended early.")
	}
	return incorrect("the multipart body is malformed: %s.", truncate(err.Error(), 100))
}

func tooLarge(limit int64) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, compare.CodeInputsIncorrect,
		fmt.Sprintf("The request body is too large: the limit is %d bytes (%.1f MiB). Send smaller images (selfie about 640 px, liveness about 320 px, JPEG quality about 80).", limit, float64(limit)/(1<<20))}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

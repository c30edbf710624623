package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// checkBoundary is the boundary of the empty form CheckAuth sends.
const checkBoundary = "kiosk-agent-auth-check"

// AuthCheck is what CheckAuth learnt from the server.
type AuthCheck struct {
	// Accepted: the server judged the signature, the partner and the account good and
	// refused only the (deliberately empty) form, with Code (2413 or 2204).
	Accepted bool
	// Err is the server's refusal (*Error: 2205, 2214, 2220, an answer without a
	// contract code such as a 404, a 5xx) or the network error; nil when Accepted.
	Err error
	// Code and HTTPStatus are the answer's (empty and 0 when none came).
	Code       string
	HTTPStatus int
	// ServerDate is the answer's Date header (zero when absent), and Sent the local
	// clock when the request left: ServerDate - Sent is the clock skew, to 1 s.
	ServerDate time.Time
	Sent       time.Time
}

// CheckAuth asks the server to judge this client's signature without enrolling
// anyone: it sends a signed POST to the endpoint whose multipart body holds no field.
// The server checks the headers before the form (the contract's 2205 covers the
// signature, the key, the environment and the timestamp), so an answer that refuses
// the form (2413 "user_id is required", or 2204) proves the signature, the partner id
// and the account were accepted, while a request with no job_id, no user_id and no
// image cannot create a job or enroll a user. 2205, 2214, 2220 and answers without a
// contract code are refusals. It uses the client's transport, so the transport rules
// (https, certificate checks, ca_file, no redirects) and the signer (key or remote)
// are the ones the uploader uses. A network or signer failure is returned as error.
func (c *Client) CheckAuth(ctx context.Context) (AuthCheck, error) {
	var out AuthCheck
	out.Sent = c.clock.Now()
	sig, err := c.opts.Signer.Sign(ctx, out.Sent)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return out, err
		}
		return out, &Error{Class: ClassHalt, Message: "signing the check request", Err: err}
	}
	body := "--" + checkBoundary + "--\r\n"
	ctx, cancel := context.WithTimeout(ctx, c.opts.ConnectTimeout+c.opts.HeaderTimeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader(body))
	if err != nil {
		return out, &Error{Class: ClassHalt, Message: "building the check request: fix api_url", Err: err}
	}
	hreq.Header.Set("Content-Type", "multipart/form-data; boundary="+checkBoundary)
	hreq.Header.Set("Accept", "application/json")
	if c.opts.UserAgent != "" {
		hreq.Header.Set("User-Agent", c.opts.UserAgent)
	}
	hreq.Header.Set(HeaderPartnerID, sig.PartnerID)
	hreq.Header.Set(HeaderTimestamp, sig.Timestamp)
	hreq.Header.Set(HeaderSignature, sig.Value)
	resp, err := c.hc.Do(hreq)
	if err != nil {
		if isTLSVerifyError(err) {
			return out, &Error{Class: ClassHalt, Message: "verifying the server's TLS certificate (check api_url and ca_file)", Err: err}
		}
		return out, &Error{Class: ClassRetry, Message: "reaching the API", Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return out, &Error{Class: ClassRetry, HTTPStatus: resp.StatusCode, Message: "reading the answer", Err: err}
	}
	out.HTTPStatus = resp.StatusCode
	res, perr := ParseResponse(resp.StatusCode, resp.Header, data, c.clock.Now())
	if res != nil {
		// A comparison result to an empty form: not the contract's server.
		out.ServerDate, out.Code = res.ServerDate, res.Code
		out.Err = fmt.Errorf("checking the API: the server answered an empty form with result %s: api_url does not point at a SmartSelfie Compare API", res.Code)
		return out, nil
	}
	var e *Error
	if !errors.As(perr, &e) {
		return out, perr
	}
	out.ServerDate, out.Code = e.ServerDate, e.Code
	if e.Code == CodeInputsIncorrect || e.Code == CodeInvalidParam {
		out.Accepted = true
		return out, nil
	}
	out.Err = e
	return out, nil
}

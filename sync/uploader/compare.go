package uploader

import (
	"context"
	"errors"
	"fmt"

	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// Submitter is the part of *compare.Client that CompareSender uses.
type Submitter interface {
	Submit(ctx context.Context, req *compare.Request) (*compare.Result, error)
}

// CompareSender adapts a compare client to Sender: it sends Job.Job.
type CompareSender struct {
	Client Submitter
	// CallbackURL is sent for jobs sealed without one (the contract requires one).
	CallbackURL string
}

// ErrNoCallbackURL is the cause of a halt when a job has no callback URL and
// CompareSender.CallbackURL is empty: the configuration must give one.
var ErrNoCallbackURL = errors.New("no callback URL")

// Send builds the request from the opened job and submits it once.
func (s CompareSender) Send(ctx context.Context, cj Job, progress func(sent, total int64)) (Result, error) {
	j := cj.Job
	if j == nil {
		return Result{}, &SendError{Class: ClassPermanent, Message: fmt.Sprintf("job %s was claimed without being opened", cj.ID)}
	}
	if j.CallbackURL == "" && s.CallbackURL != "" {
		withURL := *j // the claimed job stays as it was sealed
		withURL.CallbackURL = s.CallbackURL
		j = &withURL
	}
	if j.CallbackURL == "" {
		return Result{}, &SendError{Class: ClassHalt, Err: ErrNoCallbackURL,
			Message: "jobs sealed without a callback URL need sync.callback_url in the config (the API requires one)"}
	}
	req := &compare.Request{Job: j, Progress: progress}
	res, err := s.Client.Submit(ctx, req)
	if err != nil {
		return Result{}, fromCompare(err)
	}
	r := Result{Code: res.Code, Text: res.Text, Status: res.Status, SmileJobID: res.SmileJobID, ServerTime: res.ServerDate}
	for k, v := range map[string]string{"Liveness_Check": res.Actions.LivenessCheck, "Selfie_Check": res.Actions.SelfieCheck, "Selfie_Provided": res.Actions.SelfieProvided} {
		if v != "" {
			if r.Actions == nil {
				r.Actions = map[string]string{}
			}
			r.Actions[k] = v
		}
	}
	return r, nil
}

// fromCompare turns the client's typed error into a SendError.
func fromCompare(err error) error {
	var ce *compare.Error
	if !errors.As(err, &ce) {
		return &SendError{Class: ClassRetry, Network: true, Err: err}
	}
	se := &SendError{Code: ce.Code, Message: ce.Message, RetryAfter: ce.RetryAfter, ServerDate: ce.ServerDate, Network: ce.HTTPStatus == 0, Err: err}
	se.Class = ce.Class
	if se.Class == 0 {
		se.Class = ClassRetry
	}
	if se.Message == "" && ce.Err != nil {
		se.Message = ce.Err.Error()
	}
	if se.Code == "" && ce.HTTPStatus != 0 {
		se.Code = fmt.Sprint(ce.HTTPStatus)
	}
	if se.Class == ClassPermanent && se.Network && !errors.Is(err, compare.ErrTrainingProduction) {
		// Refused before sending (Request.Validate): say so plainly.
		se.Message = "invalid job: " + se.Message
	}
	return se
}

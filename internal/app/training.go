package app

import (
	"context"
	"fmt"
	"net/url"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// ErrTrainingProduction: training mode was asked for with an API URL that is not on
// this machine, or a training job was about to be sent to one. It is the compare
// client's own (compare.ErrTrainingProduction), whose guard holds for every sender.
var ErrTrainingProduction = compare.ErrTrainingProduction

// TrainingGuard is the last check before a job leaves the kiosk: a job sealed in
// training mode (job.Job.Training) is sent only to a loopback API URL (a local
// compare-sandbox). Any other URL fails it for good, with a reason that says why, so
// it stays on the kiosk as a failed job and is never retried against production (a
// kiosk re-pointed from its sandbox at production with practice jobs still queued).
type TrainingGuard struct {
	Next   uploader.Sender
	APIURL string
}

// Send refuses a training job for a non-loopback URL and passes every other job on.
func (g TrainingGuard) Send(ctx context.Context, j uploader.Job, progress func(sent, total int64)) (uploader.Result, error) {
	if j.Job != nil && j.Job.Training && !config.LoopbackURL(g.APIURL) {
		host := g.APIURL
		if u, err := url.Parse(g.APIURL); err == nil {
			host = u.Host
		}
		return uploader.Result{}, &uploader.SendError{Class: uploader.ClassPermanent, Err: ErrTrainingProduction,
			Message: fmt.Sprintf("training job not sent: %s is not a local sandbox; a practice job never reaches a production API (purge it)", host)}
	}
	return g.Next.Send(ctx, j, progress)
}

// checkTraining refuses training mode with an API URL that is not loopback (Validate
// does too; this guards a Config built in code).
func checkTraining(cfg config.Config) error {
	if cfg.Training && cfg.Compare.APIURL != "" && !config.LoopbackURL(cfg.Compare.APIURL) {
		return fmt.Errorf("%w: training is set and compare.api_url %s is not on this machine: point it at the local compare-sandbox (http://127.0.0.1:PORT) or turn training off", ErrTrainingProduction, cfg.Compare.APIURL)
	}
	return nil
}

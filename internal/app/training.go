package app

import (
	"fmt"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// ErrTrainingProduction: training mode was asked for with an API URL that is not on
// this machine, or a training job was about to be sent to one. It is the compare
// client's own (compare.ErrTrainingProduction): the one guard of a practice job's
// destination is the compare client's, which every sender goes through (the app's,
// kioskctl sync's), checked on the URL and again on the address actually dialed.
var ErrTrainingProduction = compare.ErrTrainingProduction

// checkTraining refuses training mode with an API URL that is not loopback (Validate
// does too; this guards a Config built in code).
func checkTraining(cfg config.Config) error {
	if cfg.Training && cfg.Compare.APIURL != "" && !config.LoopbackURL(cfg.Compare.APIURL) {
		return fmt.Errorf("%w: training is set and compare.api_url %s is not on this machine: point it at the local compare-sandbox (http://127.0.0.1:PORT) or turn training off", ErrTrainingProduction, cfg.Compare.APIURL)
	}
	return nil
}

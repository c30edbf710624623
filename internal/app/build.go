package app

// build.go builds the parts from the config. It stands in for internal/parts (being
// written in parallel): when that lands, these functions give way to its builders.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/capture/v4l2"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/partopts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// openQueue opens the offline queue of the data dir.
func openQueue(cfg config.Config, clk clock.Clock, log *slog.Logger) (*offline.Queue, error) {
	o := partopts.Offline(cfg)
	o.Clock, o.Logger = clk, log
	q, err := offline.Open(cfg.DataDir, o)
	if err != nil {
		return nil, fmt.Errorf("opening the offline queue: %w", err)
	}
	return q, nil
}

// sending is what the uploader needs to send: nil sender when no API URL is set.
type sending struct {
	sender   uploader.Sender
	prober   uploader.Prober
	configID string
}

// buildSender builds the compare client, its prober and the configuration's fingerprint
// (URL, partner id and key or signer, never the key in clear), guarded by the training
// rule. With no API URL it returns a zero sending: the app keeps jobs until one is set.
func buildSender(cfg config.Config, getenv func(string) string, clk clock.Clock, log *slog.Logger) (sending, error) {
	s := cfg.Compare
	if s.APIURL == "" {
		return sending{}, nil
	}
	opts, err := partopts.Compare(cfg, getenv)
	if err != nil {
		return sending{}, fmt.Errorf("building the compare client: %w", err)
	}
	opts.Clock, opts.Logger = clk, log
	client, err := compare.New(opts)
	if err != nil {
		return sending{}, err
	}
	prober, err := uploader.NewDialProber(s.APIURL)
	if err != nil {
		return sending{}, fmt.Errorf("building the connectivity probe: %w", err)
	}
	secret := []byte(s.APIKeyEnv)
	switch {
	case s.SignerURL != "":
		secret = []byte(s.SignerURL)
		if s.SignerTokenFile != "" {
			tok, _ := os.ReadFile(s.SignerTokenFile)
			secret = append(secret, tok...)
		}
	case s.APIKeyEnv != "":
		secret = append(secret, getenv(s.APIKeyEnv)...)
	case s.APIKeyFile != "":
		secret, _ = os.ReadFile(s.APIKeyFile)
	}
	return sending{
		sender:   TrainingGuard{Next: uploader.CompareSender{Client: client, CallbackURL: cfg.Sync.CallbackURL}, APIURL: s.APIURL},
		prober:   prober,
		configID: uploader.ConfigFingerprint([]byte(s.APIURL), []byte(s.PartnerID), secret),
	}, nil
}

// Cameras are the app's frame sources: the selfie camera and the document camera (the
// same Source when the config gives no document camera).
type Cameras struct {
	Selfie   capture.Source
	Document capture.Source
	// Replay is set when the frames come from replayed images, not a camera.
	Replay bool
}

// Close closes both sources.
func (c *Cameras) Close() error {
	err := c.Selfie.Close()
	if c.Document != c.Selfie {
		err = errors.Join(err, c.Document.Close())
	}
	return err
}

// openCameras opens the configured cameras: replayed images for a camera with
// replay_dir, the V4L2 devices otherwise.
func openCameras(ctx context.Context, cfg config.Config, clk clock.Clock, log *slog.Logger) (*Cameras, error) {
	sc, dc := cfg.Capture.SelfieCamera, cfg.Capture.DocumentCamera
	if !sc.Replay() && !dc.Replay() {
		cams, err := v4l2.OpenCameras(ctx, partopts.Cameras(cfg), clk, log)
		if err != nil {
			return nil, err
		}
		return &Cameras{Selfie: cams.Selfie, Document: cams.Document}, nil
	}
	open := func(key string, c config.Camera, document bool) (capture.Source, error) {
		if c.Replay() {
			src, err := replay.Open([]string{c.ReplayDir}, replay.Options{FPS: float64(c.FPS), Clock: clk})
			if err != nil {
				return nil, fmt.Errorf("%s.replay_dir: %w", key, err)
			}
			return src, nil
		}
		settings := partopts.Cameras(cfg).SelfieCamera
		if document {
			settings = partopts.Cameras(cfg).DocumentCamera
		}
		o := v4l2.FromSettings(settings, document)
		o.Clock, o.Logger = clk, log
		src, err := v4l2.Open(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		return src, nil
	}
	selfie, err := open("capture.selfie_camera", sc, false)
	if err != nil {
		return nil, err
	}
	cams := &Cameras{Selfie: selfie, Document: selfie, Replay: sc.Replay()}
	if dc.Replay() || dc.Chosen() {
		if cams.Document, err = open("capture.document_camera", dc, true); err != nil {
			selfie.Close()
			return nil, err
		}
		cams.Replay = cams.Replay && dc.Replay()
	}
	return cams, nil
}

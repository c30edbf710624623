package app

// build.go: what internal/parts does not build (the cameras, the guarded sender).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/capture/v4l2"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/parts"
)

// newSending builds the sender (parts.NewSync: the compare client, whose training guard
// holds for every sender), its prober and fingerprint. With no API URL it returns a zero Sync: the app keeps jobs
// until one is set.
func newSending(cfg config.Config, getenv func(string) string, log *slog.Logger) (parts.Sync, error) {
	if cfg.Compare.APIURL == "" {
		return parts.Sync{}, nil
	}
	s, err := parts.NewSync(cfg, getenv, log)
	if err != nil {
		return parts.Sync{}, fmt.Errorf("building the compare client: %w", err)
	}
	return s, nil
}

// Cameras are the app's frame sources: the selfie camera and the document camera (the
// same Source when the config gives no document camera).
type Cameras struct {
	Selfie   capture.Source
	Document capture.Source
	// Liveness is the liveness step's camera: Selfie, except for a scripted replay.
	Liveness capture.Source
	// Replay is set when the frames come from replayed images, not a camera.
	Replay bool
	// Scripted is set when the selfie camera's replay_dir is laid out as
	// capture/replay.OpenScripted reads it (selfie/, liveness/, optional document/): a
	// replayed customer who shows the next liveness photo at each prompt. Its Apply sets
	// the liveness options of the procedure that reads Liveness.
	Scripted *replay.Scripted
}

// Close closes the sources.
func (c *Cameras) Close() error {
	if c.Scripted != nil {
		return c.Scripted.Close()
	}
	err := c.Selfie.Close()
	if c.Document != c.Selfie {
		err = errors.Join(err, c.Document.Close())
	}
	return err
}

// scriptedReplayMaxSide is the longest side of a scripted replay's frames: a camera's
// size, enough for a document's face.
const scriptedReplayMaxSide = 960

// isScripted reports whether dir is laid out for replay.OpenScripted (a selfie/ and a
// liveness/ folder).
func isScripted(dir string) bool {
	for _, sub := range []string{replay.SelfieDir, replay.LivenessDir} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

// openCameras opens the configured cameras: replayed images for a camera with
// replay_dir, the V4L2 devices otherwise.
func openCameras(ctx context.Context, cfg config.Config, clk clock.Clock, log *slog.Logger) (*Cameras, error) {
	sc, dc := cfg.Capture.SelfieCamera, cfg.Capture.DocumentCamera
	if !sc.Replay() && !dc.Replay() {
		cams, err := v4l2.OpenCameras(ctx, parts.CameraConfig(cfg), clk, log)
		if err != nil {
			return nil, err
		}
		return &Cameras{Selfie: cams.Selfie, Document: cams.Document, Liveness: cams.Selfie}, nil
	}
	if sc.Replay() && !dc.Replay() && !dc.Chosen() && isScripted(sc.ReplayDir) {
		r, err := replay.OpenScripted(sc.ReplayDir, replay.Options{FPS: float64(sc.FPS), Clock: clk, MaxSide: scriptedReplayMaxSide})
		if err != nil {
			return nil, fmt.Errorf("capture.selfie_camera.replay_dir: %w", err)
		}
		cams := &Cameras{Selfie: r.Selfie, Document: r.Document, Liveness: r.Liveness, Replay: true, Scripted: r}
		if cams.Document == nil {
			cams.Document = r.Selfie
		}
		return cams, nil
	}
	open := func(key string, c config.Camera, document bool) (capture.Source, error) {
		if c.Replay() {
			src, err := replay.Open([]string{c.ReplayDir}, replay.Options{FPS: float64(c.FPS), Clock: clk})
			if err != nil {
				return nil, fmt.Errorf("%s.replay_dir: %w", key, err)
			}
			return src, nil
		}
		settings := parts.CameraConfig(cfg).SelfieCamera
		if document {
			settings = parts.CameraConfig(cfg).DocumentCamera
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
	cams := &Cameras{Selfie: selfie, Document: selfie, Liveness: selfie, Replay: sc.Replay()}
	if dc.Replay() || dc.Chosen() {
		if cams.Document, err = open("capture.document_camera", dc, true); err != nil {
			selfie.Close()
			return nil, err
		}
		cams.Replay = cams.Replay && dc.Replay()
	}
	return cams, nil
}

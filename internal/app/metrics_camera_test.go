package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/metrics"
)

// seqSource gives frames with the sequence numbers it is given, then ErrUnplugged.
type seqSource struct{ seqs []uint64 }

func (s *seqSource) Next(context.Context) (capture.Frame, error) {
	if len(s.seqs) == 0 {
		return capture.Frame{}, capture.ErrUnplugged
	}
	f := capture.Frame{Seq: s.seqs[0]}
	s.seqs = s.seqs[1:]
	return f, nil
}
func (s *seqSource) Close() error { return nil }

// TestMeteredCameras: the app's camera wrappers count frames and the gaps in the
// driver's sequence (dropped frames) by role, say streaming while frames come and not
// present once the camera is unplugged; the same source used for two steps is wrapped
// once (the selfie camera scanning documents too).
func TestMeteredCameras(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	a := &App{clk: clk, met: &appMetrics{set: metrics.New(metrics.Options{})}}
	selfie := &seqSource{seqs: []uint64{10, 11, 14, 15}}
	c := &Cameras{Selfie: selfie, Document: selfie, Liveness: selfie}
	a.meterCameras(c)
	if c.Selfie != c.Document || c.Selfie != c.Liveness {
		t.Fatal("one camera wrapped three times")
	}
	m := c.Selfie.(*meteredSource)
	for range 4 {
		if _, err := c.Selfie.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if p, s := m.state(clk.Now()); !p || !s {
		t.Fatalf("after frames: present %v, streaming %v", p, s)
	}
	if p, s := m.state(clk.Now().Add(streamingWindow)); !p || s {
		t.Fatalf("no frame for %v: present %v, streaming %v", streamingWindow, p, s)
	}
	if _, err := c.Selfie.Next(context.Background()); err == nil {
		t.Fatal("no unplug")
	}
	if p, s := m.state(clk.Now()); p || s {
		t.Fatalf("unplugged: present %v, streaming %v", p, s)
	}
	text, err := a.met.set.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`kiosk_agent_camera_frames_total{role="selfie"} 4`, `kiosk_agent_camera_frames_dropped_total{role="selfie"} 2`} {
		if !contains(text, want) {
			t.Errorf("metrics lack %s:\n%s", want, text)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

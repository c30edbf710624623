// Package enrolltest makes the replay cameras of the enrollment tests from the vendored
// photos (internal/testkit/testimages): the selfie and liveness photos of a customer and,
// for the document camera, the customer's own ID card (made from their portrait) lying on
// a desk, first turned, then under a glare spot, then held straight and still, so that
// the document step's card gates (capture/card) refuse the first frames and take the
// last.
package enrolltest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// Comparison is the photo on file of the replayed customer (a PORTRAIT).
const Comparison = "dfA_img5.jpg"

// ReplayDir writes into a new temporary folder a replay camera of customer A of the demo
// (see Write).
func ReplayDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Write writes into dir (made if missing) the replay camera of customer A of the demo
// (see scripts/demo.sh), as capture/replay.OpenScripted reads it: the selfie camera
// shows dfA_img6; the liveness frames are dfA_img11 and dfA_img5, each plain and
// mirrored, as scripts/demoframes makes them, farther from the camera; with document
// set, the document camera shows the scenes (DocumentScenes) of an ID card made from that
// vendored portrait (Card).
func Write(dir, document string) error {
	for _, sub := range []string{replay.SelfieDir, replay.LivenessDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("writing the replay camera: %w", err)
		}
	}
	copyPhoto := func(name, to string) error {
		b, err := os.ReadFile(testimages.Path(name))
		if err == nil {
			err = os.WriteFile(to, b, 0o644)
		}
		if err != nil {
			return fmt.Errorf("writing the replay camera: %w", err)
		}
		return nil
	}
	if err := copyPhoto("dfA_img6.jpg", filepath.Join(dir, replay.SelfieDir, "a.jpg")); err != nil {
		return err
	}
	if document != "" {
		c, err := Card(document)
		if err != nil {
			return fmt.Errorf("writing the replay camera: %w", err)
		}
		if err := WriteDocument(dir, c); err != nil {
			return err
		}
	}
	n := 0
	for i, name := range []string{"dfA_img11.jpg", "dfA_img5.jpg"} {
		img, err := inference.DecodeFile(testimages.Path(name))
		if err != nil {
			return fmt.Errorf("writing the replay camera: %w", err)
		}
		for _, mirror := range []bool{false, true} {
			n++
			f := farther(testimages.LivenessFrame(img, mirror, 0.02+0.02*float64((i+n)%3), 320))
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, f, &jpeg.Options{Quality: 80}); err != nil {
				return fmt.Errorf("writing the replay camera: %w", err)
			}
			if err := os.WriteFile(filepath.Join(dir, replay.LivenessDir, fmt.Sprintf("frame-%d.jpg", n)), buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("writing the replay camera: %w", err)
			}
		}
	}
	return nil
}

// farther puts img in the middle of a grey frame half as large again: the customer
// stands farther from the camera than the photographer stood.
func farther(img *image.RGBA) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*3/2, b.Dy()*3/2))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Gray{Y: 128}), image.Point{}, draw.Src)
	draw.Draw(dst, b.Add(image.Pt(b.Dx()/4, b.Dy()/4)), img, b.Min, draw.Src)
	return dst
}

// Package enrolltest makes the replay cameras of the enrollment tests from the vendored
// photos (internal/testimages).
package enrolltest

import (
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/testimages"
)

// Comparison is the photo on file of the replayed customer (a PORTRAIT).
const Comparison = "dfA_img5.jpg"

// ReplayDir writes into a new temporary folder a replay camera of customer A of the demo (see scripts/demo.sh): the
// selfie camera shows dfA_img6, the liveness frames are dfA_img11 and dfA_img5, each
// plain and mirrored, as scripts/demoframes makes them.
func ReplayDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{enroll.ReplaySelfie, enroll.ReplayLiveness} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	if err := os.WriteFile(filepath.Join(dir, enroll.ReplaySelfie, "a.jpg"), testimages.Read(t, "dfA_img6.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, name := range []string{"dfA_img11.jpg", "dfA_img5.jpg"} {
		img, err := inference.DecodeFile(testimages.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		for _, mirror := range []bool{false, true} {
			n++
			f := farther(testimages.LivenessFrame(img, mirror, 0.02+0.02*float64((i+n)%3), 320))
			fh, err := os.Create(filepath.Join(dir, enroll.ReplayLiveness, "frame-"+string(rune('0'+n))+".jpg"))
			if err != nil {
				t.Fatal(err)
			}
			if err := jpeg.Encode(fh, f, &jpeg.Options{Quality: 80}); err != nil {
				t.Fatal(err)
			}
			fh.Close()
		}
	}
	return dir
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

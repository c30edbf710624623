package enroll_test

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/internal/testengine"
	"github.com/smartselfie/kiosk-agent/internal/testimages"
)

func TestMain(m *testing.M) { testengine.Main(m) }

// ReplayDir writes a replay camera of customer A of the demo (see scripts/demo.sh): the
// selfie camera shows dfA_img6, the liveness frames are dfA_img11 and dfA_img5, each
// plain and mirrored, as scripts/demoframes makes them.
func replayDir(t testing.TB) string {
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

func TestRunReplay(t *testing.T) {
	e := testengine.Get(t)
	dir := replayDir(t)
	cam, err := enroll.OpenReplay(dir, replay.Options{MaxSide: 640})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	frames := 0
	var o enroll.Options
	o.OnFrame = func(capture.Frame, capture.Guidance) { frames++ }
	cam.Apply(&o)
	en := enroll.New(e, o)
	if err := en.ImportComparison(testimages.Read(t, "dfA_img5.jpg"), job.Portrait); err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	c.DataDir = t.TempDir()
	q, err := parts.OpenQueue(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	j, entry, err := en.Run(context.Background(), cam.Cameras, job.Job{ID: "cam-1", UserID: "CUST-A"}, q, false)
	if err != nil {
		if j != nil {
			t.Fatalf("run: %v; prechecks %+v", err, j.Prechecks)
		}
		t.Fatalf("run: %v", err)
	}
	if entry.ID != "cam-1" || !j.Prechecks.Ran || !j.Prechecks.OK || len(j.Liveness) != 4 || j.ComparisonType != job.Portrait {
		t.Fatalf("entry %+v, prechecks %+v, %d liveness", entry, j.Prechecks, len(j.Liveness))
	}
	if frames < 4+3 {
		t.Errorf("the preview saw %d frames", frames)
	}
	if string(j.Comparison) != string(testimages.Read(t, "dfA_img5.jpg")) {
		t.Error("the imported comparison image was not sealed as it is")
	}
}

func TestStepsNeedEachOther(t *testing.T) {
	en := enroll.New(nil, enroll.Options{})
	if _, err := en.Job(job.Job{ID: "x", UserID: "u"}); err == nil {
		t.Error("a job without images was made")
	}
	if err := en.ImportComparison([]byte("GIF89a"), job.Portrait); err == nil {
		t.Error("a GIF was imported")
	}
	if err := en.ImportComparison(testimages.Read(t, "dfA_img5.jpg"), "SELFIE"); err == nil {
		t.Error("a bad comparison type was accepted")
	}
	if err := en.Take(context.Background(), enroll.Cameras{}); err == nil {
		t.Error("taking without cameras did not fail")
	}
	j := &job.Job{}
	if err := enroll.Check(context.Background(), nil, j, false); err != nil || j.Prechecks.Ran {
		t.Errorf("no engine: %v %+v", err, j.Prechecks)
	}
	_ = errors.Is
}

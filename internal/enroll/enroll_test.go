package enroll_test

import (
	"context"
	"image"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func TestMain(m *testing.M) { inferencetest.Main(m) }

func TestRunReplay(t *testing.T) {
	e := inferencetest.Get(t)
	dir := enrolltest.ReplayDir(t)
	cam, err := replay.OpenScripted(dir, replay.Options{MaxSide: 640})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	frames := 0
	var o enroll.Options
	o.OnFrame = func(capture.Frame, capture.Guidance) { frames++ }
	cam.Apply(&o.Liveness)
	en := enroll.New(e, o)
	if err := en.ImportComparison(testimages.Read(t, enrolltest.Comparison), job.Portrait); err != nil {
		t.Fatal(err)
	}
	c := config.Default()
	c.DataDir = t.TempDir()
	q, err := parts.OpenQueue(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	j, entry, err := en.Run(context.Background(), enroll.Cameras{Document: cam.Document, Selfie: cam.Selfie, Liveness: cam.Liveness}, job.Job{ID: "cam-1", UserID: "CUST-A"}, q, false)
	if err != nil {
		if j != nil {
			t.Fatalf("run: %v; prechecks %+v", err, j.Prechecks)
		}
		t.Fatalf("run: %v", err)
	}
	if j.CaptureOrigin != job.OriginImport || entry.CaptureOrigin != job.OriginImport {
		t.Errorf("capture origin: job %q, entry %q; want import", j.CaptureOrigin, entry.CaptureOrigin)
	}
	if entry.ID != "cam-1" || !j.Prechecks.Ran || !j.Prechecks.OK || len(j.Liveness) != 4 || j.ComparisonType != job.Portrait {
		t.Fatalf("entry %+v, prechecks %+v, %d liveness", entry, j.Prechecks, len(j.Liveness))
	}
	if frames < 4+3 {
		t.Errorf("the preview saw %d frames", frames)
	}
	if string(j.Comparison) != string(testimages.Read(t, enrolltest.Comparison)) {
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
	if err := en.ImportComparison(testimages.Read(t, enrolltest.Comparison), "SELFIE"); err == nil {
		t.Error("a bad comparison type was accepted")
	}
	if err := en.Take(context.Background(), enroll.Cameras{}); err == nil {
		t.Error("taking without cameras did not fail")
	}
	j := &job.Job{}
	if err := enroll.Check(context.Background(), nil, j, false); err != nil || j.Prechecks.Ran {
		t.Errorf("no engine: %v %+v", err, j.Prechecks)
	}
}

// The document step keeps the still document's shot as a DOCUMENT comparison image, and
// a retake by import replaces it.
func TestTakeDocument(t *testing.T) {
	e := inferencetest.Get(t)
	img, err := inference.DecodeFile(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := replay.FromImages([]image.Image{img}, replay.Options{FPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	var guided int
	en := enroll.New(e, enroll.Options{OnFrame: func(_ capture.Frame, g capture.Guidance) {
		if g.Kind == capture.KindDocument {
			guided++
		}
	}})
	shot, err := en.TakeDocument(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if en.Comparison != shot.Image || en.ComparisonType != job.Document || guided < 3 {
		t.Fatalf("comparison %T, type %q, %d guided frames", en.Comparison, en.ComparisonType, guided)
	}
	en.Selfie, en.Liveness = img, []image.Image{img, img, img, img}
	origin := func(meta job.CaptureOrigin) job.CaptureOrigin {
		t.Helper()
		j, err := en.Job(job.Job{ID: "doc-1", UserID: "u", CaptureOrigin: meta})
		if err != nil {
			t.Fatal(err)
		}
		return j.CaptureOrigin
	}
	if o := origin(""); o != job.OriginAuto {
		t.Errorf("the camera's document: origin %q, want auto", o)
	}
	if o := origin(job.OriginManual); o != job.OriginManual {
		t.Errorf("the caller's manual shot: origin %q, want manual", o)
	}
	if err := en.ImportComparison(testimages.Read(t, enrolltest.Comparison), job.IDPhoto); err != nil || en.ComparisonType != job.IDPhoto || en.Comparison == shot.Image {
		t.Fatalf("import after the document: %v, type %q", err, en.ComparisonType)
	}
	if o := origin(""); o != job.OriginImport {
		t.Errorf("the imported image: origin %q, want import", o)
	}
}

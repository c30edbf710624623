package main

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// The headless camera path end to end: `kioskctl enroll --camera replay:DIR` over the
// bundled photos takes the selfie and the liveness frames, runs the prechecks and seals
// the job; `kioskctl sync` sends it to the real sandbox (the engine's judgement) on
// loopback, which answers 0840.
func TestEnrollCameraThenSync(t *testing.T) {
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		t.Skip("ONNXRUNTIME_LIB is not set (make test sets it)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cam := enrolltest.ReplayDir(t)
	code, out, errs := kioskctlEnv(t, "enroll", "--data-dir", data, "--camera", "replay:"+cam, "--user-id", "CUST-CAM-1",
		"--job-id", "cam-1", "--comparison", testimages.Path(enrolltest.Comparison), "--comparison-type", "PORTRAIT", "--json")
	var eo enrollOutput
	if code != exitOK || json.Unmarshal([]byte(out), &eo) != nil || eo.State != "queued" || !eo.Prechecks.Ran || !eo.Prechecks.OK ||
		eo.CaptureOrigin != job.OriginImport {
		t.Fatalf("enroll --camera: exit %d, %s %s", code, out, errs)
	}

	e, err := inference.Open(inference.Options{RuntimeLib: lib})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sbx, err := sandbox.New(sandbox.Options{Partners: []sandbox.Partner{{ID: "0001", Key: []byte("the-key"), ProductActive: true}},
		DBPath: filepath.Join(dir, "sandbox.db"), Analyzer: sandbox.NewEngineAnalyzer(e, sandbox.EngineOptions{}), CallbackAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sbx.Close()
	srv := httptest.NewServer(sbx.Handler())
	defer srv.Close()
	key := filepath.Join(dir, "key")
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(key, []byte("the-key\n"), 0o600)
	os.WriteFile(cfg, []byte(`{"data_dir":"`+data+`","sync":{"callback_url":"http://127.0.0.1:9/cb"}}`), 0o600)
	code, out, errs = runKioskctl(t, "sync", "--config", cfg, "--api-url", srv.URL, "--partner-id", "0001", "--api-key-file", key)
	if code != exitOK || !strings.Contains(out, "job cam-1: delivered: 0840") {
		t.Fatalf("sync: exit %d, %s %s", code, out, errs)
	}
	if rec, known, _ := sbx.Job("0001", "cam-1"); !known || rec.Code != "0840" {
		t.Fatalf("the sandbox recorded %+v", rec)
	}
}

func TestEnrollCameraUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		say  string
	}{
		{[]string{"--camera", "webcam"}, "neither replay:DIR nor config"},
		{[]string{"--camera", "replay:" + dir, "--selfie", "x.jpg"}, "drop --selfie"},
		{[]string{"--camera", "replay:" + dir, "--comparison", "x.jpg"}, "--comparison-type"},
	} {
		code, _, errs := kioskctlEnv(t, append([]string{"enroll", "--data-dir", dir, "--user-id", "u"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errs, tc.say) {
			t.Errorf("%v: exit %d, %q; want usage saying %q", tc.args, code, errs, tc.say)
		}
	}
	code, _, errs := kioskctlEnv(t, "enroll", "--data-dir", dir, "--user-id", "u", "--camera", "replay:"+filepath.Join(dir, "none"), "--no-prechecks")
	if code != exitError || !strings.Contains(errs, "replay") {
		t.Errorf("missing replay folder: exit %d, %q", code, errs)
	}
}

// The document photographed by --camera (the replay's document/ folder: the customer's
// ID card on a desk, turned, glared, then straight) is taken with the card's gates, as
// the kiosk's step takes it (capture.document_card_gates, on by default): the sealed
// comparison image is the card flattened, its zone read (TD1), the prechecks pass, and
// it is an auto capture: the job, the queue's entry and its enrolled event say so.
func TestEnrollCameraDocumentIsAuto(t *testing.T) {
	if os.Getenv("ONNXRUNTIME_LIB") == "" {
		t.Skip("ONNXRUNTIME_LIB is not set (make test sets it)")
	}
	inferencetest.SetOCRModels(t) // go test without make: the checkout's models
	data := filepath.Join(t.TempDir(), "data")
	cam := t.TempDir()
	if err := enrolltest.Write(cam, enrolltest.Comparison); err != nil {
		t.Fatal(err)
	}
	code, out, errs := kioskctlEnv(t, "enroll", "--data-dir", data, "--camera", "replay:"+cam, "--user-id", "CUST-CAM-2",
		"--job-id", "cam-doc", "--json")
	var eo enrollOutput
	if code != exitOK || json.Unmarshal([]byte(out), &eo) != nil || eo.State != "queued" || eo.CaptureOrigin != job.OriginAuto ||
		!eo.Prechecks.OK {
		t.Fatalf("enroll --camera with the document: exit %d, %s %s", code, out, errs)
	}
	if eo.Document == nil || *eo.Document != (job.DocumentRecord{Format: "TD1", Type: "I", IssuingState: "UTO"}) {
		t.Errorf("the document's record %+v", eo.Document)
	}
	if code, out, _ := kioskctlEnv(t, "audit", "--data-dir", data, "--kind", "enrolled"); code != exitOK || !strings.Contains(out, "capture auto") {
		t.Fatalf("audit: %d\n%s", code, out)
	}
	q, err := offline.Open(data, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	j, err := q.Load("cam-doc")
	if err != nil {
		t.Fatal(err)
	}
	img, err := inference.DecodeImage(j.Comparison)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); math.Abs(float64(b.Dx())/float64(b.Dy())-card.AspectID1)/card.AspectID1 > 0.03 {
		t.Errorf("the sealed comparison image is %dx%d: not the ID-1 card flattened", b.Dx(), b.Dy())
	}
}

package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// The end-to-end tests run the real client against the real sandbox with the real
// inference engine on the vendored photos.

func testEngine(t testing.TB) *inference.Engine { return inferencetest.Get(t) }

func TestMain(m *testing.M) { inferencetest.Main(m) }

var (
	photoMu    sync.Mutex
	photoCache = map[string][]byte{}
)

// photoJPEG returns a vendored photo scaled to at most maxSide pixels (mirrored if asked)
// as JPEG, the way a kiosk would send it.
func photoJPEG(t testing.TB, name string, maxSide int, mirror bool) []byte {
	t.Helper()
	k := name + string(rune(maxSide)) + map[bool]string{true: "m"}[mirror]
	photoMu.Lock()
	defer photoMu.Unlock()
	if b, ok := photoCache[k]; ok {
		return b
	}
	src, err := inference.DecodeImage(testimages.Read(t, name))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	scale := float64(maxSide) / float64(max(b.Dx(), b.Dy()))
	if scale > 1 {
		scale = 1
	}
	w, h := int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	if mirror {
		for y := 0; y < h; y++ {
			for x := 0; x < w/2; x++ {
				l, r := dst.RGBAAt(x, y), dst.RGBAAt(w-1-x, y)
				dst.SetRGBA(x, y, r)
				dst.SetRGBA(w-1-x, y, l)
			}
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	photoCache[k] = buf.Bytes()
	return buf.Bytes()
}

type e2e struct {
	sb      *sandbox.Sandbox
	client  *compare.Client
	hooks   chan []byte
	hookURL string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	e := &e2e{hooks: make(chan []byte, 16)}
	sb, err := sandbox.New(sandbox.Options{
		Partners: []sandbox.Partner{{ID: "0001", Key: []byte("e2e-key"), ProductActive: true}},
		DBPath:   filepath.Join(t.TempDir(), "sandbox.db"),
		Analyzer: sandbox.NewEngineAnalyzer(testEngine(t), sandbox.EngineOptions{}),
		Workers:  2,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.hooks <- b
	}))
	t.Cleanup(func() { srv.Close(); hook.Close(); sb.Close() })
	signer, _ := compare.NewKeySigner("0001", []byte("e2e-key"))
	e.client, err = compare.New(compare.Options{BaseURL: srv.URL, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	e.sb = sb
	e.hookURL = hook.URL
	return e
}

func livenessOf(t *testing.T, names ...string) [][]byte {
	var out [][]byte
	for _, n := range names {
		out = append(out, photoJPEG(t, n, 320, false), photoJPEG(t, n, 320, true))
	}
	return out
}

func TestEndToEndRealPhotos(t *testing.T) {
	e := newE2E(t)
	obamaLive := livenessOf(t, "obama_2.jpg", "obama_3.jpg")
	cases := []struct {
		name           string
		selfie         []byte
		comparison     []byte
		liveness       [][]byte
		wantCode       string
		selfieProvided string
		livenessCheck  string // "" = not asserted
		selfieCheck    string // "" = not asserted
	}{
		{"same person", photoJPEG(t, "obama_1.jpg", 640, false), photoJPEG(t, "obama_2.jpg", 640, false), obamaLive, compare.CodeMatch, "Passed", "Passed", "Passed"},
		{"different person", photoJPEG(t, "obama_1.jpg", 640, false), photoJPEG(t, "biden_2.jpg", 640, false), obamaLive, compare.CodeNoMatch, "Passed", "Passed", ""},
		{"same image twice", photoJPEG(t, "obama_1.jpg", 640, false), photoJPEG(t, "obama_1.jpg", 640, false), obamaLive, compare.CodeIdentical, "Passed", "", ""},
		{"same image rescaled", photoJPEG(t, "obama_1.jpg", 640, false), photoJPEG(t, "obama_1.jpg", 480, false), obamaLive, compare.CodeIdentical, "Passed", "", ""},
		{"no face in selfie", photoJPEG(t, "noface_coffee.png", 640, false), photoJPEG(t, "obama_2.jpg", 640, false), obamaLive, compare.CodeNoMatch, "Failed", "Failed", ""},
		{"printed photo as selfie", photoJPEG(t, "spoof_minivision_F1.jpg", 640, false), photoJPEG(t, "live_minivision_T1.jpg", 640, false), obamaLive, compare.CodeNoMatch, "Passed", "Failed", "Failed"},
		{"liveness of another person", photoJPEG(t, "obama_1.jpg", 640, false), photoJPEG(t, "obama_2.jpg", 640, false), livenessOf(t, "biden_1.jpg", "biden_2.jpg"), compare.CodeMatch, "Passed", "Failed", ""},
		{"liveness all one picture", photoJPEG(t, "obama_1.jpg", 640, false), photoJPEG(t, "obama_2.jpg", 640, false),
			[][]byte{photoJPEG(t, "obama_3.jpg", 320, false), photoJPEG(t, "obama_3.jpg", 320, false), photoJPEG(t, "obama_3.jpg", 320, false), photoJPEG(t, "obama_3.jpg", 320, false)},
			compare.CodeMatch, "Passed", "Failed", ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := &compare.Request{Job: &job.Job{
				UserID: "user-" + c.name, ID: "job-" + string(rune('a'+i)), Selfie: c.selfie, Comparison: c.comparison,
				Liveness: c.liveness, ComparisonType: job.Portrait, CallbackURL: e.hookURL, AllowNewEnroll: true,
				PartnerParams: map[string]string{"case": c.name},
			}}
			res, err := e.client.Submit(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Code != c.wantCode || res.Actions.SelfieProvided != c.selfieProvided {
				t.Fatalf("result %s %q actions %+v, want %s with Selfie_Provided %s", res.Code, res.Text, res.Actions, c.wantCode, c.selfieProvided)
			}
			if c.selfieCheck != "" && res.Actions.SelfieCheck != c.selfieCheck {
				t.Errorf("Selfie_Check %s, want %s", res.Actions.SelfieCheck, c.selfieCheck)
			}
			if c.livenessCheck != "" && res.Actions.LivenessCheck != c.livenessCheck {
				t.Errorf("Liveness_Check %s, want %s", res.Actions.LivenessCheck, c.livenessCheck)
			}
			if res.PartnerParams["case"] != c.name || res.SmileJobID == "" {
				t.Errorf("result %+v", res)
			}
			select {
			case b := <-e.hooks:
				if !bytes.Contains(b, []byte(`"ResultCode":"`+c.wantCode+`"`)) {
					t.Errorf("callback %s", b)
				}
			case <-time.After(30 * time.Second):
				t.Error("no callback")
			}
			// Resending the job under the same id is a reconcile, and the count shows both.
			_, err = e.client.Submit(context.Background(), req)
			if !errors.Is(err, compare.ErrReconcile) {
				t.Errorf("resend: %v, want reconcile", err)
			}
			if n, _ := e.sb.JobCount("0001", req.Job.ID); n != 2 {
				t.Errorf("JobCount = %d, want 2", n)
			}
		})
	}
}

func TestEndToEndUndecodableSelfie(t *testing.T) {
	e := newE2E(t)
	good := photoJPEG(t, "obama_1.jpg", 640, false)
	_, err := e.client.Submit(context.Background(), &compare.Request{Job: &job.Job{
		UserID: "u", ID: "broken", Selfie: good[:200], Comparison: photoJPEG(t, "obama_2.jpg", 640, false),
		Liveness: livenessOf(t, "obama_2.jpg", "obama_3.jpg"), ComparisonType: job.IDPhoto, CallbackURL: e.hookURL,
	}})
	var ce *compare.Error
	if !errors.As(err, &ce) || ce.Code != compare.CodeDataInvalid || ce.Class != compare.ClassPermanent {
		t.Fatalf("err %v, want 0001 permanent", err)
	}
}

package capture

import (
	"errors"
	"image"
	"math"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/testengine"
	"github.com/smartselfie/kiosk-agent/internal/testimages"
)

// The engine tests run the real models through ONNX Runtime (make setup fetches it; the
// Makefile sets ONNXRUNTIME_LIB).

func testEngine(t testing.TB) *inference.Engine { return testengine.Get(t) }

func TestMain(m *testing.M) { testengine.Main(m) }

func photo(t testing.TB, name string) image.Image {
	t.Helper()
	img, err := inference.DecodeFile(testimages.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestEngineJudge(t *testing.T) {
	j := EngineJudge{Engine: testEngine(t)}
	cases := []struct {
		name      string
		file      string
		kind      Kind
		wantOK    bool
		wantFaces int
	}{
		{"selfie", "alex_lacamoire_1.jpg", KindSelfie, true, 1},
		{"selfie too far", "obama_1.jpg", KindSelfie, false, 1},
		{"no face", "noface_coffee.png", KindSelfie, false, 0},
		{"several faces", "two_people.jpg", KindSelfie, false, 2},
		{"liveness frame", "obama_3.jpg", KindLiveness, true, 1},
		{"liveness with several faces", "two_people.jpg", KindLiveness, false, 2},
		{"document", "id_specimen_utopia_passport_td3.jpg", KindDocument, true, 1},
		{"document without a face", "noface_coffee.png", KindDocument, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := j.Judge(photo(t, tc.file), tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK != tc.wantOK || v.Faces < tc.wantFaces || (tc.wantFaces == 0) != (v.Face == nil) {
				t.Fatalf("verdict %+v, want OK=%v with %d faces", v, tc.wantOK, tc.wantFaces)
			}
			if !v.OK && len(v.Problems) == 0 {
				t.Fatal("a refused frame names no problem")
			}
		})
	}
	if _, err := (EngineJudge{}).Judge(photo(t, "obama_1.jpg"), KindSelfie); err == nil {
		t.Fatal("a judge without an engine gave no error")
	}
}

// TestJobSizeAndMatch encodes a job (selfie + 8 liveness frames + document) from the
// test photos, checks the budget, and compares the match similarity of the encoded
// images with the full-size ones: within 0.02 (issue 6), every same-person pair of the
// photos with either one as the selfie.
func TestJobSizeAndMatch(t *testing.T) {
	e := testEngine(t)
	pairs := []struct{ selfie, other string }{
		{"obama_1.jpg", "obama_2.jpg"},
		{"biden_1.jpg", "biden_2.jpg"},
		{"alex_lacamoire_1.jpg", "alex_lacamoire_2.jpg"},
		{"dfC_img20.jpg", "dfC_img21.jpg"},
		{"obama_3.jpg", "obama_1.jpg"},
		{"biden_2.jpg", "biden_1.jpg"},
		{"alex_lacamoire_2.jpg", "alex_lacamoire_1.jpg"},
		{"dfC_img21.jpg", "dfC_img20.jpg"},
		{"dfA_img6.jpg", "dfA_img11.jpg"},
		{"dfB_img12.jpg", "dfB_img3.jpg"},
	}
	liveNames := []string{"obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "biden_1.jpg", "biden_2.jpg", "alex_lacamoire_1.jpg", "alex_lacamoire_2.jpg", "dfB_img3.jpg"}
	var live []image.Image
	for _, n := range liveNames {
		live = append(live, photo(t, n))
	}
	doc := photo(t, "id_specimen_utopia_passport_td3.jpg")
	for _, p := range pairs {
		t.Run(p.selfie, func(t *testing.T) {
			selfie, other := photo(t, p.selfie), photo(t, p.other)
			job, err := EncodeJob(selfie, live, doc, JobOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if job.Size() > MaxJobBytes || len(job.Liveness) != 8 {
				t.Fatalf("job of %d bytes with %d liveness frames", job.Size(), len(job.Liveness))
			}
			liveBytes := job.Size() - len(job.Selfie) - len(job.Comparison)
			t.Logf("job %d bytes: selfie %d (q%d), 8 liveness %d (q%d), comparison %d (q%d)", job.Size(), len(job.Selfie), job.SelfieQuality, liveBytes, job.LivenessQuality, len(job.Comparison), job.ComparisonQuality)

			// Match: the selfie against the comparison image (encoded like a document),
			// at full size, scaled to the job's sizes without JPEG, and as sent.
			full, err := e.Compare(selfie, other)
			if err != nil {
				t.Fatal(err)
			}
			scaledSelfie, scaledOther := Scale(selfie, SelfieMaxSide), Scale(other, ComparisonMaxSide)
			scaled, err := e.Compare(scaledSelfie, scaledOther)
			if err != nil {
				t.Fatal(err)
			}
			otherEnc, err := Encode(other, ComparisonMaxSide, job.ComparisonQuality)
			if err != nil {
				t.Fatal(err)
			}
			encSelfie, err := inference.DecodeImage(job.Selfie)
			if err != nil {
				t.Fatal(err)
			}
			encOther, err := inference.DecodeImage(otherEnc)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := e.Compare(encSelfie, encOther)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("similarity full-size %.4f, scaled %.4f, encoded %.4f (encoded - full %+.4f, JPEG alone %+.4f)",
				full.Similarity, scaled.Similarity, enc.Similarity, enc.Similarity-full.Similarity, enc.Similarity-scaled.Similarity)
			// The engine's match embedding refines the landmarks and averages five
			// alignments (inference/refine.go); before that, biden moved +0.039 here.
			if d := math.Abs(enc.Similarity - full.Similarity); d > 0.02 {
				t.Errorf("the job's images moved the similarity by %.4f from full size (at most 0.02)", d)
			}
			if full.Match != enc.Match {
				t.Fatalf("the match decision changed: full %v, encoded %v", full.Match, enc.Match)
			}
		})
	}
}

func TestEncodeJobBudget(t *testing.T) {
	img := testPattern(1600, 1200)
	noise := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range noise.Pix {
		noise.Pix[i] = uint8((i * 2654435761) >> 13)
	}
	cases := []struct {
		name    string
		max     int
		doc     image.Image
		wantErr error
	}{
		{"fits at the first quality", 0, img, nil},
		{"no document", 0, nil, nil},
		{"noise over a tiny budget", 20_000, noise, ErrJobTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j, err := EncodeJob(img, []image.Image{img, img, img, img}, tc.doc, JobOptions{MaxBytes: tc.max})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tc.doc == nil) != (j.Comparison == nil) || len(j.Liveness) != 4 || j.Size() > MaxJobBytes {
				t.Fatalf("job: comparison %d bytes, %d liveness, %d total", len(j.Comparison), len(j.Liveness), j.Size())
			}
		})
	}
	// The quality falls until the job fits.
	// Over the budget the liveness frames lose quality first.
	base, err := EncodeJob(img, []image.Image{noise, noise}, img, JobOptions{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	budget := base.Size() - 2000
	j, err := EncodeJob(img, []image.Image{noise, noise}, img, JobOptions{MaxBytes: budget})
	if err != nil {
		t.Fatal(err)
	}
	if j.Size() > budget || j.LivenessQuality >= 80 || j.ComparisonQuality != 85 || j.SelfieQuality != 90 {
		t.Fatalf("%d bytes (budget %d), qualities selfie %d liveness %d comparison %d: want only the liveness lowered", j.Size(), budget, j.SelfieQuality, j.LivenessQuality, j.ComparisonQuality)
	}
	if _, err := EncodeJob(nil, nil, nil, JobOptions{}); err == nil {
		t.Fatal("a job without a selfie was encoded")
	}
}

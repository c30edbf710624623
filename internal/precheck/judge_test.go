package precheck_test

import (
	"image"
	"math"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// The engine tests run the real models through ONNX Runtime (make setup fetches it; the
// Makefile sets ONNXRUNTIME_LIB).

func testEngine(t testing.TB) *inference.Engine { return inferencetest.Get(t) }

func TestMain(m *testing.M) { inferencetest.Main(m) }

func photo(t testing.TB, name string) image.Image {
	t.Helper()
	img, err := inference.DecodeFile(testimages.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestEngineJudge(t *testing.T) {
	j := precheck.EngineJudge{Engine: testEngine(t)}
	cases := []struct {
		name      string
		file      string
		kind      capture.Kind
		wantOK    bool
		wantFaces int
	}{
		{"selfie", "alex_lacamoire_1.jpg", capture.KindSelfie, true, 1},
		{"selfie too far", "obama_1.jpg", capture.KindSelfie, false, 1},
		{"no face", "noface_coffee.png", capture.KindSelfie, false, 0},
		{"several faces", "two_people.jpg", capture.KindSelfie, false, 2},
		{"liveness frame", "obama_3.jpg", capture.KindLiveness, true, 1},
		{"liveness with several faces", "two_people.jpg", capture.KindLiveness, false, 2},
		{"document", "id_specimen_utopia_passport_td3.jpg", capture.KindDocument, true, 1},
		{"document without a face", "noface_coffee.png", capture.KindDocument, false, 0},
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
	if _, err := (precheck.EngineJudge{}).Judge(photo(t, "obama_1.jpg"), capture.KindSelfie); err == nil {
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
			job, err := capture.EncodeJob(selfie, live, doc, capture.JobOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if job.Size() > capture.MaxJobBytes || len(job.Liveness) != 8 {
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
			scaledSelfie, scaledOther := capture.Scale(selfie, capture.SelfieMaxSide), capture.Scale(other, capture.ComparisonMaxSide)
			scaled, err := e.Compare(scaledSelfie, scaledOther)
			if err != nil {
				t.Fatal(err)
			}
			otherEnc, err := capture.Encode(other, capture.ComparisonMaxSide, job.ComparisonQuality)
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

// The gate codes capture declares are the engine's, so a verdict's codes can be
// compared with capture's constants.
func TestProblemCodesAreTheEngines(t *testing.T) {
	pairs := []struct {
		engine string
		own    capture.Problem
	}{
		{inference.ProblemNoFace, capture.ProblemNoFace},
		{inference.ProblemManyFaces, capture.ProblemManyFaces},
		{inference.ProblemTooSmall, capture.ProblemTooSmall},
		{inference.ProblemTooClose, capture.ProblemTooClose},
		{inference.ProblemOffCentre, capture.ProblemOffCentre},
		{inference.ProblemEyesTooClose, capture.ProblemEyesTooClose},
		{inference.ProblemPose, capture.ProblemPose},
		{inference.ProblemTooDark, capture.ProblemTooDark},
		{inference.ProblemOverExposed, capture.ProblemOverExposed},
		{inference.ProblemBlurred, capture.ProblemBlurred},
		{inference.ProblemNotLive, capture.ProblemNotLive},
		{inference.ProblemPromptNotFollowed, capture.ProblemPromptNotFollowed},
	}
	for _, p := range pairs {
		if string(p.own) != p.engine {
			t.Errorf("capture's code %q differs from the engine's %q", p.own, p.engine)
		}
	}
	for _, p := range []capture.Prompt{capture.PromptStraight, capture.PromptLeft, capture.PromptRight, capture.PromptUp, capture.PromptDown, capture.PromptAny} {
		if string(p) != string(inference.Prompt(p)) {
			t.Errorf("prompt %q", p)
		}
	}
}

// A liveness verdict lists the prompts its pose answers by the engine's thresholds.
func TestEngineJudgeAnswers(t *testing.T) {
	e := testEngine(t)
	j := precheck.EngineJudge{Engine: e}
	for _, name := range []string{"alex_lacamoire_1.jpg", "obama_2.jpg", "dfC_img21.jpg"} {
		t.Run(name, func(t *testing.T) {
			img := photo(t, name)
			v, err := j.Judge(img, capture.KindLiveness)
			if err != nil {
				t.Fatal(err)
			}
			a, err := e.Analyze(img, inference.AnalyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			f := a.Faces[inference.Largest(a.Faces)]
			if v.Pose.Yaw != f.Pose.Yaw || v.Face == nil || v.Face.X1 != f.Box.X1 {
				t.Fatalf("verdict pose %+v box %+v, engine's largest face %+v", v.Pose, v.Face, f)
			}
			for _, p := range []capture.Prompt{capture.PromptStraight, capture.PromptLeft, capture.PromptRight, capture.PromptUp, capture.PromptDown} {
				want := inference.PromptSatisfied(inference.Prompt(p), f.Pose, e.Thresholds())
				if v.Answered(p) != want {
					t.Errorf("prompt %q: answered %v, engine says %v (pose %+v)", p, v.Answered(p), want, f.Pose)
				}
			}
		})
	}
}

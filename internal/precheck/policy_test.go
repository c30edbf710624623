package precheck_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func policyJob(t *testing.T, selfie, comparison string, frames ...string) *job.Job {
	j := &job.Job{Selfie: testimages.Read(t, selfie), Comparison: testimages.Read(t, comparison)}
	for _, f := range frames {
		j.Liveness = append(j.Liveness, testimages.Read(t, f))
	}
	return j
}

func problemSet(pc job.Prechecks) map[string]bool {
	m := map[string]bool{}
	for _, p := range pc.Problems {
		m[p.Image+"/"+p.Code] = true
		if p.Message == "" {
			m["empty message for "+p.Code] = true
		}
	}
	return m
}

func TestRunPolicy(t *testing.T) {
	e := testEngine(t)
	ctx := context.Background()

	// Another person, and the liveness frames repeat each other.
	pc, err := precheck.Run(ctx, e, policyJob(t, "obama_1.jpg", "biden_1.jpg", "obama_2.jpg", "obama_3.jpg", "obama_2.jpg", "obama_3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	got := problemSet(pc)
	if pc.OK || !pc.Ran || !got["pair/no_match"] || !got["liveness/identical_frames"] || pc.Match == nil || *pc.Match || pc.Similarity == nil {
		t.Errorf("mismatch: %+v", pc)
	}
	for k := range got {
		if strings.HasPrefix(k, "empty message") {
			t.Error(k)
		}
	}

	// The comparison image is the selfie itself: same person, same picture.
	pc, err = precheck.Run(ctx, e, policyJob(t, "obama_1.jpg", "obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "obama_2.jpg", "obama_3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	got = problemSet(pc)
	if !got["pair/identical"] || got["pair/no_match"] || pc.Identical == nil || !*pc.Identical || !*pc.Match {
		t.Errorf("identical pair: %+v", pc)
	}

	// No face in the selfie: its gate fails and nothing is compared.
	pc, err = precheck.Run(ctx, e, policyJob(t, "noface_coffee.png", "obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "obama_2.jpg", "obama_3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	got = problemSet(pc)
	if !got["selfie/"+inference.ProblemNoFace] || pc.Similarity != nil || pc.OK {
		t.Errorf("no selfie face: %+v", pc)
	}
}

func TestCheckReport(t *testing.T) {
	e := testEngine(t)
	in, err := precheck.Decode(policyJob(t, "obama_1.jpg", "noface_cat_chelsea.png", "obama_2.jpg", "obama_3.jpg", "obama_1.jpg", "obama_2.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := precheck.Check(context.Background(), e, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.SelfieFace == nil || r.ComparisonFace != nil || r.Compared() || r.Similarity != 0 || r.Liveness == nil {
		t.Errorf("report %+v: want a selfie face, none in the comparison, and the liveness check", r)
	}
	if got := problemSet(r.Prechecks()); !got["comparison/"+inference.ProblemNoFace] {
		t.Errorf("prechecks %v: want the comparison's missing face", got)
	}
}

func TestDecodeNamesTheImage(t *testing.T) {
	j := policyJob(t, "obama_1.jpg", "obama_2.jpg", "obama_2.jpg", "obama_3.jpg")
	j.Liveness[1] = []byte("not an image")
	_, err := precheck.Decode(j)
	if err == nil || !strings.HasPrefix(err.Error(), "liveness frame 2: ") {
		t.Errorf("Decode: %v, want an error naming liveness frame 2", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in, _ := precheck.Decode(policyJob(t, "obama_1.jpg", "obama_2.jpg"))
	if _, err := precheck.Check(ctx, testEngine(t), in); !errors.Is(err, context.Canceled) {
		t.Errorf("Check with a cancelled context: %v", err)
	}
}

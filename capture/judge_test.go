package capture

import (
	"errors"
	"image"
	"testing"
)

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

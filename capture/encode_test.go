package capture

import (
	"errors"
	"image"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// EncodeJob's result is a job of the one vocabulary: completed with its ids and type, it
// passes job.Validate, its comparison image is the job's Comparison.
func TestEncodeJobIsAJob(t *testing.T) {
	img := testPattern(800, 600)
	enc, err := EncodeJob(img, []image.Image{img, img, img, img}, img, JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j := enc.Job
	var je *job.Error
	if err := j.Validate(); !errors.As(err, &je) || !je.Has(job.CodeJobID) || !je.Has(job.CodeUserID) || je.Has(job.CodeImageMissing) || je.Has(job.CodeImageNotJPEG) {
		t.Fatalf("before completing: %v, want only id and type problems", err)
	}
	j.ID, j.UserID, j.ComparisonType = job.NewID(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)), "u-1", job.Document
	if err := j.Validate(); err != nil {
		t.Fatalf("completed job: %v", err)
	}
	if len(j.Comparison) == 0 || int(j.ImageBytes()) != enc.Size() {
		t.Fatalf("comparison %d bytes, job %d bytes, Size %d", len(j.Comparison), j.ImageBytes(), enc.Size())
	}
}

package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// Decompression bombs sent as the selfie or the comparison image (issue 13: two of
// them took the sandbox from 92 MB to 6.3 GB) are refused from their headers as
// undecodable (0001), like any image the engine cannot decode.
func TestEndToEndBombImages(t *testing.T) {
	e := newE2E(t)
	good := photoJPEG(t, "obama_1.jpg", 640, false)
	bombs := map[string][]byte{
		"progressive CMYK":                       imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(),
		"progressive CMYK under the pixel limit": imagebomb.JPEG{Width: 3000, Height: 3000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes(),
		"progressive 4:2:0":                      imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.YCbCr420, Progressive: true}.Bytes(),
	}
	n := 0
	for name, bomb := range bombs {
		for _, side := range []string{"selfie", "comparison"} {
			n++
			jobID := fmt.Sprintf("bomb-%d", n)
			t.Run(name+" as "+side, func(t *testing.T) {
				j := &job.Job{UserID: "u", ID: jobID, Selfie: good, Comparison: photoJPEG(t, "obama_2.jpg", 640, false),
					Liveness: livenessOf(t, "obama_2.jpg", "obama_3.jpg"), ComparisonType: job.IDPhoto, CallbackURL: e.hookURL}
				if side == "selfie" {
					j.Selfie = bomb
				} else {
					j.Comparison = bomb
				}
				_, err := e.client.Submit(context.Background(), &compare.Request{Job: j})
				var ce *compare.Error
				if !errors.As(err, &ce) || ce.Code != compare.CodeDataInvalid || ce.Class != compare.ClassPermanent {
					t.Fatalf("err %v, want 0001 permanent", err)
				}
			})
		}
	}
}

package sandbox

import (
	"bytes"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

func TestParseFormDuplicates(t *testing.T) {
	cases := []struct {
		name  string
		extra string // raw parts appended before the closing boundary
		want  string
	}{
		{"user_id twice", part("user_id", "", "u2"), "user_id is given twice."},
		{"selfie twice", part("selfie_image", "s.jpg", string(jpg('M'))), "selfie_image is given twice."},
		{"unknown part ignored", part("color", "", "blue"), ""},
		{"typo comparison_image=ID_PHOTO tolerated", part("comparison_image", "", "ID_PHOTO"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct, body := goodForm(imgMatch, "j", "u").body()
			boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
			closing := "--" + boundary + "--\r\n"
			b := strings.Replace(string(body), closing, strings.ReplaceAll(c.extra, "BOUNDARY", boundary)+closing, 1)
			s, aerr := parseForm(ct, strings.NewReader(b), 1<<20)
			if c.want == "" {
				if aerr != nil {
					t.Fatal(aerr)
				}
				if s.JobID != "j" || len(s.Liveness) != 4 || s.ComparisonType != job.IDPhoto {
					t.Fatalf("submission %+v", s)
				}
				return
			}
			if aerr == nil || aerr.code != compare.CodeInputsIncorrect || aerr.msg != c.want {
				t.Fatalf("err = %v, want 2413 %q", aerr, c.want)
			}
		})
	}
}

func part(name, filename, value string) string {
	cd := `form-data; name="` + name + `"`
	if filename != "" {
		cd += `; filename="` + filename + `"`
	}
	return "--BOUNDARY\r\nContent-Disposition: " + cd + "\r\n\r\n" + value + "\r\n"
}

// FuzzParseForm: any body gives a submission that satisfies the contract, or a 2204/2413
// answer; never a panic.
func FuzzParseForm(f *testing.F) {
	ct, good := goodForm(imgMatch, "j", "u").body()
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(boundary, good)
	f.Add(boundary, good[:len(good)/2])
	f.Add("XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\nu\r\n--XX--\r\n"))
	f.Add("XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"liveness_images\"; filename=\"a\"\r\n\r\n\xff\xd8\xff\r\n--XX--"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		s, aerr := parseForm("multipart/form-data; boundary="+boundary, bytes.NewReader(body), 1<<16)
		if (s == nil) == (aerr == nil) {
			t.Fatalf("submission %v, error %v: exactly one must be set", s, aerr)
		}
		if aerr != nil {
			if aerr.code != compare.CodeInputsIncorrect && aerr.code != compare.CodeInvalidParam {
				t.Fatalf("code %s", aerr.code)
			}
			if aerr.msg == "" || aerr.status < 400 {
				t.Fatalf("answer %+v", aerr)
			}
			return
		}
		if n := len(s.Liveness); n < job.MinLiveness || n > job.MaxLiveness {
			t.Fatalf("%d liveness images accepted", n)
		}
		if !job.IsJPEG(s.Selfie) || !job.IsJPEG(s.Comparison) || !s.ComparisonType.Valid() ||
			s.UserID == "" || s.JobID == "" || s.PartnerParams == nil || s.CallbackURL == "" {
			t.Fatalf("invalid submission accepted: %+v", s)
		}
	})
}

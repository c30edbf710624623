package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

var fakeJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 'j', 'f', 'i', 'f'}

func jpegN(n byte) []byte { return append(bytes.Clone(fakeJPEG), n) }

func validRequest() *Request {
	return &Request{Job: &job.Job{
		UserID: "user-1", ID: "job-1", Selfie: jpegN(1), Comparison: jpegN(2),
		Liveness:       [][]byte{jpegN(3), jpegN(4), jpegN(5), jpegN(6)},
		ComparisonType: job.IDPhoto, CallbackURL: "https://example.com/cb",
		PartnerParams: map[string]string{"branch": "Nairobi"},
	}}
}

// Request.Validate is job.Job.ValidateSend (tested in internal/job) behind
// ErrInvalidRequest: a few cases show that each rule reaches the client.
func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(r *Request)
		want   job.Code // "" means valid
	}{
		{"valid", func(r *Request) {}, ""},
		{"8 liveness", func(r *Request) { r.Job.Liveness = append(r.Job.Liveness, jpegN(7), jpegN(8), jpegN(9), jpegN(10)) }, ""},
		{"no user", func(r *Request) { r.Job.UserID = " " }, job.CodeUserID},
		{"no job id", func(r *Request) { r.Job.ID = "" }, job.CodeJobID},
		{"no selfie", func(r *Request) { r.Job.Selfie = nil }, job.CodeImageMissing},
		{"png selfie", func(r *Request) { r.Job.Selfie = []byte("\x89PNG\r\n\x1a\n") }, job.CodeImageNotJPEG},
		{"3 liveness", func(r *Request) { r.Job.Liveness = r.Job.Liveness[:3] }, job.CodeLivenessCount},
		{"liveness not jpeg", func(r *Request) { r.Job.Liveness[2] = []byte("GIF89a") }, job.CodeImageNotJPEG},
		{"bad type", func(r *Request) { r.Job.ComparisonType = "id_photo" }, job.CodeComparisonType},
		{"no callback", func(r *Request) { r.Job.CallbackURL = "" }, job.CodeCallbackMissing},
		{"ftp callback", func(r *Request) { r.Job.CallbackURL = "ftp://x/y" }, job.CodeCallbackNotHTTP},
		{"reserved param", func(r *Request) { r.Job.PartnerParams["job_id"] = "x" }, job.CodeReservedParam},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validRequest()
			c.mutate(r)
			err := r.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var je *job.Error
			if !errors.Is(err, ErrInvalidRequest) || !errors.As(err, &je) || !je.Has(c.want) {
				t.Fatalf("err = %v, want ErrInvalidRequest with code %s", err, c.want)
			}
		})
	}
	if err := (&Request{}).Validate(); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("no job: %v", err)
	}
}

func TestBuildBodyParses(t *testing.T) {
	r := validRequest()
	r.Job.AllowNewEnroll = true
	b, err := buildBody(r, randomBoundary())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(b.reader())
	if int64(len(raw)) != b.size {
		t.Fatalf("size %d, body %d bytes", b.size, len(raw))
	}
	again, _ := io.ReadAll(b.reader())
	if !bytes.Equal(raw, again) {
		t.Fatal("body not re-readable")
	}
	_, params, err := mime.ParseMediaType(b.contentType)
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user_id": "user-1", "job_id": "job-1", "comparison_image_type": "ID_PHOTO",
		"allow_new_enroll": "true", "callback_url": "https://example.com/cb"}
	for k, v := range want {
		if got := form.Value[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	var pp map[string]string
	if err := json.Unmarshal([]byte(form.Value["partner_params"][0]), &pp); err != nil {
		t.Fatal(err)
	}
	if pp["job_id"] != "job-1" || pp["user_id"] != "user-1" || pp["job_type"] != DefaultJobType || pp["branch"] != "Nairobi" {
		t.Fatalf("partner_params = %v", pp)
	}
	files := form.File["liveness_images"]
	if len(files) != 4 {
		t.Fatalf("%d liveness parts, want 4 separate parts", len(files))
	}
	for i, fh := range files {
		if fh.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("liveness %d content type %q", i, fh.Header.Get("Content-Type"))
		}
		f, _ := fh.Open()
		got, _ := io.ReadAll(f)
		if !bytes.Equal(got, r.Job.Liveness[i]) {
			t.Errorf("liveness %d bytes differ", i)
		}
	}
	for name, want := range map[string][]byte{"selfie_image": r.Job.Selfie, "comparison_image": r.Job.Comparison} {
		fh := form.File[name]
		if len(fh) != 1 {
			t.Fatalf("%s: %d parts", name, len(fh))
		}
		f, _ := fh[0].Open()
		got, _ := io.ReadAll(f)
		if !bytes.Equal(got, want) {
			t.Errorf("%s bytes differ", name)
		}
	}
	r.Job.AllowNewEnroll = false
	b, _ = buildBody(r, "B")
	raw, _ = io.ReadAll(b.reader())
	if !bytes.Contains(raw, []byte("name=\"allow_new_enroll\"\r\n\r\nfalse\r\n")) {
		t.Fatal("allow_new_enroll not sent as lower-case false")
	}
}

// The document's record (type and issuing country, read from its zone) stays in the
// kiosk: no form field or partner param carries it.
func TestDocumentRecordIsNotSent(t *testing.T) {
	r := validRequest()
	r.Job.ComparisonType = job.Document
	r.Job.Document = &job.DocumentRecord{Format: "TD3", Type: "P", IssuingState: "UTO"}
	b, err := buildBody(r, randomBoundary())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(b.reader())
	for _, s := range []string{"UTO", "TD3", "issuing_state", `"document"`} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("the request body carries %q", s)
		}
	}
	if !bytes.Contains(raw, []byte("DOCUMENT")) {
		t.Error("the comparison type is not in the body (is the test reading the body?)")
	}
}

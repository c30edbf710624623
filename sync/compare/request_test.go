package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

var fakeJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 'j', 'f', 'i', 'f'}

func jpegN(n byte) []byte { return append(bytes.Clone(fakeJPEG), n) }

func validRequest() *Request {
	return &Request{
		UserID: "user-1", JobID: "job-1", Selfie: jpegN(1), Comparison: jpegN(2),
		Liveness:       [][]byte{jpegN(3), jpegN(4), jpegN(5), jpegN(6)},
		ComparisonType: TypeIDPhoto, CallbackURL: "https://example.com/cb",
		PartnerParams: map[string]string{"branch": "Nairobi"},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(r *Request)
		want   string // substring of the error; "" means valid
	}{
		{"valid", func(r *Request) {}, ""},
		{"8 liveness", func(r *Request) { r.Liveness = append(r.Liveness, jpegN(7), jpegN(8), jpegN(9), jpegN(10)) }, ""},
		{"no user", func(r *Request) { r.UserID = " " }, "user_id is empty"},
		{"no job", func(r *Request) { r.JobID = "" }, "job_id is empty"},
		{"no selfie", func(r *Request) { r.Selfie = nil }, "selfie_image is missing"},
		{"png selfie", func(r *Request) { r.Selfie = []byte("\x89PNG\r\n\x1a\n") }, "selfie_image is not a JPEG"},
		{"no comparison", func(r *Request) { r.Comparison = nil }, "comparison_image is missing"},
		{"3 liveness", func(r *Request) { r.Liveness = r.Liveness[:3] }, "3 given, 4 to 8"},
		{"9 liveness", func(r *Request) {
			for len(r.Liveness) < 9 {
				r.Liveness = append(r.Liveness, jpegN(9))
			}
		}, "9 given"},
		{"liveness not jpeg", func(r *Request) { r.Liveness[2] = []byte("GIF89a") }, "liveness image 3 is not a JPEG"},
		{"bad type", func(r *Request) { r.ComparisonType = "id_photo" }, `comparison_image_type "id_photo"`},
		{"no callback", func(r *Request) { r.CallbackURL = "" }, "callback_url is empty"},
		{"ftp callback", func(r *Request) { r.CallbackURL = "ftp://x/y" }, "not an http(s) URL"},
		{"reserved param", func(r *Request) { r.PartnerParams["job_id"] = "x" }, `"job_id" is reserved`},
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
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestBuildBodyParses(t *testing.T) {
	r := validRequest()
	r.AllowNewEnroll = true
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
		if !bytes.Equal(got, r.Liveness[i]) {
			t.Errorf("liveness %d bytes differ", i)
		}
	}
	for name, want := range map[string][]byte{"selfie_image": r.Selfie, "comparison_image": r.Comparison} {
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
	r.AllowNewEnroll = false
	b, _ = buildBody(r, "B")
	raw, _ = io.ReadAll(b.reader())
	if !bytes.Contains(raw, []byte("name=\"allow_new_enroll\"\r\n\r\nfalse\r\n")) {
		t.Fatal("allow_new_enroll not sent as lower-case false")
	}
}

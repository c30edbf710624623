package job

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var fakeJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 'j', 'f', 'i', 'f'}

func jpegN(n byte) []byte { return append(bytes.Clone(fakeJPEG), n) }

func validJob() *Job {
	return &Job{
		ID: "job-1", UserID: "user-1", Selfie: jpegN(1), Comparison: jpegN(2),
		Liveness:       [][]byte{jpegN(3), jpegN(4), jpegN(5), jpegN(6)},
		ComparisonType: IDPhoto, CallbackURL: "https://example.com/cb",
		PartnerParams: map[string]string{"branch": "Nairobi"},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(j *Job)
		code   Code   // "" means valid
		field  string // the problem's Field
		index  int
		msg    string // substring of the message
	}{
		{"valid", func(j *Job) {}, "", "", 0, ""},
		{"8 liveness", func(j *Job) { j.Liveness = append(j.Liveness, jpegN(7), jpegN(8), jpegN(9), jpegN(10)) }, "", "", 0, ""},
		{"no callback is fine for sealing", func(j *Job) { j.CallbackURL = "" }, "", "", 0, ""},
		{"no job id", func(j *Job) { j.ID = "" }, CodeJobID, "job_id", 0, "job id is empty"},
		{"job id with a space", func(j *Job) { j.ID = "a b" }, CodeJobID, "job_id", 0, `job id "a b" is not 1 to 128`},
		{"job id too long", func(j *Job) { j.ID = strings.Repeat("x", 129) }, CodeJobID, "job_id", 0, "1 to 128"},
		{"blank user", func(j *Job) { j.UserID = " " }, CodeUserID, "user_id", 0, "user id is empty"},
		{"no selfie", func(j *Job) { j.Selfie = nil }, CodeImageMissing, "selfie_image", 0, "selfie image is missing"},
		{"png selfie", func(j *Job) { j.Selfie = []byte("\x89PNG\r\n\x1a\n") }, CodeImageNotJPEG, "selfie_image", 0, "selfie image is not a JPEG"},
		{"no comparison", func(j *Job) { j.Comparison = nil }, CodeImageMissing, "comparison_image", 0, "comparison image is missing"},
		{"3 liveness", func(j *Job) { j.Liveness = j.Liveness[:3] }, CodeLivenessCount, "liveness_images", 0, "3 liveness images given: 4 to 8"},
		{"9 liveness", func(j *Job) {
			for len(j.Liveness) < 9 {
				j.Liveness = append(j.Liveness, jpegN(9))
			}
		}, CodeLivenessCount, "liveness_images", 0, "9 liveness images given"},
		{"liveness not jpeg", func(j *Job) { j.Liveness[2] = []byte("GIF89a") }, CodeImageNotJPEG, "liveness_images", 3, "liveness image 3 is not a JPEG"},
		{"liveness empty", func(j *Job) { j.Liveness[1] = nil }, CodeImageMissing, "liveness_images", 2, "liveness image 2 is missing"},
		{"lower-case type", func(j *Job) { j.ComparisonType = "id_photo" }, CodeComparisonType, "comparison_image_type", 0, `comparison type "id_photo"`},
		{"unknown type", func(j *Job) { j.ComparisonType = "PASSPORT" }, CodeComparisonType, "comparison_image_type", 0, "PASSPORT"},
		{"ftp callback", func(j *Job) { j.CallbackURL = "ftp://x/y" }, CodeCallbackNotHTTP, "callback_url", 0, "not an http(s) URL"},
		{"reserved job_id", func(j *Job) { j.PartnerParams[ParamJobID] = "x" }, CodeReservedParam, "partner_params", 0, `"job_id" is reserved`},
		{"reserved job_type", func(j *Job) { j.PartnerParams[ParamJobType] = "x" }, CodeReservedParam, "partner_params", 0, `"job_type" is reserved`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := validJob()
			c.mutate(j)
			err := j.Validate()
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want an *Error matching ErrInvalid", err)
			}
			if len(e.Problems) != 1 {
				t.Fatalf("problems = %+v, want exactly one", e.Problems)
			}
			p := e.Problems[0]
			if p.Code != c.code || p.Field != c.field || p.Index != c.index || !strings.Contains(p.Message, c.msg) {
				t.Fatalf("problem = %+v, want code %s field %s index %d message with %q", p, c.code, c.field, c.index, c.msg)
			}
			if !strings.Contains(err.Error(), p.Message) {
				t.Fatalf("Error() = %q does not hold the message", err)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	j := &Job{ID: "a b", ComparisonType: "X", Liveness: [][]byte{jpegN(1)}, PartnerParams: map[string]string{"user_id": "u"}}
	var e *Error
	if !errors.As(j.Validate(), &e) {
		t.Fatal("no *Error")
	}
	want := []Code{CodeJobID, CodeUserID, CodeComparisonType, CodeImageMissing, CodeImageMissing, CodeLivenessCount, CodeReservedParam}
	if len(e.Problems) != len(want) {
		t.Fatalf("problems = %+v, want %v", e.Problems, want)
	}
	for i, p := range e.Problems {
		if p.Code != want[i] {
			t.Fatalf("problem %d = %s, want %s (all: %+v)", i, p.Code, want[i], e.Problems)
		}
	}
	if !e.Has(CodeLivenessCount) || e.Has(CodeCallbackMissing) {
		t.Fatal("Has disagrees with Problems")
	}
	if n := strings.Count(e.Error(), "; "); n != len(want)-1 {
		t.Fatalf("Error() joins %d messages: %q", n+1, e.Error())
	}
}

func TestValidateNeverShowsTheUserID(t *testing.T) {
	j := validJob()
	j.UserID = "customer-4711"
	j.ID, j.ComparisonType, j.CallbackURL = "bad id", "X", "nope"
	err := j.Validate()
	if err == nil || strings.Contains(err.Error(), "4711") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidateSendRequiresCallback(t *testing.T) {
	j := validJob()
	if err := j.ValidateSend(); err != nil {
		t.Fatal(err)
	}
	j.CallbackURL = ""
	if err := j.Validate(); err != nil {
		t.Fatalf("Validate without a callback: %v", err)
	}
	var e *Error
	if err := j.ValidateSend(); !errors.As(err, &e) || len(e.Problems) != 1 || e.Problems[0].Code != CodeCallbackMissing {
		t.Fatalf("ValidateSend without a callback: %v", err)
	}
}

func TestComparisonType(t *testing.T) {
	for _, s := range []string{"ID_PHOTO", "PORTRAIT", "DOCUMENT"} {
		if !ComparisonType(s).Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	for _, s := range []string{"", "id_photo", "PASSPORT", " DOCUMENT"} {
		if ComparisonType(s).Valid() {
			t.Errorf("%q valid", s)
		}
	}
}

func TestReservedParam(t *testing.T) {
	for k, want := range map[string]bool{"job_id": true, "user_id": true, "job_type": true, "branch": false, "JOB_ID": false} {
		if ReservedParam(k) != want {
			t.Errorf("ReservedParam(%q) = %v", k, !want)
		}
	}
}

func TestNewID(t *testing.T) {
	at := time.Date(2026, 11, 29, 23, 15, 4, 0, time.FixedZone("EAT", 3*3600))
	seen := map[string]bool{}
	for range 100 {
		id := NewID(at)
		if !ValidID(id) {
			t.Fatalf("NewID made %q, which ValidID refuses", id)
		}
		if !strings.HasPrefix(id, "k-20261129T201504Z-") || len(id) != len("k-20261129T201504Z-")+8 {
			t.Fatalf("id %q: want k-<UTC time>-<8 hex>", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
	}
	if a, b := NewID(at), NewID(at.Add(time.Second)); a >= b {
		t.Fatalf("ids do not sort by time: %s >= %s", a, b)
	}
}

// The JSON names are what the offline queue seals; renaming one breaks old records.
func TestJSONNames(t *testing.T) {
	sim := 0.5
	j := validJob()
	j.KioskID, j.OperatorID, j.AllowNewEnroll = "k", "op", true
	j.Created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j.Prechecks = Prechecks{Ran: true, Forced: true, Problems: []PrecheckProblem{{Image: "pair", Code: "no_match", Message: "m"}}, Similarity: &sim}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"job_id":"job-1","user_id":"user-1","partner_params":{"branch":"Nairobi"},"comparison_type":"ID_PHOTO",` +
		`"allow_new_enroll":true,"callback_url":"https://example.com/cb","kiosk_id":"k","operator_id":"op",` +
		`"created":"2026-01-02T03:04:05Z","prechecks":{"ran":true,"ok":false,"forced":true,` +
		`"problems":[{"image":"pair","code":"no_match","message":"m"}],"similarity":0.5}}`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}
}

func TestImageBytes(t *testing.T) {
	j := validJob()
	if got, want := j.ImageBytes(), int64(6*len(jpegN(0))); got != want {
		t.Fatalf("ImageBytes = %d, want %d", got, want)
	}
}

func TestCaptureOriginValid(t *testing.T) {
	for _, o := range []CaptureOrigin{"", OriginAuto, OriginManual, OriginImport} {
		if !o.Valid() {
			t.Errorf("%q is refused", o)
		}
	}
	for _, o := range []CaptureOrigin{"Auto", "camera", " manual"} {
		if o.Valid() {
			t.Errorf("%q is accepted", o)
		}
	}
}

func TestCaptureOriginDescribe(t *testing.T) {
	for o, want := range map[CaptureOrigin]string{
		"": "not recorded", OriginAuto: "auto", OriginManual: "manual", OriginImport: "import",
		"camera":                               `unknown "camera"`,
		"line\nbreak":                          `unknown "line\nbreak"`,
		CaptureOrigin(strings.Repeat("x", 40)): `unknown "` + strings.Repeat("x", 24) + `…"`,
	} {
		if got := o.Describe(); got != want {
			t.Errorf("%q.Describe() = %s, want %s", o, got, want)
		}
	}
}

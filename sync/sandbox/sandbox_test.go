package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

var t0 = time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)

// Fake JPEGs: the byte after the JPEG magic selects the fake analyzer's verdict.
const (
	imgMatch      = 'M'
	imgNoMatch    = 'N'
	imgNoFace     = 'F'
	imgNoCompFace = 'C'
	imgIdentical  = 'I'
	imgBad        = 'B'
	imgFail       = 'X'
	imgLiveFail   = 'L'
)

func jpg(kind byte) []byte { return []byte{0xFF, 0xD8, 0xFF, 0xE0, kind, 0, 0, 0} }

// fakeAnalyzer decides by the selfie's marker byte; gate, when set, blocks Judge.
type fakeAnalyzer struct {
	gate  chan struct{}
	calls atomic.Int64
}

func (f *fakeAnalyzer) Judge(ctx context.Context, in Inputs) (Verdict, error) {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return Verdict{}, ctx.Err()
		}
	}
	v := Verdict{SelfieProvided: true, ComparisonFace: true, SelfieLive: true, LivenessPassed: true}
	switch in.Selfie[4] {
	case imgMatch:
		v.Match, v.Similarity = true, 0.8
	case imgNoMatch:
		v.Similarity = 0.1
	case imgNoFace:
		v.SelfieProvided, v.SelfieLive = false, false
	case imgNoCompFace:
		v.ComparisonFace = false
	case imgIdentical:
		v.Identical, v.Match = true, true
	case imgLiveFail:
		v.Match, v.LivenessPassed, v.SelfieLive = true, false, false
	case imgBad:
		return v, fmt.Errorf("selfie: %w", ErrUndecodable)
	case imgFail:
		return v, errors.New("engine broke")
	}
	return v, nil
}

type env struct {
	sb    *Sandbox
	srv   *httptest.Server
	clock *clock.Fake
	an    *fakeAnalyzer
	opts  Options
}

var testPartners = []Partner{
	{ID: "0001", Key: []byte("key-0001"), ProductActive: true, ProductionEnabled: true},
	{ID: "0002", Key: []byte("key-0002"), ProductActive: false},
	{ID: "0003", Key: []byte("key-0003"), ProductActive: true, ProductionEnabled: false},
}

func newEnv(t *testing.T, mod func(*Options)) *env {
	t.Helper()
	e := &env{clock: clock.NewFake(t0), an: &fakeAnalyzer{}}
	e.opts = Options{Partners: testPartners, DBPath: filepath.Join(t.TempDir(), "sandbox.db"), Analyzer: e.an,
		Clock: e.clock, CallbackBackoff: time.Millisecond, MaxBodyBytes: 1 << 20}
	if mod != nil {
		mod(&e.opts)
	}
	sb, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	e.sb = sb
	e.srv = httptest.NewServer(sb.Handler())
	t.Cleanup(func() { e.srv.Close(); sb.Close() })
	return e
}

// form is a request form that tests may break at will.
type form struct {
	fields   map[string]string
	files    map[string][]byte
	liveness [][]byte
}

func goodForm(selfie byte, jobID, userID string) *form {
	pp, _ := json.Marshal(map[string]any{"job_id": jobID, "user_id": userID, "job_type": "smart_selfie_compare", "branch": "Kisumu"})
	return &form{
		fields: map[string]string{"user_id": userID, "job_id": jobID, "comparison_image_type": "ID_PHOTO",
			"partner_params": string(pp), "allow_new_enroll": "false", "callback_url": "http://127.0.0.1:1/cb"},
		files:    map[string][]byte{"selfie_image": jpg(selfie), "comparison_image": jpg('c')},
		liveness: [][]byte{jpg('1'), jpg('2'), jpg('3'), jpg('4')},
	}
}

func (f *form) body() (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range f.fields {
		w.WriteField(k, v)
	}
	for k, v := range f.files {
		p, _ := w.CreateFormFile(k, k+".jpg")
		p.Write(v)
	}
	for i, l := range f.liveness {
		p, _ := w.CreateFormFile("liveness_images", fmt.Sprintf("l%d.jpg", i))
		p.Write(l)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

type auth struct {
	partner, key string
	ts           time.Time
	tsHeader     string // overrides the header's timestamp (not the signed one)
	none         bool
}

func (e *env) post(t *testing.T, a auth, ct string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+compare.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if !a.none {
		if a.partner == "" {
			a.partner, a.key = "0001", "key-0001"
		}
		if a.ts.IsZero() {
			a.ts = e.clock.Now()
		}
		ts := compare.FormatTimestamp(a.ts)
		req.Header.Set(compare.HeaderPartnerID, a.partner)
		req.Header.Set(compare.HeaderSignature, compare.ComputeSignature([]byte(a.key), ts, a.partner))
		if a.tsHeader != "" {
			ts = a.tsHeader
		}
		req.Header.Set(compare.HeaderTimestamp, ts)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer is not JSON: %q", b)
	}
	return resp.StatusCode, resp.Header, out
}

func TestCodes(t *testing.T) {
	e := newEnv(t, nil)
	n := 0
	cases := []struct {
		name       string
		auth       auth
		form       func(f *form)
		selfie     byte
		rawCT      string
		rawBody    []byte
		wantStatus int
		wantCode   string
		wantText   string
		check      func(t *testing.T, out map[string]any)
	}{
		{name: "0840 match", selfie: imgMatch, wantStatus: 200, wantCode: "0840", wantText: "Face Match", check: func(t *testing.T, out map[string]any) {
			if out["status"] != "approved" || out["partner_id"] != "0001" || out["job_type"] != "smart_selfie_compare" {
				t.Errorf("answer %v", out)
			}
			pp := out["partner_params"].(map[string]any)
			if pp["branch"] != "Kisumu" {
				t.Errorf("extra partner param not echoed: %v", pp)
			}
			acts := out["actions"].(map[string]any)
			if acts["Liveness_Check"] != "Passed" || acts["Selfie_Check"] != "Passed" || acts["Selfie_Provided"] != "Passed" {
				t.Errorf("actions %v", acts)
			}
		}},
		{name: "0841 no match", selfie: imgNoMatch, wantStatus: 200, wantCode: "0841", wantText: "No Match - No Face Match"},
		{name: "0841 no face in selfie", selfie: imgNoFace, wantStatus: 200, wantCode: "0841", check: func(t *testing.T, out map[string]any) {
			if a := out["actions"].(map[string]any); a["Selfie_Provided"] != "Failed" || a["Selfie_Check"] != "Failed" {
				t.Errorf("actions %v", a)
			}
		}},
		{name: "0841 no face in comparison", selfie: imgNoCompFace, wantStatus: 200, wantCode: "0841", check: func(t *testing.T, out map[string]any) {
			if a := out["actions"].(map[string]any); a["Selfie_Provided"] != "Passed" {
				t.Errorf("actions %v", a)
			}
		}},
		{name: "0941 identical", selfie: imgIdentical, wantStatus: 200, wantCode: "0941", wantText: "identical"},
		{name: "liveness failed still matches", selfie: imgLiveFail, wantStatus: 200, wantCode: "0840", check: func(t *testing.T, out map[string]any) {
			if a := out["actions"].(map[string]any); a["Liveness_Check"] != "Failed" || a["Selfie_Check"] != "Failed" {
				t.Errorf("actions %v", a)
			}
		}},
		{name: "0001 undecodable", selfie: imgBad, wantStatus: 200, wantCode: "0001", wantText: "Data Invalid"},
		{name: "2201 analysis failure", selfie: imgFail, wantStatus: 500, wantCode: "2201"},
		{name: "2205 no headers", auth: auth{none: true}, wantStatus: 401, wantCode: "2205", wantText: "required"},
		{name: "2205 unknown partner", auth: auth{partner: "0009", key: "key-0001"}, wantStatus: 401, wantCode: "2205", wantText: badSignature},
		{name: "2205 wrong key", auth: auth{partner: "0001", key: "key-0002"}, wantStatus: 401, wantCode: "2205", wantText: "signature"},
		{name: "2205 partner id without leading zeros", auth: auth{partner: "1", key: "key-0001"}, wantStatus: 401, wantCode: "2205"},
		{name: "2205 timestamp 16 min old", auth: auth{ts: t0.Add(-16 * time.Minute)}, wantStatus: 401, wantCode: "2205", wantText: "clock"},
		{name: "2205 timestamp 16 min ahead", auth: auth{ts: t0.Add(16 * time.Minute)}, wantStatus: 401, wantCode: "2205"},
		{name: "14 min old accepted", auth: auth{ts: t0.Add(-14 * time.Minute)}, selfie: imgMatch, wantStatus: 200, wantCode: "0840"},
		{name: "2205 malformed timestamp", auth: auth{tsHeader: "2026-11-25 22:00:00"}, wantStatus: 401, wantCode: "2205", wantText: "layout"},
		{name: "2205 header timestamp not the signed one", auth: auth{tsHeader: compare.FormatTimestamp(t0.Add(time.Second))}, wantStatus: 401, wantCode: "2205"},
		{name: "2214 product not active", auth: auth{partner: "0002", key: "key-0002"}, wantStatus: 403, wantCode: "2214"},
		{name: "2413 not multipart", rawCT: "application/json", rawBody: []byte(`{}`), wantStatus: 400, wantCode: "2413", wantText: "multipart/form-data"},
		{name: "2413 truncated multipart", rawCT: "multipart/form-data; boundary=XX", rawBody: []byte("--XX\r\nContent-Disposition: form-data; name=\"user_id\"\r\n\r\nu"), wantStatus: 400, wantCode: "2413", wantText: "malformed"},
		{name: "2413 no user_id", form: func(f *form) { delete(f.fields, "user_id") }, wantStatus: 400, wantCode: "2413", wantText: "user_id is required."},
		{name: "2413 no job_id", form: func(f *form) { delete(f.fields, "job_id") }, wantStatus: 400, wantCode: "2413", wantText: "job_id is required."},
		{name: "2413 no selfie", form: func(f *form) { delete(f.files, "selfie_image") }, wantStatus: 400, wantCode: "2413", wantText: "selfie_image is required."},
		{name: "2413 no comparison", form: func(f *form) { delete(f.files, "comparison_image") }, wantStatus: 400, wantCode: "2413", wantText: "comparison_image is required."},
		{name: "2413 no comparison type", form: func(f *form) { delete(f.fields, "comparison_image_type") }, wantStatus: 400, wantCode: "2413", wantText: "comparison_image_type is required."},
		{name: "2413 no liveness", form: func(f *form) { f.liveness = nil }, wantStatus: 400, wantCode: "2413", wantText: "liveness_images is required."},
		{name: "2413 3 liveness", form: func(f *form) { f.liveness = f.liveness[:3] }, wantStatus: 400, wantCode: "2413", wantText: "3 given, 4 to 8"},
		{name: "2413 9 liveness", form: func(f *form) {
			for len(f.liveness) < 9 {
				f.liveness = append(f.liveness, jpg('9'))
			}
		}, wantStatus: 400, wantCode: "2413", wantText: "more than 8"},
		{name: "8 liveness accepted", selfie: imgMatch, form: func(f *form) {
			for len(f.liveness) < 8 {
				f.liveness = append(f.liveness, jpg('8'))
			}
		}, wantStatus: 200, wantCode: "0840"},
		{name: "2413 no partner_params", form: func(f *form) { delete(f.fields, "partner_params") }, wantStatus: 400, wantCode: "2413", wantText: "partner_params is required."},
		{name: "2413 partner_params without job_type", form: func(f *form) { f.fields["partner_params"] = `{"job_id":"x","user_id":"y"}` }, wantStatus: 400, wantCode: "2413", wantText: "partner_params.job_type is required."},
		{name: "2413 no callback_url", form: func(f *form) { delete(f.fields, "callback_url") }, wantStatus: 400, wantCode: "2413", wantText: "callback_url is required."},
		{name: "2204 job_id differs from partner_params", form: func(f *form) { f.fields["job_id"] = "other" }, wantStatus: 400, wantCode: "2204", wantText: "partner_params.job_id"},
		{name: "2204 unknown comparison type", form: func(f *form) { f.fields["comparison_image_type"] = "PASSPORT" }, wantStatus: 400, wantCode: "2204", wantText: "not one of ID_PHOTO"},
		{name: "2204 partner_params not an object", form: func(f *form) { f.fields["partner_params"] = `["a"]` }, wantStatus: 400, wantCode: "2204", wantText: "JSON object"},
		{name: "2204 allow_new_enroll yes", form: func(f *form) { f.fields["allow_new_enroll"] = "yes" }, wantStatus: 400, wantCode: "2204", wantText: "true or false"},
		{name: "allow_new_enroll True accepted", selfie: imgMatch, form: func(f *form) { f.fields["allow_new_enroll"] = "True" }, wantStatus: 200, wantCode: "0840"},
		{name: "2204 selfie not JPEG", form: func(f *form) { f.files["selfie_image"] = []byte("\x89PNG\r\n\x1a\nxxxx") }, wantStatus: 400, wantCode: "2204", wantText: "selfie_image must be a JPEG"},
		{name: "2204 liveness not JPEG", form: func(f *form) { f.liveness[1] = []byte("GIF89a..") }, wantStatus: 400, wantCode: "2204", wantText: "liveness_images 2"},
		{name: "2204 callback not a URL", form: func(f *form) { f.fields["callback_url"] = "mailto:x@y" }, wantStatus: 400, wantCode: "2204", wantText: "callback_url"},
		{name: "2413 body too large", form: func(f *form) { f.files["comparison_image"] = append(jpg('c'), make([]byte, 2<<20)...) }, wantStatus: 413, wantCode: "2413", wantText: "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n++
			ct, body := c.rawCT, c.rawBody
			if ct == "" {
				sel := c.selfie
				if sel == 0 {
					sel = imgMatch
				}
				f := goodForm(sel, fmt.Sprintf("job-%d", n), fmt.Sprintf("user-%d", n))
				if c.form != nil {
					c.form(f)
				}
				ct, body = f.body()
			}
			status, _, out := e.post(t, c.auth, ct, body)
			if status != c.wantStatus || out["code"] != c.wantCode {
				t.Fatalf("answer %d %v, want %d %s", status, out, c.wantStatus, c.wantCode)
			}
			text, _ := out["message"].(string)
			if status != 200 {
				text, _ = out["error"].(string)
				if out["success"] != false {
					t.Errorf("error body without success:false: %v", out)
				}
			}
			if !strings.Contains(text, c.wantText) {
				t.Errorf("text %q, want %q", text, c.wantText)
			}
			if c.check != nil {
				c.check(t, out)
			}
		})
	}
}

// TestBodyLimitChunked: a body without Content-Length is cut at the limit too.
func TestBodyLimitChunked(t *testing.T) {
	e := newEnv(t, nil)
	f := goodForm(imgMatch, "big", "u")
	f.files["comparison_image"] = append(jpg('c'), make([]byte, 2<<20)...)
	ct, body := f.body()
	ts := compare.FormatTimestamp(e.clock.Now())
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+compare.Path, io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", ct)
	req.Header.Set(compare.HeaderPartnerID, "0001")
	req.Header.Set(compare.HeaderTimestamp, ts)
	req.Header.Set(compare.HeaderSignature, compare.ComputeSignature([]byte("key-0001"), ts, "0001"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 413 || out["code"] != "2413" || !strings.Contains(out["error"].(string), "limit is 1048576 bytes") {
		t.Fatalf("answer %d %v", resp.StatusCode, out)
	}
	if e.an.calls.Load() != 0 {
		t.Fatal("an oversized job was analysed")
	}
}

func TestProductionNotEnabled(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Production = true })
	ct, body := goodForm(imgMatch, "j", "u").body()
	if status, _, out := e.post(t, auth{partner: "0003", key: "key-0003"}, ct, body); status != 403 || out["code"] != "2220" {
		t.Fatalf("answer %d %v", status, out)
	}
	if status, _, out := e.post(t, auth{}, ct, body); status != 200 || out["code"] != "0840" {
		t.Fatalf("production-enabled partner: answer %d %v", status, out)
	}
}

func TestJobIDsAndEnrollment(t *testing.T) {
	e := newEnv(t, nil)
	send := func(selfie byte, job, user string, allow bool) (int, map[string]any) {
		f := goodForm(selfie, job, user)
		if allow {
			f.fields["allow_new_enroll"] = "true"
		}
		ct, body := f.body()
		status, _, out := e.post(t, auth{}, ct, body)
		return status, out
	}
	steps := []struct {
		name     string
		selfie   byte
		job      string
		user     string
		allow    bool
		wantCode string
	}{
		{"rejected job does not enroll", imgNoMatch, "j1", "alice", false, "0841"},
		{"match enrolls", imgMatch, "j2", "alice", false, "0840"},
		{"same job id again", imgMatch, "j2", "alice", false, "2215"},
		{"same job id again, other user", imgMatch, "j2", "bob", false, "2215"},
		{"enrolled user", imgMatch, "j3", "alice", false, "2209"},
		{"enrolled user, allow_new_enroll", imgMatch, "j4", "alice", true, "0840"},
		{"system error frees the job id", imgFail, "j5", "carol", false, "2201"},
		{"retry after system error", imgMatch, "j5", "carol", false, "0840"},
	}
	for _, s := range steps {
		_, out := send(s.selfie, s.job, s.user, s.allow)
		if out["code"] != s.wantCode {
			t.Fatalf("%s: answer %v, want %s", s.name, out, s.wantCode)
		}
	}
	for job, want := range map[string]int{"j1": 1, "j2": 3, "j3": 1, "j5": 2, "never": 0} {
		if n, err := e.sb.JobCount("0001", job); err != nil || n != want {
			t.Errorf("JobCount(%s) = %d, %v; want %d", job, n, err, want)
		}
	}
	if n, _ := e.sb.JobCount("0002", "j1"); n != 0 {
		t.Error("job counts leak between partners")
	}
	// Another partner's namespace is separate.
	e2ct, body := goodForm(imgMatch, "j2", "alice").body()
	e.sb.partners["0003"] = Partner{ID: "0003", Key: []byte("key-0003"), ProductActive: true}
	if _, _, out := e.post(t, auth{partner: "0003", key: "key-0003"}, e2ct, body); out["code"] != "0840" {
		t.Fatalf("other partner, same job id: %v", out)
	}
	// The state survives a restart.
	e.srv.Close()
	e.sb.Close()
	sb, err := New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	e.sb = sb
	e.srv = httptest.NewServer(sb.Handler())
	if _, out := send(imgMatch, "j2", "dave", false); out["code"] != "2215" {
		t.Fatalf("after restart, job id reuse: %v", out)
	}
	if _, out := send(imgMatch, "j9", "alice", false); out["code"] != "2209" {
		t.Fatalf("after restart, enrolled user: %v", out)
	}
	if ok, _ := sb.Enrolled("0001", "carol"); !ok {
		t.Fatal("carol not enrolled")
	}
	rec, known, _ := sb.Job("0001", "j2")
	if !known || rec.Code != "0840" || rec.State != jobDone || rec.SmileJobID == "" {
		t.Fatalf("job record %+v", rec)
	}
	// The admin handler reports the same count.
	e.opts.AdminToken = []byte("admin-token")
	e.sb.opts.AdminToken = e.opts.AdminToken
	adm := httptest.NewServer(sb.AdminHandler())
	defer adm.Close()
	req, _ := http.NewRequest(http.MethodGet, adm.URL+"/jobs?partner_id=0001&job_id=j2", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Count int  `json:"count"`
		Known bool `json:"known"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Count != 4 || !st.Known {
		t.Fatalf("admin /jobs = %+v, want count 4", st)
	}
}

func TestCallbacks(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	var fails atomic.Int64
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails.Add(1) <= 2 {
			w.WriteHeader(500)
			return
		}
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	}))
	defer cb.Close()
	e := newEnv(t, func(o *Options) { o.Clock = clock.Real{} }) // backoff sleeps 1-2 ms
	f := goodForm(imgMatch, "job-cb", "u")
	f.fields["callback_url"] = cb.URL + "/hook"
	f.fields["partner_params"] = `{"job_id":"job-cb","user_id":"u","job_type":"smart_selfie_compare","x":"y"}`
	ct, body := f.body()
	now := time.Now()
	if status, _, out := e.post(t, auth{ts: now}, ct, body); status != 200 {
		t.Fatalf("answer %v", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if d, _ := e.sb.CallbackStats(); d == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d callbacks received (after %d attempts)", len(got), fails.Load())
	}
	m := got[0]
	if m["ResultCode"] != "0840" || m["ResultText"] != "Face Match" || m["IsFinalResult"] != "true" || m["SmileJobID"] == "" {
		t.Fatalf("callback %v", m)
	}
	if pp := m["PartnerParams"].(map[string]any); pp["x"] != "y" || pp["job_id"] != "job-cb" {
		t.Fatalf("callback partner params %v", pp)
	}
	if a := m["Actions"].(map[string]any); a["Liveness_Check"] != "Passed" || a["Selfie_Provided"] != "Passed" {
		t.Fatalf("callback actions %v", a)
	}
	if fails.Load() != 3 {
		t.Fatalf("%d attempts, want 3 (two failures, one success)", fails.Load())
	}
}

func TestCallbackGivesUp(t *testing.T) {
	var hits atomic.Int64
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(503)
	}))
	defer cb.Close()
	e := newEnv(t, func(o *Options) { o.Clock = clock.Real{}; o.CallbackAttempts = 3 })
	f := goodForm(imgMatch, "job-cb", "u")
	f.fields["callback_url"] = cb.URL
	ct, body := f.body()
	if status, _, _ := e.post(t, auth{ts: time.Now()}, ct, body); status != 200 {
		t.Fatal("no answer")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, failed := e.sb.CallbackStats(); failed == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, failed := e.sb.CallbackStats(); failed != 1 || hits.Load() != 3 {
		t.Fatalf("failed %d, hits %d; want 1 and 3", failed, hits.Load())
	}
}

func TestSaturation(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Workers = 1; o.MaxWaiting = 1; o.RetryAfter = 3 * time.Second })
	e.an.gate = make(chan struct{})
	type answer struct {
		status int
		h      http.Header
		out    map[string]any
	}
	answers := make(chan answer, 3)
	send := func(i int) {
		ct, body := goodForm(imgMatch, fmt.Sprintf("sat-%d", i), fmt.Sprintf("u%d", i)).body()
		s, h, out := e.post(t, auth{}, ct, body)
		answers <- answer{s, h, out}
	}
	go send(1)
	for e.an.calls.Load() != 1 { // the first holds the only worker
		time.Sleep(time.Millisecond)
	}
	go send(2)
	for e.sb.waiting.Load() != 1 { // the second waits
		time.Sleep(time.Millisecond)
	}
	send(3) // the third finds the queue full
	a := <-answers
	if a.status != 503 || a.out["code"] != "2210" || a.h.Get("Retry-After") != "3" {
		t.Fatalf("saturated answer %d %v Retry-After %q", a.status, a.out, a.h.Get("Retry-After"))
	}
	if n, _ := e.sb.JobCount("0001", "sat-3"); n != 1 {
		t.Fatalf("JobCount of the refused job = %d", n)
	}
	if _, known, _ := e.sb.Job("0001", "sat-3"); known {
		t.Fatal("the refused job's id stays reserved: a retry would get 2215")
	}
	close(e.an.gate)
	for range 2 {
		if a := <-answers; a.status != 200 {
			t.Fatalf("queued request: %d %v", a.status, a.out)
		}
	}
}

func TestQueueTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Workers = 1; o.QueueTimeout = time.Minute })
	e.an.gate = make(chan struct{})
	defer close(e.an.gate)
	go func() {
		ct, body := goodForm(imgMatch, "hold", "u0").body()
		e.post(t, auth{}, ct, body)
	}()
	for e.an.calls.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan map[string]any)
	go func() {
		ct, body := goodForm(imgMatch, "wait", "u1").body()
		_, _, out := e.post(t, auth{}, ct, body)
		done <- out
	}()
	for e.sb.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	for e.clock.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	e.clock.Advance(time.Minute)
	if out := <-done; out["code"] != "2210" {
		t.Fatalf("after the queue timeout: %v", out)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	an := &fakeAnalyzer{gate: make(chan struct{})}
	sb, err := New(Options{Partners: testPartners, DBPath: filepath.Join(t.TempDir(), "s.db"), Analyzer: an})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- sb.Serve(ctx, ln, 10*time.Second) }()
	e := &env{sb: sb, srv: &httptest.Server{URL: "http://" + ln.Addr().String()}, clock: clock.NewFake(time.Now())}
	answered := make(chan int, 1)
	go func() {
		ct, body := goodForm(imgMatch, "g", "u").body()
		s, _, _ := e.post(t, auth{}, ct, body)
		answered <- s
	}()
	for an.calls.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	time.Sleep(20 * time.Millisecond) // let Shutdown close the listener
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections during shutdown")
	}
	close(an.gate)
	if s := <-answered; s != 200 {
		t.Fatalf("request in progress got %d", s)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"no partners", Options{DBPath: "x", Analyzer: &fakeAnalyzer{}}, "no partner"},
		{"no key", Options{Partners: []Partner{{ID: "1"}}, DBPath: "x", Analyzer: &fakeAnalyzer{}}, "no API key"},
		{"duplicate", Options{Partners: []Partner{{ID: "1", Key: []byte("k")}, {ID: "1", Key: []byte("k")}}, DBPath: "x", Analyzer: &fakeAnalyzer{}}, "twice"},
		{"no analyzer", Options{Partners: testPartners, DBPath: "x"}, "no analyzer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestClientAgainstSandbox: the real client reads the sandbox's answers, its Date header
// (clock skew) and its 2205 for a timestamp out of the window.
func TestClientAgainstSandbox(t *testing.T) {
	e := newEnv(t, nil)
	e.clock.Set(time.Now().Add(10 * time.Minute)) // the sandbox runs 10 minutes ahead
	signer, _ := compare.NewKeySigner("0001", []byte("key-0001"))
	c, err := compare.New(compare.Options{BaseURL: e.srv.URL, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	req := &compare.Request{Job: &job.Job{UserID: "u", ID: "skew-1", Selfie: jpg(imgMatch), Comparison: jpg('c'),
		Liveness: [][]byte{jpg('1'), jpg('2'), jpg('3'), jpg('4')}, ComparisonType: job.Document,
		CallbackURL: "http://127.0.0.1:1/cb"}}
	res, err := c.Submit(context.Background(), req)
	if err != nil || res.Code != compare.CodeMatch {
		t.Fatalf("res %v err %v", res, err)
	}
	skew, ok := c.ClockSkew()
	if !ok || skew < 9*time.Minute || skew > 11*time.Minute {
		t.Fatalf("skew %v %v, want about 10m", skew, ok)
	}
	e.clock.Advance(6 * time.Minute) // now 16 minutes ahead: out of the window
	req.Job.ID = "skew-2"
	_, err = c.Submit(context.Background(), req)
	var ce *compare.Error
	if !errors.As(err, &ce) || ce.Code != "2205" || ce.Class != compare.ClassHalt || !strings.Contains(ce.Message, "clock") {
		t.Fatalf("err %v, want 2205 halt about the clock", err)
	}
	if skew, _ := c.ClockSkew(); skew < 15*time.Minute {
		t.Fatalf("skew %v not updated from the error answer", skew)
	}
}

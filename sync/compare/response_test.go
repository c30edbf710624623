package compare

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseResponseCodes(t *testing.T) {
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	errBody := func(code string) string {
		return `{"code":"` + code + `","error":"text of ` + code + `","success":false}`
	}
	okBody := func(code, msg, status string) string {
		return `{"code":"` + code + `","created_at":"2021-08-01T12:00:00Z","job_type":"smart_selfie_compare","message":"` + msg +
			`","job_id":"0000000042","user_id":"u","partner_id":"0001","partner_params":{"job_id":"j","user_id":"u","job_type":"x","branch":"N"},` +
			`"updated_at":"2021-08-01T12:00:01Z","status":"` + status + `","actions":{"Liveness_Check":"Passed","Selfie_Check":"Failed","Selfie_Provided":"Passed"}}`
	}
	cases := []struct {
		name       string
		status     int
		body       string
		wantCode   string
		wantClass  Class // 0: a Result
		wantStatus string
	}{
		{"0840 match", 200, okBody("0840", "Face Match", "approved"), "0840", 0, "approved"},
		{"0841 no match", 200, okBody("0841", "No Match - No Face Match", "rejected"), "0841", 0, "rejected"},
		{"0941 identical", 200, okBody("0941", "No Match - The compared images are identical", "rejected"), "0941", 0, "rejected"},
		{"0001 data invalid", 200, `{"code":"0001","message":"Data Invalid / System Error"}`, "0001", ClassPermanent, ""},
		{"2201 system error", 500, errBody("2201"), "2201", ClassRetry, ""},
		{"2210 busy", 503, errBody("2210"), "2210", ClassRetry, ""},
		{"2204 wrong value", 400, errBody("2204"), "2204", ClassPermanent, ""},
		{"2205 unauthorized", 401, errBody("2205"), "2205", ClassHalt, ""},
		{"2209 enrolled", 409, errBody("2209"), "2209", ClassOperator, ""},
		{"2214 not active", 403, errBody("2214"), "2214", ClassHalt, ""},
		{"2215 job exists", 409, errBody("2215"), "2215", ClassReconcile, ""},
		{"2220 no production", 403, errBody("2220"), "2220", ClassHalt, ""},
		{"2413 inputs", 400, errBody("2413"), "2413", ClassPermanent, ""},
		{"2301 general", 400, errBody("2301"), "2301", ClassPermanent, ""},
		{"2401 on 5xx", 502, errBody("2401"), "2401", ClassRetry, ""},
		{"html 502", 502, "<html>bad gateway</html>", "", ClassRetry, ""},
		{"html 404: wrong api_url, halt", 404, "<html>not found</html>", "", ClassHalt, ""},
		{"JSON 400 without a contract code", 400, `{"code":"bad"}`, "", ClassHalt, ""},
		{"204 no body", 204, "", "", ClassRetry, ""},
		{"429 no body", 429, "", "", ClassRetry, ""},
		{"200 captive portal", 200, "<html>login</html>", "", ClassRetry, ""},
		{"200 no code", 200, `{}`, "", ClassRetry, ""},
		{"200 error code", 200, errBody("2215"), "2215", ClassReconcile, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{"Date": {"Wed, 25 Nov 2026 22:00:30 GMT"}, "Retry-After": {"7"}}
			res, err := ParseResponse(c.status, h, []byte(c.body), now)
			if c.wantClass == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if res.Code != c.wantCode || res.Status != c.wantStatus || res.SmileJobID != "0000000042" ||
					res.PartnerParams["branch"] != "N" || res.Actions.SelfieCheck != "Failed" || res.Actions.LivenessCheck != "Passed" ||
					res.ServerDate.Sub(now) != 30*time.Second || res.HTTPStatus != 200 || len(res.Raw) == 0 || res.JobType != "smart_selfie_compare" {
					t.Fatalf("result = %+v", res)
				}
				if res.Matched() != (c.wantCode == CodeMatch) {
					t.Fatal("Matched wrong")
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), res %+v", err, err, res)
			}
			if e.Code != c.wantCode || e.Class != c.wantClass || e.HTTPStatus != c.status || e.RetryAfter != 7*time.Second || e.ServerDate.IsZero() {
				t.Fatalf("error = %+v", e)
			}
			if !errors.Is(err, c.wantClass.sentinel()) {
				t.Fatal("errors.Is(class sentinel) false")
			}
			if c.wantCode != "" && c.wantCode != "0001" && !strings.Contains(e.Error(), "text of "+c.wantCode) {
				t.Fatalf("message lost: %v", e)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"http date", "Wed, 25 Nov 2026 22:01:00 GMT", time.Minute},
		{"past date", "Wed, 25 Nov 2026 21:00:00 GMT", 0},
		{"huge", "99999999", 24 * time.Hour},
		{"garbage", "soon", 0},
		{"empty", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := parseRetryAfter(c.in, now); got != c.want {
				t.Fatalf("parseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

// FuzzParseResponse: any answer gives either a Result with a result code or an *Error
// with a class, never a panic.
func FuzzParseResponse(f *testing.F) {
	f.Add(200, []byte(`{"code":"0840","message":"Face Match","job_id":"1","partner_params":{"a":1},"actions":{"Liveness_Check":"Passed"}}`), "3")
	f.Add(200, []byte(`{"code":"0001"}`), "")
	f.Add(400, []byte(`{"code":"2204","error":"bad","success":false}`), "Wed, 25 Nov 2026 22:01:00 GMT")
	f.Add(503, []byte(`{"code":5}`), "x")
	f.Add(200, []byte(`{"code":"0840","job_type":7,"partner_params":[]}`), "")
	f.Add(200, []byte("\xff\xfe garbage \x00"), "")
	f.Add(502, []byte(strings.Repeat("é", 300)), "1")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		h := http.Header{"Retry-After": {retryAfter}, "Date": {retryAfter}}
		res, err := ParseResponse(status, h, body, time.Unix(1e9, 0))
		if (res == nil) == (err == nil) {
			t.Fatalf("res %v, err %v: exactly one must be set", res, err)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Class < ClassRetry || e.Class > ClassReconcile {
				t.Fatalf("err %v is not a classified *Error", err)
			}
			if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
				t.Fatalf("RetryAfter %v out of range", e.RetryAfter)
			}
			_ = e.Error()
			return
		}
		if status != 200 || (res.Code != CodeMatch && res.Code != CodeNoMatch && res.Code != CodeIdentical) {
			t.Fatalf("a Result from status %d code %q", status, res.Code)
		}
	})
}

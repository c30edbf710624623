package compare

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// CheckAuth sends a signed form without a single field, and reads 2413 as an accepted
// key, 2205 as a refusal, and a comparison result as a server that is not the API.
func TestCheckAuth(t *testing.T) {
	var answer string
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != Path {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		for _, h := range []string{HeaderPartnerID, HeaderTimestamp, HeaderSignature} {
			if r.Header.Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Errorf("content type: %v", err)
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		if p, err := mr.NextPart(); err != io.EOF {
			t.Errorf("the form has a part (%v, %v)", p, err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	signer, _ := NewKeySigner("0001", []byte("k"))
	c, err := New(Options{BaseURL: srv.URL, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, answer string
		status       int
		accepted     bool
		code         string
	}{
		{"accepted", `{"code":"2413","error":"user_id is required.","success":false}`, 400, true, "2413"},
		{"refused", `{"code":"2205","error":"Unauthorized","success":false}`, 401, false, "2205"},
		{"not the API", `{"code":"0840","message":"Match"}`, 200, false, "0840"},
		{"no contract code", `not found`, 404, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer, status = tc.answer, tc.status
			chk, err := c.CheckAuth(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if chk.Accepted != tc.accepted || chk.Code != tc.code || chk.HTTPStatus != tc.status || (chk.Err == nil) != tc.accepted {
				t.Fatalf("%+v", chk)
			}
			if chk.ServerDate.IsZero() {
				t.Fatal("no server date (httptest sends Date)")
			}
		})
	}
	srv.Close()
	if _, err := c.CheckAuth(context.Background()); ClassOf(err) != ClassRetry {
		t.Fatalf("no server: %v", err)
	}
}

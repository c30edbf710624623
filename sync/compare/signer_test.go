package compare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Vectors computed independently with
// printf '%s' "$ts$partner""sid_request" | openssl dgst -sha256 -hmac "$key" -binary | base64
var signatureVectors = []struct {
	name, ts, partner, key, want string
}{
	{"sandbox key", "2026-11-25T22:19:36.123Z", "0001", "sk_test_abc123", "BOmnBLSACrauRyUJJ2WIyNkhMkmY1VSb3QruR0eFuLM="},
	{"published example", "2021-08-01T12:00:00.000Z", "123", "key", "vVty2phTl+1F0WB1Q5QosCUgvhBwihhBXWgyrJ3aQ90="},
	{"utf-8 key, leading zeros", "2030-01-01T00:00:00.000Z", "00042", "Üñíçødé-key with spaces", "/gl73LCAgARamvpV7YON6mCeS3hSZmAtUFTdTRfJ00Q="},
}

func TestComputeSignatureVectors(t *testing.T) {
	for _, v := range signatureVectors {
		t.Run(v.name, func(t *testing.T) {
			if got := ComputeSignature([]byte(v.key), v.ts, v.partner); got != v.want {
				t.Fatalf("signature = %s, want %s", got, v.want)
			}
		})
	}
}

// TestComputeSignatureOpenSSL checks fresh inputs against openssl at test time.
func TestComputeSignatureOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed (scripts/setup.sh installs it)")
	}
	for i, key := range []string{"k", "a much longer key " + strings.Repeat("x", 100), "ключ"} {
		ts := FormatTimestamp(time.Date(2026, 1, 2, 3, 4, 5, int(i)*1e6, time.UTC))
		partner := fmt.Sprintf("%04d", 7+i)
		cmd := exec.Command("sh", "-c", `printf '%s' "$MSG" | openssl dgst -sha256 -hmac "$KEY" -binary | base64`)
		cmd.Env = append(os.Environ(), "MSG="+ts+partner+"sid_request", "KEY="+key)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl: %v", err)
		}
		if got, want := ComputeSignature([]byte(key), ts, partner), strings.TrimSpace(string(out)); got != want {
			t.Errorf("key %d: signature %s, openssl %s", i, got, want)
		}
	}
}

func TestFormatTimestamp(t *testing.T) {
	loc := time.FixedZone("EAT", 3*3600)
	got := FormatTimestamp(time.Date(2026, 11, 26, 1, 19, 36, 123456789, loc))
	if got != "2026-11-25T22:19:36.123Z" {
		t.Fatalf("FormatTimestamp = %s", got)
	}
	if _, err := ParseTimestamp("2026-11-25T22:19:36Z"); err == nil {
		t.Fatal("ParseTimestamp accepted a timestamp without milliseconds")
	}
}

func TestKeySignerSign(t *testing.T) {
	v := signatureVectors[0]
	s, err := NewKeySigner(" "+v.partner+" ", []byte(v.key+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	now, _ := ParseTimestamp(v.ts)
	sig, err := s.Sign(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if sig.Value != v.want || sig.Timestamp != v.ts || sig.PartnerID != v.partner {
		t.Fatalf("Sign = %+v", sig)
	}
	for _, str := range []string{fmt.Sprint(s), fmt.Sprintf("%#v", s), fmt.Sprint(sig)} {
		if strings.Contains(str, v.key) || strings.Contains(str, v.want) {
			t.Errorf("key or signature printed: %s", str)
		}
	}
}

func TestLoadKeySigner(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, partner, path string
		wantErr             error
		wantText            string
	}{
		{"0600 ok", "0001", write("ok", "secret\n", 0o600), nil, ""},
		{"0400 ok", "0001", write("ro", "secret", 0o400), nil, ""},
		{"group readable", "0001", write("g", "secret", 0o640), ErrKeyFileMode, "chmod 600"},
		{"world readable", "0001", write("w", "secret", 0o604), ErrKeyFileMode, "chmod 600"},
		{"empty", "0001", write("e", "\n", 0o600), ErrNoKey, ""},
		{"no partner", " ", write("np", "secret", 0o600), ErrNoPartnerID, ""},
		{"missing", "0001", filepath.Join(dir, "nope"), os.ErrNotExist, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := LoadKeySigner(c.partner, c.path)
			if c.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				sig, _ := s.Sign(context.Background(), time.Unix(0, 0))
				if sig.Value != ComputeSignature([]byte("secret"), sig.Timestamp, "0001") {
					t.Fatal("signature not made with the file's key")
				}
				return
			}
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantText) || strings.Contains(err.Error(), "secret") {
				t.Fatalf("error text %q", err)
			}
		})
	}
}

func TestKeySignerFromEnv(t *testing.T) {
	env := map[string]string{"KEY": "envkey"}
	s, err := KeySignerFromEnv("0001", "KEY", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := s.Sign(context.Background(), time.Unix(0, 0))
	if sig.Value != ComputeSignature([]byte("envkey"), sig.Timestamp, "0001") {
		t.Fatal("wrong key used")
	}
	if _, err := KeySignerFromEnv("0001", "UNSET", func(string) string { return "" }); !errors.Is(err, ErrNoKey) {
		t.Fatalf("unset variable: err = %v", err)
	}
}

func TestRemoteSigner(t *testing.T) {
	const token = "tok-123"
	ts := "2026-11-25T22:19:36.123Z"
	cases := []struct {
		name      string
		handler   http.HandlerFunc
		wantClass Class
	}{
		{"ok", func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				PartnerID string `json:"partner_id"`
			}
			if r.Header.Get("Authorization") != "Bearer "+token || json.NewDecoder(r.Body).Decode(&in) != nil || in.PartnerID != "0001" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			json.NewEncoder(w).Encode(map[string]string{"timestamp": ts, "signature": ComputeSignature([]byte("k"), ts, "0001")})
		}, 0},
		{"token refused", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }, ClassHalt},
		{"backend down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }, ClassRetry},
		{"wrong path in signer_url", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, ClassHalt},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://login.example.net/?t=1", http.StatusFound)
		}, ClassHalt},
		{"signer busy", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) }, ClassRetry},
		{"garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }, ClassRetry},
		{"bad timestamp", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"timestamp":"yesterday","signature":"AAAA"}`))
		}, ClassHalt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			rs := &RemoteSigner{URL: srv.URL, Token: token, PartnerID: "0001"}
			sig, err := rs.Sign(context.Background(), time.Now())
			if c.wantClass == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if sig.Timestamp != ts || sig.Value != ComputeSignature([]byte("k"), ts, "0001") {
					t.Fatalf("sig = %+v", sig)
				}
				return
			}
			if ClassOf(err) != c.wantClass {
				t.Fatalf("err = %v, class %v, want %v", err, ClassOf(err), c.wantClass)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(fmt.Sprintf("%v", rs), token) {
				t.Fatal("token printed")
			}
		})
	}
}

// A Retry-After date is read against the caller's clock, not the wall clock.
func TestRemoteSignerRetryAfterUsesCallersClock(t *testing.T) {
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) // years from the wall clock
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := (&RemoteSigner{URL: srv.URL, PartnerID: "0001"}).Sign(context.Background(), now)
	var e *Error
	if !errors.As(err, &e) || e.Class != ClassRetry || e.RetryAfter != 90*time.Second {
		t.Fatalf("err = %v (%+v), want ClassRetry with RetryAfter 90s", err, e)
	}
}

package compare

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// TimestampLayout is the layout of the SmileID-Timestamp header (always UTC).
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// Header names of the signed request.
const (
	HeaderPartnerID = "SmileID-Partner-ID"
	HeaderTimestamp = "SmileID-Timestamp"
	HeaderSignature = "SmileID-Request-Signature"
)

// Signature is one signed (timestamp, signature) pair for a partner. It is valid for a
// short time only (the server accepts ±15 minutes) and is never stored.
type Signature struct {
	PartnerID string
	Timestamp string // in TimestampLayout
	Value     string // base64 HMAC-SHA256
}

// String hides the signature value so a Signature is safe to log.
func (s Signature) String() string {
	return fmt.Sprintf("partner %s at %s (signature hidden)", s.PartnerID, s.Timestamp)
}

// Signer produces a fresh signature for a request about to be sent.
type Signer interface {
	Sign(ctx context.Context, now time.Time) (Signature, error)
}

// Errors of the signers.
var (
	// ErrKeyFileMode: the API key file is readable by the group or others.
	ErrKeyFileMode = errors.New("API key file is readable by group or others")
	// ErrNoKey: no API key was found (empty file or unset environment variable).
	ErrNoKey = errors.New("no API key")
	// ErrNoPartnerID: the partner id is empty.
	ErrNoPartnerID = errors.New("no partner id: set it (keep leading zeros, e.g. 0001)")
)

// FormatTimestamp formats t as the SmileID-Timestamp header value.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

// ParseTimestamp parses a SmileID-Timestamp header value strictly.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(TimestampLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q is not in layout %s", s, TimestampLayout)
	}
	return t, nil
}

// ComputeSignature returns base64(HMAC-SHA256(key, timestamp + partnerID + "sid_request")).
func ComputeSignature(key []byte, timestamp, partnerID string) string {
	m := hmac.New(sha256.New, key)
	io.WriteString(m, timestamp)
	io.WriteString(m, partnerID)
	io.WriteString(m, "sid_request")
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// KeySigner signs with an API key held in memory. Its String and GoString never show the key.
type KeySigner struct {
	partnerID string
	key       []byte
}

// NewKeySigner returns a signer for partnerID with key. Surrounding white space of the
// key is dropped (a key file usually ends with a newline).
func NewKeySigner(partnerID string, key []byte) (*KeySigner, error) {
	partnerID = strings.TrimSpace(partnerID)
	if partnerID == "" {
		return nil, ErrNoPartnerID
	}
	k := bytes.TrimSpace(key)
	if len(k) == 0 {
		return nil, ErrNoKey
	}
	return &KeySigner{partnerID: partnerID, key: bytes.Clone(k)}, nil
}

// LoadKeySigner reads the API key from path. The file must not be readable by the group
// or others: the error then says how to fix it (chmod 600).
func LoadKeySigner(partnerID, path string) (*KeySigner, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading API key file: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("reading API key file: %s is a folder, not a file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("reading API key file %s (mode %04o): %w: run chmod 600 %s", path, fi.Mode().Perm(), ErrKeyFileMode, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading API key file: %w", err)
	}
	s, err := NewKeySigner(partnerID, b)
	if err != nil {
		return nil, fmt.Errorf("API key file %s: %w", path, err)
	}
	return s, nil
}

// KeySignerFromEnv reads the API key from the environment variable name, through getenv
// (os.Getenv when nil).
func KeySignerFromEnv(partnerID, name string, getenv func(string) string) (*KeySigner, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := getenv(name)
	if strings.TrimSpace(v) == "" {
		return nil, fmt.Errorf("API key from environment: %w: %s is not set", ErrNoKey, name)
	}
	return NewKeySigner(partnerID, []byte(v))
}

// PartnerID returns the partner id the signer signs for.
func (k *KeySigner) PartnerID() string { return k.partnerID }

// Sign signs now (in UTC, millisecond precision).
func (k *KeySigner) Sign(_ context.Context, now time.Time) (Signature, error) {
	ts := FormatTimestamp(now)
	return Signature{PartnerID: k.partnerID, Timestamp: ts, Value: ComputeSignature(k.key, ts, k.partnerID)}, nil
}

func (k *KeySigner) String() string   { return "KeySigner{partner " + k.partnerID + ", key hidden}" }
func (k *KeySigner) GoString() string { return k.String() }

// RemoteSigner fetches signatures from the partner's backend (see the package doc for the
// protocol). The zero HTTPClient means a client with a 15 s timeout that trusts the
// system roots and follows no redirect (SignerConfig.Signer builds one that trusts ca_file).
// URL obeys the transport rules of the package doc: https://, or http:// to loopback,
// or http:// anywhere only with AllowInsecureHTTP.
type RemoteSigner struct {
	URL               string
	Token             string // bearer token; never logged
	PartnerID         string
	HTTPClient        *http.Client
	AllowInsecureHTTP bool
}

func (r *RemoteSigner) String() string {
	return "RemoteSigner{partner " + r.PartnerID + ", url " + hostOf(r.URL) + ", token hidden}"
}
func (r *RemoteSigner) GoString() string { return r.String() }

var defaultSignerClient = &http.Client{Timeout: 15 * time.Second, CheckRedirect: noRedirect}

// Sign asks the backend for a fresh pair; the backend's clock signs. now (the caller's
// injected clock) only dates an HTTP-date Retry-After of a failed answer.
func (r *RemoteSigner) Sign(ctx context.Context, now time.Time) (Signature, error) {
	if strings.TrimSpace(r.PartnerID) == "" {
		return Signature{}, ErrNoPartnerID
	}
	if _, err := checkTransportURL(strings.TrimSpace(r.URL), r.AllowInsecureHTTP, "signer_url"); err != nil {
		return Signature{}, &Error{Class: ClassHalt, Message: "remote signer URL is not usable: fix signer_url", Err: err}
	}
	body, _ := json.Marshal(map[string]string{"partner_id": r.PartnerID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return Signature{}, &Error{Class: ClassHalt, Message: "remote signer URL is not usable: fix signer_url", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	hc := r.HTTPClient
	if hc == nil {
		hc = defaultSignerClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if isTLSVerifyError(err) {
			return Signature{}, &Error{Class: ClassHalt, Message: "verifying the remote signer's TLS certificate (check signer_url and ca_file)", Err: err}
		}
		return Signature{}, &Error{Class: ClassRetry, Message: "asking the remote signer", Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Signature{}, &Error{Class: ClassRetry, Message: "reading the remote signer's answer", Err: err}
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return Signature{}, &Error{Class: ClassHalt, HTTPStatus: resp.StatusCode, Message: fmt.Sprintf(
			"remote signer answered a redirect (HTTP %d to %s), which is not followed: set signer_url to the signer's own URL (or fix the network: a captive portal or proxy login)",
			resp.StatusCode, hostOf(resp.Header.Get("Location")))}
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Signature{}, &Error{Class: ClassHalt, HTTPStatus: resp.StatusCode, Message: fmt.Sprintf("remote signer refused the token (HTTP %d): check signer_token_file", resp.StatusCode)}
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		// A wrong path in signer_url (404) or a proxy in the way: configuration, not the job.
		return Signature{}, &Error{Class: ClassHalt, HTTPStatus: resp.StatusCode, Message: fmt.Sprintf(
			"remote signer answered HTTP %d %s: check signer_url (and the network's proxy)", resp.StatusCode, http.StatusText(resp.StatusCode))}
	case resp.StatusCode != http.StatusOK:
		return Signature{}, &Error{Class: ClassRetry, HTTPStatus: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now), Message: fmt.Sprintf("remote signer answered HTTP %d", resp.StatusCode)}
	}
	var out struct {
		Timestamp string `json:"timestamp"`
		Signature string `json:"signature"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Timestamp == "" || out.Signature == "" {
		return Signature{}, &Error{Class: ClassRetry, HTTPStatus: resp.StatusCode, Message: `remote signer's answer is not {"timestamp","signature"}`}
	}
	if _, err := ParseTimestamp(out.Timestamp); err != nil {
		return Signature{}, &Error{Class: ClassHalt, Message: "remote signer's timestamp", Err: err}
	}
	if _, err := base64.StdEncoding.DecodeString(out.Signature); err != nil {
		return Signature{}, &Error{Class: ClassHalt, Message: "remote signer's signature is not base64"}
	}
	return Signature{PartnerID: r.PartnerID, Timestamp: out.Timestamp, Value: out.Signature}, nil
}

package uploader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
)

// DialProber probes connectivity by opening and closing one TCP connection to the API's
// host: a few hundred bytes on the wire, no request, no signature.
type DialProber struct {
	Addr string // host:port
}

// NewDialProber returns a DialProber for an API base URL (http or https).
func NewDialProber(apiURL string) (DialProber, error) {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return DialProber{}, fmt.Errorf("probing %q: not a URL like https://api.example.com", apiURL)
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return DialProber{Addr: net.JoinHostPort(u.Hostname(), port)}, nil
}

// Probe dials the host.
func (p DialProber) Probe(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return fmt.Errorf("probing %s: %w", p.Addr, err)
	}
	return c.Close()
}

// ConfigFingerprint returns a short fingerprint of the parts of a sending configuration
// (API URL, partner id, key or signer) for Options.ConfigID. It is a one-way hash; the
// parts cannot be read back from it.
func ConfigFingerprint(parts ...[]byte) string {
	h := sha256.New()
	h.Write([]byte("kiosk-agent sync config v1"))
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Pinger is the part of *compare.Client that APIProber uses.
type Pinger interface {
	Ping(ctx context.Context) error
}

// APIProber probes connectivity by asking the API's endpoint whether it answers
// (compare.Client.Ping: one unsigned HEAD, no job): an answer of the API counts, a
// captive portal's redirect does not, and the answer's Date lets the kiosk compare
// its clock with the API's before any job is sent.
type APIProber struct {
	Client Pinger
}

// Probe pings the API.
func (p APIProber) Probe(ctx context.Context) error { return p.Client.Ping(ctx) }

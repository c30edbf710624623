package compare

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// SignerConfig says how to sign: exactly one way is used, signer_url (with
// signer_token_file), else api_key_env, else api_key_file. The config file's "compare"
// section is internal/config's; internal/parts turns it into SignerConfig and Options.
type SignerConfig struct {
	PartnerID       string
	APIKeyFile      string
	APIKeyEnv       string
	SignerURL       string
	SignerTokenFile string
	// CAFile, when set, is the only trusted root for the remote signer too (ca_file).
	CAFile string
	// AllowInsecureHTTP allows a signer_url of plain http:// to a host other than
	// loopback (allow_insecure_http); see the transport rules in the package doc.
	AllowInsecureHTTP bool
}

// Signer builds the Signer that s describes. getenv is os.Getenv when nil.
func (s SignerConfig) Signer(getenv func(string) string) (Signer, error) {
	if strings.TrimSpace(s.PartnerID) == "" {
		return nil, ErrNoPartnerID
	}
	switch {
	case s.SignerURL != "":
		var token string
		if s.SignerTokenFile != "" {
			fi, err := os.Stat(s.SignerTokenFile)
			if err != nil {
				return nil, fmt.Errorf("reading signer token file: %w", err)
			}
			if fi.Mode().Perm()&0o077 != 0 {
				return nil, fmt.Errorf("reading signer token file %s: %w: run chmod 600 %s", s.SignerTokenFile, ErrKeyFileMode, s.SignerTokenFile)
			}
			b, err := os.ReadFile(s.SignerTokenFile)
			if err != nil {
				return nil, fmt.Errorf("reading signer token file: %w", err)
			}
			token = strings.TrimSpace(string(b))
		}
		if _, err := checkTransportURL(strings.TrimSpace(s.SignerURL), s.AllowInsecureHTTP, "signer_url"); err != nil {
			return nil, fmt.Errorf("remote signer: %w", err)
		}
		tlsConf, err := tlsConfig(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("remote signer: %w", err)
		}
		hc := &http.Client{
			Timeout:       15 * time.Second,
			Transport:     &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsConf, ForceAttemptHTTP2: true},
			CheckRedirect: noRedirect,
		}
		return &RemoteSigner{URL: strings.TrimSpace(s.SignerURL), Token: token, PartnerID: strings.TrimSpace(s.PartnerID),
			HTTPClient: hc, AllowInsecureHTTP: s.AllowInsecureHTTP}, nil
	case s.APIKeyEnv != "":
		return KeySignerFromEnv(s.PartnerID, s.APIKeyEnv, getenv)
	case s.APIKeyFile != "":
		return LoadKeySigner(s.PartnerID, s.APIKeyFile)
	}
	return nil, errors.New("no way to sign: set api_key_file (or api_key_env, or signer_url)")
}

package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as "30s" (or a number of seconds).
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: write it like \"30s\" or \"2m\"", s)
		}
		*d = Duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration %s: write it like \"30s\" or a number of seconds", b)
	}
	*d = Duration(n * float64(time.Second))
	return nil
}

// Settings are the compare API settings of the config file (the "compare" object).
// Exactly one way to sign is used: signer_url (with signer_token_file), else api_key_env,
// else api_key_file.
type Settings struct {
	APIURL          string   `json:"api_url,omitempty"`
	PartnerID       string   `json:"partner_id,omitempty"`
	APIKeyFile      string   `json:"api_key_file,omitempty"`
	APIKeyEnv       string   `json:"api_key_env,omitempty"`
	SignerURL       string   `json:"signer_url,omitempty"`
	SignerTokenFile string   `json:"signer_token_file,omitempty"`
	CAFile          string   `json:"ca_file,omitempty"`
	ConnectTimeout  Duration `json:"connect_timeout,omitempty"`
	HeaderTimeout   Duration `json:"header_timeout,omitempty"`
	StallTimeout    Duration `json:"stall_timeout,omitempty"`
}

// Signer builds the Signer the settings describe. getenv is os.Getenv when nil.
func (s Settings) Signer(getenv func(string) string) (Signer, error) {
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
		return &RemoteSigner{URL: s.SignerURL, Token: token, PartnerID: strings.TrimSpace(s.PartnerID)}, nil
	case s.APIKeyEnv != "":
		return KeySignerFromEnv(s.PartnerID, s.APIKeyEnv, getenv)
	case s.APIKeyFile != "":
		return LoadKeySigner(s.PartnerID, s.APIKeyFile)
	}
	return nil, errors.New("no way to sign: set api_key_file (or api_key_env, or signer_url)")
}

// Options turns the settings into client Options (Clock, Logger and Transport unset).
func (s Settings) Options(getenv func(string) string) (Options, error) {
	signer, err := s.Signer(getenv)
	if err != nil {
		return Options{}, err
	}
	return Options{
		BaseURL:        s.APIURL,
		Signer:         signer,
		ConnectTimeout: time.Duration(s.ConnectTimeout),
		HeaderTimeout:  time.Duration(s.HeaderTimeout),
		StallTimeout:   time.Duration(s.StallTimeout),
		CAFile:         s.CAFile,
	}, nil
}

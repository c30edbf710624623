package protector

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// credsProtector seals with the key systemd decrypted from the kiosk's encrypted
// credential (LoadCredentialEncrypted=, bound to the host key and the TPM when
// there is one) and put in $CREDENTIALS_DIRECTORY for the service only.
type credsProtector struct {
	aead cipher.AEAD
	path string
}

var credsAAD = []byte("kiosk-agent sealed keys / systemd-creds v1")

func readCredential(dir string) ([]byte, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: $CREDENTIALS_DIRECTORY is not set (the kiosk does not run under systemd with LoadCredentialEncrypted=%s:...); install the credential with kioskctl keys install-credential",
			ErrUnavailable, CredentialName)
	}
	path := filepath.Join(dir, CredentialName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: no credential %s in $CREDENTIALS_DIRECTORY; install it with kioskctl keys install-credential, then restart the kiosk", ErrUnavailable, CredentialName)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the credential %s: %v", ErrUnavailable, path, err)
	}
	if len(b) != CredentialKeyLen {
		clear(b)
		return nil, fmt.Errorf("%w: the credential %s holds %d bytes, not %d; make a new one with kioskctl keys install-credential", ErrUnavailable, path, len(b), CredentialKeyLen)
	}
	return b, nil
}

// OpenSystemdCreds reads the credential CredentialName from dir
// ($CREDENTIALS_DIRECTORY).
func OpenSystemdCreds(dir string) (Protector, error) {
	key, err := readCredential(dir)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &credsProtector{aead: a, path: filepath.Join(dir, CredentialName)}, nil
}

func (p *credsProtector) Name() string { return KindSystemdCreds }
func (p *credsProtector) Describe() string {
	return "systemd credential " + CredentialName + " (encrypted by systemd-creds with the host key, and the TPM when there is one)"
}
func (p *credsProtector) Close() error { return nil }

func (p *credsProtector) Seal(secret []byte) ([]byte, error) {
	if len(secret) > MaxSecret {
		return nil, fmt.Errorf("sealing: %d bytes is more than %d", len(secret), MaxSecret)
	}
	out := make([]byte, p.aead.NonceSize(), p.aead.NonceSize()+len(secret)+p.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return p.aead.Seal(out, out, secret, credsAAD), nil
}

func (p *credsProtector) Unseal(sealed []byte) ([]byte, error) {
	n := p.aead.NonceSize()
	if len(sealed) < n+p.aead.Overhead() {
		return nil, fmt.Errorf("%w: the sealed keys are truncated", ErrWrongMachine)
	}
	plain, err := p.aead.Open(nil, sealed[:n], sealed[n:], credsAAD)
	if err != nil {
		return nil, fmt.Errorf("%w: they were not sealed under the credential %s (another kiosk's, or a credential made again); restore the credential of this kiosk", ErrWrongMachine, p.path)
	}
	return plain, nil
}

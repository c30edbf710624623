package protector

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// CredentialFile is where kioskctl keys install-credential writes the encrypted
// credential, and where the session unit's LoadCredentialEncrypted= reads it.
const CredentialFile = "/etc/credstore.encrypted/" + CredentialName

// OpenSystemdCreds reads the credential CredentialName from dir
// ($CREDENTIALS_DIRECTORY, where systemd puts it for the kiosk's service). With dir
// empty (kioskctl run from a shell), it asks systemd-creds to decrypt CredentialFile,
// which needs root.
func OpenSystemdCreds(dir string) (Protector, error) {
	var key []byte
	var err error
	path := filepath.Join(dir, CredentialName)
	if dir == "" {
		key, err = decryptCredential(CredentialFile)
		path = CredentialFile
	} else {
		key, err = readCredential(dir)
	}
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
	return &credsProtector{aead: a, path: path}, nil
}

// decryptCredential runs systemd-creds decrypt on the encrypted credential file.
func decryptCredential(file string) ([]byte, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("%w: $CREDENTIALS_DIRECTORY is not set and %s cannot be read (%v); install the credential with kioskctl keys install-credential", ErrUnavailable, file, err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command("systemd-creds", "decrypt", "--name="+CredentialName, file, "-")
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: systemd-creds decrypt %s: %v: %s (run kioskctl as root, or stop the kiosk's service and run it with the service's credential)",
			ErrUnavailable, file, err, strings.TrimSpace(stderr.String()))
	}
	b := out.Bytes()
	if len(b) != CredentialKeyLen {
		clear(b)
		return nil, fmt.Errorf("%w: the credential %s holds %d bytes, not %d; make a new one with kioskctl keys install-credential", ErrUnavailable, file, len(b), CredentialKeyLen)
	}
	return b, nil
}

// InstallCredential makes a new random 32-byte key and encrypts it with
// systemd-creds into file (CredentialFile when empty), bound to the host key and
// the TPM when there is one (systemd-creds' default), mode 0600, never replacing an
// existing file. It needs root. The key itself is never written in clear.
func InstallCredential(file string) error {
	if file == "" {
		file = CredentialFile
	}
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s exists: the kiosk's keys may be sealed under it; it is never replaced (remove it only on a kiosk whose queue is empty and whose device.sealed is gone)", file)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(file), err)
	}
	key := make([]byte, CredentialKeyLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	defer clear(key)
	tmp := file + ".new"
	os.Remove(tmp)
	var stderr bytes.Buffer
	cmd := exec.Command("systemd-creds", "encrypt", "--name="+CredentialName, "-", tmp)
	cmd.Stdin, cmd.Stderr = bytes.NewReader(key), &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("systemd-creds encrypt: %v: %s (run as root)", err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Link(tmp, file); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("installing %s: %w", file, err)
	}
	return os.Remove(tmp)
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

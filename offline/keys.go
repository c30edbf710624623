package offline

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DeviceKeyFile is the name of the device key in the data dir.
const DeviceKeyFile = "device.key"

const deviceKeyHeader = "kiosk-agent device key v1\n"

// deviceKey holds the keys derived from the device's 32-byte master secret.
type deviceKey struct {
	wrap   []byte // AES-256 key that wraps each job's data key
	sign   ed25519.PrivateKey
	pub    ed25519.PublicKey
	hmac   []byte // keys the user-id hashes of the audit log
	fprint string // short fingerprint of the public key
}

func deriveKeys(master []byte) (*deviceKey, error) {
	get := func(info string) ([]byte, error) { return hkdf.Key(sha256.New, master, nil, info, 32) }
	wrap, err := get("kiosk-agent job wrap v1")
	if err != nil {
		return nil, err
	}
	seed, err := get("kiosk-agent job sign v1")
	if err != nil {
		return nil, err
	}
	hk, err := get("kiosk-agent user hash v1")
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &deviceKey{wrap: wrap, sign: priv, pub: pub, hmac: hk, fprint: hex.EncodeToString(sum[:6])}, nil
}

// loadOrCreateDeviceKey reads dir/device.key, creating it (0600) at first start.
func loadOrCreateDeviceKey(dir string) (*deviceKey, bool, error) {
	path := filepath.Join(dir, DeviceKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		master := make([]byte, 32)
		if _, err := rand.Read(master); err != nil {
			return nil, false, fmt.Errorf("creating device key: %w", err)
		}
		content := deviceKeyHeader + base64.StdEncoding.EncodeToString(master) + "\n"
		if err := writeFileSync(path, []byte(content), 0o600); err != nil {
			return nil, false, fmt.Errorf("%w: creating %s: %v", ErrDeviceKey, path, err)
		}
		k, err := deriveKeys(master)
		return k, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: reading %s: %v", ErrDeviceKey, path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrDeviceKey, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("%w: %s has mode %04o; it must be readable by its owner only: chmod 600 %s",
			ErrDeviceKey, path, st.Mode().Perm(), path)
	}
	if !bytes.HasPrefix(b, []byte(deviceKeyHeader)) {
		return nil, false, fmt.Errorf("%w: %s is not a kiosk-agent device key; restore it from the backup of this kiosk", ErrDeviceKey, path)
	}
	master, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(b[len(deviceKeyHeader):])))
	if err != nil || len(master) != 32 {
		return nil, false, fmt.Errorf("%w: %s is damaged; restore it from the backup of this kiosk", ErrDeviceKey, path)
	}
	k, err := deriveKeys(master)
	return k, false, err
}

// hashUser is the keyed hash that stands for a user id in entries and the audit log.
func (k *deviceKey) hashUser(userID string) string {
	m := hmac.New(sha256.New, k.hmac)
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// writeFileSync writes a new file atomically: temp file, fsync, rename, fsync dir.
func writeFileSync(path string, b []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

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
	"strings"
)

// DeviceKeyFile is the name of the device key in the data dir.
const DeviceKeyFile = "device.key"

const deviceKeyHeader = "kiosk-agent device key v1\n"

// deviceKey holds the keys derived from the device's 32-byte master secret.
type deviceKey struct {
	master []byte // the 32-byte device secret (sealed again on rotation)
	wrap   []byte // AES-256 key-encryption key (KEK) that wraps each job's data key
	prev   []byte // the previous KEK while data keys are being re-wrapped, else nil
	legacy []byte // the KEK derived from master: the plain file's, and version-1 records'
	kekID  string // public id of wrap
	pin    []byte // AES-256 key that wraps the operators' PIN hashes
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
	pk, err := pinKey(master)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &deviceKey{master: append([]byte(nil), master...), wrap: wrap, legacy: wrap, kekID: kekID(wrap), pin: pk,
		sign: priv, pub: pub, hmac: hk, fprint: hex.EncodeToString(sum[:6])}, nil
}

// loadOrCreateDeviceKey reads dir/device.key. When the file does not exist and
// mayCreate is set (the database records no key yet), it creates it (0600) exactly
// once: the caller must hold the database lock, and the file is linked into place
// only if no file has that name, so an existing key is never replaced. When the file
// does not exist and mayCreate is false, the database was sealed with a key that is
// gone: ErrWrongDeviceKey, and nothing is created.
func loadOrCreateDeviceKey(dir string, mayCreate bool) (*deviceKey, bool, error) {
	path := filepath.Join(dir, DeviceKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !mayCreate {
			return nil, false, fmt.Errorf("%w: %s is missing but the queue was sealed with a device key; restore %s from the backup of this kiosk (the queued jobs cannot be opened without it)",
				ErrWrongDeviceKey, path, DeviceKeyFile)
		}
		master := make([]byte, 32)
		if _, err := rand.Read(master); err != nil {
			return nil, false, fmt.Errorf("creating device key: %w", err)
		}
		content := deviceKeyHeader + base64.StdEncoding.EncodeToString(master) + "\n"
		err := createFileExcl(path, []byte(content), 0o600)
		if errors.Is(err, fs.ErrExist) {
			// Another writer got there first (it cannot hold our lock, so this is
			// not a kiosk-agent process): use its key, never replace it.
			return loadOrCreateDeviceKey(dir, false)
		}
		if err != nil {
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
	master, err := parseDeviceKey(b)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %s %v; restore it from the backup of this kiosk", ErrDeviceKey, path, err)
	}
	k, err := deriveKeys(master)
	return k, false, err
}

// parseDeviceKey reads the master secret from the content of a device.key: the
// header line, then the base64 secret. Line ends may be LF or CRLF (a copy that
// passed through Windows), and blanks around either line are ignored.
func parseDeviceKey(b []byte) ([]byte, error) {
	header, rest, _ := bytes.Cut(b, []byte("\n"))
	if string(bytes.TrimSpace(header)) != strings.TrimSpace(deviceKeyHeader) {
		return nil, errors.New("is not a kiosk-agent device key")
	}
	master, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(rest)))
	if err != nil || len(master) != 32 {
		return nil, errors.New("is damaged")
	}
	return master, nil
}

// hashUser is the keyed hash that stands for a user id in entries and the audit log.
func (k *deviceKey) hashUser(userID string) string {
	m := hmac.New(sha256.New, k.hmac)
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// createFileExcl creates path with content b, durably, only if no file has that
// name: it writes a uniquely named temp file in the same directory, syncs it, and
// hard-links it to path (which fails with fs.ErrExist if path exists), so path is
// never seen partly written and never replaced. On a file system without hard links
// it falls back to O_EXCL on path itself.
func createFileExcl(path string, b []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := writeSyncClose(f, b, perm); err != nil {
		return err
	}
	err = os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links here (e.g. vfat): create the name exclusively instead.
		g, xerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if xerr != nil {
			return xerr
		}
		if err = writeSyncClose(g, b, perm); err != nil {
			os.Remove(path)
			return err
		}
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

func writeSyncClose(f *os.File, b []byte, perm os.FileMode) error {
	if err := f.Chmod(perm); err != nil {
		f.Close()
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
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// CheckDeviceKey reads the device key file at path and checks it as Open would,
// without opening the queue: readable by its owner only, and a kiosk-agent device key
// (header and a 32-byte secret). The error wraps ErrDeviceKey (or fs.ErrNotExist when
// the file is missing) and says what to do; it never holds the secret.
func CheckDeviceKey(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("checking the device key: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o; it must be readable by its owner only: chmod 600 %s",
			ErrDeviceKey, path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: reading %s: %v", ErrDeviceKey, path, err)
	}
	if _, err := parseDeviceKey(b); err != nil {
		return fmt.Errorf("%w: %s %v; restore it from the backup of this kiosk", ErrDeviceKey, path, err)
	}
	return nil
}

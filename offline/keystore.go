package offline

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// KeyProtector keeps the device's keys off the disk in clear (offline/protector
// implements it for a TPM 2.0 and for systemd credentials). Seal returns bytes safe
// to store beside the queue; Unseal gives the secret back only on the machine that
// sealed it. A nil KeyProtector in Options is the plain device.key file.
type KeyProtector interface {
	Name() string
	Seal(secret []byte) ([]byte, error)
	Unseal(sealed []byte) ([]byte, error)
}

// ProtectorFile names the plain device.key, the protector of a nil KeyProtector.
const ProtectorFile = "file"

// SealedKeysFile is the name of the sealed device keys in the data dir, written when
// a KeyProtector is configured.
const SealedKeysFile = "device.sealed"

const sealedFormat = "kiosk-agent sealed device keys v1"

// sealedFile is the content of device.sealed: which protector sealed the keys, the
// device's public fingerprint and the KEK's id (neither reveals a key), and the
// protector's sealed bytes.
type sealedFile struct {
	Format      string `json:"format"`
	Protector   string `json:"protector"`
	Fingerprint string `json:"fingerprint"`
	KEKID       string `json:"kek_id"`
	Sealed      []byte `json:"sealed"`
}

// The sealed secret: a magic, the 32-byte device secret (from which the signing
// seed, the user-hash key and the PIN-wrap key derive), the 32-byte key-encryption
// key, and, while the data keys are being re-wrapped, the previous KEK.
var secretMagic = []byte("KDK1")

func encodeSecret(master, kek, prev []byte) []byte {
	b := append(append(append([]byte(nil), secretMagic...), master...), kek...)
	return append(b, prev...)
}

func decodeSecret(b []byte) (master, kek, prev []byte, err error) {
	if !bytes.HasPrefix(b, secretMagic) || (len(b) != 4+64 && len(b) != 4+96) {
		return nil, nil, nil, errors.New("the unsealed device keys are not in this program's format")
	}
	master, kek = b[4:36], b[36:68]
	if len(b) == 4+96 {
		prev = b[68:100]
	}
	return master, kek, prev, nil
}

// kekID is a short public id of a key-encryption key.
func kekID(kek []byte) string {
	h := sha256.Sum256(append([]byte("kiosk-agent kek id v1\x00"), kek...))
	return hex.EncodeToString(h[:6])
}

// ReadSealedProtector returns the protector named by dir's device.sealed, "" if the
// data dir has none. It reads no secret (internal/parts: an "auto" kiosk keeps the
// protector its keys are sealed with).
func ReadSealedProtector(dir string) (string, error) {
	sf, err := readSealed(filepath.Join(dir, SealedKeysFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return sf.Protector, nil
}

func readSealed(path string) (*sealedFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: reading %s: %v", ErrDeviceKey, path, err)
	}
	// Like device.key: readable by its owner only (sealed, it opens nowhere else, but
	// the data folder's files are the kiosk user's alone).
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; it must be readable by its owner only: chmod 600 %s",
			ErrDeviceKey, path, st.Mode().Perm(), path)
	}
	var sf sealedFile
	if err := json.Unmarshal(b, &sf); err != nil || sf.Format != sealedFormat || sf.Protector == "" || len(sf.Sealed) == 0 {
		return nil, fmt.Errorf("%w: %s is not kiosk-agent sealed keys (damaged?); restore it from the backup of this kiosk", ErrDeviceKey, path)
	}
	return &sf, nil
}

// writeSealed replaces dir/device.sealed atomically and durably (a temp file,
// fsynced, renamed, the folder fsynced), mode 0600.
func writeSealed(dir string, sf *sealedFile) error {
	sf.Format = sealedFormat
	b, err := json.MarshalIndent(sf, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, SealedKeysFile)
	f, err := os.CreateTemp(dir, "."+SealedKeysFile+".new-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := writeSyncClose(f, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(dir)
}

// sealKeys seals the key set with the protector and writes device.sealed.
func (q *Queue) sealKeys(k *deviceKey, prev []byte) error {
	secret := encodeSecret(k.master, k.wrap, prev)
	defer clear(secret)
	sealed, err := q.prot.Seal(secret)
	if err != nil {
		return fmt.Errorf("%w: sealing the device keys with %s: %v", ErrDeviceKey, q.prot.Name(), err)
	}
	return writeSealed(q.dir, &sealedFile{Protector: q.prot.Name(), Fingerprint: k.fprint, KEKID: k.kekID, Sealed: sealed})
}

// keyPlan is what init found about the keys and Open still has to finish once the
// database is open: re-wrap the data keys from the previous KEK, seal the keys
// without it, record the protector in the database, and wipe the plain device.key.
type keyPlan struct {
	rewrap    bool // some data keys may still be wrapped by key.prev
	wipePlain bool
	record    bool // the database does not yet record this protector and KEK
}

// loadKeys reads (or creates) the device's keys under the database lock. meta is the
// open meta bucket; fp its recorded device fingerprint (nil in a new database).
//
// The order of a migration from a plain device.key to a protector, each step
// durable before the next, so that a stop at any point loses nothing:
//  1. seal {device secret, new KEK, previous KEK} and write device.sealed;
//  2. re-wrap every job's data key from the previous KEK to the new one (in
//     batches; a data key under either KEK opens, so a stop resumes here);
//  3. record the protector and KEK in queue.db, seal again without the previous
//     KEK;
//  4. overwrite device.key with zeros, fsync, remove it.
//
// A failure at step 1 (no TPM, a refused seal) leaves device.key and the queue as
// they were.
func (q *Queue) loadKeys(meta *bolt.Bucket) (*deviceKey, keyPlan, error) {
	var plan keyPlan
	fp := meta.Get(metaDevice)
	recorded := string(meta.Get(metaProtector))
	plainPath := filepath.Join(q.dir, DeviceKeyFile)
	sealedPath := filepath.Join(q.dir, SealedKeysFile)
	sf, err := readSealed(sealedPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, plan, err
	}
	_, perr := os.Lstat(plainPath)
	plainExists := perr == nil
	want := ProtectorFile
	if q.prot != nil {
		want = q.prot.Name()
	}

	if sf == nil {
		if recorded != "" && recorded != ProtectorFile {
			return nil, plan, fmt.Errorf("%w: %s is missing but %s records keys sealed with %s; restore %s from the backup of this kiosk (the queued jobs cannot be opened without it)",
				ErrWrongDeviceKey, sealedPath, q.path, recorded, SealedKeysFile)
		}
		if q.prot == nil {
			k, created, err := loadOrCreateDeviceKey(q.dir, fp == nil)
			if err != nil {
				return nil, plan, err
			}
			if created {
				q.log.Info("created device key", "file", plainPath, "fingerprint", k.fprint)
			}
			plan.record = recorded != ProtectorFile
			return k, plan, nil
		}
		var k *deviceKey
		if plainExists {
			// Step 1 of a migration from the plain file.
			if k, _, err = loadOrCreateDeviceKey(q.dir, false); err != nil {
				return nil, plan, err
			}
			if fp != nil && string(fp) != k.fprint {
				return nil, plan, fmt.Errorf("%w: %s was sealed with device key %s but %s is key %s; restore the original %s (the queued jobs cannot be opened without it)",
					ErrWrongDeviceKey, q.path, fp, plainPath, k.fprint, DeviceKeyFile)
			}
			legacy := k.wrap
			if err := k.setKEK(newSecret()); err != nil {
				return nil, plan, err
			}
			k.prev = legacy
			if err := q.sealKeys(k, legacy); err != nil {
				return nil, plan, fmt.Errorf("moving the device key to %s (nothing changed; %s is kept): %w", want, DeviceKeyFile, err)
			}
			q.log.Info("device key sealed; re-wrapping the queue's data keys", "protector", want, "fingerprint", k.fprint)
			plan = keyPlan{rewrap: true, wipePlain: true, record: true}
			return k, plan, nil
		}
		if fp != nil {
			return nil, plan, fmt.Errorf("%w: neither %s nor %s exists but the queue was sealed with device key %s; restore them from the backup of this kiosk (the queued jobs cannot be opened without them)",
				ErrWrongDeviceKey, sealedPath, plainPath, fp)
		}
		// A new kiosk: the keys are made and sealed, never written in clear.
		master := newSecret()
		k, err = deriveKeys(master)
		clear(master)
		if err != nil {
			return nil, plan, err
		}
		if err := k.setKEK(newSecret()); err != nil {
			return nil, plan, err
		}
		if err := q.sealKeys(k, nil); err != nil {
			return nil, plan, err
		}
		q.log.Info("created device keys", "protector", want, "file", sealedPath, "fingerprint", k.fprint)
		return k, keyPlan{record: true}, nil
	}

	if sf.Protector != want {
		return nil, plan, fmt.Errorf("%w: the device keys in %s are sealed with %s but keys.protector is %s; set keys.protector to %q (or \"auto\")",
			ErrDeviceKey, sealedPath, sf.Protector, want, sf.Protector)
	}
	secret, err := q.prot.Unseal(sf.Sealed)
	if err != nil {
		return nil, plan, fmt.Errorf("%w: %s: %w", ErrWrongDeviceKey, sealedPath, err)
	}
	master, kek, prev, err := decodeSecret(secret)
	if err != nil {
		clear(secret)
		return nil, plan, fmt.Errorf("%w: %s: %v", ErrDeviceKey, sealedPath, err)
	}
	k, err := deriveKeys(master)
	if err == nil {
		err = k.setKEK(kek)
	}
	if prev != nil {
		k.prev = append([]byte(nil), prev...)
	}
	clear(secret)
	if err != nil {
		return nil, plan, err
	}
	if fp != nil && string(fp) != k.fprint {
		return nil, plan, fmt.Errorf("%w: %s was sealed with device key %s but %s holds key %s; restore the data folder of this kiosk as a whole",
			ErrWrongDeviceKey, q.path, fp, sealedPath, k.fprint)
	}
	if plainExists {
		// A migration stopped before its end: the plain key must be the same key.
		pk, _, err := loadOrCreateDeviceKey(q.dir, false)
		if err != nil {
			return nil, plan, err
		}
		if pk.fprint != k.fprint {
			return nil, plan, fmt.Errorf("%w: %s (key %s) and %s (key %s) hold different keys; keep both, and call support",
				ErrDeviceKey, plainPath, pk.fprint, sealedPath, k.fprint)
		}
		plan.wipePlain = true
	}
	plan.rewrap = prev != nil
	if q.rotate && !plan.rewrap {
		old := k.wrap
		if err := k.setKEK(newSecret()); err != nil {
			return nil, plan, err
		}
		k.prev = old
		if err := q.sealKeys(k, old); err != nil {
			return nil, plan, fmt.Errorf("rotating the key-encryption key (nothing changed): %w", err)
		}
		q.log.Info("new key-encryption key sealed; re-wrapping the queue's data keys", "protector", want, "kek", k.kekID)
		plan.rewrap = true
	}
	plan.record = plan.rewrap || recorded != want || string(meta.Get(metaKEK)) != k.kekID
	return k, plan, nil
}

func newSecret() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}

// setKEK makes kek the key that wraps new data keys.
func (k *deviceKey) setKEK(kek []byte) error {
	if len(kek) != 32 {
		return errors.New("a key-encryption key has 32 bytes")
	}
	k.wrap = append([]byte(nil), kek...)
	k.kekID = kekID(kek)
	return nil
}

// finishKeys runs what loadKeys planned, after init: steps 2 to 4 of a migration (or
// of a rotation stopped midway).
func (q *Queue) finishKeys(plan keyPlan) error {
	if plan.rewrap {
		n, err := q.rewrap()
		if err != nil {
			return fmt.Errorf("re-wrapping the queue's data keys (the previous key is kept; the next start resumes): %w", err)
		}
		q.log.Info("re-wrapped the queue's data keys", "jobs", n, "kek", q.key.kekID)
	}
	if plan.record || plan.rewrap {
		name := ProtectorFile
		if q.prot != nil {
			name = q.prot.Name()
		}
		if err := q.db.Update(func(tx *bolt.Tx) error {
			m := tx.Bucket(bucketMeta)
			if err := m.Put(metaProtector, []byte(name)); err != nil {
				return err
			}
			return m.Put(metaKEK, []byte(q.key.kekID))
		}); err != nil {
			return fmt.Errorf("recording the key protector: %w", err)
		}
	}
	if plan.rewrap {
		if err := q.sealKeys(q.key, nil); err != nil {
			return err
		}
		q.key.prev = nil
	}
	if plan.wipePlain {
		path := filepath.Join(q.dir, DeviceKeyFile)
		if err := wipeFile(path); err != nil {
			return fmt.Errorf("removing the plain %s after sealing it (remove it by hand: shred -u %s): %w", DeviceKeyFile, path, err)
		}
		q.log.Info("the plain device key was overwritten and removed", "file", path)
	}
	return nil
}

// wipeFile overwrites path with zeros, syncs it, removes it and syncs its folder.
func wipeFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err == nil {
		_, err = f.WriteAt(make([]byte, st.Size()), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// rewrapBatch bounds the sealed bytes rewritten in one transaction.
const rewrapBatch = 32 << 20

// rewrap moves every job's data key from key.prev to key.wrap, in transactions of
// at most rewrapBatch bytes. A data key already under key.wrap is skipped; one
// that neither key opens is left for Load to quarantine. Only the wrapped data key
// (60 bytes at the head of the sealed payload) changes.
func (q *Queue) rewrap() (int, error) {
	var ids [][]byte
	if err := q.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBlobs).ForEach(func(k, _ []byte) error {
			ids = append(ids, append([]byte(nil), k...))
			return nil
		})
	}); err != nil {
		return 0, err
	}
	n := 0
	for len(ids) > 0 {
		err := q.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketBlobs)
			size := 0
			for len(ids) > 0 && size < rewrapBatch {
				id := ids[0]
				ids = ids[1:]
				v := b.Get(id)
				if v == nil {
					continue
				}
				nb, changed, err := q.key.rewrapBlob(string(id), v)
				if err != nil || !changed {
					continue
				}
				if err := b.Put(id, nb); err != nil {
					return err
				}
				size += len(nb)
				n++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// rewrapBlob returns blob with its data key wrapped by k.wrap instead of k.prev.
func (k *deviceKey) rewrapBlob(id string, blob []byte) ([]byte, bool, error) {
	if len(blob) < blobHeaderLen+16 || string(blob[:4]) != string(blobMagic) {
		return nil, false, errors.New("not a version-2 payload")
	}
	ad := aad(id, sealVersion)
	wn, wk := blob[4:4+nonceLen], blob[4+nonceLen:4+nonceLen+wrappedKeyLen]
	cur, err := newGCM(k.wrap)
	if err != nil {
		return nil, false, err
	}
	if _, err := cur.Open(nil, wn, wk, ad); err == nil {
		return nil, false, nil
	}
	if k.prev == nil {
		return nil, false, errors.New("no previous key")
	}
	old, err := newGCM(k.prev)
	if err != nil {
		return nil, false, err
	}
	dataKey, err := old.Open(nil, wn, wk, ad)
	if err != nil {
		return nil, false, errors.New("neither key opens it")
	}
	defer clear(dataKey)
	nb := append([]byte(nil), blob...)
	if _, err := rand.Read(nb[4 : 4+nonceLen]); err != nil {
		return nil, false, err
	}
	cur.Seal(nb[4+nonceLen:4+nonceLen], nb[4:4+nonceLen], dataKey, ad)
	return nb, true, nil
}

// pinKey derives the key that wraps the operators' PIN hashes.
func pinKey(master []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, master, nil, "kiosk-agent operator pin wrap v1", 32)
}

// KeyStatus says how the device's keys are kept. It holds no secret.
type KeyStatus struct {
	// Protector is ProtectorFile, or the KeyProtector's name (tpm2, systemd-creds).
	Protector string `json:"protector"`
	// Fingerprint is the device's public fingerprint (of its signing key).
	Fingerprint string `json:"fingerprint"`
	// KEKID is a public id of the key-encryption key that wraps the data keys; it
	// changes with each rotation.
	KEKID string `json:"kek_id"`
	// File is the key file in the data dir (device.key or device.sealed).
	File string `json:"file"`
}

// KeyStatus reports the queue's keys.
func (q *Queue) KeyStatus() KeyStatus {
	st := KeyStatus{Protector: ProtectorFile, Fingerprint: q.key.fprint, KEKID: q.key.kekID, File: filepath.Join(q.dir, DeviceKeyFile)}
	if q.prot != nil {
		st.Protector, st.File = q.prot.Name(), filepath.Join(q.dir, SealedKeysFile)
	}
	return st
}

// ReadKeyStatus reports the keys of the data dir dir without opening the queue
// (kioskctl doctor, or while a kiosk holds the queue): from device.sealed's header
// when there is one, else from device.key. fs.ErrNotExist when neither exists.
func ReadKeyStatus(dir string) (KeyStatus, error) {
	sp := filepath.Join(dir, SealedKeysFile)
	sf, err := readSealed(sp)
	if err == nil {
		return KeyStatus{Protector: sf.Protector, Fingerprint: sf.Fingerprint, KEKID: sf.KEKID, File: sp}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return KeyStatus{}, err
	}
	pp := filepath.Join(dir, DeviceKeyFile)
	if err := CheckDeviceKey(pp); err != nil {
		return KeyStatus{}, err
	}
	b, err := os.ReadFile(pp)
	if err != nil {
		return KeyStatus{}, err
	}
	master, err := parseDeviceKey(b)
	clear(b)
	if err != nil {
		return KeyStatus{}, err
	}
	k, err := deriveKeys(master)
	clear(master)
	if err != nil {
		return KeyStatus{}, err
	}
	return KeyStatus{Protector: ProtectorFile, Fingerprint: k.fprint, KEKID: k.kekID, File: pp}, nil
}

// ErrNoProtector: the keys are in the plain device.key, which has no key-encryption
// key of its own to rotate.
var ErrNoProtector = errors.New("the device key is the plain file")

// RotateKEK opens the queue in dir with opts, draws a new key-encryption key,
// re-wraps every job's data key under it (the images are not re-encrypted) and
// seals the keys again, in the crash-safe order of a migration: the new KEK is
// sealed with the old one beside it before any data key moves, and the old one is
// dropped only once every data key is under the new one; a rotation stopped midway
// ends at the next Open. It needs a protector (ErrNoProtector for the plain file)
// and the queue's file (stop the kiosk).
func RotateKEK(dir string, opts Options) (before, after KeyStatus, err error) {
	if opts.Protector == nil {
		return before, after, fmt.Errorf("rotating the key-encryption key: %w; set keys.protector to tpm2 or systemd-creds (the next start moves the key)", ErrNoProtector)
	}
	st, err := ReadKeyStatus(dir)
	if err != nil {
		return before, after, fmt.Errorf("rotating the key-encryption key: %w", err)
	}
	opts.rotate = true
	q, err := Open(dir, opts)
	if err != nil {
		return st, after, fmt.Errorf("rotating the key-encryption key: %w", err)
	}
	after = q.KeyStatus()
	return st, after, q.Close()
}

// CheckSealedKeys unseals dir's device.sealed with p and checks that the keys are
// whole and match the fingerprint written beside them, without opening the queue
// (kioskctl doctor). The error wraps the protector's (protector.ErrWrongMachine on
// another machine); nothing is kept.
func CheckSealedKeys(dir string, p KeyProtector) error {
	path := filepath.Join(dir, SealedKeysFile)
	sf, err := readSealed(path)
	if err != nil {
		return err
	}
	if p == nil || p.Name() != sf.Protector {
		return fmt.Errorf("%w: %s is sealed with %s; set keys.protector to %q", ErrDeviceKey, path, sf.Protector, sf.Protector)
	}
	secret, err := p.Unseal(sf.Sealed)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrWrongDeviceKey, path, err)
	}
	defer clear(secret)
	master, _, _, err := decodeSecret(secret)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDeviceKey, path, err)
	}
	k, err := deriveKeys(master)
	if err != nil {
		return err
	}
	if k.fprint != sf.Fingerprint {
		return fmt.Errorf("%w: %s holds key %s but names %s", ErrDeviceKey, path, k.fprint, sf.Fingerprint)
	}
	return nil
}

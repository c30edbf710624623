package offline

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// SchemaVersion is the version of the job records this code writes. Records of older
// versions are upgraded when the queue opens (see upgrade.go).
const SchemaVersion = 3

// sealVersion is the version of the sealed payload (its framing, associated data and
// signed digest): version-2 and version-3 records seal alike (version 3 added the
// entry's Code), so a version-2 record's payload is kept as it is.
const sealVersion = 2

// blobMagic starts every version-2 sealed payload.
var blobMagic = []byte("KQJ2")

const (
	nonceLen      = 12
	wrappedKeyLen = 32 + 16 // AES-256 key + GCM tag
	blobHeaderLen = 4 + nonceLen + wrappedKeyLen + nonceLen
)

// integrityError is a job that failed decryption or its signature check; it is
// quarantined.
type integrityError struct{ msg string }

func (e *integrityError) Error() string { return e.msg }

// aad binds a ciphertext to its job id and schema version.
func aad(id string, version int) []byte {
	return []byte("kiosk-agent/job\x00" + id + "\x00v" + strconv.Itoa(version))
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// imageRoles names the images in the order they are framed and digested.
func imageRoles(j *job.Job) ([]string, [][]byte) {
	roles := []string{"selfie", "comparison"}
	imgs := [][]byte{j.Selfie, j.Comparison}
	for i, f := range j.Liveness {
		roles = append(roles, "liveness["+strconv.Itoa(i)+"]")
		imgs = append(imgs, f)
	}
	return roles, imgs
}

// digest is what the device key signs: the job id, schema version, the sealed fields
// (as the exact JSON bytes sealed) and the SHA-256 of every image.
func digest(id string, version int, fields []byte, roles []string, imgs [][]byte) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "kiosk-agent job digest v%d\x00%s\x00", version, id)
	h.Write(fields)
	h.Write([]byte{0})
	for i, img := range imgs {
		s := sha256.Sum256(img)
		fmt.Fprintf(h, "%s:%s\n", roles[i], hex.EncodeToString(s[:]))
	}
	return h.Sum(nil)
}

// seal encrypts and signs j as a version-2 payload. It returns the blob and the
// signature of the digest.
func (k *deviceKey) seal(j *job.Job) (blob, sig []byte, err error) {
	fields, err := json.Marshal(j)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding job fields: %w", err)
	}
	roles, imgs := imageRoles(j)
	size := binary.MaxVarintLen64 * (2 + len(imgs))
	size += len(fields)
	for _, img := range imgs {
		size += len(img)
	}
	plain := make([]byte, 0, size)
	plain = binary.AppendUvarint(plain, uint64(len(fields)))
	plain = append(plain, fields...)
	plain = binary.AppendUvarint(plain, uint64(len(j.Liveness)))
	for _, img := range imgs {
		plain = binary.AppendUvarint(plain, uint64(len(img)))
		plain = append(plain, img...)
	}
	ad := aad(j.ID, sealVersion)

	dataKey := make([]byte, 32)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, nil, fmt.Errorf("making data key: %w", err)
	}
	wrapper, err := newGCM(k.wrap)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := newGCM(dataKey)
	if err != nil {
		return nil, nil, err
	}
	blob = make([]byte, blobHeaderLen, blobHeaderLen+len(plain)+16)
	copy(blob, blobMagic)
	wn := blob[4 : 4+nonceLen]
	dn := blob[4+nonceLen+wrappedKeyLen : blobHeaderLen]
	if _, err := rand.Read(wn); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(dn); err != nil {
		return nil, nil, err
	}
	wrapper.Seal(blob[4+nonceLen:4+nonceLen], wn, dataKey, ad)
	blob = sealer.Seal(blob, dn, plain, ad)
	clear(plain)
	clear(dataKey)
	sig = ed25519.Sign(k.sign, digest(j.ID, sealVersion, fields, roles, imgs))
	return blob, sig, nil
}

// open decrypts a version-2 blob and checks its signature. Integrity failures are
// *integrityError with a message for the operator.
func (k *deviceKey) open(id string, blob, sig []byte) (*job.Job, error) {
	if len(blob) < blobHeaderLen+16 || string(blob[:4]) != string(blobMagic) {
		return nil, &integrityError{"the sealed job is truncated or not a version-2 job"}
	}
	ad := aad(id, sealVersion)
	wn := blob[4 : 4+nonceLen]
	dataKey, err := k.unwrap(wn, blob[4+nonceLen:4+nonceLen+wrappedKeyLen], ad, k.wrap, k.prev)
	if err != nil {
		return nil, &integrityError{"the job's data key cannot be unwrapped: it was sealed by another device key, under another job id, or altered on disk"}
	}
	sealer, err := newGCM(dataKey)
	clear(dataKey)
	if err != nil {
		return nil, err
	}
	plain, err := sealer.Open(nil, blob[4+nonceLen+wrappedKeyLen:blobHeaderLen], blob[blobHeaderLen:], ad)
	if err != nil {
		return nil, &integrityError{"the sealed job fails authentication: its bytes were altered on disk"}
	}
	j, fields, err := decodePlain(plain)
	if err != nil {
		return nil, &integrityError{"the sealed job decrypts but does not decode: " + err.Error()}
	}
	if j.ID != id {
		return nil, &integrityError{fmt.Sprintf("the sealed job names job id %q, not %q", j.ID, id)}
	}
	roles, imgs := imageRoles(j)
	if !ed25519.Verify(k.pub, digest(id, sealVersion, fields, roles, imgs), sig) {
		return nil, &integrityError{"the device signature does not match the job: it was altered or not sealed by this kiosk"}
	}
	return j, nil
}

// unwrap opens a wrapped data key with the first of keys that opens it (the current
// KEK, then the previous one while a re-wrap is under way).
func (k *deviceKey) unwrap(nonce, wrapped, ad []byte, keys ...[]byte) ([]byte, error) {
	err := errors.New("no key")
	for _, kek := range keys {
		if kek == nil {
			continue
		}
		var w cipher.AEAD
		if w, err = newGCM(kek); err != nil {
			return nil, err
		}
		var dk []byte
		if dk, err = w.Open(nil, nonce, wrapped, ad); err == nil {
			return dk, nil
		}
	}
	return nil, err
}

func decodePlain(p []byte) (*job.Job, []byte, error) {
	next := func() ([]byte, error) {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return nil, errors.New("bad framing")
		}
		b := p[w : w+int(n)]
		p = p[w+int(n):]
		return b, nil
	}
	fields, err := next()
	if err != nil {
		return nil, nil, err
	}
	j := &job.Job{}
	if err := json.Unmarshal(fields, j); err != nil {
		return nil, nil, err
	}
	n, w := binary.Uvarint(p)
	if w <= 0 || n > job.MaxLiveness {
		return nil, nil, errors.New("bad liveness count")
	}
	p = p[w:]
	if j.Selfie, err = next(); err != nil {
		return nil, nil, err
	}
	if j.Comparison, err = next(); err != nil {
		return nil, nil, err
	}
	for range n {
		f, err := next()
		if err != nil {
			return nil, nil, err
		}
		j.Liveness = append(j.Liveness, f)
	}
	if len(p) != 0 {
		return nil, nil, errors.New("trailing bytes")
	}
	return j, fields, nil
}

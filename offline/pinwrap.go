package offline

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The operators' PIN hashes are stored wrapped by a key derived from the device
// secret (so, with a protector, sealed by the TPM or the credential): a copy of
// queue.db alone gives no hash to run guesses against, and a hash written into the
// file by someone else does not open (AES-GCM authenticates it, bound to the
// operator's id).

const pinWrapPrefix = "wrapped-v1:"

var metaPINsWrapped = []byte("pin_hashes_wrapped")

func pinAAD(id string) []byte { return []byte("kiosk-agent/pin\x00" + id) }

func (k *deviceKey) wrapPIN(id, phc string) (string, error) {
	a, err := newGCM(k.pin)
	if err != nil {
		return "", err
	}
	out := make([]byte, nonceLen, nonceLen+len(phc)+16)
	if _, err := rand.Read(out); err != nil {
		return "", err
	}
	out = a.Seal(out, out[:nonceLen], []byte(phc), pinAAD(id))
	return pinWrapPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

func (k *deviceKey) unwrapPIN(id, stored string) (string, error) {
	b64, ok := strings.CutPrefix(stored, pinWrapPrefix)
	if !ok {
		return "", fmt.Errorf("the PIN record of operator %s is not wrapped by this kiosk's key (altered on disk?); reset the PIN with kioskctl operator reset-pin", id)
	}
	b, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(b) < nonceLen+16 {
		return "", fmt.Errorf("the PIN record of operator %s is damaged; reset the PIN with kioskctl operator reset-pin", id)
	}
	a, err := newGCM(k.pin)
	if err != nil {
		return "", err
	}
	p, err := a.Open(nil, b[:nonceLen], b[nonceLen:], pinAAD(id))
	if err != nil {
		return "", fmt.Errorf("the PIN record of operator %s does not open with this kiosk's key (altered on disk, or from another kiosk); reset the PIN with kioskctl operator reset-pin", id)
	}
	return string(p), nil
}

// newPINHash hashes pin (argon2id) and wraps the hash for operator id.
func (q *Queue) newPINHash(id, pin string, p PINParams) (string, error) {
	h, err := hashPIN(pin, p)
	if err != nil {
		return "", err
	}
	return q.key.wrapPIN(id, h)
}

// wrapOldPINs wraps the plain PIN hashes of operator records written before the
// hashes were wrapped, once (the database then records that it was done, and a
// plain hash found later is refused).
func (q *Queue) wrapOldPINs(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(metaPINsWrapped) != nil {
		return nil
	}
	n := 0
	if b := tx.Bucket(bucketOperators); b != nil {
		var recs []*operatorRecord
		if err := b.ForEach(func(k, v []byte) error {
			r := &operatorRecord{}
			if json.Unmarshal(v, r) != nil || r.ID != string(k) || !strings.HasPrefix(r.PINHash, "$argon2id$") {
				return nil
			}
			recs = append(recs, r)
			return nil
		}); err != nil {
			return err
		}
		for _, r := range recs {
			w, err := q.key.wrapPIN(r.ID, r.PINHash)
			if err != nil {
				return err
			}
			r.PINHash = w
			if err := putOperator(tx, r); err != nil {
				return err
			}
			n++
		}
	}
	if n > 0 {
		q.log.Info("wrapped the operators' PIN hashes with the device key", "operators", n)
	}
	return meta.Put(metaPINsWrapped, []byte{1})
}

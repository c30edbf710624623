package offline

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Schema version 1 (the first release) kept a whole job in one JSON value of the jobs
// bucket: the entry fields, the wrapped data key, and the ciphertext of a JSON payload
// with the images inline. Its signature covered SHA-256 of "kiosk-agent job v1\x00" +
// id + "\x00" + the plaintext payload. Version 2 splits the small entry (listing a
// large queue reads no image bytes) from the sealed payload (binary framing, images
// not base64) and signs the fields and image hashes.
//
// upgradeV1 rewrites every version-1 record as version 2 in the transaction that
// opens the queue: decrypt and verify the old payload, re-seal it with a fresh data
// key under the version-2 associated data, sign it, and keep its state, times and
// attempts. A version-1 record that fails its check is quarantined and its bytes
// are kept in the damaged bucket.

type recordV1 struct {
	Version    int       `json:"version"`
	ID         string    `json:"id"`
	State      string    `json:"state"` // queued, sending, done, failed
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	Attempts   int       `json:"attempts"`
	Reason     string    `json:"reason,omitempty"`
	WrappedKey []byte    `json:"wrapped_key"` // nonce (12) + AES-GCM(device wrap key, data key)
	Nonce      []byte    `json:"nonce"`
	Ciphertext []byte    `json:"ciphertext"` // AES-GCM(data key, JSON payloadV1)
	Signature  []byte    `json:"signature"`
}

type payloadV1 struct {
	UserID           string            `json:"user_id"`
	PartnerParams    map[string]string `json:"partner_params"`
	ComparisonType   string            `json:"comparison_type"`
	AllowNewEnroll   bool              `json:"allow_new_enroll"`
	CallbackURL      string            `json:"callback_url"`
	KioskID          string            `json:"kiosk_id"`
	OperatorID       string            `json:"operator_id"`
	PrechecksOK      bool              `json:"prechecks_ok"`
	PrecheckProblems []string          `json:"precheck_problems"`
	Selfie           []byte            `json:"selfie"`
	Liveness         [][]byte          `json:"liveness"`
	Comparison       []byte            `json:"comparison"`
}

func digestV1(id string, plain []byte) []byte {
	h := sha256.New()
	h.Write([]byte("kiosk-agent job v1\x00" + id + "\x00"))
	h.Write(plain)
	return h.Sum(nil)
}

// openV1 decrypts and verifies a version-1 record.
func (k *deviceKey) openV1(r *recordV1) (*job.Job, error) {
	ad := aad(r.ID, 1)
	if len(r.WrappedKey) < nonceLen {
		return nil, &integrityError{"version-1 job: wrapped key truncated"}
	}
	dataKey, err := k.unwrap(r.WrappedKey[:nonceLen], r.WrappedKey[nonceLen:], ad, k.legacy, k.wrap)
	if err != nil {
		return nil, &integrityError{"version-1 job: its data key cannot be unwrapped (another device key, or altered on disk)"}
	}
	sealer, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if len(r.Nonce) != nonceLen {
		return nil, &integrityError{"version-1 job: bad nonce"}
	}
	plain, err := sealer.Open(nil, r.Nonce, r.Ciphertext, ad)
	if err != nil {
		return nil, &integrityError{"version-1 job: the sealed payload was altered on disk"}
	}
	if !ed25519.Verify(k.pub, digestV1(r.ID, plain), r.Signature) {
		return nil, &integrityError{"version-1 job: the device signature does not match"}
	}
	var p payloadV1
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, &integrityError{"version-1 job: payload does not decode"}
	}
	pc := job.Prechecks{Ran: true, OK: p.PrechecksOK}
	for _, code := range p.PrecheckProblems {
		pc.Problems = append(pc.Problems, job.PrecheckProblem{Code: code})
	}
	return &job.Job{
		ID: r.ID, UserID: p.UserID, PartnerParams: p.PartnerParams, ComparisonType: job.ComparisonType(p.ComparisonType),
		AllowNewEnroll: p.AllowNewEnroll, CallbackURL: p.CallbackURL, KioskID: p.KioskID, OperatorID: p.OperatorID,
		Created: r.Created.UTC(), Prechecks: pc, Selfie: p.Selfie, Liveness: p.Liveness, Comparison: p.Comparison,
	}, nil
}

func (q *Queue) upgradeV1(tx *bolt.Tx, key, val []byte) error {
	var r1 recordV1
	now := q.clk.Now()
	quarantine := func(reason string) error {
		d, err := tx.CreateBucketIfNotExists(bucketDamaged)
		if err != nil {
			return err
		}
		if err := d.Put(key, val); err != nil {
			return err
		}
		r := record{Entry: Entry{ID: string(key), Version: SchemaVersion, State: StateQuarantined, Created: r1.Created, Updated: now, Reason: reason}}
		if err := putRecord(tx, &r); err != nil {
			return err
		}
		return q.appendAudit(tx, AuditEvent{Kind: AuditQuarantined, JobID: r.ID, Detail: reason})
	}
	if err := json.Unmarshal(val, &r1); err != nil || r1.ID != string(key) {
		return quarantine("version-1 record does not decode; its bytes are kept for support")
	}
	j, err := q.key.openV1(&r1)
	if err != nil {
		if ie, ok := err.(*integrityError); ok {
			return quarantine(ie.msg)
		}
		return err
	}
	state, err := ParseState(r1.State)
	if err != nil {
		return quarantine("version-1 record has an unknown state")
	}
	blob, sig, err := q.key.seal(j)
	if err != nil {
		return err
	}
	r := record{Sig: sig, Entry: Entry{
		ID: j.ID, Version: SchemaVersion, State: state, Created: j.Created, Updated: r1.Updated, Attempts: r1.Attempts,
		Reason: r1.Reason, Code: reasonCode(r1.Reason), UserHash: q.key.hashUser(j.UserID), UserMasked: MaskUserID(j.UserID), ComparisonType: j.ComparisonType,
		LivenessFrames: len(j.Liveness), SealedBytes: int64(len(blob)), PrechecksOK: j.Prechecks.OK,
	}}
	if err := putRecord(tx, &r); err != nil {
		return err
	}
	return tx.Bucket(bucketBlobs).Put(key, blob)
}

// Schema version 3 added the entry's Code: the compare API's error code of the last
// failure, which versions 1 and 2 wrote only at the start of Reason ("2204: message",
// or the code alone). upgradeV2 reads it out of Reason once, when the queue opens; the
// sealed payload is the same in both versions and is kept as it is.
func upgradeV2(r *record) {
	r.Version = SchemaVersion
	r.Code = reasonCode(r.Reason)
}

// reasonCode is the API's error code at the start of an old record's Reason: four
// digits followed by nothing or by a character that is neither a letter, a digit nor
// '_' ("2204: …"); "" otherwise (a network error's reason, an operator's note).
func reasonCode(reason string) string {
	if len(reason) < 4 {
		return ""
	}
	for _, c := range reason[:4] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	if len(reason) > 4 {
		c := reason[4]
		if c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			return ""
		}
	}
	return reason[:4]
}

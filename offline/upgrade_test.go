package offline

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// writeV1 writes a job as the first schema version stored it (one JSON value with
// the ciphertext inline), sealed with k. It is the fixture of the upgrade test.
func writeV1(t *testing.T, tx *bolt.Tx, k *deviceKey, j *job.Job, state string, attempts int, tamper bool) {
	t.Helper()
	p := payloadV1{
		UserID: j.UserID, PartnerParams: j.PartnerParams, ComparisonType: string(j.ComparisonType), AllowNewEnroll: j.AllowNewEnroll,
		CallbackURL: j.CallbackURL, KioskID: j.KioskID, OperatorID: j.OperatorID, PrechecksOK: false,
		PrecheckProblems: []string{"blurred"}, Selfie: j.Selfie, Liveness: j.Liveness, Comparison: j.Comparison,
	}
	plain, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	ad := aad(j.ID, 1)
	dataKey := make([]byte, 32)
	rand.Read(dataKey)
	w, _ := newGCM(k.wrap)
	wn := make([]byte, nonceLen)
	rand.Read(wn)
	wrapped := w.Seal(append([]byte(nil), wn...), wn, dataKey, ad)
	s, _ := newGCM(dataKey)
	n := make([]byte, nonceLen)
	rand.Read(n)
	r := recordV1{
		Version: 1, ID: j.ID, State: state, Created: t0.Add(-48 * time.Hour), Updated: t0.Add(-47 * time.Hour), Attempts: attempts,
		WrappedKey: wrapped, Nonce: n, Ciphertext: s.Seal(nil, n, plain, ad), Signature: ed25519.Sign(k.sign, digestV1(j.ID, plain)),
	}
	if tamper {
		r.Ciphertext[10] ^= 1
	}
	b, _ := json.Marshal(r)
	if err := tx.Bucket(bucketJobs).Put([]byte(j.ID), b); err != nil {
		t.Fatal(err)
	}
}

func TestUpgradeFromV1(t *testing.T) {
	e := newEnv(t, Settings{})
	key := e.q.key
	e.q.Close()
	v1 := testJob("old-1", 3000)
	v1.KioskID = "kiosk-old"
	rawUpdate(t, e.dir, func(tx *bolt.Tx) error {
		writeV1(t, tx, key, v1, "queued", 2, false)
		writeV1(t, tx, key, testJob("old-sending", 100), "sending", 1, false)
		writeV1(t, tx, key, testJob("old-bad", 100), "queued", 0, true)
		return nil
	})
	e.open(t, Settings{})

	ent, err := e.q.Get("old-1")
	if err != nil {
		t.Fatal(err)
	}
	if ent.Version != SchemaVersion || ent.State != StateQueued || ent.Attempts != 2 || !ent.Created.Equal(t0.Add(-48*time.Hour)) ||
		ent.UserHash != e.q.HashUserID(v1.UserID) || ent.LivenessFrames != 4 || ent.PrechecksOK {
		t.Fatalf("upgraded entry = %+v", ent)
	}
	j, err := e.q.Load("old-1")
	if err != nil {
		t.Fatalf("Load upgraded job: %v", err)
	}
	if j.UserID != v1.UserID || j.KioskID != "kiosk-old" || !bytes.Equal(j.Selfie, v1.Selfie) || !bytes.Equal(j.Liveness[2], v1.Liveness[2]) ||
		len(j.Prechecks.Problems) != 1 || j.Prechecks.Problems[0].Code != "blurred" {
		t.Fatalf("upgraded job = %+v", j)
	}
	if ent, _ := e.q.Get("old-sending"); ent.State != StateQueued {
		t.Fatalf("v1 sending job: %v", ent.State)
	}
	bad, _ := e.q.Get("old-bad")
	if bad.State != StateQuarantined {
		t.Fatalf("tampered v1 job: %+v", bad)
	}
	if _, err := e.q.Load("old-bad"); !errors.Is(err, ErrQuarantined) {
		t.Fatalf("Load tampered v1: %v", err)
	}
	// The upgrade is done once: a second open finds version-2 records only.
	e.reopen(t, Settings{})
	if _, err := e.q.Load("old-1"); err != nil {
		t.Fatalf("after second open: %v", err)
	}
	e.q.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte(`"version":1,`)) {
				t.Errorf("record %s still version 1", k)
			}
			return nil
		})
	})
}

// A version-2 record (the error code written only at the start of Reason) is upgraded
// once when the queue opens: the code read out of the Reason into Entry.Code, the
// sealed payload kept and still opening.
func TestUpgradeFromV2ReadsTheCode(t *testing.T) {
	e := newEnv(t, Settings{})
	for _, id := range []string{"v2-failed", "v2-operator", "v2-network", "v2-queued"} {
		if _, err := e.q.Enqueue(testJob(id, 100)); err != nil {
			t.Fatal(err)
		}
	}
	e.q.Close()
	// Written as version 2 wrote them: no "code", the code in the Reason.
	old := map[string]struct {
		state  State
		reason string
		code   string // wanted after the upgrade
	}{
		"v2-failed":   {StateFailed, "2204: partner_params is not a JSON object", "2204"},
		"v2-operator": {StateNeedsOperator, "2209", "2209"},
		"v2-network":  {StateQueued, "dial tcp 10.0.0.1:443: connect: connection refused", ""},
		"v2-queued":   {StateQueued, "", ""},
	}
	rawUpdate(t, e.dir, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		for id, o := range old {
			var m map[string]any
			if err := json.Unmarshal(b.Get([]byte(id)), &m); err != nil {
				return err
			}
			m["version"], m["state"], m["reason"] = 2, o.state.String(), o.reason
			delete(m, "code")
			v, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if bytes.Contains(v, []byte(`"code"`)) {
				t.Fatalf("fixture of %s has a code: %s", id, v)
			}
			if err := b.Put([]byte(id), v); err != nil {
				return err
			}
		}
		return nil
	})
	e.open(t, Settings{})
	for id, o := range old {
		ent, err := e.q.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if ent.Version != SchemaVersion || ent.Code != o.code || ent.Reason != o.reason || ent.State != o.state {
			t.Errorf("%s upgraded to %+v, want code %q", id, ent, o.code)
		}
		if _, err := e.q.Load(id); err != nil {
			t.Errorf("%s: the sealed payload of version 2 no longer opens: %v", id, err)
		}
	}
	// Once: the records on disk are version 3 with their code.
	e.reopen(t, Settings{})
	e.q.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketJobs).Get([]byte("v2-failed"))
		if !bytes.Contains(v, []byte(`"version":3`)) || !bytes.Contains(v, []byte(`"code":"2204"`)) {
			t.Errorf("record on disk after the upgrade: %s", v)
		}
		return nil
	})
}

func TestReasonCode(t *testing.T) {
	for reason, want := range map[string]string{
		"2204: partner_params is not a JSON object": "2204",
		"2209":                       "2209",
		"2209 user already enrolled": "2209",
		"22045: no":                  "",
		"2204x":                      "",
		"220":                        "",
		"":                           "",
		"dial tcp: i/o timeout":      "",
		"purged by operator":         "",
	} {
		if got := reasonCode(reason); got != want {
			t.Errorf("reasonCode(%q) = %q, want %q", reason, got, want)
		}
	}
}

package offline

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// The capture origin is kept in the entry and the enrolled audit event of the bbolt file,
// across a restart; an origin that is none of auto, manual, import is refused before
// anything is written.
func TestCaptureOriginInEntryAndAudit(t *testing.T) {
	e := newEnv(t, Settings{})
	want := map[string]job.CaptureOrigin{"j-auto": job.OriginAuto, "j-manual": job.OriginManual, "j-import": job.OriginImport, "j-none": ""}
	for id, o := range want {
		j := testJob(id, 500)
		j.CaptureOrigin = o
		if ent := mustEnqueue(t, e.q, j); ent.CaptureOrigin != o {
			t.Fatalf("%s: entry origin %q, want %q", id, ent.CaptureOrigin, o)
		}
	}
	bad := testJob("j-bad", 500)
	bad.CaptureOrigin = "camera"
	_, err := e.q.Enqueue(bad)
	if !errors.Is(err, ErrInvalidJob) || !strings.Contains(err.Error(), `unknown "camera"`) || !strings.Contains(err.Error(), "auto, manual or import") {
		t.Fatalf("Enqueue with origin camera = %v, want ErrInvalidJob naming it and the allowed values", err)
	}
	if _, err := e.q.Get("j-bad"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the refused job was stored: %v", err)
	}

	e.reopen(t, Settings{})
	for id, o := range want {
		ent, err := e.q.Get(id)
		if err != nil || ent.CaptureOrigin != o {
			t.Fatalf("%s after a restart: origin %q (%v), want %q", id, ent.CaptureOrigin, err, o)
		}
		j, err := e.q.Load(id)
		if err != nil || j.CaptureOrigin != o {
			t.Fatalf("%s sealed job: origin %q (%v), want %q", id, j.CaptureOrigin, err, o)
		}
		ev, err := e.q.Audit(AuditFilter{JobID: id, Kind: AuditEnrolled})
		if err != nil || len(ev) != 1 || ev[0].CaptureOrigin != o {
			t.Fatalf("%s: enrolled events %+v (%v), want one with origin %q", id, ev, err, o)
		}
	}
	if ev, _ := e.q.Audit(AuditFilter{JobID: "j-bad"}); len(ev) != 0 {
		t.Fatalf("the refused job has audit events: %+v", ev)
	}
}

// A job enrolled again (2209) keeps the capture origin and the document record of the
// photos it reuses, in its entry and its enrolled_again event.
func TestEnrollAgainKeepsOrigin(t *testing.T) {
	e := newEnv(t, Settings{})
	j := testJob("job-2209", 500)
	j.ComparisonType, j.CaptureOrigin = job.Document, job.OriginManual
	j.Document = &job.DocumentRecord{Format: "TD3", Type: "P", IssuingState: "UTO"}
	mustEnqueue(t, e.q, j)
	if _, err := e.q.Claim("job-2209"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.SetState("job-2209", StateNeedsOperator, Update{Reason: "2209: already enrolled"}); err != nil {
		t.Fatal(err)
	}
	ne, err := e.q.EnrollAgain("job-2209", EnrollAgainOptions{NewID: "job-again", Supervisor: "zawadi"})
	if err != nil {
		t.Fatal(err)
	}
	if ne.CaptureOrigin != job.OriginManual || ne.Document == nil || ne.Document.IssuingState != "UTO" {
		t.Fatalf("new entry: origin %q, document %+v", ne.CaptureOrigin, ne.Document)
	}
	e.reopen(t, Settings{})
	if ne, _ := e.q.Get("job-again"); ne.CaptureOrigin != job.OriginManual {
		t.Fatalf("after a restart: origin %q", ne.CaptureOrigin)
	}
	ev, _ := e.q.Audit(AuditFilter{Kind: AuditEnrolledAgain})
	if len(ev) != 1 || ev[0].CaptureOrigin != job.OriginManual {
		t.Fatalf("enrolled_again events %+v", ev)
	}
}

// Records written before the origin existed, or by a build that knows another origin,
// read back as they are: no origin, or the unknown value, never an error.
func TestOldAndUnknownOriginsOnDisk(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j-old", 500))
	j := testJob("j-new", 500)
	j.CaptureOrigin = job.OriginAuto
	mustEnqueue(t, e.q, j)
	if err := e.q.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(e.dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		a := tx.Bucket(bucketAudit)
		put := func(v string) error {
			seq, err := a.NextSequence()
			if err != nil {
				return err
			}
			return a.Put(binary.BigEndian.AppendUint64(nil, seq), []byte(v))
		}
		// As the code before capture origins wrote it, and as a newer build might.
		if err := put(`{"seq":90,"time":"2026-02-01T10:00:00Z","kind":"enrolled","job_id":"j-2025","user_hash":"ab12","operator":"op-1"}`); err != nil {
			return err
		}
		if err := put(`{"seq":91,"time":"2026-02-01T10:01:00Z","kind":"enrolled","job_id":"j-future","capture_origin":"nfc_chip"}`); err != nil {
			return err
		}
		// The job's entry altered to an origin this build does not know.
		jobs := tx.Bucket(bucketJobs)
		v := string(jobs.Get([]byte("j-new")))
		if !strings.Contains(v, `"capture_origin":"auto"`) {
			t.Fatalf("the record does not hold the origin: %s", v)
		}
		return jobs.Put([]byte("j-new"), []byte(strings.Replace(v, `"capture_origin":"auto"`, `"capture_origin":"nfc_chip"`, 1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	e.open(t, Settings{})
	ev, err := e.q.Audit(AuditFilter{Kind: AuditEnrolled})
	if err != nil || len(ev) != 4 {
		t.Fatalf("enrolled events %+v (%v), want 4", ev, err)
	}
	byJob := map[string]AuditEvent{}
	for _, x := range ev {
		byJob[x.JobID] = x
	}
	if x := byJob["j-2025"]; x.CaptureOrigin != "" || x.Operator != "op-1" || x.CaptureOrigin.Describe() != "not recorded" {
		t.Fatalf("the old event reads %+v", x)
	}
	if x := byJob["j-future"]; x.CaptureOrigin != "nfc_chip" || x.CaptureOrigin.Describe() != `unknown "nfc_chip"` {
		t.Fatalf("the newer event reads %+v", x)
	}
	ent, err := e.q.Get("j-new")
	if err != nil || ent.State != StateQueued || ent.CaptureOrigin != "nfc_chip" {
		t.Fatalf("the altered entry: %+v (%v), want queued with its unknown origin", ent, err)
	}
	if ent, _ := e.q.Get("j-old"); ent.CaptureOrigin != "" {
		t.Fatalf("j-old origin %q", ent.CaptureOrigin)
	}
	// Its photos still load and would be sent.
	if lj, err := e.q.Load("j-new"); err != nil || lj.CaptureOrigin != job.OriginAuto {
		t.Fatalf("Load j-new: %v, origin %q (the sealed job's own)", err, lj.CaptureOrigin)
	}
}

// A job sealed by a build that knows an origin this one does not (written here past
// Enqueue's check, as that build would) loads, passes the send's validation and can be
// enrolled again, its origin kept as it was: reading never refuses an origin.
func TestSealedUnknownOriginLoadsAndSends(t *testing.T) {
	e := newEnv(t, Settings{})
	j := testJob("j-future", 500)
	j.CaptureOrigin = "nfc_chip"
	j.KioskID, j.Created = "kiosk-1", t0
	blob, sig, err := e.q.key.seal(j)
	if err != nil {
		t.Fatal(err)
	}
	r := &record{Sig: sig, Entry: Entry{ID: j.ID, Version: SchemaVersion, State: StateQueued, Created: t0, Updated: t0,
		UserHash: e.q.key.hashUser(j.UserID), ComparisonType: j.ComparisonType, LivenessFrames: len(j.Liveness),
		SealedBytes: int64(len(blob)), PrechecksOK: true, CaptureOrigin: j.CaptureOrigin}}
	if err := e.q.update(func(tx *bolt.Tx, c *commit) error {
		if err := putRecord(tx, r); err != nil {
			return err
		}
		return tx.Bucket(bucketBlobs).Put([]byte(j.ID), blob)
	}); err != nil {
		t.Fatal(err)
	}
	e.reopen(t, Settings{})
	lj, err := e.q.Load("j-future")
	if err != nil || lj.CaptureOrigin != "nfc_chip" {
		t.Fatalf("Load: %v, origin %q", err, lj.CaptureOrigin)
	}
	if err := lj.ValidateSend(); err != nil {
		t.Fatalf("the job cannot be sent: %v", err)
	}
	if _, err := e.q.Claim("j-future"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.SetState("j-future", StateNeedsOperator, Update{Reason: "2209: already enrolled"}); err != nil {
		t.Fatal(err)
	}
	ne, err := e.q.EnrollAgain("j-future", EnrollAgainOptions{NewID: "j-future-2"})
	if err != nil || ne.CaptureOrigin != "nfc_chip" {
		t.Fatalf("EnrollAgain: %v, origin %q", err, ne.CaptureOrigin)
	}
}

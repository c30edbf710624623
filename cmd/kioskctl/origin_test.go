package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/offline"
)

// kioskctl enroll with a DOCUMENT comparison image reads its zone as the kiosk's wizard
// does (precheck.RunWith with the real OCR): the specimen passport, expired in 2012, is
// a warning that does not refuse the job, and the sealed job's record keeps its format,
// type and issuing state, never its number; the job is an import.
func TestEnrollDocumentRead(t *testing.T) {
	dir := t.TempDir()
	args := []string{"enroll", "--data-dir", dir, "--user-id", "DOC-USER-77", "--job-id", "job-doc",
		"--selfie", testimages.Path("obama_1.jpg"), "--comparison", testimages.Path("id_specimen_utopia_passport_td3.jpg"),
		"--comparison-type", "DOCUMENT", "--force", "--json"}
	for _, f := range fourFrames {
		args = append(args, "--liveness", testimages.Path(f))
	}
	code, out, errs := kioskctlEnv(t, args...)
	if code != exitOK {
		t.Fatalf("enroll exit %d: %s", code, errs)
	}
	if strings.Contains(out+errs, "L898902C3") || strings.Contains(out+errs, "ERIKSSON") {
		t.Fatalf("the document's number or name was printed:\n%s\n%s", out, errs)
	}
	var eo enrollOutput
	if err := json.Unmarshal([]byte(out), &eo); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := job.DocumentRecord{Format: "TD3", Type: "P", IssuingState: "UTO"}
	if eo.Document == nil || *eo.Document != want || eo.CaptureOrigin != job.OriginImport {
		t.Fatalf("document %+v, origin %q; want %+v, import", eo.Document, eo.CaptureOrigin, want)
	}
	var expired bool
	for _, w := range eo.Prechecks.Warnings {
		expired = expired || w.Code == precheck.CodeDocumentExpired
	}
	if !expired || !eo.Prechecks.Ran {
		t.Fatalf("prechecks %+v: want the document_expired warning", eo.Prechecks)
	}
	// The queue's entry keeps the record (local only), and show prints it.
	code, out, _ = kioskctlEnv(t, "queue", "show", "--data-dir", dir, "job-doc")
	if code != exitOK || !strings.Contains(out, "document:    TD3 P, issued by UTO") || !strings.Contains(out, "capture:     import") {
		t.Fatalf("queue show: %d\n%s", code, out)
	}
}

// An origin this build does not know, read from the bbolt file (a newer build's record,
// or one altered on disk), is shown as unknown by queue list, queue show and audit,
// which do not fail.
func TestUnknownOriginShown(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := kioskctlEnv(t, append(enrollArgs(dir, "u-1", "obama_1.jpg", "obama_2.jpg", fourFrames...), "--no-prechecks", "--job-id", "job-x")...)
	if code != exitOK {
		t.Fatalf("enroll: %s", errs)
	}
	db, err := bolt.Open(filepath.Join(dir, offline.DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, bk := range []string{"jobs", "audit"} {
			b := tx.Bucket([]byte(bk))
			var keys, vals [][]byte
			b.ForEach(func(k, v []byte) error {
				if strings.Contains(string(v), `"capture_origin":"import"`) {
					keys, vals = append(keys, append([]byte(nil), k...)), append(vals, []byte(strings.Replace(string(v), `"capture_origin":"import"`, `"capture_origin":"nfc\u001b[31m"`, 1)))
				}
				return nil
			})
			if len(keys) != 1 {
				t.Errorf("bucket %s: %d values with the origin, want 1", bk, len(keys))
			}
			for i := range keys {
				if err := b.Put(keys[i], vals[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	const shown = `unknown "nfc\x1b[31m"`
	for _, a := range [][]string{{"queue", "list"}, {"queue", "show"}, {"audit"}} {
		args := append(a, "--data-dir", dir)
		if a[0] == "queue" && a[1] == "show" {
			args = append(args, "job-x")
		}
		code, out, errs := kioskctlEnv(t, args...)
		if code != exitOK || !strings.Contains(out, shown) || strings.Contains(out, "\x1b") {
			t.Errorf("%v: exit %d, want the origin shown as %s, escaped:\n%s%s", a, code, shown, out, errs)
		}
	}
	code, out, _ := kioskctlEnv(t, "queue", "show", "--json", "--data-dir", dir, "job-x")
	if code != exitOK || !strings.Contains(out, `"capture_origin": "nfc\u001b[31m"`) {
		t.Errorf("queue show --json: %d\n%s", code, out)
	}
}

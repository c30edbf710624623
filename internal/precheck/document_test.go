package precheck_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/mrz"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// testOCR is the shared document reader on the real PP-OCRv4 models.
func testOCR(t *testing.T) *ocr.Reader { return inferencetest.OCR(t) }

// documentPrechecks runs the policy on a report whose selfie passed, with the reading.
func documentPrechecks(d *precheck.DocumentRead) job.Prechecks {
	r := &precheck.Report{Selfie: &inference.Analysis{}, Document: d}
	return r.Prechecks()
}

func codes(list []job.PrecheckProblem) string {
	var s []string
	for _, p := range list {
		s = append(s, p.Image+"/"+p.Code)
	}
	return strings.Join(s, " ")
}

// The specimen passport (ICAO's TD3 example, expired 2012-04-15) read by the real OCR:
// the document is read, its type and country go into the record, its expiry is a
// warning that does not fail the checks; before its expiry there is no warning.
func TestDocumentReadPrecheck(t *testing.T) {
	r := testOCR(t)
	img, err := inference.DecodeImage(testimages.Read(t, "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	d, err := precheck.ReadDocument(r, img, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Doc == nil || !d.Doc.Valid() {
		t.Fatalf("the specimen's zone was not read: %+v", d.Doc)
	}
	pc := documentPrechecks(d)
	if !pc.OK || codes(pc.Problems) != "" || codes(pc.Warnings) != "comparison/"+precheck.CodeDocumentExpired {
		t.Fatalf("expired specimen: ok %v problems %q warnings %q", pc.OK, codes(pc.Problems), codes(pc.Warnings))
	}
	if w := pc.Warnings[0].Message; !strings.Contains(w, "2012-04-15") {
		t.Errorf("the warning does not give the expiry date: %q", w)
	}
	rec := d.Record()
	if rec == nil || *rec != (job.DocumentRecord{Format: "TD3", Type: "P", IssuingState: "UTO"}) {
		t.Fatalf("record: %+v", rec)
	}

	// Before the expiry date: no warning.
	d.Now = time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC)
	if pc := documentPrechecks(d); !pc.OK || len(pc.Problems)+len(pc.Warnings) != 0 {
		t.Errorf("valid specimen: problems %q warnings %q", codes(pc.Problems), codes(pc.Warnings))
	}

	// The job's local record carries the type and the country, never the number.
	j := job.Job{ID: "j1", UserID: "u1", ComparisonType: job.Document, Document: rec, Prechecks: pc}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"document":{"format":"TD3","type":"P","issuing_state":"UTO"}`) {
		t.Errorf("record JSON: %s", b)
	}
	if strings.Contains(string(b), d.Doc.DocumentNumber) || strings.Contains(string(b), "ERIKSSON") {
		t.Errorf("the record holds the number or the name: %s", b)
	}
	for _, p := range append(pc.Problems, pc.Warnings...) {
		if strings.Contains(p.Message, d.Doc.DocumentNumber) {
			t.Errorf("a message holds the number: %q", p.Message)
		}
	}
}

// A photo without a zone is a warning of the "document read" precheck (an ID card's
// portrait side often has no zone), with no record.
func TestDocumentUnread(t *testing.T) {
	r := testOCR(t)
	img, err := inference.DecodeImage(testimages.Read(t, "obama_1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := precheck.ReadDocument(r, img, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pc := documentPrechecks(d)
	if !pc.OK || codes(pc.Problems) != "" || codes(pc.Warnings) != "comparison/"+precheck.CodeDocumentUnread || d.Record() != nil {
		t.Fatalf("no zone: ok %v problems %q warnings %q record %+v", pc.OK, codes(pc.Problems), codes(pc.Warnings), d.Record())
	}
	if pc.Warnings[0].Message == "" {
		t.Error("no sentence for document_unread")
	}
}

// A zone whose check digit fails is a problem naming the field, and is not recorded; no
// reading at all (another comparison type) adds nothing.
func TestMRZInvalidPrecheck(t *testing.T) {
	doc, err := mrz.Parse([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408127F1204159ZE184226B<<<<<10", // birth date check digit 2 → 7
	})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Valid() {
		t.Fatal("a broken check digit parsed as valid")
	}
	d := &precheck.DocumentRead{Doc: doc, Now: time.Now()}
	pc := documentPrechecks(d)
	if pc.OK || codes(pc.Problems) != "comparison/"+precheck.CodeMRZInvalid || d.Record() != nil {
		t.Fatalf("invalid zone: ok %v problems %q record %+v", pc.OK, codes(pc.Problems), d.Record())
	}
	if m := pc.Problems[0].Message; !strings.Contains(m, "birth") {
		t.Errorf("the message does not name the field: %q", m)
	}
	if pc := documentPrechecks(nil); !pc.OK || len(pc.Problems)+len(pc.Warnings) != 0 {
		t.Errorf("no reading: %+v", pc)
	}
}

// RunWith reads the zone of a DOCUMENT comparison image only: the specimen passport as
// a DOCUMENT gives the record and the expiry warning; as an ID_PHOTO, no reading.
func TestRunWithReadsTheDocument(t *testing.T) {
	e, r := testEngine(t), testOCR(t)
	j := policyJob(t, "obama_1.jpg", "id_specimen_utopia_passport_td3.jpg", "obama_2.jpg", "obama_3.jpg", "obama_2.jpg", "obama_3.jpg")
	j.ComparisonType = job.Document
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	pc, rec, err := precheck.RunWith(context.Background(), e, j, precheck.RunOptions{OCR: r, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil || rec.Type != "P" || rec.IssuingState != "UTO" || codes(pc.Warnings) != "comparison/"+precheck.CodeDocumentExpired {
		t.Fatalf("DOCUMENT: record %+v warnings %q", rec, codes(pc.Warnings))
	}
	j.ComparisonType = job.IDPhoto
	pc, rec, err = precheck.RunWith(context.Background(), e, j, precheck.RunOptions{OCR: r, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil || len(pc.Warnings) != 0 || strings.Contains(codes(pc.Problems), "document") {
		t.Fatalf("ID_PHOTO: record %+v warnings %q problems %q", rec, codes(pc.Warnings), codes(pc.Problems))
	}
}

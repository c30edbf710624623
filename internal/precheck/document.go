package precheck

import (
	"errors"
	"image"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/internal/mrz"
)

// The codes of the "document read" precheck of a DOCUMENT comparison image (sentences in
// internal/messages as precheck.<code>).
const (
	// CodeDocumentUnread: no machine readable zone was found on the document (a warning:
	// an ID card's portrait side often has none).
	CodeDocumentUnread = "document_unread"
	// CodeMRZInvalid: a zone was read but a check digit does not hold (a problem).
	CodeMRZInvalid = "mrz_invalid"
	// CodeDocumentExpired: the zone holds and its expiry date is past (a warning: the
	// bank decides whether it accepts the document).
	CodeDocumentExpired = "document_expired"
)

// DocumentRead is what was read from a DOCUMENT comparison image's machine readable zone,
// for Report.Document. Doc is nil when no zone was found. The document number in Doc is
// personal data: never log it; print it only through mrz.Mask.
type DocumentRead struct {
	Doc *mrz.Document
	// Now is the day the expiry date is judged on.
	Now time.Time
}

// ReadDocument reads the zone of a DOCUMENT comparison image with r. No zone is not an
// error (DocumentRead.Doc is nil); the error is the runtime's.
func ReadDocument(r *ocr.Reader, img image.Image, now time.Time) (*DocumentRead, error) {
	res, err := r.ReadMRZ(img)
	if errors.Is(err, ocr.ErrNoMRZ) {
		return &DocumentRead{Now: now}, nil
	}
	if err != nil {
		return nil, err
	}
	return &DocumentRead{Doc: res.Doc, Now: now}, nil
}

// Record is what the job's local record keeps of the reading: the format, the document
// type and the issuing country of a zone whose check digits hold; nil otherwise. Never
// the number, the names or the dates.
func (d *DocumentRead) Record() *job.DocumentRecord {
	if d == nil || d.Doc == nil || !d.Doc.Valid() {
		return nil
	}
	return &job.DocumentRecord{Format: string(d.Doc.Format), Type: d.Doc.DocumentCode, IssuingState: d.Doc.IssuingState}
}

// prechecks adds the "document read" precheck to pc: a failed check digit is a problem;
// no zone and an expired document are warnings (the side of an ID card that carries the
// portrait often has no zone: its zone is on the back).
func (d *DocumentRead) prechecks(pc *job.Prechecks) {
	add := func(list *[]job.PrecheckProblem, code string, args ...any) {
		*list = append(*list, job.PrecheckProblem{Image: ImageComparison, Code: code,
			Message: messages.Text(messages.English, MessageCode(ImageComparison, code), args...)})
	}
	switch {
	case d.Doc == nil:
		add(&pc.Warnings, CodeDocumentUnread)
	case !d.Doc.Valid():
		add(&pc.Problems, CodeMRZInvalid, "Fields", strings.Join(d.Doc.FailedChecks(), ", "))
	case d.Doc.Expired(d.Now):
		add(&pc.Warnings, CodeDocumentExpired, "Date", d.Doc.ExpiryDate.Time.Format("2006-01-02"))
	}
}

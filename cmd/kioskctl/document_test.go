package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// go test without make: the OCR models of the checkout's cache (scripts/fetch-ocr.sh).
func init() { os.Setenv(ocr.EnvModels, inferencetest.OCRModels()) }

// The specimen passport: a face, a TD3 zone whose check digits hold, expired in 2012,
// and its data page found by the line drawn around it (a scan: the page fills the
// image, class passport); a portrait: a face, no card (its picture's own frame is not
// one) and no zone. The document number never appears whole.
func TestDocumentJSON(t *testing.T) {
	code, out, errs := kioskctl(t, "document", "--json", testimages.Path("id_specimen_utopia_passport_td3.jpg"), testimages.Path("obama_1.jpg"))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	if strings.Contains(out, "L898902C3") || strings.Contains(out, "ERIKSSON") {
		t.Fatalf("personal data printed:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want one per image:\n%s", len(lines), out)
	}
	var spec, face documentResult
	if err := json.Unmarshal([]byte(lines[0]), &spec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &face); err != nil {
		t.Fatal(err)
	}
	if spec.Faces != 1 || spec.MRZ == nil || !spec.MRZ.Valid || spec.MRZ.Format != "TD3" ||
		spec.MRZ.IssuingState != "UTO" || spec.MRZ.DocumentNumber != "•••••••C3" || !spec.MRZ.Expired {
		t.Errorf("specimen: %+v %+v", spec, spec.MRZ)
	}
	if spec.Card == nil || spec.Card.Class != card.ClassPassport || spec.Card.Fill < 0.7 {
		t.Errorf("specimen: card %+v, want its data page (class passport, most of the scan)", spec.Card)
	}
	if codes(spec.Problems) != docExpired {
		t.Errorf("specimen problems %v, want expired only", spec.Problems)
	}
	if face.Card != nil {
		t.Errorf("portrait: a card found at %v", face.Card.Corners)
	}
	if face.MRZ != nil || codes(face.Problems) != docNoDocument+","+docMRZMissing {
		t.Errorf("portrait: mrz %+v problems %v", face.MRZ, face.Problems)
	}
}

func TestDocumentText(t *testing.T) {
	code, out, errs := kioskctl(t, "document", testimages.Path("noface_coffee.png"))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	for _, want := range []string{"0 face(s)", "- no_face:", "- mrz_missing:"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func codes(ps []documentProblem) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Code)
	}
	return strings.Join(s, ",")
}

// Photographs of the specimen on a desk: the card found, flattened and read; a glared and
// a blurred one, and the desk alone, say why.
func TestDocumentCard(t *testing.T) {
	spec, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, s cardtest.Scene) string {
		p := filepath.Join(dir, name)
		fh, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(fh, s.Render(spec)); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		return p
	}
	good := write("good.png", cardtest.Scene{W: 1280, H: 960, Corners: cardtest.Placed(640, 480, 880, 5, 0.06)})
	glared := write("glare.png", cardtest.Scene{W: 1280, H: 960, Corners: cardtest.Placed(640, 480, 880, 0, 0), Glare: []cardtest.Glare{{X: 0.2, Y: 0.5, R: 0.07}}})
	blurred := write("blurred.png", cardtest.Scene{W: 1280, H: 960, Corners: cardtest.Placed(640, 480, 880, 0, 0), Blur: 3})
	desk := write("desk.png", cardtest.Scene{W: 1280, H: 960})
	code, out, errs := kioskctl(t, "document", "--json", good, glared, blurred, desk)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), out)
	}
	var r [4]documentResult
	for i := range r {
		if err := json.Unmarshal([]byte(lines[i]), &r[i]); err != nil {
			t.Fatal(err)
		}
	}
	if c := r[0].Card; c == nil || c.Class != "passport" || c.Fill < 0.3 || c.FlatWidth < 800 {
		t.Errorf("good photo: card %+v", c)
	}
	if r[0].Faces != 1 || r[0].MRZ == nil || !r[0].MRZ.Valid || codes(r[0].Problems) != docExpired {
		t.Errorf("good photo: faces %d, mrz %+v, problems %v", r[0].Faces, r[0].MRZ, r[0].Problems)
	}
	if r[1].Card == nil || !strings.Contains(codes(r[1].Problems), docGlare) {
		t.Errorf("glared photo: card %+v problems %v", r[1].Card, r[1].Problems)
	}
	if r[2].Card == nil || !strings.Contains(codes(r[2].Problems), docBlurred) {
		t.Errorf("blurred photo: card %+v problems %v", r[2].Card, r[2].Problems)
	}
	if r[3].Card != nil || !strings.HasPrefix(codes(r[3].Problems), docNoDocument) {
		t.Errorf("desk: card %+v problems %v", r[3].Card, r[3].Problems)
	}
}

func TestDocumentWithoutFaces(t *testing.T) {
	code, out, errs := kioskctl(t, "document", "--json", "--faces=false", testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	var r documentResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Faces != 0 || r.MRZ == nil || !r.MRZ.Valid || !strings.HasSuffix(codes(r.Problems), docExpired) || strings.Contains(codes(r.Problems), docNoFace) {
		t.Errorf("faces %d mrz %+v problems %v", r.Faces, r.MRZ, r.Problems)
	}
}

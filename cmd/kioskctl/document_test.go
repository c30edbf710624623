package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// go test without make: the OCR models of the checkout's cache (scripts/fetch-ocr.sh).
func init() {
	if os.Getenv("KIOSK_OCR_MODELS") == "" {
		_, file, _, _ := runtime.Caller(0)
		os.Setenv("KIOSK_OCR_MODELS", filepath.Join(filepath.Dir(file), "..", "..", ".cache", "ocr"))
	}
}

// The specimen passport: a face, a TD3 zone whose check digits hold, expired in 2012;
// a portrait: a face and no zone. The document number never appears whole.
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
	if codes(spec.Problems) != docExpired {
		t.Errorf("specimen problems %v, want expired only", spec.Problems)
	}
	if face.MRZ != nil || codes(face.Problems) != docMRZMissing {
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

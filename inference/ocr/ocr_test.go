package ocr

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/mrz"
)

var (
	readerOnce sync.Once
	reader     *Reader
	readerErr  error
)

// testReader opens the real models on the real runtime (make setup fetches both; the
// Makefile sets ONNXRUNTIME_LIB and KIOSK_OCR_MODELS).
func testReader(t testing.TB) *Reader {
	t.Helper()
	readerOnce.Do(func() {
		dir := ""
		if os.Getenv(EnvModels) == "" { // go test without make: the checkout's cache
			_, file, _, _ := runtime.Caller(0)
			dir = filepath.Join(filepath.Dir(file), "..", "..", ".cache", "ocr")
		}
		reader, readerErr = Open(Options{ModelsDir: dir})
	})
	if readerErr != nil {
		t.Fatalf("opening the OCR (run scripts/fetch-ocr.sh or make setup; set ONNXRUNTIME_LIB): %v", readerErr)
	}
	return reader
}

func photo(t testing.TB, name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "photos", name)
}

// The Utopia passport specimen's zone is ICAO 9303's TD3 example.
func TestReadMRZOfTheSpecimen(t *testing.T) {
	r := testReader(t)
	img, err := inference.DecodeFile(photo(t, "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.ReadMRZ(img)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Doc
	if d.Format != mrz.TD3 || !d.Valid() {
		t.Fatalf("format %s valid %v failed %v repaired %v", d.Format, d.Valid(), d.FailedChecks(), d.Repaired)
	}
	if d.DocumentNumber != "L898902C3" || d.Surname != "ERIKSSON" || d.GivenNames != "ANNA MARIA" ||
		d.IssuingState != "UTO" || d.BirthDate.Time.Format("060102") != "740812" {
		t.Errorf("fields: %s %s %s %s %v", mrz.Mask(d.DocumentNumber), d.Surname, d.GivenNames, d.IssuingState, d.BirthDate.Time)
	}
}

func TestNoMRZOnAFace(t *testing.T) {
	r := testReader(t)
	img, err := inference.DecodeFile(photo(t, "obama_1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := r.ReadMRZ(img); err == nil {
		t.Fatalf("a zone found on a portrait: %+v", res.Doc.FailedChecks())
	}
}

func TestFitLength(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"AB<<<C", 8, "AB<<<<<C"},
		{"AB<<<<<C", 6, "AB<<<C"},
		{"ABC", 3, "ABC"},
		{"A<B", 20, "A<B"},
		{"AB<C", 2, "AB<C"}, // not enough fillers to remove
	} {
		if got := FitLength(tc.in, tc.n); got != tc.want {
			t.Errorf("FitLength(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestFindModelsSaysWhatToDo(t *testing.T) {
	t.Setenv(EnvModels, t.TempDir())
	if _, err := os.Stat(PackagedDir); err == nil {
		t.Skip("the packaged models are installed on this machine")
	}
	_, err := FindModels(t.TempDir())
	if err == nil {
		t.Fatal("no models found, yet no error")
	}
}

// BenchmarkReadMRZ is the MRZ read of a captured still (the specimen, 1334x880): detection
// on the whole page, recognition of its long lines. The goal is ≤ 300 ms on the kiosk.
func BenchmarkReadMRZ(b *testing.B) {
	r := testReader(b)
	img, err := inference.DecodeFile(photo(b, "id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := r.ReadMRZ(img); err != nil {
			b.Fatal(err)
		}
	}
}

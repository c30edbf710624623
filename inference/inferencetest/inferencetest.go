// Package inferencetest gives the tests of a package one shared face-analysis engine (real
// ONNX Runtime, real models), opened on first use and closed when the test binary ends,
// and one shared document reader (inference/ocr) on the checkout's OCR models.
// Package inference's and inference/ocr's own tests keep their own (they cannot import
// this package).
package inferencetest

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
)

var (
	once   sync.Once
	engine *inference.Engine
	err    error

	ocrOnce   sync.Once
	ocrReader *ocr.Reader
	ocrErr    error
)

// OCRModels is the folder of the OCR models for tests: $KIOSK_OCR_MODELS (the Makefile
// sets it), else the checkout's .cache/ocr (scripts/fetch-ocr.sh fills it), so that a
// plain `go test` finds them too.
func OCRModels() string {
	if d := os.Getenv(ocr.EnvModels); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", ".cache", "ocr")
}

// SetOCRModels sets $KIOSK_OCR_MODELS for t to OCRModels(), for the code under test that
// finds the models itself (internal/app's OCR).
func SetOCRModels(t testing.TB) { t.Setenv(ocr.EnvModels, OCRModels()) }

// OCR returns the shared document reader (the runtime is the shared engine's: it is
// started first), failing the test with what to do when it cannot open.
func OCR(t testing.TB) *ocr.Reader {
	t.Helper()
	Get(t)
	ocrOnce.Do(func() { ocrReader, ocrErr = ocr.Open(ocr.Options{ModelsDir: OCRModels()}) })
	if ocrErr != nil {
		t.Fatalf("opening the OCR (run scripts/fetch-ocr.sh or make setup): %v", ocrErr)
	}
	return ocrReader
}

// Get returns the shared engine, failing the test with what to do when it cannot open
// (the library is found as at run time: ONNXRUNTIME_LIB, which the Makefile sets).
func Get(t testing.TB) *inference.Engine {
	t.Helper()
	once.Do(func() {
		engine, err = inference.Open(inference.Options{Workers: 2, Threads: 1,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	if err != nil {
		t.Fatalf("opening the face engine (run `make setup`, and set ONNXRUNTIME_LIB as the Makefile does): %v", err)
	}
	return engine
}

// Close closes the shared engine if it was opened; call it from TestMain after m.Run.
func Close() {
	if ocrReader != nil {
		ocrReader.Close()
	}
	if engine != nil {
		engine.Close()
	}
}

// Main runs the tests and closes the shared engine: `func TestMain(m *testing.M) { inferencetest.Main(m) }`.
func Main(m *testing.M) {
	code := m.Run()
	Close()
	os.Exit(code)
}

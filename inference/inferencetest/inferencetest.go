// Package inferencetest gives the tests of a package one shared face-analysis engine (real
// ONNX Runtime, real models), opened on first use and closed when the test binary ends.
// Package inference's own tests keep their own (they cannot import this package).
package inferencetest

import (
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/smartselfie/kiosk-agent/inference"
)

var (
	once   sync.Once
	engine *inference.Engine
	err    error
)

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

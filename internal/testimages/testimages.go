// Package testimages finds the vendored test photos (testdata/photos at the top of the
// repository) from any package's tests, and reads their manifest.
package testimages

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// Dir returns the absolute path of testdata/photos.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "photos")
}

// Path returns the absolute path of one vendored photo.
func Path(name string) string { return filepath.Join(Dir(), name) }

// Read returns the bytes of one vendored photo, failing the test if it is missing.
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(name))
	if err != nil {
		t.Fatalf("reading test photo: %v", err)
	}
	return b
}

// Entry is one row of manifest.csv.
type Entry struct {
	File     string
	Identity string // "-" when there is no single identity
	Faces    int
	Category string // live, spoof, document, multi, noface
}

// Manifest reads manifest.csv.
func Manifest(t testing.TB) []Entry {
	t.Helper()
	f, err := os.Open(filepath.Join(Dir(), "manifest.csv"))
	if err != nil {
		t.Fatalf("opening manifest: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("reading manifest: %v", err)
	}
	var out []Entry
	for _, r := range rows[1:] {
		n, err := strconv.Atoi(r[2])
		if err != nil {
			t.Fatalf("manifest row %v: %v", r, err)
		}
		out = append(out, Entry{File: r[0], Identity: r[1], Faces: n, Category: r[3]})
	}
	return out
}

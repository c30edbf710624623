// Package testimages finds the vendored test photos (testdata/photos at the top of the
// repository) from any package's tests, reads their manifest, and makes liveness frames
// from them (LivenessFrame).
package testimages

import (
	"encoding/csv"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/image/draw"
)

// Dir returns the absolute path of testdata/photos.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "photos")
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

// LivenessFrame makes a liveness frame from a photo of one person, as a camera would
// have taken it: a crop inset (a fraction, e.g. 0.04) off each side (the customer moved
// in the frame), scaled to a longest side of maxSide pixels, and mirrored when asked (the
// head then turns the other way). scripts/demoframes and the enrollment tests use it.
func LivenessFrame(src image.Image, mirror bool, inset float64, maxSide int) *image.RGBA {
	b := src.Bounds()
	dx, dy := int(float64(b.Dx())*inset), int(float64(b.Dy())*inset)
	crop := image.Rect(b.Min.X+dx, b.Min.Y+dy, b.Max.X-dx, b.Max.Y-dy)
	w, h := crop.Dx(), crop.Dy()
	scale := float64(maxSide) / float64(max(w, h))
	dst := image.NewRGBA(image.Rect(0, 0, int(float64(w)*scale+0.5), int(float64(h)*scale+0.5)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	if mirror {
		for y := 0; y < dst.Rect.Dy(); y++ {
			row := dst.Pix[y*dst.Stride : y*dst.Stride+dst.Rect.Dx()*4]
			for l, r := 0, len(row)-4; l < r; l, r = l+4, r-4 {
				for k := 0; k < 4; k++ {
					row[l+k], row[r+k] = row[r+k], row[l+k]
				}
			}
		}
	}
	return dst
}

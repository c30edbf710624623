package main

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func gray(w, h int, v uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

func TestPngdiff(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	base := gray(100, 100, 128)
	writePNG(t, p("a.png"), base)

	near := gray(100, 100, 128)
	near.SetRGBA(5, 5, color.RGBA{R: 138, G: 128, B: 128, A: 255}) // within the tolerance
	writePNG(t, p("near.png"), near)

	speck := gray(100, 100, 128)
	speck.SetRGBA(7, 9, color.RGBA{A: 255}) // one pixel of 10,000: under 0.1 %
	writePNG(t, p("speck.png"), speck)

	word := gray(100, 100, 128)
	for y := 40; y < 50; y++ {
		for x := 10; x < 30; x++ {
			word.SetRGBA(x, y, color.RGBA{A: 255}) // a 20x10 block, as a changed word
		}
	}
	writePNG(t, p("word.png"), word)
	writePNG(t, p("small.png"), gray(100, 99, 128))

	for _, c := range []struct {
		name, b  string
		differ   bool
		contains string
	}{
		{"same", "a.png", false, "0 of 10000 pixels"},
		{"within tolerance", "near.png", false, "0 of 10000 pixels"},
		{"one pixel", "speck.png", false, "1 of 10000 pixels differ by more than 16 (0.0100%"},
		{"a block", "word.png", true, "200 of 10000 pixels differ by more than 16 (2.0000%, at most 0.1000% allowed), within (10,40)-(30,50)"},
		{"size", "small.png", true, "sizes differ: (100,100) and (100,99)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run([]string{"-diff", p("diff.png"), p("a.png"), p(c.b)}, &out)
			if got := errors.Is(err, errDiffer); got != c.differ || (err != nil && !got) {
				t.Fatalf("run: %v, want differ=%v (output %q)", err, c.differ, out.String())
			}
			if !strings.Contains(out.String(), c.contains) {
				t.Errorf("output %q, want it to contain %q", out.String(), c.contains)
			}
		})
	}
	if err := run([]string{"-tolerance", "300", p("a.png"), p("a.png")}, &bytes.Buffer{}); err == nil || errors.Is(err, errDiffer) {
		t.Errorf("-tolerance 300: %v, want a usage error", err)
	}
	if err := run([]string{p("a.png"), p("missing.png")}, &bytes.Buffer{}); err == nil || errors.Is(err, errDiffer) {
		t.Errorf("a missing file: %v, want an error that is not errDiffer", err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/ui"
)

// maxTrackedPNG is the bound on the PNGs committed (testdata's photos included).
const maxTrackedPNG = 8 << 20

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// TestGallery: every gallery entry is a shot, the committed pictures are exactly the
// gallery's (in every language), docs/gallery.md is what the program writes, the README's
// pictures are among them, and the repository's PNGs stay under 8 MB.
func TestGallery(t *testing.T) {
	root := repoRoot(t)
	var names []string
	for _, s := range append(append([]shot(nil), shots...), wizardShots...) {
		names = append(names, s.name)
	}
	seen := map[string]bool{}
	for _, g := range gallery {
		if !slices.Contains(names, g.name) {
			t.Errorf("gallery entry %q is not a shot (shots, wizardShots)", g.name)
		}
		if seen[g.name] {
			t.Errorf("gallery entry %q twice", g.name)
		}
		seen[g.name] = true
		if g.caption == "" {
			t.Errorf("gallery entry %q has no caption", g.name)
		}
	}

	want := map[string]bool{}
	for _, g := range gallery {
		for _, lang := range ui.Languages {
			want[filepath.Join("docs", "screenshots", gallerySize, lang, g.name+".png")] = true
		}
	}
	var got []string
	var total int64
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && (rel == ".git" || rel == "bin" || rel == ".cache" || rel == "demo-data" || rel == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".png") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		if strings.HasPrefix(rel, "docs/screenshots/") {
			got = append(got, rel)
			if !want[rel] {
				t.Errorf("%s is not in the gallery (ui/internal/screenshots/gallery.go): make screenshots removes it", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range want {
		if !slices.Contains(got, p) {
			t.Errorf("%s is missing: run make screenshots", p)
		}
	}
	if total > maxTrackedPNG {
		t.Errorf("the repository's PNGs take %.1f MB, more than %d MB: take a screen out of the gallery", float64(total)/(1<<20), maxTrackedPNG>>20)
	}
	t.Logf("PNGs in the repository: %.2f MB (at most %d MB); gallery: %d screens in %d languages", float64(total)/(1<<20), maxTrackedPNG>>20, len(gallery), len(ui.Languages))

	md, err := os.ReadFile(filepath.Join(root, "docs", "gallery.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(md) != galleryMarkdown(ui.Languages) {
		t.Error("docs/gallery.md is not what the screenshot program writes: run make screenshots")
	}

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	imgs := regexp.MustCompile(`src="(docs/screenshots/[^"]+)"`).FindAllStringSubmatch(string(readme), -1)
	if len(imgs) == 0 {
		t.Error("README.md shows no screenshot")
	}
	for _, m := range imgs {
		if !want[m[1]] {
			t.Errorf("README.md shows %s, which is not in the gallery", m[1])
		}
	}
}

// TestCurate runs the curation on a made-up output folder: it copies the gallery,
// removes what is not in it and writes gallery.md.
func TestCurate(t *testing.T) {
	from, docs := t.TempDir(), t.TempDir()
	langs := []string{"en", "fr"}
	for _, g := range gallery {
		for _, lang := range langs {
			p := filepath.Join(from, gallerySize, lang, g.name+".png")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(g.name+lang), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	stale := filepath.Join(docs, "screenshots", "1920x1080", "en", "old.png")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte("x"), 0o644)
	if err := curate(from, docs, langs); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale picture is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(docs, "screenshots", "1920x1080")); !os.IsNotExist(err) {
		t.Errorf("the empty 1920x1080 folder is still there: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(docs, "screenshots", gallerySize, "fr", gallery[0].name+".png"))
	if err != nil || string(b) != gallery[0].name+"fr" {
		t.Errorf("the copied picture: %q, %v", b, err)
	}
	if md, _ := os.ReadFile(filepath.Join(docs, "gallery.md")); !strings.Contains(string(md), gallery[0].caption) {
		t.Error("gallery.md lacks the first caption")
	}
	// A gallery picture missing from the output: a clear error.
	os.Remove(filepath.Join(from, gallerySize, "en", gallery[1].name+".png"))
	if err := curate(from, t.TempDir(), langs); err == nil || !strings.Contains(err.Error(), "make screenshots") {
		t.Errorf("curate with a picture missing: %v, want an error saying to run make screenshots", err)
	}
}

// Command docset writes the labelled document set of the benchmarks (issue 22) into
// testdata/docset: manifest.csv (committed: every frame's scene and its labels, per
// gate) and the frames as JPEG (quality 92; not committed, drawn again when missing).
// The set is built by capture/card/cardtest.DocSet from the specimens of testdata/photos
// (the Utopia passport page, and the demo customers' synthetic ID-1 cards) and is the
// same on every run; the labels follow card.DefaultGates' limits.
//
// Usage: go run ./scripts/docset [-dir testdata/docset] [-photos testdata/photos] [-force] [-check]
//
// -check writes nothing and fails when the committed manifest is not the one the code
// makes (then run it without -check and commit manifest.csv); -force draws every frame
// again.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
)

func main() {
	dir := flag.String("dir", filepath.Join("testdata", "docset"), "the set's folder")
	photos := flag.String("photos", filepath.Join("testdata", "photos"), "the specimens' photos")
	force := flag.Bool("force", false, "draw every frame again")
	check := flag.Bool("check", false, "only check that the manifest is current")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: docset [-dir DIR] [-photos DIR] [-force] [-check]")
		os.Exit(2)
	}
	drawn, err := run(*dir, *photos, *force, *check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docset:", err)
		os.Exit(1)
	}
	if !*check {
		fmt.Printf("docset: %s: manifest written, %d frames drawn\n", *dir, drawn)
	}
}

// errStale is returned by -check when the manifest on disk is not the code's.
var errStale = errors.New("the manifest is not the one the code makes: run go run ./scripts/docset and commit testdata/docset/manifest.csv")

// build draws the specimens and makes the set's frames and manifest.
func build(photos string) (map[string]*image.RGBA, []cardtest.Frame, []byte, error) {
	cards := map[string]*image.RGBA{}
	for _, sp := range cardtest.Specimens() {
		c, err := cardtest.LoadSpecimen(photos, sp)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w (run from the checkout's top, or give -photos)", err)
		}
		cards[sp] = c
	}
	frames, err := cardtest.DocSet(cards, card.DefaultGates())
	if err != nil {
		return nil, nil, nil, err
	}
	var buf bytes.Buffer
	if err := cardtest.WriteManifest(&buf, frames); err != nil {
		return nil, nil, nil, err
	}
	return cards, frames, buf.Bytes(), nil
}

func run(dir, photos string, force, check bool) (int, error) {
	cards, frames, manifest, err := build(photos)
	if err != nil {
		return 0, err
	}
	path := filepath.Join(dir, "manifest.csv")
	if check {
		old, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		if !bytes.Equal(old, manifest) {
			return 0, errStale
		}
		return 0, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	// frames drawn from an older manifest, or by other drawing code, are drawn again
	stampPath := filepath.Join(dir, ".drawn")
	stamp := drawnStamp(manifest, frames, cards)
	old, _ := os.ReadFile(path)
	oldStamp, _ := os.ReadFile(stampPath)
	if !bytes.Equal(old, manifest) || !bytes.Equal(oldStamp, stamp) {
		force = true
	}
	var todo []cardtest.Frame
	for _, f := range frames {
		if _, err := os.Stat(filepath.Join(dir, f.File)); force || err != nil {
			todo = append(todo, f)
		}
	}
	// the manifest goes last: a run cut short draws everything again
	os.Remove(path)
	jobs := make(chan cardtest.Frame)
	errs := make(chan error, len(todo))
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				errs <- draw(dir, f, cards[f.Specimen])
			}
		}()
	}
	for _, f := range todo {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return 0, err
		}
	}
	if err := os.WriteFile(stampPath, stamp, 0o644); err != nil {
		return 0, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, manifest, 0o644); err != nil {
		return 0, err
	}
	return len(todo), os.Rename(tmp, path)
}

// drawnStamp identifies what the frames on disk were drawn from: the manifest, and the
// pixels of the first frame of each background and kind (a change of the drawing code
// that keeps the manifest changes them).
func drawnStamp(manifest []byte, frames []cardtest.Frame, cards map[string]*image.RGBA) []byte {
	h := sha256.New()
	h.Write(manifest)
	seen := map[string]bool{}
	for _, f := range frames {
		key := f.Kind + f.Background.String()
		if seen[key] || f.Specimen == "" {
			continue
		}
		seen[key] = true
		h.Write(f.Scene().Render(cards[f.Specimen]).Pix)
	}
	return []byte(hex.EncodeToString(h.Sum(nil)) + "\n")
}

func draw(dir string, f cardtest.Frame, c *image.RGBA) error {
	if c == nil {
		c = image.NewRGBA(image.Rect(0, 0, 1, 1)) // no card: the scene has no corners
	}
	img := f.Scene().Render(c)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		return err
	}
	tmp := filepath.Join(dir, f.File+".tmp")
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, f.File))
}

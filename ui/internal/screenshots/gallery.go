package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// gallerySize is the size whose pictures are committed (docs/screenshots/1024x600/,
// docs/gallery.md); every other picture stays in the ignored output folder.
const gallerySize = "1024x600"

// gallery is the curated set: the screens committed under docs/screenshots/1024x600/en
// and fr and shown in docs/gallery.md, in this order. To add a screen, add its shot (its
// name in shots or wizardShots) here with a caption, run make screenshots and commit
// docs/. TestGallery keeps the committed PNGs (testdata's included) under 8 MB: each
// screen costs about 0.25 MB in its two languages.
var gallery = []struct{ name, caption string }{
	{"sign-in", "Sign-in: the operators of this kiosk, then the PIN pad"},
	{"sign-in-locked", "Five wrong PINs: the operator is locked for a while, the time shown"},
	{"home", "Home of a supervisor: new enrollment, queue, status, settings, about"},
	{"home-alerts-training", "A training kiosk with alerts: sending stopped, a camera missing, the queue nearly full"},
	{"queue", "The queue: each job's state and what to do; Retry and Purge where a decision is needed"},
	{"queue-bottom", "The queue's last rows: finished jobs, their customer id masked once the photos are deleted"},
	{"status", "Status: each part of the kiosk and what needs attention"},
	{"status-checks", "Status, Run checks: doctor's checks, each failure with its fix"},
	{"settings", "Settings (supervisor): the operators, the cameras with their preview, the connection"},
	{"operators", "Settings, Operators (supervisor): unlock, new PIN, add or disable an operator"},
	{"operators-new-pin", "A new PIN given to an operator"},
	{"operator-add", "Adding an operator"},
	{"job-2209", "A job of the queue: the customer is already enrolled (2209), the supervisor decides"},
	{"job-done", "A job of the queue, done: the API's answer; its customer id masked, the rest deleted with the photos"},
	{"about", "About the kiosk"},
	{"wizard-1-consent", "Enrollment 1: the customer's consent"},
	{"wizard-2-customer", "Enrollment 2: the customer's id"},
	{"wizard-2-customer-keyboard", "The customer's id typed on the on-screen keyboard"},
	{"wizard-3-document-tilted", "Enrollment 3: the ID document held turned: its outline in amber, one instruction"},
	{"wizard-3-document-good", "Enrollment 3: the ID document where it should be: its outline in green, hold still"},
	{"wizard-3-document-face", "Enrollment 3: the ID document taken, flattened to the card, its face found"},
	{"wizard-3-import", "Enrollment 3: an ID photo imported from a USB stick instead"},
	{"wizard-4-selfie", "Enrollment 4: the selfie, with the guidance (too dark)"},
	{"wizard-4-lock", "Locked during an enrollment: what was taken is kept until the operator's PIN"},
	{"wizard-5-liveness", "Enrollment 5: the head movements, one prompt at a time"},
	{"wizard-5-camera-unplugged", "The camera pulled out during the head movements"},
	{"wizard-6-review", "Enrollment 6: review, every check passed"},
	{"wizard-6-review-expired", "Review: the document has expired (a warning, the bank decides); its number, shown on this screen only"},
	{"wizard-6-review-spoof", "Review: a printed photo, not live; sealing needs a supervisor"},
	{"wizard-6-force-gate", "A supervisor's PIN to seal a job that failed a check"},
	{"wizard-7-result-match", "Enrollment 7: the API's answer, a match"},
	{"wizard-7-result-saved", "Offline: the job is saved and will be sent later"},
}

// curate copies the gallery's pictures from the output folder from (as written by the
// shooting runs) into docs/screenshots/1024x600/<lang>/, deletes every other PNG under
// docs/screenshots/, and writes docs/gallery.md.
func curate(from, docs string, langs []string) error {
	dest := filepath.Join(docs, "screenshots")
	keep := map[string]bool{}
	for _, g := range gallery {
		for _, lang := range langs {
			rel := filepath.Join(gallerySize, lang, g.name+".png")
			if err := copyFile(filepath.Join(from, rel), filepath.Join(dest, rel)); err != nil {
				return fmt.Errorf("the gallery's %s: %w (run make screenshots: it draws every screen first)", rel, err)
			}
			keep[filepath.Join(dest, rel)] = true
		}
	}
	err := filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".png") || keep[p] {
			return err
		}
		return os.Remove(p)
	})
	if err != nil {
		return err
	}
	removeEmptyDirs(dest)
	return os.WriteFile(filepath.Join(docs, "gallery.md"), []byte(galleryMarkdown(langs)), 0o644)
}

// galleryMarkdown is docs/gallery.md: each screen in its languages side by side.
func galleryMarkdown(langs []string) string {
	var b strings.Builder
	b.WriteString("# Gallery\n\n")
	b.WriteString("The kiosk app's screens at " + strings.Replace(gallerySize, "x", "×", 1) + " (the smallest screen it supports), in " +
		strings.Join(langs, " and ") + ", drawn by `make screenshots`\n" +
		"(ui/internal/screenshots: a real window under Xvfb over the fake data of ui/fake, a fixed\n" +
		"clock and fixed ids, so a second run changes nothing unless the UI did). Only these are\n" +
		"committed; every screen at 1024x600 and 1920x1080 is in `bin/screenshots/` after a run.\n" +
		"Generated: edit the list in ui/internal/screenshots/gallery.go, not this file.\n\n")
	for _, g := range gallery {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", g.name, g.caption)
		for _, lang := range langs {
			fmt.Fprintf(&b, `<img src="screenshots/%s/%s/%s.png" width="400" alt="%s, %s">`, gallerySize, lang, g.name, g.name, lang)
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeEmptyDirs removes the folders under dir left empty (a size or language dropped).
func removeEmptyDirs(dir string) {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != dir {
			dirs = append(dirs, p)
		}
		return nil
	})
	slices.Reverse(dirs) // the deepest first
	for _, d := range dirs {
		os.Remove(d) // fails, as it should, when not empty
	}
}

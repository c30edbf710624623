// Command demoframes makes the liveness frames for `make demo` from the vendored photos:
// a kiosk would capture them from its camera; the demo has no camera, so it takes photos of
// one person, mirrors some (the head then turns the other way) and shifts the crop a little
// (the customer moves in the frame), and writes each at the liveness size (longest side
// 320 px, JPEG quality 80), as the capture code would.
//
// Usage: go run ./scripts/demoframes -out DIR PHOTO...
// It writes DIR/frame-1.jpg … DIR/frame-2N.jpg (each photo plain and mirrored) and prints
// their paths, one a line.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func main() {
	out := flag.String("out", "", "output folder")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: demoframes -out DIR PHOTO...")
		os.Exit(2)
	}
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "demoframes:", err)
		os.Exit(1)
	}
}

func run(out string, photos []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	n := 0
	for i, p := range photos {
		img, err := inference.DecodeFile(p)
		if err != nil {
			return err
		}
		for _, mirror := range []bool{false, true} {
			n++
			// A slightly different crop for each frame: 2–6% off each side.
			inset := 0.02 + 0.02*float64((i+n)%3)
			f := testimages.LivenessFrame(img, mirror, inset, 320)
			path := filepath.Join(out, fmt.Sprintf("frame-%d.jpg", n))
			if err := writeJPEG(path, f); err != nil {
				return err
			}
			fmt.Println(path)
		}
	}
	return nil
}

func writeJPEG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 80}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

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

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/inference"
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
			f := frame(img, mirror, inset)
			path := filepath.Join(out, fmt.Sprintf("frame-%d.jpg", n))
			if err := writeJPEG(path, f); err != nil {
				return err
			}
			fmt.Println(path)
		}
	}
	return nil
}

func frame(src image.Image, mirror bool, inset float64) image.Image {
	b := src.Bounds()
	dx, dy := int(float64(b.Dx())*inset), int(float64(b.Dy())*inset)
	crop := image.Rect(b.Min.X+dx, b.Min.Y+dy, b.Max.X-dx, b.Max.Y-dy)
	w, h := crop.Dx(), crop.Dy()
	scale := 320.0 / float64(max(w, h))
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

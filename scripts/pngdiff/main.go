// Command pngdiff compares two screenshots of the same screen pixel by pixel and exits
// 1 when they differ: scripts/test-arm64.sh compares the arm64 kiosk's sign-in screen
// (under qemu-user) with the amd64 one.
//
//	pngdiff [-tolerance N] [-max-share F] [-diff OUT.png] A.png B.png
//
// A pixel differs when one of its channels differs by more than -tolerance (0–255); the
// images differ when they are not the same size or when more than -max-share of their
// pixels differ (anti-aliasing of two Mesa builds may move a few edge pixels, a changed
// word moves hundreds). It prints the count, the share and the box around the differing
// pixels; -diff writes B with the differing pixels in magenta, to look at.
package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	if errors.Is(err, errDiffer) {
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pngdiff:", err)
		os.Exit(2)
	}
}

var errDiffer = errors.New("the images differ")

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pngdiff", flag.ContinueOnError)
	tol := fs.Int("tolerance", 16, "largest difference of a channel (0-255) that still counts as the same")
	maxShare := fs.Float64("max-share", 0.001, "largest share of differing pixels (0-1) that still counts as the same image")
	diffOut := fs.String("diff", "", "write B with the differing pixels in magenta to this PNG")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: pngdiff [-tolerance N] [-max-share F] [-diff OUT.png] A.png B.png")
	}
	if *tol < 0 || *tol > 255 || *maxShare < 0 || *maxShare > 1 {
		return fmt.Errorf("-tolerance %d must be 0-255 and -max-share %g 0-1", *tol, *maxShare)
	}
	a, err := load(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := load(fs.Arg(1))
	if err != nil {
		return err
	}
	r := compare(a, b, *tol)
	if r.sizeA != r.sizeB {
		fmt.Fprintf(out, "pngdiff: sizes differ: %v and %v\n", r.sizeA, r.sizeB)
		return errDiffer
	}
	share := float64(r.n) / float64(r.total)
	fmt.Fprintf(out, "pngdiff: %d of %d pixels differ by more than %d (%.4f%%, at most %.4f%% allowed)", r.n, r.total, *tol, 100*share, 100**maxShare)
	if r.n > 0 {
		fmt.Fprintf(out, ", within %v; largest channel difference %d", r.box, r.maxDelta)
	}
	fmt.Fprintln(out)
	if *diffOut != "" && r.mask != nil {
		if err := writeDiff(*diffOut, b, r.mask); err != nil {
			return err
		}
	}
	if share > *maxShare {
		return errDiffer
	}
	return nil
}

func load(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba, nil
}

type result struct {
	sizeA, sizeB image.Point
	n, total     int
	maxDelta     int
	box          image.Rectangle
	mask         []bool
}

// compare counts the pixels of a and b whose channels differ by more than tol.
func compare(a, b *image.RGBA, tol int) result {
	r := result{sizeA: a.Rect.Size(), sizeB: b.Rect.Size()}
	if r.sizeA != r.sizeB {
		return r
	}
	w, h := r.sizeA.X, r.sizeA.Y
	r.total = w * h
	r.mask = make([]bool, r.total)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := a.PixOffset(x, y)
			d := 0
			for c := 0; c < 4; c++ {
				v := int(a.Pix[i+c]) - int(b.Pix[i+c])
				if v < 0 {
					v = -v
				}
				d = max(d, v)
			}
			r.maxDelta = max(r.maxDelta, d)
			if d > tol {
				r.n++
				r.mask[y*w+x] = true
				r.box = r.box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func writeDiff(path string, b *image.RGBA, mask []bool) error {
	img := image.NewRGBA(b.Rect)
	copy(img.Pix, b.Pix)
	w := b.Rect.Dx()
	for i, bad := range mask {
		if bad {
			img.SetRGBA(i%w, i/w, color.RGBA{R: 255, B: 255, A: 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

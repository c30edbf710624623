package card

import (
	"image"
	"math"
)

// flatSize is the size of the flattened card for a finding: its apparent width (the
// longer of top and bottom) capped at maxW, and the height of its class's aspect (the
// seen aspect when no class fits).
func flatSize(f Finding, maxW int) (int, int) {
	q := f.Corners
	w := math.Max(dist(q[0], q[1]), dist(q[3], q[2]))
	if maxW > 0 && w > float64(maxW) {
		w = float64(maxW)
	}
	a := f.Aspect
	switch f.Class {
	case ClassID1:
		a = AspectID1
	case ClassPassport:
		a = AspectPassport
	}
	if a <= 0 {
		a = AspectID1
	}
	fw := int(w + 0.5)
	fh := int(w/a + 0.5)
	if fw < 1 {
		fw = 1
	}
	if fh < 1 {
		fh = 1
	}
	return fw, fh
}

// Flatten is the card of a finding warped to its true aspect and cropped to it (no
// background): bilinear, at the card's apparent width capped at maxW pixels (0: no cap).
// It returns nil when f found no card.
func Flatten(img image.Image, f Finding, maxW int) *image.RGBA {
	if !f.Found {
		return nil
	}
	fw, fh := flatSize(f, maxW)
	hm, ok := RectToQuad(float64(fw), float64(fh), f.Corners)
	if !ok {
		return nil
	}
	src := toRGBA(img)
	b := src.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, fw, fh))
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			sx, sy := hm.Apply(float64(x)+0.5, float64(y)+0.5)
			sx -= 0.5
			sy -= 0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			tx, ty := sx-float64(x0), sy-float64(y0)
			o := out.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				p00 := px(src, b, x0, y0, c)
				p10 := px(src, b, x0+1, y0, c)
				p01 := px(src, b, x0, y0+1, c)
				p11 := px(src, b, x0+1, y0+1, c)
				v := (p00*(1-tx)+p10*tx)*(1-ty) + (p01*(1-tx)+p11*tx)*ty
				out.Pix[o+c] = uint8(v + 0.5)
			}
			out.Pix[o+3] = 255
		}
	}
	return out
}

func px(src *image.RGBA, b image.Rectangle, x, y, c int) float64 {
	x = min(max(x, b.Min.X), b.Max.X-1)
	y = min(max(y, b.Min.Y), b.Max.Y-1)
	return float64(src.Pix[src.PixOffset(x, y)+c])
}

func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	b := img.Bounds()
	r := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r.Set(x, y, img.At(x, y))
		}
	}
	return r
}

// measureCard samples the card's grey through the homography (nearest pixel, at about
// one sample per frame pixel, at most 480 wide) and measures sharpness, glare and light
// on it.
func measureCard(f *Finding, img image.Image) {
	fw, fh := flatSize(*f, 480)
	if fw < 16 || fh < 16 {
		return
	}
	hm, ok := RectToQuad(float64(fw), float64(fh), f.Corners)
	if !ok {
		return
	}
	b := img.Bounds()
	rgba, _ := img.(*image.RGBA)
	g := make([]int32, fw*fh)
	for y := 0; y < fh; y++ {
		for x := 0; x < fw; x++ {
			sx, sy := hm.Apply(float64(x)+0.5, float64(y)+0.5)
			ix := min(max(int(sx), b.Min.X), b.Max.X-1)
			iy := min(max(int(sy), b.Min.Y), b.Max.Y-1)
			g[y*fw+x] = int32(luma(img, rgba, ix, iy))
		}
	}
	// the card without a 4 % margin (its border and what lies beyond the corners)
	mx, my := fw*4/100+1, fh*4/100+1
	var n, sum, glare int64
	var ls, ls2 float64
	var nl int64
	zone := func(x0, x1, y0, y1 float64) (int, int, int, int) {
		return int(x0 * float64(fw)), int(x1 * float64(fw)), int(y0 * float64(fh)), int(y1 * float64(fh))
	}
	fx0, fx1, fy0, fy1 := zone(0.05, 0.36, 0.2, 0.8) // the portrait, left on both classes
	mx0, mx1, my0, my1 := zone(0.04, 0.96, 0.72, 0.96)
	var nf, gf, nm, gm int64
	for y := my; y < fh-my; y++ {
		for x := mx; x < fw-mx; x++ {
			o := y*fw + x
			v := g[o]
			n++
			sum += int64(v)
			hot := v >= GlareLevel
			if hot {
				glare++
			}
			if x >= fx0 && x < fx1 && y >= fy0 && y < fy1 {
				nf++
				if hot {
					gf++
				}
			}
			if x >= mx0 && x < mx1 && y >= my0 && y < my1 {
				nm++
				if hot {
					gm++
				}
			}
			if x > mx && y > my && x < fw-mx-1 && y < fh-my-1 {
				l := float64(4*v - g[o-1] - g[o+1] - g[o-fw] - g[o+fw])
				ls += l
				ls2 += l * l
				nl++
			}
		}
	}
	if n == 0 {
		return
	}
	// the paper's grey: the median of the card
	var hist [256]int64
	for y := my; y < fh-my; y++ {
		for x := mx; x < fw-mx; x++ {
			hist[g[y*fw+x]]++
		}
	}
	var acc int64
	for v, c := range hist {
		acc += c
		if 2*acc >= n {
			f.Paper = float64(v)
			break
		}
	}
	f.Light = float64(sum) / float64(n)
	// a scan, or paper already white: near-white pixels are the paper, not glare
	if f.Paper < PaperSaturated {
		f.Glare = float64(glare) / float64(n)
		if nf > 0 {
			f.GlareFace = float64(gf) / float64(nf)
		}
		if nm > 0 {
			f.GlareMRZ = float64(gm) / float64(nm)
		}
	}
	if nl > 0 {
		m := ls / float64(nl)
		f.Sharpness = ls2/float64(nl) - m*m
	}
}

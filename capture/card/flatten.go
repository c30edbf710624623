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
		// Homography.Apply's sums, with the row's terms computed once
		yf := float64(y) + 0.5
		ry0, ry1, ry2 := hm[1]*yf, hm[4]*yf, hm[7]*yf
		row := out.Pix[y*out.Stride : y*out.Stride+4*fw]
		for x := 0; x < fw; x++ {
			xf := float64(x) + 0.5
			d := hm[6]*xf + ry2 + hm[8]
			sx := (hm[0]*xf+ry0+hm[2])/d - 0.5
			sy := (hm[3]*xf+ry1+hm[5])/d - 0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			tx, ty := sx-float64(x0), sy-float64(y0)
			// the four source pixels, clamped to the frame
			xa, xb := min(max(x0, b.Min.X), b.Max.X-1), min(max(x0+1, b.Min.X), b.Max.X-1)
			ya, yb := min(max(y0, b.Min.Y), b.Max.Y-1), min(max(y0+1, b.Min.Y), b.Max.Y-1)
			o00, o10 := src.PixOffset(xa, ya), src.PixOffset(xb, ya)
			o01, o11 := src.PixOffset(xa, yb), src.PixOffset(xb, yb)
			o := 4 * x
			for c := 0; c < 3; c++ {
				p00, p10 := float64(src.Pix[o00+c]), float64(src.Pix[o10+c])
				p01, p11 := float64(src.Pix[o01+c]), float64(src.Pix[o11+c])
				v := (p00*(1-tx)+p10*tx)*(1-ty) + (p01*(1-tx)+p11*tx)*ty
				row[o+c] = uint8(v + 0.5)
			}
			row[o+3] = 255
		}
	}
	return out
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
func (fd *Finder) measureCard(f *Finding, img image.Image) {
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
	fd.card = grow(fd.card, fw*fh)
	g := fd.card
	for y := 0; y < fh; y++ {
		// Homography.Apply's sums, with the row's terms computed once
		yf := float64(y) + 0.5
		ry0, ry1, ry2 := hm[1]*yf, hm[4]*yf, hm[7]*yf
		row := g[y*fw : (y+1)*fw]
		for x := range row {
			xf := float64(x) + 0.5
			d := hm[6]*xf + ry2 + hm[8]
			sx := (hm[0]*xf + ry0 + hm[2]) / d
			sy := (hm[3]*xf + ry1 + hm[5]) / d
			ix := min(max(int(sx), b.Min.X), b.Max.X-1)
			iy := min(max(int(sy), b.Min.Y), b.Max.Y-1)
			if rgba != nil {
				i := (iy-rgba.Rect.Min.Y)*rgba.Stride + (ix-rgba.Rect.Min.X)*4
				p := rgba.Pix[i : i+3 : i+3]
				row[x] = uint8(luma8(p[0], p[1], p[2]))
			} else {
				row[x] = uint8(luma(img, nil, ix, iy))
			}
		}
	}
	// the card without a 4 % margin (its border and what lies beyond the corners)
	mx, my := fw*4/100+1, fh*4/100+1
	zone := func(x0, x1, y0, y1 float64) (int, int, int, int) {
		return int(x0 * float64(fw)), int(x1 * float64(fw)), int(y0 * float64(fh)), int(y1 * float64(fh))
	}
	fx0, fx1, fy0, fy1 := zone(0.05, 0.36, 0.2, 0.8) // the portrait, left on both classes
	mx0, mx1, my0, my1 := zone(0.04, 0.96, 0.72, 0.96)
	var hist [256]int64 // the card's greys: its mean, median and glare
	var nf, gf, nm, gm int64
	var ls, ls2, nl int64
	for y := my; y < fh-my; y++ {
		row := g[y*fw : (y+1)*fw]
		for _, v := range row[mx : fw-mx] {
			hist[v]++
		}
		// glare in the portrait's and the zone's rows: counted only where they overlap
		// the card without its margin
		if y >= fy0 && y < fy1 {
			for _, v := range row[max(fx0, mx):min(fx1, fw-mx)] {
				if v >= GlareLevel {
					gf++
				}
			}
			nf += int64(max(0, min(fx1, fw-mx)-max(fx0, mx)))
		}
		if y >= my0 && y < my1 {
			for _, v := range row[max(mx0, mx):min(mx1, fw-mx)] {
				if v >= GlareLevel {
					gm++
				}
			}
			nm += int64(max(0, min(mx1, fw-mx)-max(mx0, mx)))
		}
		// the Laplacian one pixel further in
		if y > my && y < fh-my-1 {
			up, dn := g[(y-1)*fw:y*fw], g[(y+1)*fw:(y+2)*fw]
			for x := mx + 1; x < fw-mx-1; x++ {
				l := 4*int64(row[x]) - int64(row[x-1]) - int64(row[x+1]) - int64(up[x]) - int64(dn[x])
				ls += l
				ls2 += l * l
				nl++
			}
		}
	}
	var n, sum, glare int64
	for v, c := range hist {
		n += c
		sum += int64(v) * c
		if v >= GlareLevel {
			glare += c
		}
	}
	if n == 0 {
		return
	}
	// the paper's grey: the median of the card
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
		m := float64(ls) / float64(nl)
		f.Sharpness = float64(ls2)/float64(nl) - m*m
	}
}

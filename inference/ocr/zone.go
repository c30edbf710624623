package ocr

import (
	"image"
)

// zoneShare is the bottom part of an image where zoneLines looks for the zone's lines:
// a TD1 card's three lines lie in its bottom 30 % or so, a TD2 or TD3 page's two in its
// bottom 20 %; the rest is margin for a card flattened from corners a little off.
const zoneShare = 40

// zoneLines finds the lines of a machine readable zone at the bottom of a flattened
// document without the text detector: a horizontal projection of the dark pixels (ink:
// darker than halfway between the bottom part's paper and its darkest grey) gives bands
// of rows; a band is a zone line when its ink spans most of the width, it is not solid
// (a strip of background under a card cut a little wide) and is as tall as its
// neighbours. It returns the boxes of the last two or three such lines, cut about as the
// detector cuts them, top to bottom; nil when the bottom part shows no such lines (a raw
// frame, a portrait side).
func zoneLines(img image.Image) []image.Rectangle {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()*zoneShare/100
	if w < 64 || h < 16 {
		return nil
	}
	area := image.Rect(b.Min.X, b.Max.Y-h, b.Max.X, b.Max.Y)
	g := greyOf(img, area)
	var hist [256]int
	for _, v := range g {
		hist[v]++
	}
	thr := inkThreshold(&hist, len(g))
	// per row, the dark pixels and in how many of 16 columns they fall
	const cols = 16
	type row struct{ dark, spread int }
	rows := make([]row, h)
	for y := 0; y < h; y++ {
		line := g[y*w : (y+1)*w]
		var seen [cols]bool
		n := 0
		for x, v := range line {
			if v <= thr {
				n++
				seen[x*cols/w] = true
			}
		}
		s := 0
		for _, c := range seen {
			if c {
				s++
			}
		}
		rows[y] = row{n, s}
	}
	// bands: runs of rows with ink over at least a quarter of the columns
	type band struct {
		y0, y1 int // rows [y0, y1) of area
		x0, x1 int // the ink's extent, columns [x0, x1)
	}
	var bands []band
	for y := 0; y < h; {
		if rows[y].spread < cols/4 {
			y++
			continue
		}
		y0 := y
		for y < h && rows[y].spread >= cols/4 {
			y++
		}
		bands = append(bands, band{y0: y0, y1: y})
	}
	// the zone's lines: long, not solid, not too thin
	var lines []band
	for _, bd := range bands {
		bh := bd.y1 - bd.y0
		if bh < 5 || bh > h/3 {
			continue
		}
		dark := 0
		colDark := make([]int, w)
		for y := bd.y0; y < bd.y1; y++ {
			dark += rows[y].dark
			line := g[y*w : (y+1)*w]
			for x, v := range line {
				if v <= thr {
					colDark[x]++
				}
			}
		}
		if fill := float64(dark) / float64(bh*w); fill > 0.5 || fill < 0.03 {
			continue // solid (background, a dark stripe) or nearly empty
		}
		// the ink in runs of columns, gaps shorter than the line's height bridged (between
		// characters; a zone has no spaces, its fillers are ink); a run narrower than half the line's height is a
		// rule or a border, not characters. The extent is from the first run kept to
		// the last (a glare spot may wipe a stretch of the line in between), and the
		// line's ink must fall in most of 16 columns of the width.
		bestX0, bestX1 := -1, -1
		var covered [cols]bool
		keepRun := func(x0, x1 int) {
			if x1-x0 < (bh+1)/2 {
				return
			}
			if bestX0 < 0 {
				bestX0 = x0
			}
			bestX1 = x1
			for x := x0; x < x1; x++ {
				if colDark[x] > 0 {
					covered[x*cols/w] = true
				}
			}
		}
		x0, last := -1, -1
		for x, c := range colDark {
			if c == 0 {
				continue
			}
			if x0 >= 0 && x-last > bh {
				keepRun(x0, last+1)
				x0 = -1
			}
			if x0 < 0 {
				x0 = x
			}
			last = x
		}
		if x0 >= 0 {
			keepRun(x0, last+1)
		}
		n := 0
		for _, c := range covered {
			if c {
				n++
			}
		}
		if n < cols*3/4 || bestX1-bestX0 < w*55/100 {
			continue // text on part of the width only: a field, not the zone
		}
		bd.x0, bd.x1 = bestX0, bestX1
		lines = append(lines, bd)
	}
	if len(lines) < 2 {
		return nil
	}
	// the last lines of one height, evenly spaced: three (TD1) or two (TD2, TD3)
	n := 1
	for i := len(lines) - 1; i > 0 && n < 3; i-- {
		a, c := lines[i-1], lines[i]
		ha, hc := a.y1-a.y0, c.y1-c.y0
		if 2*ha < hc || 2*hc < ha || c.y0-a.y1 > 2*max(ha, hc) {
			break
		}
		n++
	}
	if n < 2 {
		return nil
	}
	// each line cut tight above and below (the recognizer reads the characters at their
	// largest: a margin, or a neighbour's strokes or the noise in it, costs TD1's close
	// lines their letters) but for a character's tail under the band (a Q's: cut, it
	// reads O): rows below it with ink in one to three of the 16 columns, up to a quarter
	// of its height; and 30 % of its height either side
	zl := lines[len(lines)-n:]
	out := make([]image.Rectangle, 0, n)
	for i, bd := range zl {
		bh := bd.y1 - bd.y0
		bottom := h
		if i < len(zl)-1 {
			bottom = zl[i+1].y0
		}
		y1 := bd.y1
		for y1 < bottom && y1-bd.y1 < bh/4 && rows[y1].spread > 0 && rows[y1].spread <= 3 {
			y1++
		}
		px := (3*bh + 5) / 10
		r := image.Rect(area.Min.X+bd.x0-px, area.Min.Y+bd.y0, area.Min.X+bd.x1+px, area.Min.Y+y1).Intersect(b)
		out = append(out, r)
	}
	return out
}

// greyOf is the luma of img's pixels in r, row by row (Y itself for a decoded JPEG).
func greyOf(img image.Image, r image.Rectangle) []uint8 {
	w, h := r.Dx(), r.Dy()
	g := make([]uint8, w*h)
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			o := m.YOffset(r.Min.X, r.Min.Y+y)
			copy(g[y*w:(y+1)*w], m.Y[o:o+w])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			p := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):]
			out := g[y*w : (y+1)*w]
			for x := range out {
				out[x] = uint8((299*uint32(p[4*x]) + 587*uint32(p[4*x+1]) + 114*uint32(p[4*x+2])) / 1000)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				cr, cg, cb, _ := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
				g[y*w+x] = uint8((299*(cr>>8) + 587*(cg>>8) + 114*(cb>>8)) / 1000)
			}
		}
	}
	return g
}

// inkThreshold is the grey halfway between the paper (the bottom part's 70th
// percentile: most of it is paper) and the ink (its 2nd percentile); dark is v <= it.
// Glare only adds pixels above the paper; low light scales both.
func inkThreshold(hist *[256]int, n int) uint8 {
	pct := func(p int) int {
		acc := 0
		for v, c := range hist {
			acc += c
			if 100*acc >= p*n {
				return v
			}
		}
		return 255
	}
	paper, ink := pct(70), pct(2)
	return uint8((paper + ink) / 2)
}

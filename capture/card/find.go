package card

import (
	"image"
	"math"
	"sync"
)

// Class is a document's format as its aspect ratio tells it.
type Class string

const (
	ClassUnknown  Class = ""
	ClassID1      Class = "id1"      // ID-1 card, 85.6x54 mm (identity and bank cards, TD1)
	ClassPassport Class = "passport" // a passport's data page (TD3, 125x88 mm) or a TD2 card (105x74 mm): aspect 1.42
)

// The aspect ratios of the classes (long side over short side).
const (
	AspectID1      = 85.6 / 54
	AspectPassport = 125.0 / 88
)

// workWidth is the width of the grey frame the edges are looked for in.
const workWidth = 320

// Finding is what Find saw in one frame. Ratios are in [0,1]; positions in the frame's
// pixels.
type Finding struct {
	Found     bool    `json:"found"`
	Corners   Quad    `json:"corners"`    // TL, TR, BR, BL in frame pixels
	Fill      float64 `json:"fill"`       // the card's area over the frame's
	Aspect    float64 `json:"aspect"`     // long side over short side, as seen
	Class     Class   `json:"class"`      // by the aspect; "" when neither fits
	OffCentre float64 `json:"off_centre"` // the card's centre from the frame's, over the frame's half size (0 centred, 1 at the border)
	Rotation  float64 `json:"rotation"`   // degrees the top side turns from the horizontal
	Skew      float64 `json:"skew"`       // perspective: the longer of two opposite sides over the shorter, minus 1 (the larger pair)
	Clipped   bool    `json:"clipped"`    // a side lies on the frame's border: the card is partly out of the frame
	Sharpness float64 `json:"sharpness"`  // variance of the Laplacian on the flattened card (grey levels²)
	Glare     float64 `json:"glare"`      // share of the card's pixels at or above GlareLevel
	GlareFace float64 `json:"glare_portrait"`
	GlareMRZ  float64 `json:"glare_mrz"`
	Light     float64 `json:"light"` // the card's mean grey, 0-255
	Paper     float64 `json:"paper"` // the card's median grey: its paper; at or above PaperSaturated glare is not measured (a scan)
	Width     int     `json:"frame_width"`
	Height    int     `json:"frame_height"`
}

// GlareLevel is the grey at and above which a pixel of the card counts as glare.
const GlareLevel = 250

// PaperSaturated is the card's median grey at and above which its paper is itself
// near-white (a flatbed scan, a file): glare is then not measured (0).
const PaperSaturated = 240

// Find looks for the card in img and measures it. A frame without a card gives a
// Finding with Found false. It borrows a Finder from a pool: a loop over a camera's
// frames may keep a Finder of its own instead.
func Find(img image.Image) Finding {
	fd := finders.Get().(*Finder)
	f := fd.Find(img)
	finders.Put(fd)
	return f
}

var finders = sync.Pool{New: func() any { return new(Finder) }}

// Finder is Find with the buffers of one frame kept for the next, so that a camera's
// frames are judged without allocating. The zero value is ready; a Finder is not safe
// for concurrent use (one per camera loop, or Find's pool).
type Finder struct {
	grey   []uint8    // the small grey frame
	chroma []int16    // the small frame's green-magenta chroma, 2G-R-B
	cblur  []int32    // 3x3 box sums of chroma
	acc    []uint32   // one small row's sums while it is built
	cacc   []int32    // and its chroma's
	blur   []int32    // 3x3 box sums of grey
	mag    []int32    // Sobel magnitude of blur
	thin   []uint8    // thin lines' pixels (thinAcrossX...)
	lines  [256]int32 // the long thin lines' starts (pixel<<1 | 1 when it runs up and down)
	edge   []uint8    // 0 no edge, 1 an edge not yet in a contour, 2 an edge in one
	stack  []int32    // the contour walk
	rowMin []int32    // per small row, a contour's leftmost pixel (-1: none)
	rowMax []int32    // and its rightmost
	ext    []Point    // a contour's row extremes
	hull   []Point    // their convex hull
	quad   []Point    // the hull being reduced to four corners
	xs, ys []float64  // refine's peaks along a side
	card   []uint8    // the card's grey sampled through its homography
}

// Find looks for the card in img and measures it, as the package's Find does.
func (fd *Finder) Find(img image.Image) Finding {
	b := img.Bounds()
	f := Finding{Width: b.Dx(), Height: b.Dy()}
	if b.Dx() < 32 || b.Dy() < 32 {
		return f
	}
	g, scale := fd.smallGrey(img)
	q, clipped, ok := fd.findQuad(g)
	if !ok {
		return f
	}
	q = q.Scale(scale)
	for i := range q {
		q[i].X += float64(b.Min.X)
		q[i].Y += float64(b.Min.Y)
	}
	f.Found, f.Corners, f.Clipped = true, q, clipped
	measureShape(&f, b)
	fd.measureCard(&f, img)
	return f
}

// grey is an 8-bit grey raster.
type grey struct {
	w, h int
	p    []uint8
	c    []int16 // chroma, 2G-R-B
}

func (g *grey) at(x, y int) uint8 { return g.p[y*g.w+x] }

// grow returns s with length n, reusing its array when it is large enough (the contents
// are not cleared).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// boxSums writes into dst (w×h) the sum of each pixel's 3x3 neighbourhood in src; the
// outer rows and columns are 0. It returns dst.
func boxSums[T uint8 | int16](dst []int32, src []T, w, h int) []int32 {
	n := w * h
	clear(dst[:w])
	clear(dst[n-w:])
	for y := 1; y < h-1; y++ {
		r0, r1, r2 := src[(y-1)*w:y*w], src[y*w:(y+1)*w], src[(y+1)*w:(y+2)*w]
		out := dst[y*w : (y+1)*w]
		out[0], out[w-1] = 0, 0
		// the column sums of the three rows, slid along
		c0 := int32(r0[0]) + int32(r1[0]) + int32(r2[0])
		c1 := int32(r0[1]) + int32(r1[1]) + int32(r2[1])
		for x := 1; x < w-1; x++ {
			c2 := int32(r0[x+1]) + int32(r1[x+1]) + int32(r2[x+1])
			out[x] = c0 + c1 + c2
			c0, c1 = c1, c2
		}
	}
	return dst
}

// smallGrey is img's luma box-averaged down to about workWidth pixels wide (k×k frame
// pixels per small pixel, the mean of their lumas); scale is k.
func (fd *Finder) smallGrey(img image.Image) (grey, float64) {
	b := img.Bounds()
	k := (b.Dx() + workWidth - 1) / workWidth
	if k < 1 {
		k = 1
	}
	w, h := b.Dx()/k, b.Dy()/k
	fd.grey = grow(fd.grey, w*h)
	fd.chroma = grow(fd.chroma, w*h)
	g := grey{w: w, h: h, p: fd.grey, c: fd.chroma}
	rgba, _ := img.(*image.RGBA)
	if rgba == nil {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sum, csum := 0, 0
				for dy := 0; dy < k; dy++ {
					for dx := 0; dx < k; dx++ {
						r, gg, bb, _ := img.At(b.Min.X+x*k+dx, b.Min.Y+y*k+dy).RGBA()
						r, gg, bb = r>>8, gg>>8, bb>>8
						sum += (299*int(r) + 587*int(gg) + 114*int(bb)) / 1000
						csum += 2*int(gg) - int(r) - int(bb)
					}
				}
				g.p[y*w+x] = uint8(sum / (k * k))
				g.c[y*w+x] = int16(csum / (k * k))
			}
		}
		return g, float64(k)
	}
	if k == 2 { // 640x480 and the like: the preview's size, unrolled
		for y := 0; y < h; y++ {
			o := rgba.PixOffset(b.Min.X, b.Min.Y+2*y)
			r0 := rgba.Pix[o : o+8*w]
			r1 := rgba.Pix[o+rgba.Stride : o+rgba.Stride+8*w]
			out := g.p[y*w : (y+1)*w]
			cout := g.c[y*w : (y+1)*w]
			for x := range out {
				p, q := r0[8*x:8*x+8], r1[8*x:8*x+8]
				s := luma8(p[0], p[1], p[2]) + luma8(p[4], p[5], p[6]) + luma8(q[0], q[1], q[2]) + luma8(q[4], q[5], q[6])
				out[x] = uint8(s / 4)
				// the chroma is linear: the sum of the pixels' is that of the sums
				r := int32(p[0]) + int32(p[4]) + int32(q[0]) + int32(q[4])
				gg := int32(p[1]) + int32(p[5]) + int32(q[1]) + int32(q[5])
				bb := int32(p[2]) + int32(p[6]) + int32(q[2]) + int32(q[6])
				cout[x] = int16((2*gg - r - bb) / 4)
			}
		}
		return g, float64(k)
	}
	// the frame's rows in order, each pixel's luma added to its small pixel's sum
	acc := grow(fd.acc, w)
	fd.acc = acc
	cacc := grow(fd.cacc, w)
	fd.cacc = cacc
	kk := uint32(k * k)
	for y := 0; y < h; y++ {
		clear(acc)
		clear(cacc)
		for dy := 0; dy < k; dy++ {
			o := rgba.PixOffset(b.Min.X, b.Min.Y+y*k+dy)
			row := rgba.Pix[o : o+4*w*k]
			if k == 4 { // 1280x720, a document camera's default: unrolled
				for x := range acc {
					p := row[16*x : 16*x+16]
					acc[x] += luma8(p[0], p[1], p[2]) + luma8(p[4], p[5], p[6]) + luma8(p[8], p[9], p[10]) + luma8(p[12], p[13], p[14])
					// the chroma is linear: the sum of the pixels' is that of the sums
					r := int32(p[0]) + int32(p[4]) + int32(p[8]) + int32(p[12])
					gg := int32(p[1]) + int32(p[5]) + int32(p[9]) + int32(p[13])
					bb := int32(p[2]) + int32(p[6]) + int32(p[10]) + int32(p[14])
					cacc[x] += 2*gg - r - bb
				}
				continue
			}
			for x := range acc {
				s, c := uint32(0), int32(0)
				px := row[4*k*x : 4*k*(x+1)]
				for i := 0; i+2 < len(px); i += 4 {
					s += luma8(px[i], px[i+1], px[i+2])
					c += chroma8(px[i], px[i+1], px[i+2])
				}
				acc[x] += s
				cacc[x] += c
			}
		}
		out := g.p[y*w : (y+1)*w]
		cout := g.c[y*w : (y+1)*w]
		for x, s := range acc {
			out[x] = uint8(s / kk)
			cout[x] = int16(cacc[x] / int32(kk))
		}
	}
	return g, float64(k)
}

// chroma8 is a pixel's green-magenta chroma, 2G-R-B: a tinted card's paper tells from a
// grey counter by it even when their lumas match.
func chroma8(r, g, b uint8) int32 {
	return 2*int32(g) - int32(r) - int32(b)
}

// luma8 is a pixel's luma as luma computes it.
func luma8(r, g, b uint8) uint32 {
	return (299*uint32(r) + 587*uint32(g) + 114*uint32(b)) / 1000
}

func luma(img image.Image, rgba *image.RGBA, x, y int) int {
	if rgba != nil {
		i := rgba.PixOffset(x, y)
		p := rgba.Pix[i : i+3 : i+3]
		return (299*int(p[0]) + 587*int(p[1]) + 114*int(p[2])) / 1000
	}
	r, gg, bb, _ := img.At(x, y).RGBA()
	return (299*int(r>>8) + 587*int(gg>>8) + 114*int(bb>>8)) / 1000
}

// edgeThreshold is the gradient magnitude (Sobel on 3x3 box sums, luma plus
// chromaWeight times chroma) an edge pixel reaches: a step of 12 grey levels between
// card and background gives 12*9*4 = 432. It is fixed, not relative to the frame's mean
// gradient: a card's text and portrait raise the mean enough to drop its own outline on
// a light counter.
const edgeThreshold = 400

// chromaWeight weighs the chroma's gradient (2G-R-B) against the luma's: a tinted card
// on a grey counter of nearly its grey (the labelled set's counter: 2 grey levels, 6 of
// chroma) has its outline in chroma only. Higher weights find more such cards but take
// a wooden desk's grain for edges (measured on testdata/docset).
const chromaWeight = 2

// frameMargin is the share of the frame's larger side within which a side of a
// quadrilateral runs along the frame's border: three such sides are the picture's own
// frame (a photograph, a scan's page), not a card.
const frameMargin = 0.03

// findQuad finds the largest quadrilateral contour whose sides lie on edges.
func (fd *Finder) findQuad(g grey) (Quad, bool, bool) {
	w, h := g.w, g.h
	n := w * h
	// 3x3 box sums of the luma and of the chroma, then Sobel magnitude (the frame's
	// outer rows and columns stay 0)
	bl := boxSums(grow(fd.blur, n), g.p, w, h)
	fd.blur = bl
	cb := boxSums(grow(fd.cblur, n), g.c, w, h)
	fd.cblur = cb
	mag := grow(fd.mag, n)
	fd.mag = mag
	clear(mag)
	for y := 2; y < h-2; y++ {
		up, mid, dn := bl[(y-1)*w:y*w], bl[y*w:(y+1)*w], bl[(y+1)*w:(y+2)*w]
		cup, cmid, cdn := cb[(y-1)*w:y*w], cb[y*w:(y+1)*w], cb[(y+1)*w:(y+2)*w]
		out := mag[y*w : (y+1)*w]
		for x := 2; x < w-2; x++ {
			gx := up[x+1] + 2*mid[x+1] + dn[x+1] - up[x-1] - 2*mid[x-1] - dn[x-1]
			gy := dn[x-1] + 2*dn[x] + dn[x+1] - up[x-1] - 2*up[x] - up[x+1]
			cx := cup[x+1] + 2*cmid[x+1] + cdn[x+1] - cup[x-1] - 2*cmid[x-1] - cdn[x-1]
			cy := cdn[x-1] + 2*cdn[x] + cdn[x+1] - cup[x-1] - 2*cup[x] - cup[x+1]
			out[x] = abs32(gx) + abs32(gy) + chromaWeight*(abs32(cx)+abs32(cy))
		}
	}
	edge := grow(fd.edge, n)
	fd.edge = edge
	for i, m := range mag {
		if m >= edgeThreshold {
			edge[i] = 1
		} else {
			edge[i] = 0
		}
	}
	fd.dropLongLines(g, bl, edge)
	// 8-connected components, each kept as the leftmost and rightmost pixel of its rows
	// (a component's rows are contiguous)
	rowMin, rowMax := grow(fd.rowMin, h), grow(fd.rowMax, h)
	fd.rowMin, fd.rowMax = rowMin, rowMax
	for y := range rowMin {
		rowMin[y], rowMax[y] = -1, -1
	}
	var best Quad
	bestArea, bestClipped, found := 0.0, false, false
	stack := fd.stack[:0]
	ext := fd.ext[:0]
	minArea := 0.02 * float64(n)
	for start := range edge {
		if edge[start] != 1 {
			continue
		}
		edge[start] = 2
		stack = append(stack[:0], int32(start))
		count := 0
		y0, y1, x0, x1 := h, -1, w, -1
		for len(stack) > 0 {
			o := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			x, y := o%w, o/w
			if edge[o] == edgeBridgeSeen {
				// a bridge joins, it is not part of the outline
				for ny := max(y-1, 0); ny <= min(y+1, h-1); ny++ {
					for nx := max(x-1, 0); nx <= min(x+1, w-1); nx++ {
						no := ny*w + nx
						switch edge[no] {
						case 1:
							edge[no] = 2
							stack = append(stack, int32(no))
						case edgeBridge:
							edge[no] = edgeBridgeSeen
							stack = append(stack, int32(no))
						}
					}
				}
				continue
			}
			count++
			if rowMin[y] < 0 || int32(x) < rowMin[y] {
				rowMin[y] = int32(x)
			}
			if int32(x) > rowMax[y] {
				rowMax[y] = int32(x)
			}
			y0, y1, x0, x1 = min(y0, y), max(y1, y), min(x0, x), max(x1, x)
			for ny := max(y-1, 0); ny <= min(y+1, h-1); ny++ {
				for nx := max(x-1, 0); nx <= min(x+1, w-1); nx++ {
					no := ny*w + nx
					switch edge[no] {
					case 1:
						edge[no] = 2
						stack = append(stack, int32(no))
					case edgeBridge:
						edge[no] = edgeBridgeSeen
						stack = append(stack, int32(no))
					}
				}
			}
		}
		rows := y1 - y0 + 1
		// the hull lies in the contour's bounding box: a box too small to beat the best
		// (or the least) area needs no hull
		box := float64((x1 - x0) * (y1 - y0))
		keep := count >= 40 && rows >= 8 && box >= minArea && box > bestArea
		if keep {
			ext = ext[:0]
			for y := y0; y <= y1; y++ {
				ext = append(ext, Point{float64(rowMin[y]), float64(y)}, Point{float64(rowMax[y]), float64(y)})
			}
		}
		for y := y0; y <= y1; y++ {
			rowMin[y], rowMax[y] = -1, -1
		}
		if !keep {
			continue
		}
		fd.hull = convexHullInto(fd.hull[:0], ext)
		hull := fd.hull
		ha := polyArea(hull)
		if ha < minArea || ha <= bestArea {
			continue
		}
		q, quad, ok := reduceToQuadInto(fd.quad[:0], hull)
		fd.quad = quad
		if !ok {
			continue
		}
		qa := q.Area()
		if qa < 0.9*ha { // the contour is not a quadrilateral
			continue
		}
		clipped, ok := supported(q, edge, w, h)
		if !ok {
			// a stub of a line left on the outline pulls a corner of the hull off the
			// card: each side refitted on the gradient, then judged again
			q = fd.refine(q, mag, w, h)
			if qa = q.Area(); qa <= bestArea || qa < minArea {
				continue
			}
			if clipped, ok = supported(q, edge, w, h); !ok {
				continue
			}
		}
		if qa > bestArea {
			best, bestArea, bestClipped, found = q, qa, clipped, true
		}
	}
	fd.stack, fd.ext = stack, ext
	// each side again through the gradient's peaks along it (the hull cuts a rounded corner
	// and runs on the outer side of the edge band): the corners where the lines meet
	if found {
		best = fd.refine(best, mag, w, h)
		for i := range best {
			best[i].X = math.Max(0, math.Min(float64(w), best[i].X+0.5))
			best[i].Y = math.Max(0, math.Min(float64(h), best[i].Y+0.5))
		}
	}
	return best, bestClipped, found
}

// Long thin lines (dropLongLines): a pixel is on one when it is thinMargin grey levels
// darker or lighter than the pixels 2 away on either side across it; a line is long
// when it is followed over lineLength small pixels, across gaps of up to lineGap
// (where two lines cross), from within lineBorder of the frame's border (a grid's lines
// run to the border; a card's text and a page's drawn frame do not). Edges within
// lineReach of such a line, with their gradient across it, are dropped; those left
// bare within bridgeReach of an edge that stays bridge the outline's gaps. Only a grid
// (gridLines such lines or more each way) is dropped.
const (
	thinMargin  = 10
	lineLength  = 16
	lineGap     = 6
	lineBorder  = 3
	lineReach   = 3
	bridgeReach = 3
	gridLines   = 3 // long lines each way that make a grid
)

// The bits of Finder.thin.
const (
	thinAcrossX = 1 << iota // darker or lighter than the grey 2 pixels left and right: a line running up and down
	thinAcrossY             // the same across y: a line running sideways
	thinSeen                // a chain walk went through it
	thinLongX               // within a few pixels of a long thin line running up and down
	thinLongY               // within a few pixels of a long thin line running sideways
)

// dropLongLines clears the edge pixels along long thin lines of g (a tiled counter's
// grout, the lines of a grid: they run to the frame's border and would join the
// card's outline to the background's), keeping those whose gradient runs along the
// line (the card's own side where a line meets it), and keeps the cleared pixels next
// to an edge that stays as bridges (edgeBridge: they join a contour, they are not in
// its hull). A line is followed from one row (column) to the next within a pixel.
func (fd *Finder) dropLongLines(g grey, bl []int32, edge []uint8) {
	w, h := g.w, g.h
	thin := grow(fd.thin, w*h)
	fd.thin = thin
	clear(thin)
	mg := thinMargin
	p := g.p
	for y := 2; y < h-2; y++ {
		row, up, dn := p[y*w:(y+1)*w], p[(y-2)*w:(y-1)*w], p[(y+2)*w:(y+3)*w]
		out := thin[y*w : (y+1)*w]
		for x := 2; x < w-2; x++ {
			v := int(row[x])
			a, b := int(row[x-2]), int(row[x+2])
			var t uint8
			if v+mg <= min(a, b) || v >= max(a, b)+mg {
				t = thinAcrossX
			}
			a, b = int(up[x]), int(dn[x])
			if v+mg <= min(a, b) || v >= max(a, b)+mg {
				t |= thinAcrossY
			}
			out[x] = t
		}
	}
	// the frame's outer two rows and columns: the missing side mirrored (a line along
	// the border is a line too)
	edgeThin := func(x, y int) {
		v := int(p[y*w+x])
		xa, xb := x-2, x+2
		if xa < 0 {
			xa = xb
		} else if xb >= w {
			xb = xa
		}
		ya, yb := y-2, y+2
		if ya < 0 {
			ya = yb
		} else if yb >= h {
			yb = ya
		}
		var t uint8
		a, b := int(p[y*w+xa]), int(p[y*w+xb])
		if v+mg <= min(a, b) || v >= max(a, b)+mg {
			t = thinAcrossX
		}
		a, b = int(p[ya*w+x]), int(p[yb*w+x])
		if v+mg <= min(a, b) || v >= max(a, b)+mg {
			t |= thinAcrossY
		}
		thin[y*w+x] = t
	}
	for y := 0; y < h; y++ {
		for _, x := range [4]int{0, 1, w - 2, w - 1} {
			edgeThin(x, y)
		}
	}
	for _, y := range [4]int{0, 1, h - 2, h - 1} {
		for x := 2; x < w-2; x++ {
			edgeThin(x, y)
		}
	}
	nLines, nDown := 0, 0
	// walk each chain: along y for lines across x, along x for lines across y
	walk := func(o int, bit uint8, down bool, mark bool) (int, int) {
		x, y := o%w, o/w
		length, gap := 0, 0
		for {
			if mark {
				for d := -lineReach; d <= lineReach; d++ {
					if down {
						if xx := x + d; xx >= 0 && xx < w {
							thin[y*w+xx] |= thinLongX
						}
					} else if yy := y + d; yy >= 0 && yy < h {
						thin[yy*w+x] |= thinLongY
					}
				}
			}
			thin[y*w+x] |= thinSeen
			// the next row (column): straight on, or a pixel to either side
			var nx, ny int
			found := false
			for _, s := range [3]int{0, -1, 1} {
				if down {
					nx, ny = x+s, y+1
				} else {
					nx, ny = x+1, y+s
				}
				if nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				if thin[ny*w+nx]&bit != 0 {
					found = true
					break
				}
			}
			if found {
				x, y = nx, ny
				length += 1 + gap
				gap = 0
				continue
			}
			if gap++; gap > lineGap {
				if down {
					return length, y
				}
				return length, x
			}
			if down {
				y++
			} else {
				x++
			}
			if x >= w || y >= h {
				if down {
					return length, h
				}
				return length, w
			}
		}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := y*w + x
			if thin[o]&(thinAcrossX|thinAcrossY) == 0 || thin[o]&thinSeen != 0 {
				continue
			}
			for _, bit := range [2]uint8{thinAcrossX, thinAcrossY} {
				if thin[o]&bit == 0 || thin[o]&thinSeen != 0 {
					continue
				}
				down := bit == thinAcrossX
				l, end := walk(o, bit, down, false)
				// a grid's lines run to the frame's border; a card's text does not
				from, last := x, w
				if down {
					from, last = y, h
				}
				if l >= lineLength && (from <= lineBorder || end >= last-1-lineBorder) {
					if nLines < len(fd.lines) {
						fd.lines[nLines] = int32(o)<<1 | int32(bit&thinAcrossX)
					}
					nLines++
					if down {
						nDown++
					}
				}
			}
		}
	}
	// a grid has such lines both ways; a card partly out of the frame has some of its
	// own (its printed frame, the zone's lines) running to the border, mostly one way:
	// they stay
	if nDown < gridLines || nLines-nDown < gridLines {
		return
	}
	for _, l := range fd.lines[:min(nLines, len(fd.lines))] {
		bit := uint8(thinAcrossY)
		if l&1 != 0 {
			bit = thinAcrossX
		}
		walk(int(l>>1), bit, bit == thinAcrossX, true)
	}
	for y := 2; y < h-2; y++ {
		for x := 2; x < w-2; x++ {
			o := y*w + x
			t := thin[o] & (thinLongX | thinLongY)
			if edge[o] == 0 || t == 0 {
				continue
			}
			// the line's own flanks have their gradient across it; a card's side that
			// crosses the line has its gradient along it and stays
			up, mid, dn := bl[o-w-1:o-w+2], bl[o-1:o+2], bl[o+w-1:o+w+2]
			gx := abs32(up[2] + 2*mid[2] + dn[2] - up[0] - 2*mid[0] - dn[0])
			gy := abs32(dn[0] + 2*dn[1] + dn[2] - up[0] - 2*up[1] - up[2])
			if (t&thinLongX != 0 && 2*gx >= gy) || (t&thinLongY != 0 && 2*gy >= gx) {
				edge[o] = edgeDropped
			}
		}
	}
	// a dropped pixel next to the outline that stays bridges the gap the line left in it
	for y := 2; y < h-2; y++ {
		for x := 2; x < w-2; x++ {
			o := y*w + x
			if edge[o] != edgeDropped {
				continue
			}
			edge[o] = 0
		near:
			for ny := max(y-bridgeReach, 0); ny <= min(y+bridgeReach, h-1); ny++ {
				for nx := max(x-bridgeReach, 0); nx <= min(x+bridgeReach, w-1); nx++ {
					if edge[ny*w+nx] == 1 {
						edge[o] = edgeBridge
						break near
					}
				}
			}
		}
	}
}

// The edge map's values besides 0 (none), 1 (an edge not yet in a contour) and 2 (an
// edge in one).
const (
	edgeDropped    = 3 // on a long thin line, dropped
	edgeBridge     = 4 // dropped, but next to an edge kept: joins contours, not in their hull
	edgeBridgeSeen = 5 // a bridge a contour went through
)

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// supported says whether each side of q lies on edge pixels (at least 70 % of its
// points within 2 pixels of one) or on the frame's border, and whether one is on the
// border. A quadrilateral with three or four sides along the border (within
// frameMargin) is the picture's own frame, not a card: not supported.
func supported(q Quad, edge []uint8, w, h int) (clipped, ok bool) {
	const border = 3.0
	near := frameMargin * float64(max(w, h))
	onFrame := func(a, b Point, d float64) bool {
		return (a.X <= d && b.X <= d) || (a.Y <= d && b.Y <= d) ||
			(a.X >= float64(w)-1-d && b.X >= float64(w)-1-d) ||
			(a.Y >= float64(h)-1-d && b.Y >= float64(h)-1-d)
	}
	nearSides := 0
	for i := 0; i < 4; i++ {
		if onFrame(q[i], q[(i+1)%4], near) {
			nearSides++
		}
	}
	if nearSides > 2 {
		return false, false
	}
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		onBorder := onFrame(a, b, border)
		if onBorder {
			clipped = true
			continue
		}
		l := dist(a, b)
		if l < 8 {
			return false, false
		}
		steps := int(l)
		need := 0.7 * float64(steps+1)
		hit, miss := 0, 0
		for s := 0; s <= steps; s++ {
			t := float64(s) / float64(steps)
			x := a.X + t*(b.X-a.X)
			y := a.Y + t*(b.Y-a.Y)
			if nearEdge(edge, w, h, int(x+0.5), int(y+0.5)) {
				hit++
			} else if miss++; float64(steps+1-miss) < need {
				return false, false // too many misses already
			}
		}
		if float64(hit) < need {
			return false, false
		}
	}
	return clipped, true
}

func nearEdge(edge []uint8, w, h, x, y int) bool {
	for ny := max(y-2, 0); ny <= min(y+2, h-1); ny++ {
		row := edge[ny*w : (ny+1)*w]
		for nx := max(x-2, 0); nx <= min(x+2, w-1); nx++ {
			if row[nx] != 0 {
				return true
			}
		}
	}
	return false
}

// measureShape fills the quadrilateral's measures.
func measureShape(f *Finding, b image.Rectangle) {
	q := f.Corners
	f.Fill = q.Area() / float64(b.Dx()*b.Dy())
	w, h := q.Size()
	if h > 0 {
		f.Aspect = w / h
	}
	f.Class = classify(f.Aspect)
	c := q.Centre()
	ox := (c.X - float64(b.Min.X) - float64(b.Dx())/2) / (float64(b.Dx()) / 2)
	oy := (c.Y - float64(b.Min.Y) - float64(b.Dy())/2) / (float64(b.Dy()) / 2)
	f.OffCentre = math.Max(math.Abs(ox), math.Abs(oy))
	top := math.Atan2(q[1].Y-q[0].Y, q[1].X-q[0].X)
	bottom := math.Atan2(q[2].Y-q[3].Y, q[2].X-q[3].X)
	f.Rotation = (top + bottom) / 2 * 180 / math.Pi
	ratio := func(a, b float64) float64 {
		if a < b {
			a, b = b, a
		}
		if b <= 0 {
			return math.Inf(1)
		}
		return a/b - 1
	}
	f.Skew = math.Max(ratio(dist(q[0], q[1]), dist(q[3], q[2])), ratio(dist(q[0], q[3]), dist(q[1], q[2])))
}

// classify names the class whose aspect is within 6 % of a.
func classify(a float64) Class {
	switch {
	case math.Abs(a-AspectID1)/AspectID1 <= 0.06:
		return ClassID1
	case math.Abs(a-AspectPassport)/AspectPassport <= 0.06:
		return ClassPassport
	}
	return ClassUnknown
}

// refine fits a line to the gradient's peaks across each side (its middle 80 %, searched
// 4 pixels either way) and returns the lines' crossings; a side without enough peaks
// keeps its line through its corners.
func (fd *Finder) refine(q Quad, mag []int32, w, h int) Quad {
	type line struct{ px, py, dx, dy float64 } // a point and a unit direction
	var ls [4]line
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		l := dist(a, b)
		ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
		nx, ny := -uy, ux
		ls[i] = line{a.X, a.Y, ux, uy}
		xs, ys := fd.xs[:0], fd.ys[:0]
		for s := 0.1 * l; s <= 0.9*l; s += 1 {
			cx, cy := a.X+ux*s, a.Y+uy*s
			bestM, bestT := int32(0), 0.0
			for t := -4.0; t <= 4; t += 0.5 {
				x, y := int(cx+nx*t+0.5), int(cy+ny*t+0.5)
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				if m := mag[y*w+x]; m > bestM {
					bestM, bestT = m, t
				}
			}
			if bestM > 0 {
				xs = append(xs, cx+nx*bestT)
				ys = append(ys, cy+ny*bestT)
			}
		}
		fd.xs, fd.ys = xs, ys
		if len(xs) < 8 {
			continue
		}
		var mx, my float64
		for k := range xs {
			mx += xs[k]
			my += ys[k]
		}
		mx /= float64(len(xs))
		my /= float64(len(xs))
		var sxx, sxy, syy float64
		for k := range xs {
			dx, dy := xs[k]-mx, ys[k]-my
			sxx += dx * dx
			sxy += dx * dy
			syy += dy * dy
		}
		th := 0.5 * math.Atan2(2*sxy, sxx-syy)
		ls[i] = line{mx, my, math.Cos(th), math.Sin(th)}
	}
	out := q
	for i := 0; i < 4; i++ {
		l1, l2 := ls[(i+3)%4], ls[i] // the sides that meet at corner i
		den := l1.dx*l2.dy - l1.dy*l2.dx
		if math.Abs(den) < 1e-6 {
			continue
		}
		t := ((l2.px-l1.px)*l2.dy - (l2.py-l1.py)*l2.dx) / den
		p := Point{l1.px + t*l1.dx, l1.py + t*l1.dy}
		if dist(p, q[i]) < 0.15*math.Hypot(float64(w), float64(h)) {
			out[i] = p
		}
	}
	return out
}

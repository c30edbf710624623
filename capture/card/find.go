package card

import (
	"image"
	"math"
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
// Finding with Found false.
func Find(img image.Image) Finding {
	b := img.Bounds()
	f := Finding{Width: b.Dx(), Height: b.Dy()}
	if b.Dx() < 32 || b.Dy() < 32 {
		return f
	}
	g, scale := smallGrey(img)
	q, clipped, ok := findQuad(g)
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
	measureCard(&f, img)
	return f
}

// grey is an 8-bit grey raster.
type grey struct {
	w, h int
	p    []uint8
}

func (g *grey) at(x, y int) uint8 { return g.p[y*g.w+x] }

// smallGrey is img's luma box-averaged down to about workWidth pixels wide; scale is the
// frame pixels per small pixel.
func smallGrey(img image.Image) (*grey, float64) {
	b := img.Bounds()
	k := (b.Dx() + workWidth - 1) / workWidth
	if k < 1 {
		k = 1
	}
	w, h := b.Dx()/k, b.Dy()/k
	g := &grey{w: w, h: h, p: make([]uint8, w*h)}
	rgba, _ := img.(*image.RGBA)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0
			for dy := 0; dy < k; dy++ {
				py := b.Min.Y + y*k + dy
				for dx := 0; dx < k; dx++ {
					px := b.Min.X + x*k + dx
					sum += luma(img, rgba, px, py)
				}
			}
			g.p[y*w+x] = uint8(sum / (k * k))
		}
	}
	return g, float64(k)
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

// findQuad finds the largest quadrilateral contour whose sides lie on edges.
func findQuad(g *grey) (Quad, bool, bool) {
	w, h := g.w, g.h
	// 3x3 box blur, then Sobel magnitude
	bl := make([]int32, w*h)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			s := 0
			for dy := -1; dy <= 1; dy++ {
				o := (y+dy)*w + x
				s += int(g.p[o-1]) + int(g.p[o]) + int(g.p[o+1])
			}
			bl[y*w+x] = int32(s)
		}
	}
	mag := make([]int32, w*h)
	var total int64
	for y := 2; y < h-2; y++ {
		for x := 2; x < w-2; x++ {
			o := y*w + x
			gx := bl[o-w+1] + 2*bl[o+1] + bl[o+w+1] - bl[o-w-1] - 2*bl[o-1] - bl[o+w-1]
			gy := bl[o+w-1] + 2*bl[o+w] + bl[o+w+1] - bl[o-w-1] - 2*bl[o-w] - bl[o-w+1]
			m := abs32(gx) + abs32(gy)
			mag[o] = m
			total += int64(m)
		}
	}
	// a step of 12 grey levels between card and background gives 12*9*4 = 432 here
	thr := int32(400)
	if mean := int32(total / int64(w*h)); 3*mean > thr {
		thr = 3 * mean
	}
	edge := make([]bool, w*h)
	for i, m := range mag {
		edge[i] = m >= thr
	}
	// 8-connected components, each kept as the leftmost and rightmost pixel of its rows
	label := make([]int32, w*h)
	var best Quad
	bestArea, bestClipped, found := 0.0, false, false
	stack := make([]int, 0, 1024)
	var ext []Point
	minArea := 0.02 * float64(w*h)
	next := int32(0)
	for start := range edge {
		if !edge[start] || label[start] != 0 {
			continue
		}
		next++
		label[start] = next
		stack = append(stack[:0], start)
		rowMin := map[int]int{}
		rowMax := map[int]int{}
		n := 0
		for len(stack) > 0 {
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			x, y := o%w, o/w
			if v, ok := rowMin[y]; !ok || x < v {
				rowMin[y] = x
			}
			if v, ok := rowMax[y]; !ok || x > v {
				rowMax[y] = x
			}
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					no := ny*w + nx
					if edge[no] && label[no] == 0 {
						label[no] = next
						stack = append(stack, no)
					}
				}
			}
		}
		if n < 40 || len(rowMin) < 8 {
			continue
		}
		ext = ext[:0]
		for y, x := range rowMin {
			ext = append(ext, Point{float64(x), float64(y)}, Point{float64(rowMax[y]), float64(y)})
		}
		hull := convexHull(ext)
		ha := polyArea(hull)
		if ha < minArea || ha <= bestArea {
			continue
		}
		q, ok := reduceToQuad(hull)
		if !ok {
			continue
		}
		qa := q.Area()
		if qa < 0.9*ha { // the contour is not a quadrilateral
			continue
		}
		clipped, ok := supported(q, edge, w, h)
		if !ok {
			continue
		}
		if qa > bestArea {
			best, bestArea, bestClipped, found = q, qa, clipped, true
		}
	}
	// each side again through the gradient's peaks along it (the hull cuts a rounded corner
	// and runs on the outer side of the edge band): the corners where the lines meet
	if found {
		best = refine(best, mag, w, h)
		for i := range best {
			best[i].X = math.Max(0, math.Min(float64(w), best[i].X+0.5))
			best[i].Y = math.Max(0, math.Min(float64(h), best[i].Y+0.5))
		}
	}
	return best, bestClipped, found
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// supported says whether each side of q lies on edge pixels (at least 70 % of its
// points within 2 pixels of one) or on the frame's border, and whether one is on the
// border.
func supported(q Quad, edge []bool, w, h int) (clipped, ok bool) {
	const border = 3.0
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		onBorder := (a.X <= border && b.X <= border) || (a.Y <= border && b.Y <= border) ||
			(a.X >= float64(w)-1-border && b.X >= float64(w)-1-border) ||
			(a.Y >= float64(h)-1-border && b.Y >= float64(h)-1-border)
		if onBorder {
			clipped = true
			continue
		}
		l := dist(a, b)
		if l < 8 {
			return false, false
		}
		steps := int(l)
		hit := 0
		for s := 0; s <= steps; s++ {
			t := float64(s) / float64(steps)
			x := a.X + t*(b.X-a.X)
			y := a.Y + t*(b.Y-a.Y)
			if nearEdge(edge, w, h, int(x+0.5), int(y+0.5)) {
				hit++
			}
		}
		if float64(hit) < 0.7*float64(steps+1) {
			return false, false
		}
	}
	return clipped, true
}

func nearEdge(edge []bool, w, h, x, y int) bool {
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			nx, ny := x+dx, y+dy
			if nx >= 0 && ny >= 0 && nx < w && ny < h && edge[ny*w+nx] {
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
func refine(q Quad, mag []int32, w, h int) Quad {
	type line struct{ px, py, dx, dy float64 } // a point and a unit direction
	var ls [4]line
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		l := dist(a, b)
		ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
		nx, ny := -uy, ux
		ls[i] = line{a.X, a.Y, ux, uy}
		var xs, ys []float64
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

package card

import "math"

// Point is a position in a frame's pixels.
type Point struct{ X, Y float64 }

// Quad is a card's corners in frame pixels: top-left, top-right, bottom-right,
// bottom-left as the card is shown (the top side is the upper of the two long sides).
type Quad [4]Point

func dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// Area is the quadrilateral's area in square pixels (shoelace).
func (q Quad) Area() float64 {
	s := 0.0
	for i := 0; i < 4; i++ {
		a, b := q[i], q[(i+1)%4]
		s += a.X*b.Y - b.X*a.Y
	}
	return math.Abs(s) / 2
}

// Centre is the mean of the corners.
func (q Quad) Centre() Point {
	var c Point
	for _, p := range q {
		c.X += p.X / 4
		c.Y += p.Y / 4
	}
	return c
}

// Size is the mean length of the top and bottom sides and of the left and right sides.
func (q Quad) Size() (w, h float64) {
	w = (dist(q[0], q[1]) + dist(q[3], q[2])) / 2
	h = (dist(q[0], q[3]) + dist(q[1], q[2])) / 2
	return w, h
}

// Scale multiplies every coordinate by s.
func (q Quad) Scale(s float64) Quad {
	for i := range q {
		q[i].X *= s
		q[i].Y *= s
	}
	return q
}

// convexHull is Andrew's monotone chain, counter-clockwise in image axes' maths sense.
// It sorts pts.
func convexHull(pts []Point) []Point { return convexHullInto(nil, pts) }

// convexHullInto is convexHull appending to h (reused by a Finder).
func convexHullInto(h, pts []Point) []Point {
	n := len(pts)
	if n < 3 {
		return append(h[:0], pts...)
	}
	sortPoints(pts)
	h = h[:0]
	cross := func(o, a, b Point) float64 { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }
	for _, p := range pts {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	lo := len(h) + 1
	for i := n - 2; i >= 0; i-- {
		p := pts[i]
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	return h[:len(h)-1]
}

func sortPoints(p []Point) {
	// insertion of a small shell sort: hulls here take at most a few thousand points
	for gap := len(p) / 2; gap > 0; gap /= 2 {
		for i := gap; i < len(p); i++ {
			for j := i; j >= gap && less(p[j], p[j-gap]); j -= gap {
				p[j], p[j-gap] = p[j-gap], p[j]
			}
		}
	}
}

func less(a, b Point) bool { return a.X < b.X || (a.X == b.X && a.Y < b.Y) }

func polyArea(p []Point) float64 {
	s := 0.0
	for i := range p {
		a, b := p[i], p[(i+1)%len(p)]
		s += a.X*b.Y - b.X*a.Y
	}
	return math.Abs(s) / 2
}

// reduceToQuad drops, one at a time, the hull vertex whose removal loses the least
// area, until four remain (the inscribed quadrilateral that keeps the most of the hull).
func reduceToQuad(h []Point) (Quad, bool) {
	q, _, ok := reduceToQuadInto(nil, h)
	return q, ok
}

// reduceToQuadInto is reduceToQuad working in buf (reused by a Finder), returned.
func reduceToQuadInto(buf, h []Point) (Quad, []Point, bool) {
	if len(h) < 4 {
		return Quad{}, buf, false
	}
	p := append(buf[:0], h...)
	tri := func(a, b, c Point) float64 {
		return math.Abs((b.X-a.X)*(c.Y-a.Y)-(b.Y-a.Y)*(c.X-a.X)) / 2
	}
	// the area each vertex's removal loses, kept up to date: only its two neighbours'
	// change when a vertex goes
	loss := func(i int) float64 {
		n := len(p)
		return tri(p[(i+n-1)%n], p[i], p[(i+1)%n])
	}
	var lost [64]float64
	if len(p) <= len(lost) {
		for i := range p {
			lost[i] = loss(i)
		}
	}
	for len(p) > 12 {
		best, bi := math.Inf(1), 0
		n := len(p)
		if n <= len(lost) {
			for i := 0; i < n; i++ {
				if a := lost[i]; a < best {
					best, bi = a, i
				}
			}
		} else {
			for i := 0; i < n; i++ {
				if a := loss(i); a < best {
					best, bi = a, i
				}
			}
		}
		p = append(p[:bi], p[bi+1:]...)
		n--
		if n <= len(lost) {
			if n+1 > len(lost) { // the table starts here
				for i := range p {
					lost[i] = loss(i)
				}
			} else {
				copy(lost[bi:n], lost[bi+1:n+1])
				lost[(bi+n-1)%n] = loss((bi + n - 1) % n)
				lost[bi%n] = loss(bi % n)
			}
		}
	}
	// the largest of the quadrilaterals on the twelve vertices left
	var best Quad
	bestA := -1.0
	n := len(p)
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			for c := b + 1; c < n; c++ {
				for d := c + 1; d < n; d++ {
					q := Quad{p[a], p[b], p[c], p[d]}
					if ar := q.Area(); ar > bestA {
						best, bestA = q, ar
					}
				}
			}
		}
	}
	return orderCorners(best), p, true
}

// orderCorners puts the corners clockwise on screen from the top-left one, with the
// long sides as top and bottom (a card held upright shows its portrait side as it is).
func orderCorners(q Quad) Quad {
	c := q.Centre()
	// sort by angle around the centre: clockwise on screen (y down) is increasing atan2
	var a [4]float64
	for i, p := range q {
		a[i] = math.Atan2(p.Y-c.Y, p.X-c.X)
	}
	for i := 1; i < 4; i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
			q[j], q[j-1] = q[j-1], q[j]
		}
	}
	// start at the corner with the smallest x+y
	s := 0
	for i := 1; i < 4; i++ {
		if q[i].X+q[i].Y < q[s].X+q[s].Y {
			s = i
		}
	}
	var r Quad
	for i := 0; i < 4; i++ {
		r[i] = q[(s+i)%4]
	}
	// a card stood on its short side: turn it so the top is a long side
	if dist(r[0], r[1])+dist(r[3], r[2]) < dist(r[0], r[3])+dist(r[1], r[2]) {
		r = Quad{r[3], r[0], r[1], r[2]}
	}
	return r
}

// Homography maps a destination rectangle's points to a quadrilateral's (row-major 3x3,
// h[8] = 1).
type Homography [9]float64

// RectToQuad is the homography that maps (0,0), (w,0), (w,h), (0,h) to q's corners.
func RectToQuad(w, h float64, q Quad) (Homography, bool) {
	src := [4]Point{{0, 0}, {w, 0}, {w, h}, {0, h}}
	var m [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i].X, src[i].Y, q[i].X, q[i].Y
		m[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		m[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for col := 0; col < 8; col++ {
		piv := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		if math.Abs(m[piv][col]) < 1e-12 {
			return Homography{}, false
		}
		m[col], m[piv] = m[piv], m[col]
		for r := 0; r < 8; r++ {
			if r == col {
				continue
			}
			f := m[r][col] / m[col][col]
			for k := col; k < 9; k++ {
				m[r][k] -= f * m[col][k]
			}
		}
	}
	var hm Homography
	for i := 0; i < 8; i++ {
		hm[i] = m[i][8] / m[i][i]
	}
	hm[8] = 1
	return hm, true
}

// Apply maps (x, y).
func (h Homography) Apply(x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

// Invert is the inverse mapping.
func (h Homography) Invert() Homography {
	a, b, c, d, e, f, g, hh, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	det := a*(e*i-f*hh) - b*(d*i-f*g) + c*(d*hh-e*g)
	return Homography{
		(e*i - f*hh) / det, (c*hh - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*hh - e*g) / det, (b*g - a*hh) / det, (a*e - b*d) / det,
	}
}

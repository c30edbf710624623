package inference

import (
	"image"
	"math"
	"math/bits"
)

// Identical-image check: two images are "identical" when they are the same picture,
// even re-encoded or resized. Both are reduced to 32x32 grey by area averaging; they
// must have the same aspect ratio (±3%), a perceptual hash (DCT of the 32x32, sign of
// the 8x8 low frequencies against their median) within identicalMaxHamming bits, and a
// mean absolute difference of the 32x32 pixels within identicalMaxMAD.

const (
	hashSide            = 32
	identicalMaxHamming = 6
	identicalMaxMAD     = 6.0 // grey levels, 0..255
)

// Fingerprint is a compact description of an image for the identical check.
type Fingerprint struct {
	Aspect float64
	Hash   uint64
	Grey   [hashSide * hashSide]float32
}

// FingerprintOf computes the fingerprint of img (nil for an empty image).
func FingerprintOf(img image.Image) *Fingerprint {
	if img == nil || img.Bounds().Empty() {
		return nil
	}
	r := toRaster(img, nil)
	fp := &Fingerprint{Aspect: float64(r.w) / float64(r.h)}
	var sums, counts [hashSide * hashSide]float32
	xc := make([]int, r.w)
	for x := range xc {
		xc[x] = x * hashSide / r.w
	}
	for y := 0; y < r.h; y++ {
		cy := y * hashSide / r.h
		base := cy * hashSide
		if r.ycc != nil {
			row := r.ycc.Y[r.yIndex(0, y):]
			for x := 0; x < r.w; x++ {
				i := base + xc[x]
				sums[i] += float32(row[x])
				counts[i]++
			}
			continue
		}
		row := r.pix[y*r.stride:]
		for x := 0; x < r.w; x++ {
			i := base + xc[x]
			sums[i] += luma(row[x*r.bpp:])
			counts[i]++
		}
	}
	for i := range sums {
		if counts[i] > 0 {
			fp.Grey[i] = sums[i] / counts[i]
		}
	}
	fp.Hash = dctHash(&fp.Grey)
	return fp
}

var dctCos = func() (c [8][hashSide]float64) {
	for k := 0; k < 8; k++ {
		for n := 0; n < hashSide; n++ {
			c[k][n] = math.Cos(math.Pi / hashSide * (float64(n) + 0.5) * float64(k))
		}
	}
	return
}()

func dctHash(g *[hashSide * hashSide]float32) uint64 {
	// Rows first (only the 8 lowest frequencies are needed), then columns.
	var tmp [hashSide][8]float64
	for y := 0; y < hashSide; y++ {
		for k := 0; k < 8; k++ {
			var s float64
			for x := 0; x < hashSide; x++ {
				s += float64(g[y*hashSide+x]) * dctCos[k][x]
			}
			tmp[y][k] = s
		}
	}
	var coef [64]float64
	for ky := 0; ky < 8; ky++ {
		for kx := 0; kx < 8; kx++ {
			var s float64
			for y := 0; y < hashSide; y++ {
				s += tmp[y][kx] * dctCos[ky][y]
			}
			coef[ky*8+kx] = s
		}
	}
	// Median of the 63 AC coefficients.
	ac := make([]float64, 63)
	copy(ac, coef[1:])
	med := median(ac)
	var h uint64
	for i := 1; i < 64; i++ {
		if coef[i] > med {
			h |= 1 << uint(i)
		}
	}
	return h
}

func median(v []float64) float64 {
	// Small slices: insertion sort.
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v[len(v)/2]
}

// Same reports whether two fingerprints are of the same picture.
func (a *Fingerprint) Same(b *Fingerprint) bool {
	if a == nil || b == nil {
		return false
	}
	if math.Abs(a.Aspect-b.Aspect)/a.Aspect > 0.03 {
		return false
	}
	if bits.OnesCount64(a.Hash^b.Hash) > identicalMaxHamming {
		return false
	}
	return a.mad(b) <= identicalMaxMAD
}

func (a *Fingerprint) mad(b *Fingerprint) float64 {
	var s float64
	for i := range a.Grey {
		s += math.Abs(float64(a.Grey[i] - b.Grey[i]))
	}
	return s / float64(len(a.Grey))
}

// Identical reports whether a and b are the same picture: the same pixels, or the same
// image re-encoded or resized. Different photos of one person are not identical.
func Identical(a, b image.Image) bool {
	return FingerprintOf(a).Same(FingerprintOf(b))
}

package inference

import (
	"image"
)

// raster is the pixels that pre-processing samples (never image.Image.At): either packed
// 8-bit RGB(A) (pix, channel 0 red, 1 green, 2 blue; bpp 3 or 4), or, for JPEG and
// camera frames, the planes of an *image.YCbCr (ycc), sampled without converting the
// whole frame.
type raster struct {
	pix               []uint8
	w, h, stride, bpp int

	ycc      *image.YCbCr // when set, pix is unused
	hs, vs   uint         // chroma subsampling shifts
	cx0, cy0 int          // chroma index of the image's top-left pixel
}

// toRaster returns img as a raster without copying *image.YCbCr (4:2:0, 4:2:2, 4:4:4),
// *image.RGBA or opaque *image.NRGBA pixels; other types are converted into buf.
func toRaster(img image.Image, buf []uint8) raster {
	if m, ok := img.(*image.YCbCr); ok {
		var hs, vs uint
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio420:
			hs, vs = 1, 1
		case image.YCbCrSubsampleRatio422:
			hs = 1
		case image.YCbCrSubsampleRatio444:
		default:
			return toRGB(img, buf)
		}
		b := m.Rect
		return raster{w: b.Dx(), h: b.Dy(), ycc: m, hs: hs, vs: vs, cx0: b.Min.X >> hs, cy0: b.Min.Y >> vs}
	}
	return toRGB(img, buf)
}

// yIndex and cIndex index the planes of a ycc raster at (x, y) relative to its origin.
func (r *raster) yIndex(x, y int) int { return y*r.ycc.YStride + x }
func (r *raster) cIndex(x, y int) int {
	b := r.ycc.Rect.Min
	return ((b.Y+y)>>r.vs-r.cy0)*r.ycc.CStride + ((b.X+x)>>r.hs - r.cx0)
}

// yccToRGB converts (JFIF, full range) to float RGB clamped to 0..255.
func yccToRGB(y, cb, cr float32) (float32, float32, float32) {
	cb -= 128
	cr -= 128
	return clamp255(y + 1.402*cr), clamp255(y - 0.344136*cb - 0.714136*cr), clamp255(y + 1.772*cb)
}

func clamp255(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return v
}

// rgbAt returns the pixel at (x, y) as float RGB.
func (r *raster) rgbAt(x, y int) (float32, float32, float32) {
	if r.ycc != nil {
		ci := r.cIndex(x, y)
		return yccToRGB(float32(r.ycc.Y[r.yIndex(x, y)]), float32(r.ycc.Cb[ci]), float32(r.ycc.Cr[ci]))
	}
	p := r.pix[y*r.stride+x*r.bpp:]
	return float32(p[0]), float32(p[1]), float32(p[2])
}

// lumaAt returns the luminance at (x, y) (the Y plane for ycc rasters).
func (r *raster) lumaAt(x, y int) float32 {
	if r.ycc != nil {
		return float32(r.ycc.Y[r.yIndex(x, y)])
	}
	return luma(r.pix[y*r.stride+x*r.bpp:])
}

// rowRGB writes row y as packed RGB into dst (3·w bytes).
func (r *raster) rowRGB(y int, dst []uint8) {
	if r.ycc == nil {
		row := r.pix[y*r.stride:]
		if r.bpp == 3 {
			copy(dst, row[:3*r.w])
			return
		}
		for x := 0; x < r.w; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
		}
		return
	}
	yrow := r.ycc.Y[r.yIndex(0, y):]
	c0 := r.cIndex(0, y)
	x0 := r.ycc.Rect.Min.X
	for x := 0; x < r.w; x++ {
		ci := c0 + ((x0+x)>>r.hs - r.cx0)
		putYCbCr(dst[3*x:], yrow[x], r.ycc.Cb[ci], r.ycc.Cr[ci])
	}
}

// toRGB returns img as packed RGB(A), sharing *image.RGBA (and opaque *image.NRGBA)
// pixels and converting other types into buf (grown if needed).
func toRGB(img image.Image, buf []uint8) raster {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.RGBA:
		return raster{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], w: w, h: h, stride: m.Stride, bpp: 4}
	case *image.NRGBA:
		if m.Opaque() {
			return raster{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], w: w, h: h, stride: m.Stride, bpp: 4}
		}
	}
	need := w * h * 3
	if cap(buf) < need {
		buf = make([]uint8, need)
	}
	buf = buf[:need]
	r := raster{pix: buf, w: w, h: h, stride: 3 * w, bpp: 3}
	switch m := img.(type) {
	case *image.YCbCr:
		ycbcrToRGB(m, r)
	case *image.Gray:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := buf[y*r.stride:]
			for x := 0; x < w; x++ {
				v := src[x]
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	default:
		for y := 0; y < h; y++ {
			dst := buf[y*r.stride:]
			for x := 0; x < w; x++ {
				cr, cg, cb, ca := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// Flatten onto white, as DecodeImage does.
				wa := 0xffff - ca
				dst[3*x] = uint8((cr + wa) >> 8)
				dst[3*x+1] = uint8((cg + wa) >> 8)
				dst[3*x+2] = uint8((cb + wa) >> 8)
			}
		}
	}
	return r
}

// ycbcrToRGB converts with the standard library's fixed-point formula (color.YCbCrToRGB).
func ycbcrToRGB(m *image.YCbCr, r raster) {
	b := m.Rect
	for y := 0; y < r.h; y++ {
		sy := b.Min.Y + y
		yrow := m.Y[(sy-m.Rect.Min.Y)*m.YStride+(b.Min.X-m.Rect.Min.X):]
		dst := r.pix[y*r.stride:]
		// Chroma row offset and horizontal step depend on the subsampling.
		var crow int
		hshift := 0
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio420:
			crow = (sy/2 - m.Rect.Min.Y/2) * m.CStride
			hshift = 1
		case image.YCbCrSubsampleRatio422:
			crow = (sy - m.Rect.Min.Y) * m.CStride
			hshift = 1
		case image.YCbCrSubsampleRatio444:
			crow = (sy - m.Rect.Min.Y) * m.CStride
		default:
			for x := 0; x < r.w; x++ {
				ci := m.COffset(b.Min.X+x, sy)
				putYCbCr(dst[3*x:], yrow[x], m.Cb[ci], m.Cr[ci])
			}
			continue
		}
		cx0 := m.Rect.Min.X >> hshift
		for x := 0; x < r.w; x++ {
			ci := crow + ((b.Min.X+x)>>hshift - cx0)
			putYCbCr(dst[3*x:], yrow[x], m.Cb[ci], m.Cr[ci])
		}
	}
}

func putYCbCr(d []uint8, y8, cb8, cr8 uint8) {
	yy1 := int32(y8) * 0x10101
	cb1 := int32(cb8) - 128
	cr1 := int32(cr8) - 128
	r := yy1 + 91881*cr1
	if uint32(r)&0xff000000 == 0 {
		r >>= 16
	} else {
		r = ^(r >> 31)
	}
	g := yy1 - 22554*cb1 - 46802*cr1
	if uint32(g)&0xff000000 == 0 {
		g >>= 16
	} else {
		g = ^(g >> 31)
	}
	bb := yy1 + 116130*cb1
	if uint32(bb)&0xff000000 == 0 {
		bb >>= 16
	} else {
		bb = ^(bb >> 31)
	}
	d[0], d[1], d[2] = uint8(r), uint8(g), uint8(bb)
}

// axisMap holds, for each output coordinate, the two source indices and the weight of
// the second (bilinear, pixel centres at +0.5 as OpenCV's INTER_LINEAR).
type axisMap struct {
	i0, i1 []int32
	f      []float32
}

// makeAxis maps n output samples onto source [lo, hi] (inclusive) with scale
// srcPerDst: src = lo + (i+0.5)·srcPerDst − 0.5, clamped.
func makeAxis(m *axisMap, n int, lo, hi int, srcPerDst float64) {
	if cap(m.i0) < n {
		m.i0, m.i1, m.f = make([]int32, n), make([]int32, n), make([]float32, n)
	}
	m.i0, m.i1, m.f = m.i0[:n], m.i1[:n], m.f[:n]
	for i := 0; i < n; i++ {
		s := float64(lo) + (float64(i)+0.5)*srcPerDst - 0.5
		if s < float64(lo) {
			s = float64(lo)
		}
		if s > float64(hi) {
			s = float64(hi)
		}
		i0 := int(s)
		i1 := i0 + 1
		if i1 > hi {
			i1 = hi
		}
		m.i0[i], m.i1[i], m.f[i] = int32(i0), int32(i1), float32(s-float64(i0))
	}
}

// planeWriter receives resized pixels: it writes r, g, b (0..255 floats) at index i.
// Writing CHW float tensors directly avoids an intermediate image.

// resizeToCHW resamples the source rectangle [x0,x1]×[y0,y1] (inclusive) of r into a
// dw×dh region at the top-left of a CHW tensor of plane size pw×ph, applying
// v = (c·mul[c] + add[c]) per channel, in channel order ord (indices into R,G,B).
func resizeToCHW(r raster, x0, y0, x1, y1, dw, dh int, t []float32, pw, ph int, ord [3]int, mul, add [3]float32, ax, ay *axisMap) {
	makeAxis(ax, dw, x0, x1, float64(x1-x0+1)/float64(dw))
	makeAxis(ay, dh, y0, y1, float64(y1-y0+1)/float64(dh))
	plane := pw * ph
	c0, c1, c2 := t[0:plane], t[plane:2*plane], t[2*plane:3*plane]
	if r.ycc != nil {
		if r.hs == 1 && r.vs == 1 && x0 == 0 && y0 == 0 && x1+1 == 2*dw && y1+1 == 2*dh && r.ycc.Rect.Min == (image.Point{}) {
			halveYCbCr420ToCHW(r.ycc, dw, dh, c0, c1, c2, pw, ord, mul, add)
			return
		}
		resizeYCbCrToCHW(r, dw, dh, c0, c1, c2, pw, ord, mul, add, ax, ay)
		return
	}
	bpp := r.bpp
	for y := 0; y < dh; y++ {
		row0 := r.pix[int(ay.i0[y])*r.stride:]
		row1 := r.pix[int(ay.i1[y])*r.stride:]
		fy := ay.f[y]
		gy := 1 - fy
		o := y * pw
		for x := 0; x < dw; x++ {
			a, b := int(ax.i0[x])*bpp, int(ax.i1[x])*bpp
			fx := ax.f[x]
			gx := 1 - fx
			w00, w01, w10, w11 := gx*gy, fx*gy, gx*fy, fx*fy
			var px [3]float32
			for c := 0; c < 3; c++ {
				px[c] = w00*float32(row0[a+c]) + w01*float32(row0[b+c]) + w10*float32(row1[a+c]) + w11*float32(row1[b+c])
			}
			c0[o+x] = px[ord[0]]*mul[0] + add[0]
			c1[o+x] = px[ord[1]]*mul[1] + add[1]
			c2[o+x] = px[ord[2]]*mul[2] + add[2]
		}
	}
}

// halveYCbCr420ToCHW is the common case of a 4:2:0 frame scaled by exactly 1/2 (640x480
// into the 320 detector): bilinear sampling at half-pixel centres is then the mean of
// each 2x2 block of Y, and each block has exactly one Cb and one Cr sample.
func halveYCbCr420ToCHW(m *image.YCbCr, dw, dh int, c0, c1, c2 []float32, pw int, ord [3]int, mul, add [3]float32) {
	plainBGR := ord == ordBGR && mul == unitMul && add == zeroAdd // the detector's input
	for y := 0; y < dh; y++ {
		ya, yb := m.Y[2*y*m.YStride:][:2*dw], m.Y[(2*y+1)*m.YStride:][:2*dw]
		cb, cr := m.Cb[y*m.CStride:][:dw], m.Cr[y*m.CStride:][:dw]
		o0, o1, o2 := c0[y*pw:][:dw], c1[y*pw:][:dw], c2[y*pw:][:dw]
		for x := range o0 {
			Y := float32(int(ya[2*x])+int(ya[2*x+1])+int(yb[2*x])+int(yb[2*x+1])) * 0.25
			u, v := float32(cb[x])-128, float32(cr[x])-128
			r := min(max(Y+1.402*v, 0), 255)
			g := min(max(Y-0.344136*u-0.714136*v, 0), 255)
			b := min(max(Y+1.772*u, 0), 255)
			if plainBGR {
				o0[x], o1[x], o2[x] = b, g, r
				continue
			}
			px := [3]float32{r, g, b}
			o0[x] = px[ord[0]]*mul[0] + add[0]
			o1[x] = px[ord[1]]*mul[1] + add[1]
			o2[x] = px[ord[2]]*mul[2] + add[2]
		}
	}
}

// resizeYCbCrToCHW is resizeToCHW for ycc rasters: Y, Cb and Cr are interpolated
// (the conversion is linear) and converted once per output pixel.
func resizeYCbCrToCHW(r raster, dw, dh int, c0, c1, c2 []float32, pw int, ord [3]int, mul, add [3]float32, ax, ay *axisMap) {
	m := r.ycc
	// Chroma column of each tap.
	cxa, cxb := make([]int32, dw), make([]int32, dw)
	x0 := m.Rect.Min.X
	for x := 0; x < dw; x++ {
		cxa[x] = int32((x0+int(ax.i0[x]))>>r.hs - r.cx0)
		cxb[x] = int32((x0+int(ax.i1[x]))>>r.hs - r.cx0)
	}
	for y := 0; y < dh; y++ {
		ya, yb := int(ay.i0[y]), int(ay.i1[y])
		yrowA, yrowB := m.Y[ya*m.YStride:], m.Y[yb*m.YStride:]
		cbA, cbB := m.Cb[r.cIndex(0, ya)-((x0>>r.hs)-r.cx0):], m.Cb[r.cIndex(0, yb)-((x0>>r.hs)-r.cx0):]
		crA, crB := m.Cr[r.cIndex(0, ya)-((x0>>r.hs)-r.cx0):], m.Cr[r.cIndex(0, yb)-((x0>>r.hs)-r.cx0):]
		fy := ay.f[y]
		gy := 1 - fy
		o := y * pw
		for x := 0; x < dw; x++ {
			a, b := ax.i0[x], ax.i1[x]
			ca, cb := cxa[x], cxb[x]
			fx := ax.f[x]
			gx := 1 - fx
			w00, w01, w10, w11 := gx*gy, fx*gy, gx*fy, fx*fy
			Y := w00*float32(yrowA[a]) + w01*float32(yrowA[b]) + w10*float32(yrowB[a]) + w11*float32(yrowB[b])
			Cb := w00*float32(cbA[ca]) + w01*float32(cbA[cb]) + w10*float32(cbB[ca]) + w11*float32(cbB[cb])
			Cr := w00*float32(crA[ca]) + w01*float32(crA[cb]) + w10*float32(crB[ca]) + w11*float32(crB[cb])
			var px [3]float32
			px[0], px[1], px[2] = yccToRGB(Y, Cb, Cr)
			c0[o+x] = px[ord[0]]*mul[0] + add[0]
			c1[o+x] = px[ord[1]]*mul[1] + add[1]
			c2[o+x] = px[ord[2]]*mul[2] + add[2]
		}
	}
}

var (
	ordBGR  = [3]int{2, 1, 0}
	ordRGB  = [3]int{0, 1, 2}
	unitMul = [3]float32{1, 1, 1}
	zeroAdd = [3]float32{}
)

// luma returns the BT.601 luminance of a raster pixel.
func luma(p []uint8) float32 {
	return 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
}

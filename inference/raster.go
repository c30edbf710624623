package inference

import (
	"image"
)

// raster is packed 8-bit pixels, channel 0 red, 1 green, 2 blue; bpp 3 or 4.
// Every pre-processing step samples rasters, never image.Image.At.
type raster struct {
	pix               []uint8
	w, h, stride, bpp int
}

// toRaster returns img as a raster, sharing *image.RGBA (and opaque *image.NRGBA) pixels
// and converting other types into buf (grown if needed).
func toRaster(img image.Image, buf []uint8) raster {
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

// Package imagebomb writes small image files that declare huge sizes and decode, in
// full, to a flat grey picture of that size: decompression bombs, for the tests and
// the memory figures of the image limits (internal/imagelimit). Every block of a JPEG
// is coded in 2 bits (1 for a progressive DC scan, plus an end-of-band run per
// component), so a 10000x10000 CMYK JPEG is 781 KB. It is test equipment; the agent
// never imports it.
package imagebomb

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
)

// JPEG describes a JPEG bomb.
type JPEG struct {
	Width, Height int
	// Sampling is each component's sampling factors {H, V}: one component for grey,
	// three for YCbCr ({{2,2},{1,1},{1,1}} is 4:2:0), four for CMYK (an Adobe marker
	// says so).
	Sampling    [][2]int
	Progressive bool
}

// Common samplings.
var (
	Gray     = [][2]int{{1, 1}}
	YCbCr420 = [][2]int{{2, 2}, {1, 1}, {1, 1}}
	YCbCr444 = [][2]int{{1, 1}, {1, 1}, {1, 1}}
	CMYK     = [][2]int{{1, 1}, {1, 1}, {1, 1}, {1, 1}}
)

// Bytes writes the JPEG.
func (j JPEG) Bytes() []byte {
	var b bytes.Buffer
	seg := func(marker byte, body []byte) {
		b.Write([]byte{0xFF, marker})
		binary.Write(&b, binary.BigEndian, uint16(len(body)+2))
		b.Write(body)
	}
	b.Write([]byte{0xFF, 0xD8})
	nc := len(j.Sampling)
	if nc == 4 { // Adobe APP14, transform 0: CMYK
		seg(0xEE, []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0})
	}
	q := make([]byte, 65) // table 0, 8-bit, all ones
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	seg(0xDB, q)
	sof := []byte{8, byte(j.Height >> 8), byte(j.Height), byte(j.Width >> 8), byte(j.Width), byte(nc)}
	for i, s := range j.Sampling {
		sof = append(sof, byte(i+1), byte(s[0]<<4|s[1]), 0)
	}
	marker := byte(0xC0)
	if j.Progressive {
		marker = 0xC2
	}
	seg(marker, sof)
	// DC table 0: one symbol (difference category 0) coded "0".
	dc := append([]byte{0x00, 1}, make([]byte, 15)...)
	seg(0xC4, append(dc, 0))
	if !j.Progressive {
		// AC table 0: one symbol (end of block) coded "0".
		ac := append([]byte{0x10, 1}, make([]byte, 15)...)
		seg(0xC4, append(ac, 0))
		sos := []byte{byte(nc)}
		for i := range j.Sampling {
			sos = append(sos, byte(i+1), 0x00)
		}
		seg(0xDA, append(sos, 0, 63, 0))
		zeroBits(&b, 2*j.interleavedBlocks())
	} else {
		// AC table 0: the end-of-band runs EOB0..EOB14, each coded in 5 bits.
		ac := []byte{0x10, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
		for r := 0; r < 15; r++ {
			ac = append(ac, byte(r<<4))
		}
		seg(0xC4, ac)
		sos := []byte{byte(nc)}
		for i := range j.Sampling {
			sos = append(sos, byte(i+1), 0x00)
		}
		seg(0xDA, append(sos, 0, 0, 0)) // DC first scan, all components
		zeroBits(&b, j.interleavedBlocks())
		for i := range j.Sampling { // AC first scan of each component: all end of band
			seg(0xDA, []byte{1, byte(i + 1), 0x00, 1, 63, 0})
			eobRuns(&b, j.componentBlocks(i))
		}
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

func (j JPEG) max() (int, int) {
	hm, vm := 1, 1
	for _, s := range j.Sampling {
		hm, vm = max(hm, s[0]), max(vm, s[1])
	}
	return hm, vm
}

// interleavedBlocks counts the blocks of an interleaved scan of every component (one
// component: its own blocks).
func (j JPEG) interleavedBlocks() int {
	if len(j.Sampling) == 1 {
		return j.componentBlocks(0)
	}
	hm, vm := j.max()
	mcus := ceil(j.Width, 8*hm) * ceil(j.Height, 8*vm)
	n := 0
	for _, s := range j.Sampling {
		n += mcus * s[0] * s[1]
	}
	return n
}

// componentBlocks counts the blocks of a non-interleaved scan of component i.
func (j JPEG) componentBlocks(i int) int {
	hm, vm := j.max()
	w, h := ceil(j.Width*j.Sampling[i][0], hm), ceil(j.Height*j.Sampling[i][1], vm)
	return ceil(w, 8) * ceil(h, 8)
}

func ceil(a, b int) int { return (a + b - 1) / b }

// zeroBits writes n zero bits of entropy-coded data, padded with ones.
func zeroBits(b *bytes.Buffer, n int) {
	b.Write(make([]byte, n/8))
	if r := n % 8; r > 0 {
		b.WriteByte(0xFF >> r)
	}
}

// eobRuns writes end-of-band runs covering n blocks (at most 32767 a run), with byte
// stuffing.
func eobRuns(b *bytes.Buffer, n int) {
	var acc uint64
	var nb uint
	put := func(v uint64, w uint) {
		acc, nb = acc<<w|v, nb+w
		for nb >= 8 {
			c := byte(acc >> (nb - 8))
			b.WriteByte(c)
			if c == 0xFF {
				b.WriteByte(0)
			}
			nb -= 8
		}
	}
	for n > 0 {
		run := min(n, 32767)
		r := uint(bits.Len(uint(run)) - 1)
		put(uint64(r), 5) // EOBr is the r-th code of the table: r in 5 bits
		put(uint64(run-1<<r), r)
		n -= run
	}
	if nb > 0 {
		put(1<<(8-nb)-1, 8-nb)
	}
}

// PNG describes a PNG bomb: all pixels zero (transparent black when there is alpha).
type PNG struct {
	Width, Height int
	Depth         int // 8 or 16
	ColorType     int // 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA
	// HeaderOnly writes the signature, IHDR and an empty IDAT: enough for a refusal
	// test, and instant at any size.
	HeaderOnly bool
}

// Bytes writes the PNG (compressing Width·Height pixels of zeros unless HeaderOnly).
func (p PNG) Bytes() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(p.Width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(p.Height))
	ihdr[8], ihdr[9] = byte(p.Depth), byte(p.ColorType)
	chunk(&b, "IHDR", ihdr)
	var idat bytes.Buffer
	if !p.HeaderOnly {
		chans := map[int]int{0: 1, 2: 3, 4: 2, 6: 4}[p.ColorType]
		if chans == 0 || (p.Depth != 8 && p.Depth != 16) {
			return nil, fmt.Errorf("imagebomb: colour type %d at depth %d is not written", p.ColorType, p.Depth)
		}
		z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
		row := make([]byte, 1+p.Width*chans*p.Depth/8) // filter 0, then zeros
		for y := 0; y < p.Height; y++ {
			if _, err := z.Write(row); err != nil {
				return nil, err
			}
		}
		if err := z.Close(); err != nil {
			return nil, err
		}
	}
	chunk(&b, "IDAT", idat.Bytes())
	chunk(&b, "IEND", nil)
	return b.Bytes(), nil
}

func chunk(w io.Writer, typ string, data []byte) {
	binary.Write(w, binary.BigEndian, uint32(len(data)))
	c := append([]byte(typ), data...)
	w.Write(c)
	binary.Write(w, binary.BigEndian, crc32.ChecksumIEEE(c))
}

package inference

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func TestDecodeBadInput(t *testing.T) {
	good := testimages.Read(t, "obama_1.jpg")
	corrupt := append([]byte(nil), good...)
	// Set the frame header's component count to 7: an invalid JPEG.
	sof := jpegSegment(corrupt, 0xC0, 0xC1, 0xC2)
	if sof < 0 {
		t.Fatal("test photo has no SOF marker")
	}
	corrupt[sof+9] = 7
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, image.NewPaletted(image.Rect(0, 0, 64, 64), []color.Color{color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	var tiny bytes.Buffer
	png.Encode(&tiny, image.NewRGBA(image.Rect(0, 0, 1, 1)))
	cases := []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, ErrBadImage, "empty"},
		{"truncated JPEG", good[:len(good)/2], ErrBadImage, "truncated"},
		{"corrupt JPEG", corrupt, ErrBadImage, ""},
		{"only the JPEG magic", []byte{0xFF, 0xD8, 0xFF}, ErrBadImage, ""},
		{"text", []byte("hello, this is not an image"), ErrBadImage, ""},
		{"GIF", gifData.Bytes(), ErrBadImage, "gif is not supported"},
		{"1x1 PNG", tiny.Bytes(), ErrImageTooSmall, "1x1"},
		{"decompression bomb header", pngHeader(20000, 20000), ErrImageTooLarge, "20000x20000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := DecodeImage(c.data)
			if img != nil || !errors.Is(err, c.want) {
				t.Fatalf("DecodeImage = %v, %v; want error %v", img != nil, err, c.want)
			}
			if c.text != "" && !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not say %q", err, c.text)
			}
		})
	}
}

// jpegSegment returns the offset of the first marker segment of one of the kinds.
func jpegSegment(b []byte, kinds ...byte) int {
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		for _, k := range kinds {
			if b[i+1] == k {
				return i
			}
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return -1
}

// pngHeader returns the signature and IHDR chunk of an RGBA PNG of w×h pixels.
func pngHeader(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6
	binary.Write(&b, binary.BigEndian, uint32(13))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.jpg")
	os.WriteFile(bad, []byte("not a jpeg"), 0o600)
	for _, p := range []string{bad, filepath.Join(dir, "missing.jpg"), dir} {
		_, err := DecodeFile(p)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("DecodeFile(%s) = %v, want an error naming the file", p, err)
		}
	}
}

// A PNG with transparency is flattened onto white, and a face in it is still found.
func TestDecodePNGWithAlpha(t *testing.T) {
	src := toRGB(photo(t, "astronaut.png"), nil)
	nrgba := image.NewNRGBA(image.Rect(0, 0, src.w, src.h))
	for y := 0; y < src.h; y++ {
		for x := 0; x < src.w; x++ {
			p := src.pix[y*src.stride+x*src.bpp:]
			a := uint8(255)
			if x < 60 { // a transparent strip on the left
				a = 0
			}
			nrgba.SetNRGBA(x, y, color.NRGBA{p[0], p[1], p[2], a})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, nrgba); err != nil {
		t.Fatal(err)
	}
	img, err := DecodeImage(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r, g, bl, _ := img.At(10, 10).RGBA()
	if r>>8 != 255 || g>>8 != 255 || bl>>8 != 255 {
		t.Errorf("transparent pixel became %d,%d,%d, want white", r>>8, g>>8, bl>>8)
	}
	a, err := testEngine(t).Analyze(img, AnalyzeOptions{})
	if err != nil || len(a.Faces) != 1 {
		t.Fatalf("Analyze: %v, faces %v", err, a)
	}
}

// A huge image (7200x5000, MaxDecodePixels) is decoded and scaled down to MaxImageSide.
func TestDecodeHugeImage(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes a 36-megapixel JPEG")
	}
	// Tile a photo onto the canvas so the detector has something to find.
	face := toRGB(photo(t, "dfC_img20.jpg"), nil)
	const W, H = 7200, 5000
	big := image.NewYCbCr(image.Rect(0, 0, W, H), image.YCbCrSubsampleRatio420)
	for i := range big.Cb {
		big.Cb[i], big.Cr[i] = 128, 128
	}
	for i := range big.Y {
		big.Y[i] = 90
	}
	for y := 0; y < H; y++ {
		fy := y * face.h / H
		for x := 0; x < W; x++ {
			p := face.pix[fy*face.stride+(x*face.w/W)*face.bpp:]
			big.Y[y*big.YStride+x] = uint8(luma(p))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, big, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	img, err := DecodeImage(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// The decoded 4:2:0 image is 54 MB at full size; scaling must not add a whole-frame RGB copy.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("decoding %dx%d allocated %d MB", W, H, alloc>>20)
	if alloc > 120<<20 {
		t.Errorf("decoding %dx%d allocated %d MB, want under 120 MB", W, H, alloc>>20)
	}
	if got := img.Bounds(); got.Dx() != MaxImageSide || got.Dy() != (MaxImageSide*H+W/2)/W {
		t.Fatalf("decoded to %v, want %dx%d", got, MaxImageSide, (MaxImageSide*H+W/2)/W)
	}
	a, err := testEngine(t).Analyze(img, AnalyzeOptions{Still: true})
	if err != nil || len(a.Faces) != 1 {
		t.Fatalf("Analyze of the scaled-down image: %v, %d faces", err, len(a.Faces))
	}
}

// live_minivision_T1.jpg is stored sideways with EXIF orientation 6.
func TestEXIFOrientation(t *testing.T) {
	data := testimages.Read(t, "live_minivision_T1.jpg")
	if o := exifOrientation(data); o != 6 {
		t.Fatalf("exifOrientation = %d, want 6", o)
	}
	cfg, _ := jpeg.DecodeConfig(bytes.NewReader(data))
	img := decodeBytes(t, data)
	if b := img.Bounds(); b.Dx() != cfg.Height || b.Dy() != cfg.Width {
		t.Fatalf("decoded %v, stored %dx%d: not rotated", b, cfg.Width, cfg.Height)
	}
	e := testEngine(t)
	a, err := e.Analyze(img, AnalyzeOptions{Liveness: true})
	if err != nil || len(a.Faces) != 1 {
		t.Fatalf("upright: %v, faces %v", err, a)
	}
	if r := a.Faces[0].Pose.Roll; r < -30 || r > 30 {
		t.Errorf("upright face has roll %.0f°", r)
	}
	if !a.Faces[0].Liveness.Live {
		t.Errorf("upright live photo judged not live: %+v", a.Faces[0].Liveness)
	}
	// Without the EXIF rotation the face lies on its side.
	raw, _ := jpeg.Decode(bytes.NewReader(data))
	a2, err := e.Analyze(raw, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a2.Faces {
		if r := f.Pose.Roll; r > -60 && r < 60 {
			t.Errorf("sideways image gave an upright face (roll %.0f°)", r)
		}
	}
	if o := exifOrientation(testimages.Read(t, "obama_3.jpg")); o != 1 {
		t.Errorf("photo without EXIF orientation: %d, want 1", o)
	}
}

// Each EXIF orientation maps a 3x2 test pattern to the expected upright layout.
func TestOrientImage(t *testing.T) {
	// Stored pixels, values 1..6 in the red channel:  1 2 3 / 4 5 6.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		src.Pix[4*i], src.Pix[4*i+3] = uint8(i+1), 255
	}
	cases := []struct {
		o    int
		w, h int
		want []uint8 // row-major red values of the result
	}{
		{1, 3, 2, []uint8{1, 2, 3, 4, 5, 6}},
		{2, 3, 2, []uint8{3, 2, 1, 6, 5, 4}},
		{3, 3, 2, []uint8{6, 5, 4, 3, 2, 1}},
		{4, 3, 2, []uint8{4, 5, 6, 1, 2, 3}},
		{5, 2, 3, []uint8{1, 4, 2, 5, 3, 6}},
		{6, 2, 3, []uint8{4, 1, 5, 2, 6, 3}},
		{7, 2, 3, []uint8{6, 3, 5, 2, 4, 1}},
		{8, 2, 3, []uint8{3, 6, 2, 5, 1, 4}},
	}
	for _, c := range cases {
		out := orientImage(src, c.o)
		b := out.Bounds()
		if b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("orientation %d: %v, want %dx%d", c.o, b, c.w, c.h)
			continue
		}
		var got []uint8
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				r, _, _, _ := out.At(x, y).RGBA()
				got = append(got, uint8(r>>8))
			}
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("orientation %d: %v, want %v", c.o, got, c.want)
		}
	}
}

// toRaster's fast paths agree with the standard library's colour conversion.
func TestToRasterMatchesStdlib(t *testing.T) {
	rect := image.Rect(3, 5, 3+37, 5+23) // odd sizes and a non-zero origin
	var imgs []image.Image
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio440} {
		m := image.NewYCbCr(rect, ratio)
		for i := range m.Y {
			m.Y[i] = uint8(i * 7)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(i*13), uint8(255-i*5)
		}
		imgs = append(imgs, m, m.SubImage(image.Rect(8, 9, 30, 20)))
	}
	g := image.NewGray(rect)
	for i := range g.Pix {
		g.Pix[i] = uint8(i)
	}
	nr := image.NewNRGBA(rect)
	for i := range nr.Pix {
		nr.Pix[i] = uint8(i * 3)
	}
	imgs = append(imgs, g, nr, image.NewCMYK(rect))
	for n, img := range imgs {
		r := toRGB(img, nil)
		b := img.Bounds()
		if r.w != b.Dx() || r.h != b.Dy() {
			t.Fatalf("image %d: raster %dx%d, bounds %v", n, r.w, r.h, b)
		}
		for y := 0; y < r.h; y++ {
			for x := 0; x < r.w; x++ {
				cr, cg, cb, ca := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				wa := 0xffff - ca
				want := [3]uint8{uint8((cr + wa) >> 8), uint8((cg + wa) >> 8), uint8((cb + wa) >> 8)}
				p := r.pix[y*r.stride+x*r.bpp:]
				if p[0] != want[0] || p[1] != want[1] || p[2] != want[2] {
					t.Fatalf("image %d (%T) pixel %d,%d: %v, want %v", n, img, x, y, p[:3], want)
				}
			}
		}
	}
}

// A YCbCr raster samples like the same image converted to RGB (within rounding).
func TestYCbCrRasterMatchesRGB(t *testing.T) {
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio444} {
		m := image.NewYCbCr(image.Rect(0, 0, 97, 61), ratio)
		for i := range m.Y {
			m.Y[i] = uint8(60 + (i*7)%140)
		}
		for i := range m.Cb { // no colour so strong that RGB clamps
			m.Cb[i], m.Cr[i] = uint8(110+(i*3)%36), uint8(146-(i*5)%36)
		}
		for _, img := range []*image.YCbCr{m, m.SubImage(image.Rect(5, 3, 90, 50)).(*image.YCbCr)} {
			yr, rr := toRaster(img, nil), toRGB(img, nil)
			if yr.ycc == nil || rr.ycc != nil {
				t.Fatal("raster kinds")
			}
			for y := 0; y < yr.h; y++ {
				for x := 0; x < yr.w; x++ {
					a0, a1, a2 := yr.rgbAt(x, y)
					b0, b1, b2 := rr.rgbAt(x, y)
					if math.Abs(float64(a0-b0)) > 1.5 || math.Abs(float64(a1-b1)) > 1.5 || math.Abs(float64(a2-b2)) > 1.5 {
						t.Fatalf("%v pixel %d,%d: %v %v %v vs %v %v %v", ratio, x, y, a0, a1, a2, b0, b1, b2)
					}
					clamped := min(b0, b1, b2) == 0 || max(b0, b1, b2) == 255
					if d := yr.lumaAt(x, y) - rr.lumaAt(x, y); !clamped && (d > 2 || d < -2) {
						t.Fatalf("%v luma %d,%d differs by %v", ratio, x, y, d)
					}
				}
			}
			// Resizing into a tensor agrees too.
			const dw, dh = 40, 25
			ta, tb := make([]float32, 3*dw*dh), make([]float32, 3*dw*dh)
			var ax, ay axisMap
			resizeToCHW(yr, 2, 1, yr.w-3, yr.h-2, dw, dh, ta, dw, dh, ordBGR, unitMul, zeroAdd, &ax, &ay)
			resizeToCHW(rr, 2, 1, rr.w-3, rr.h-2, dw, dh, tb, dw, dh, ordBGR, unitMul, zeroAdd, &ax, &ay)
			for i := range ta {
				if math.Abs(float64(ta[i]-tb[i])) > 1.5 {
					t.Fatalf("%v tensor[%d] %v vs %v", ratio, i, ta[i], tb[i])
				}
			}
			row := make([]uint8, 3*yr.w)
			yr.rowRGB(yr.h/2, row)
			if !bytes.Equal(row, rr.pix[(yr.h/2)*rr.stride:][:3*rr.w]) {
				t.Errorf("%v rowRGB differs from the stdlib conversion", ratio)
			}
		}
	}
}

// The 2x fast path for 4:2:0 frames gives the same tensor as the general path.
func TestHalveYCbCr420(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = uint8(60 + (i*7)%140)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(110+(i*3)%36), uint8(146-(i*5)%36)
	}
	r := toRaster(m, nil)
	fast, slow := make([]float32, 3*32*24), make([]float32, 3*32*24)
	var ax, ay axisMap
	resizeToCHW(r, 0, 0, 63, 47, 32, 24, fast, 32, 24, ordBGR, unitMul, zeroAdd, &ax, &ay)
	makeAxis(&ax, 32, 0, 63, 2)
	makeAxis(&ay, 24, 0, 47, 2)
	resizeYCbCrToCHW(r, 32, 24, slow[:768], slow[768:1536], slow[1536:], 32, ordBGR, unitMul, zeroAdd, &ax, &ay)
	for i := range fast {
		if math.Abs(float64(fast[i]-slow[i])) > 0.01 {
			t.Fatalf("tensor[%d]: fast %v, general %v", i, fast[i], slow[i])
		}
	}
}

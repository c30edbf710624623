package capture

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
)

// refYUV is the float BT.601 limited-range conversion the integer code approximates.
func refYUV(y, u, v uint8) [3]float64 {
	c, d, e := float64(y)-16, float64(u)-128, float64(v)-128
	cl := func(x float64) float64 { return math.Max(0, math.Min(255, math.Round(x))) }
	return [3]float64{cl(1.164383*c + 1.596027*e), cl(1.164383*c - 0.391762*d - 0.812968*e), cl(1.164383*c + 2.017232*d)}
}

func TestYUYVToRGBA(t *testing.T) {
	cases := []struct {
		name    string
		y, u, v uint8
		want    [3]uint8
	}{
		{"white", 235, 128, 128, [3]uint8{255, 255, 255}},
		{"black", 16, 128, 128, [3]uint8{0, 0, 0}},
		{"red", 81, 90, 240, [3]uint8{255, 0, 0}},
		{"green", 145, 54, 34, [3]uint8{0, 255, 0}},
		{"blue", 41, 240, 110, [3]uint8{0, 0, 255}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte{tc.y, tc.u, tc.y, tc.v}
			dst := image.NewRGBA(image.Rect(0, 0, 2, 1))
			YUYVToRGBA(dst, src, 4)
			for px := 0; px < 2; px++ {
				for ch := 0; ch < 3; ch++ {
					if d := int(dst.Pix[px*4+ch]) - int(tc.want[ch]); d < -2 || d > 2 {
						t.Fatalf("pixel %d = %v, want %v", px, dst.Pix[px*4:px*4+3], tc.want)
					}
				}
				if dst.Pix[px*4+3] != 255 {
					t.Fatalf("alpha %d", dst.Pix[px*4+3])
				}
			}
		})
	}
}

func TestYUYVToRGBAMatchesReference(t *testing.T) {
	const w, h, stride = 64, 16, 64*2 + 8 // padded rows
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, stride*h)
	for i := range src {
		src[i] = byte(rng.IntN(256))
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	YUYVToRGBA(dst, src, stride)
	worst := 0.0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := src[y*stride+(x/2)*4:]
			yy := p[0]
			if x%2 == 1 {
				yy = p[2]
			}
			ref := refYUV(yy, p[1], p[3])
			for ch := 0; ch < 3; ch++ {
				worst = math.Max(worst, math.Abs(float64(dst.Pix[y*dst.Stride+x*4+ch])-ref[ch]))
			}
		}
	}
	if worst > 2 {
		t.Fatalf("integer conversion is off the float reference by %.0f levels (at most 2 allowed)", worst)
	}
}

func TestFrameImage(t *testing.T) {
	yuyv := Frame{Format: FormatYUYV, Width: 4, Height: 2, Stride: 8, Data: bytes.Repeat([]byte{235, 128, 235, 128}, 4)}
	cases := []struct {
		name    string
		f       Frame
		wantErr error
		want    color.RGBA
	}{
		{"yuyv", yuyv, nil, color.RGBA{255, 255, 255, 255}},
		{"rgb", Frame{Format: FormatRGB, Width: 2, Height: 1, Stride: 6, Data: []byte{10, 20, 30, 40, 50, 60}}, nil, color.RGBA{10, 20, 30, 255}},
		{"short yuyv", Frame{Format: FormatYUYV, Width: 4, Height: 2, Stride: 8, Data: make([]byte, 10)}, ErrShortFrame, color.RGBA{}},
		{"odd yuyv", Frame{Format: FormatYUYV, Width: 3, Height: 1, Stride: 8, Data: make([]byte, 8)}, ErrShortFrame, color.RGBA{}},
		{"garbage mjpeg", Frame{Format: FormatMJPEG, Data: []byte("not a jpeg")}, ErrBadJPEG, color.RGBA{}},
		{"unknown format", Frame{Format: 99}, ErrUnsupportedFormat, color.RGBA{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := tc.f.Image()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := color.RGBAModel.Convert(img.At(0, 0)).(color.RGBA); got != tc.want {
				t.Fatalf("pixel = %v, want %v", got, tc.want)
			}
		})
	}
}

// stripDHT removes every DHT segment, as MJPEG webcams send their frames.
func stripDHT(t *testing.T, b []byte) []byte {
	t.Helper()
	out := append([]byte{}, b[:2]...)
	i := 2
	for i+4 <= len(b) {
		m := b[i+1]
		if m == 0xda {
			return append(out, b[i:]...)
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if m != 0xc4 {
			out = append(out, b[i:i+2+n]...)
		}
		i += 2 + n
	}
	t.Fatal("no SOS")
	return nil
}

func testPattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xff), 255})
		}
	}
	return img
}

func TestDecodeMJPEGWithoutHuffmanTables(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testPattern(64, 48), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	bare := stripDHT(t, full)
	if bytes.Contains(bare, []byte{0xff, 0xc4}) {
		t.Fatal("test setup: DHT still present")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("test setup: the stdlib decoder accepted a frame without Huffman tables")
	}
	want, err := DecodeMJPEG(full) // the same decoder on the frame with its own tables
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeMJPEG(bare)
	if err != nil {
		t.Fatalf("DecodeMJPEG without DHT: %v", err)
	}
	wy, gy := want.(*image.YCbCr), got.(*image.YCbCr)
	if !bytes.Equal(wy.Y, gy.Y) || !bytes.Equal(wy.Cb, gy.Cb) || !bytes.Equal(wy.Cr, gy.Cr) {
		t.Fatal("decoding with the Annex K tables differs from the original")
	}
	// A frame that has its tables passes through untouched.
	same, err := WithHuffmanTables(full)
	if err != nil || &same[0] != &full[0] {
		t.Fatalf("a frame with DHT was copied or refused: %v", err)
	}
}

func TestWithHuffmanTablesRejectsBadFrames(t *testing.T) {
	cases := map[string][]byte{
		"empty":     nil,
		"no SOI":    []byte{0x00, 0x01, 0x02, 0x03},
		"truncated": []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x40, 0x00},
		"EOI early": []byte{0xff, 0xd8, 0xff, 0xd9, 0x00, 0x00},
		"no marker": []byte{0xff, 0xd8, 0x12, 0x34, 0x00, 0x00},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := WithHuffmanTables(b); !errors.Is(err, ErrBadJPEG) {
				t.Fatalf("err = %v, want ErrBadJPEG", err)
			}
		})
	}
}

func FuzzDecodeMJPEG(f *testing.F) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, testPattern(16, 16), nil)
	f.Add(buf.Bytes())
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeMJPEG(b) // must not panic
	})
}

func TestScaleAndEncode(t *testing.T) {
	cases := []struct {
		name         string
		w, h, side   int
		wantW, wantH int
	}{
		{"landscape down", 1280, 720, 640, 640, 360},
		{"portrait down", 600, 800, 320, 240, 320},
		{"already small", 300, 200, 640, 300, 200},
		{"no limit", 300, 200, 0, 300, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode(testPattern(tc.w, tc.h), tc.side, 0)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Width != tc.wantW || cfg.Height != tc.wantH {
				t.Fatalf("size %dx%d, want %dx%d", cfg.Width, cfg.Height, tc.wantW, tc.wantH)
			}
			if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte{0xff, 0xe1}) {
				t.Fatal("the JPEG carries an APP1/EXIF segment")
			}
		})
	}
	if _, err := Encode(nil, 640, 0); err == nil {
		t.Fatal("Encode(nil) gave no error")
	}
}

func TestFrameFromImageRoundTrip(t *testing.T) {
	src := testPattern(33, 7)
	f := FrameFromImage(src, time0, 5)
	img, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.(*image.RGBA).Pix, src.Pix) {
		t.Fatal("RGBA → frame → RGBA changed the pixels")
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 8, 8), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = 200
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	g := FrameFromImage(ycc, time0, 1)
	if g.Width != 8 || g.Data[0] != 200 || g.Data[1] != 200 || g.Data[2] != 200 || f.Seq != 5 {
		t.Fatalf("YCbCr frame: %dx%d %v", g.Width, g.Height, g.Data[:3])
	}
}

// An MJPEG frame declaring a huge size is refused from its header (a camera, or a
// replayed MJPEG, cannot make the kiosk decode a bomb); a small one of the same kinds
// decodes.
func TestDecodeMJPEGRefusesBombs(t *testing.T) {
	for _, j := range []imagebomb.JPEG{
		{Width: 10000, Height: 10000, Sampling: imagebomb.YCbCr420},
		{Width: 3000, Height: 3000, Sampling: imagebomb.CMYK, Progressive: true},
	} {
		if _, err := DecodeMJPEG(j.Bytes()); !errors.Is(err, imagelimit.ErrTooLarge) {
			t.Errorf("%dx%d: %v, want a refusal", j.Width, j.Height, err)
		}
		j.Width, j.Height = 640, 480
		img, err := DecodeMJPEG(j.Bytes())
		if err != nil || img.Bounds().Dx() != 640 {
			t.Errorf("640x480: %v", err)
		}
	}
}

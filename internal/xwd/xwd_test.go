package xwd

import (
	"bufio"
	"encoding/binary"
	"image/color"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// dump builds an XWD file of w x h pixels, 32 bits, LSBFirst, masks of a BGRX layout.
func dump(w, h int, px func(x, y int) uint32) []byte {
	const header = 100
	b := make([]byte, header+w*h*4)
	put := func(i int, v uint32) { binary.BigEndian.PutUint32(b[i*4:], v) }
	put(0, header)
	put(1, 7)
	put(4, uint32(w))
	put(5, uint32(h))
	put(7, 0) // LSBFirst
	put(11, 32)
	put(12, uint32(4*w))
	put(14, 0xff0000)
	put(15, 0x00ff00)
	put(16, 0x0000ff)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			binary.LittleEndian.PutUint32(b[header+(y*w+x)*4:], px(x, y))
		}
	}
	return b
}

func TestDecode(t *testing.T) {
	img, err := Decode(dump(3, 2, func(x, y int) uint32 { return uint32(x*80)<<16 | uint32(y*200)<<8 | 0x11 }))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds().Size().X, 3; got != want {
		t.Fatalf("width %d, want %d", got, want)
	}
	if got, want := img.RGBAAt(2, 1), (color.RGBA{160, 200, 0x11, 255}); got != want {
		t.Errorf("pixel (2,1) = %v, want %v", got, want)
	}
	for name, b := range map[string][]byte{
		"short":     make([]byte, 50),
		"truncated": dump(40, 40, func(int, int) uint32 { return 0 })[:1000],
		"16 bits": func() []byte {
			d := dump(2, 2, func(int, int) uint32 { return 0 })
			binary.BigEndian.PutUint32(d[11*4:], 16)
			return d
		}(),
		"huge": func() []byte {
			d := dump(2, 2, func(int, int) uint32 { return 0 })
			binary.BigEndian.PutUint32(d[4*4:], 1<<30)
			return d
		}(),
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestGrabXvfb grabs a real Xvfb screen: its size and its (black, opaque) pixels.
func TestGrabXvfb(t *testing.T) {
	for _, c := range []string{"Xvfb", "xwd"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("%s is not installed (scripts/setup.sh installs xvfb and x11-apps)", c)
		}
	}
	// -displayfd: Xvfb picks a free display and writes its number to fd 3.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "320x200x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer func() { x.Process.Kill(); x.Wait() }()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("reading Xvfb's display number: %v", err)
	}
	img, err := Grab(":" + strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got.X != 320 || got.Y != 200 {
		t.Fatalf("grabbed %v, want 320x200", got)
	}
	if got := img.RGBAAt(10, 10); got != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("pixel (10,10) of a fresh Xvfb screen = %v, want opaque black", got)
	}
}

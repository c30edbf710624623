// Command xgrab writes a PNG of the whole X screen of $DISPLAY (through xwd, package
// x11-apps; see internal/xwd). scripts/test-arm64.sh takes the kiosk's sign-in screen
// with it.
//
//	xgrab [-wait DURATION] OUT.png
//
// With -wait it takes the screen once it is drawn and still: less than half of it black
// (an X screen nobody painted yet is black) and the same in two pictures a second apart; it
// fails when that does not happen within DURATION (under qemu a window is painted long
// after the app says it is shown).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/xwd"
)

func main() {
	wait := flag.Duration("wait", 0, "take the screen once it is drawn and still, within this time")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: xgrab [-wait DURATION] OUT.png (the screen of $DISPLAY)")
		os.Exit(2)
	}
	if err := grab(flag.Arg(0), *wait); err != nil {
		fmt.Fprintln(os.Stderr, "xgrab:", err)
		os.Exit(1)
	}
}

func grab(path string, wait time.Duration) error {
	img, err := xwd.Grab("")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for wait > 0 {
		time.Sleep(time.Second)
		next, err := xwd.Grab("")
		if err != nil {
			return err
		}
		still := bytes.Equal(next.Pix, img.Pix)
		img = next
		if still && !unpainted(img) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the screen was not drawn and still within %v (unpainted: %v)", wait, unpainted(img))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// unpainted: half of the screen or more is black, the colour of an X screen no window
// has painted yet (a window may be mapped long before its first frame under qemu).
func unpainted(img *image.RGBA) bool {
	black := 0
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] == 0 && img.Pix[i+1] == 0 && img.Pix[i+2] == 0 {
			black++
		}
	}
	return black*2 >= len(img.Pix)/4
}

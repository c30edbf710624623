// Command xgrab writes a PNG of the whole X screen of $DISPLAY (through xwd, package
// x11-apps; see internal/xwd). scripts/test-arm64.sh takes the kiosk's sign-in screen
// with it.
//
//	xgrab OUT.png
package main

import (
	"fmt"
	"image/png"
	"os"

	"github.com/smartselfie/kiosk-agent/internal/xwd"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: xgrab OUT.png (the screen of $DISPLAY)")
		os.Exit(2)
	}
	if err := grab(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "xgrab:", err)
		os.Exit(1)
	}
}

func grab(path string) error {
	img, err := xwd.Grab("")
	if err != nil {
		return err
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

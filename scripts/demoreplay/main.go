// Command demoreplay writes the replay camera of `make demo`'s kiosk: a folder laid out
// as capture/replay.OpenScripted reads it (selfie/, liveness/, document/), customer A of
// the vendored photos, whose liveness photos follow the prompts (internal/app opens such
// a folder given as capture.selfie_camera.replay_dir).
//
// Usage: go run ./scripts/demoreplay -out DIR [-document PHOTO]
// PHOTO is the vendored portrait (testdata/photos) of a demo customer
// (capture/card/cardtest.Customers): the document camera shows that customer's ID card
// on a desk, turned, then glared, then held straight (enrolltest.DocumentScenes), so the
// document step's card gates refuse the first frames and take the card flattened on the
// good ones. Without it the document camera shows the selfie camera's picture.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
)

func main() {
	out := flag.String("out", "", "output folder")
	doc := flag.String("document", "", "vendored portrait whose ID card the document camera shows (e.g. dfA_img5.jpg)")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: demoreplay -out DIR [-document PHOTO]")
		os.Exit(2)
	}
	if err := enrolltest.Write(*out, *doc); err != nil {
		fmt.Fprintln(os.Stderr, "demoreplay:", err)
		os.Exit(1)
	}
}

package enrolltest

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// The document camera's files, as a replay camera reads them, hold what their names say
// for the card gates: the turned frames are refused as tilted, the glared ones for the
// glare, the good ones pass every gate; for customer A's ID-1 card and the passport
// specimen alike.
func TestDocumentScenesHoldTheirGates(t *testing.T) {
	a, err := Card(Comparison)
	if err != nil {
		t.Fatal(err)
	}
	passport, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		card  *image.RGBA
		class card.Class
	}{{"customer A's ID card", a, card.ClassID1}, {"the passport specimen", passport, card.ClassPassport}} {
		dir := t.TempDir()
		if err := WriteDocument(dir, tc.card); err != nil {
			t.Fatal(err)
		}
		scenes := DocumentScenes(tc.card)
		gates := card.DefaultGates()
		kinds := map[string]int{}
		for _, s := range scenes {
			kinds[s.Kind]++
			img, err := inference.DecodeFile(filepath.Join(dir, replay.DocumentDir, s.Name))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != DocumentWidth || b.Dy() != DocumentHeight {
				t.Fatalf("%s: %s is %v", tc.name, s.Name, b)
			}
			f := card.Find(img)
			p := gates.Check(f)
			want := map[string]card.Problem{"tilted": card.ProblemTilted, "glared": card.ProblemGlare}[s.Kind]
			switch {
			case !f.Found:
				t.Errorf("%s: %s: no card found", tc.name, s.Name)
			case f.Class != tc.class:
				t.Errorf("%s: %s: the card is classed %q (%+v)", tc.name, s.Name, f.Class, f)
			case s.Good() && len(p) > 0:
				t.Errorf("%s: %s fails %v (%+v)", tc.name, s.Name, p, f)
			case !s.Good() && !slices.Contains(p, want):
				t.Errorf("%s: %s fails %v, not %s (%+v)", tc.name, s.Name, p, want, f)
			}
		}
		if kinds["tilted"] == 0 || kinds["glared"] == 0 || kinds["good"] < gates.StableFrames {
			t.Errorf("%s: the scenes %v", tc.name, kinds)
		}
		if files, _ := os.ReadDir(filepath.Join(dir, replay.DocumentDir)); len(files) != len(scenes) {
			t.Errorf("%s: %d files for %d scenes", tc.name, len(files), len(scenes))
		}
	}
}

package kioskui

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// A document frame's guidance reaches the wizard with the card's outline as fractions of
// the frame and the card's problems as they are; no outline when no card was found.
func TestGuidanceCard(t *testing.T) {
	fd := card.Finding{Found: true, Width: 640, Height: 480,
		Corners: card.Quad{{X: 64, Y: 48}, {X: 576, Y: 60}, {X: 570, Y: 400}, {X: 70, Y: 432}}}
	g := guidance(capture.Guidance{Card: &fd, CardProblems: []card.Problem{card.ProblemTilted, card.ProblemGlare}})
	want := ui.CardOutline{{X: 0.1, Y: 0.1}, {X: 0.9, Y: 0.125}, {X: 570.0 / 640, Y: 400.0 / 480}, {X: 70.0 / 640, Y: 0.9}}
	if g.Card == nil {
		t.Fatal("no outline")
	}
	for i := range want {
		if math.Abs(g.Card[i].X-want[i].X) > 1e-9 || math.Abs(g.Card[i].Y-want[i].Y) > 1e-9 {
			t.Errorf("corner %d: %v, want %v", i, g.Card[i], want[i])
		}
	}
	if len(g.CardProblems) != 2 || g.CardProblems[0] != ui.CardTilted || g.CardProblems[1] != ui.CardGlare {
		t.Errorf("card problems %q", g.CardProblems)
	}
	none := card.Finding{Width: 640, Height: 480}
	if g := guidance(capture.Guidance{Card: &none, CardProblems: []card.Problem{card.ProblemNoDocument}}); g.Card != nil || g.CardProblems[0] != ui.CardNoDocument {
		t.Errorf("no card: outline %v, problems %q", g.Card, g.CardProblems)
	}
}

// With the card's gates on, a passport held turned never passes them: the document step
// outlines it and says to hold it straight; "Take it now" (capture.document_manual_after
// 0s: at once) keeps the frame flattened to the card, its face found by the engine, and
// the job is sealed into the real queue as a manual capture, the card flattened.
func TestEnrollmentTakeItNow(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	spec, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	camDir := enrolltest.ReplayDir(t)
	docDir := filepath.Join(camDir, replay.DocumentDir)
	os.MkdirAll(docDir, 0o755)
	for i := 0; i < 2; i++ {
		scene := cardtest.Scene{W: 1280, H: 960, Corners: cardtest.Placed(640, 480, 760, 25, 0), Seed: int64(i)}
		var b bytes.Buffer
		if err := png.Encode(&b, scene.Render(spec)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(docDir, "turned"+string(rune('a'+i))+".png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := newEnrollRig(t, camDir, importDir(t), false, rigOptions{config: func(c *config.Config) {
		c.Capture.DocumentCardGates = true
		c.Capture.DocumentManualAfter = 0
	}})
	r.start("CUST-A-0009", job.Document)
	r.waitText(ui.T("document.title"))
	r.waitText(ui.Msg("card.tilted"))
	var lines int
	fake.WalkCanvas(r.win.Canvas(), func(o fyne.CanvasObject) {
		if _, ok := o.(*canvas.Line); ok {
			lines++
		}
	})
	if lines != 4 {
		t.Errorf("the turned card is outlined by %d lines, want 4", lines)
	}
	r.waitFor("Take it now", func() bool {
		b := fake.FindButton(r.win.Canvas(), ui.T("capture.take-now"))
		return b != nil && !b.Disabled()
	})
	r.tap(ui.T("capture.take-now"))
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("review.force")) // the replayed customer is not the specimen
	r.tapIf("Zawadi Mwangi")
	r.pin(supervisorPIN)
	r.waitText(ui.T("result.saved"))
	e := r.onlyJob()
	if e.CaptureOrigin != job.OriginManual {
		t.Errorf("Take it now recorded as %q, want manual", e.CaptureOrigin)
	}
	j, err := r.a.Queue().Load(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.CaptureOrigin != job.OriginManual {
		t.Errorf("the sealed job's origin %q", j.CaptureOrigin)
	}
	img, _, err := image.Decode(bytes.NewReader(j.Comparison))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); math.Abs(float64(b.Dx())/float64(b.Dy())-card.AspectPassport) > 0.03 || b.Dx() < 400 {
		t.Errorf("the comparison image is %dx%d: not the turned card flattened", b.Dx(), b.Dy())
	}
	if b, _ := json.Marshal(j); strings.Contains(string(b), "L898902C3") {
		t.Error("the sealed job keeps the document number")
	}
}

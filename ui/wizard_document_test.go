package ui_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

// outline is the document step's card outline on screen: its four lines and their
// container (nil when hidden).
func (r *wrig) outline() ([]*canvas.Line, *fyne.Container) {
	var lines []*canvas.Line
	var box *fyne.Container
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok || len(c.Objects) != 4 {
			return
		}
		var ls []*canvas.Line
		for _, ch := range c.Objects {
			if l, ok := ch.(*canvas.Line); ok {
				ls = append(ls, l)
			}
		}
		if len(ls) == 4 {
			lines, box = ls, c
		}
	})
	return lines, box
}

// picture is the preview's image of a frame of the fake cameras' size.
func (r *wrig) previewImage() *canvas.Image {
	var img *canvas.Image
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Image); ok && x.Image != nil && x.Image.Bounds().Dx() == fake.FrameSize {
			img = x
		}
	})
	if img == nil {
		r.t.Fatalf("no preview image on screen: %q", fake.Texts(r.canvas()))
	}
	return img
}

// fixedFrame reports whether the fixed ID-1 frame (the "place it here" hint) shows.
func (r *wrig) fixedFrame() bool {
	found := false
	fake.WalkCanvas(r.canvas(), func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Rectangle); ok && x.CornerRadius == 14 && x.StrokeWidth == 5 {
			found = true
		}
	})
	return found
}

func amber(t *testing.T, what string, l *canvas.Line) {
	t.Helper()
	red, green, _, _ := l.StrokeColor.RGBA()
	if !(red > green) {
		t.Errorf("%s: outline %v, want amber", what, l.StrokeColor)
	}
}

func abs(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// The corners' fractions of the frame land on the picture as drawn: scaled by its size,
// kept on it.
func TestOutlinePoints(t *testing.T) {
	q := ui.CardOutline{{X: 0.1, Y: 0.2}, {X: 0.9, Y: 0.25}, {X: 1.2, Y: 0.8}, {X: -0.05, Y: 0.75}}
	got := ui.OutlinePoints(q, fyne.NewSize(800, 600))
	want := [4]fyne.Position{{X: 80, Y: 120}, {X: 720, Y: 150}, {X: 800, Y: 480}, {X: 0, Y: 450}}
	for i := range want {
		if math.Abs(float64(got[i].X-want[i].X)) > 0.01 || math.Abs(float64(got[i].Y-want[i].Y)) > 0.01 {
			t.Errorf("corner %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// The document step outlines the card where the frame shows it, over the picture as it
// is drawn (fitted to the preview's room by its aspect): amber with its one instruction
// while a gate fails, green when every gate holds; no outline but the fixed frame while
// no card is found. The outline's lines are moved, not made anew, for each frame.
func TestDocumentCardOutline(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 0, Still: true})
	r.start(job.Document)
	r.waitText(ui.Msg("card.no_document"))
	if lines, _ := r.outline(); lines != nil {
		t.Error("an outline shows with no card found")
	}
	if !r.fixedFrame() {
		t.Error("no fixed frame to show where to place the card")
	}
	r.shell.Stop()

	const tilt = 8
	r = newWizardRig(t, fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 1, CardTilt: tilt, Still: true})
	r.start(job.Document)
	r.waitText(ui.Msg("card.tilted"))
	lines, box := r.outline()
	if lines == nil {
		t.Fatalf("no outline of a card found: %q", fake.Texts(r.canvas()))
	}
	if r.fixedFrame() {
		t.Error("the fixed frame shows beside the card's outline")
	}
	amber(t, "tilted", lines[0])
	if r.has(ui.Msg("card.glare")) || r.has(ui.Msg("guidance.document.face_too_small")) {
		t.Error("more than one instruction")
	}
	img := r.previewImage()
	if s := img.Size(); math.Abs(float64(s.Width/s.Height)-4.0/3) > 0.01 {
		t.Errorf("the picture is drawn %v, not at the frame's 4:3", s)
	}
	// Each side starts at its corner: the corner's fraction of the picture drawn.
	q := fake.CardOutline(tilt)
	origin, size, at := abs(img), img.Size(), abs(box)
	for i, l := range lines {
		want := fyne.NewPos(origin.X+float32(q[i].X)*size.Width, origin.Y+float32(q[i].Y)*size.Height)
		got := at.Add(l.Position1)
		if math.Abs(float64(got.X-want.X)) > 0.5 || math.Abs(float64(got.Y-want.Y)) > 0.5 {
			t.Errorf("corner %d at %v, want %v (picture at %v, %v)", i, got, want, origin, size)
		}
		next := at.Add(lines[(i+1)%4].Position1)
		if l.Position2 != lines[(i+1)%4].Position1 {
			t.Errorf("side %d ends at %v, not at corner %d %v", i, at.Add(l.Position2), (i+1)%4, next)
		}
	}
	// The card leans clockwise: its top-right corner is lower than its top-left.
	if !(lines[1].Position1.Y > lines[0].Position1.Y) {
		t.Errorf("the outline does not lean with the card: %v %v", lines[0].Position1, lines[1].Position1)
	}
	// More frames: the same four lines.
	n := ui.ReadPreviewStats().Analyses
	r.waitFor("more judged frames", func() bool { return ui.ReadPreviewStats().Analyses > n+3 })
	again, _ := r.outline()
	for i := range lines {
		if again[i] != lines[i] {
			t.Fatal("the outline's lines were made anew for a frame")
		}
	}
	r.shell.Stop()

	r = newWizardRig(t, fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 3, Still: true}) // every gate holds
	r.start(job.Document)
	r.waitText(ui.T("guide.good"))
	lines, _ = r.outline()
	if lines == nil {
		t.Fatal("no outline of a good card")
	}
	red, green, _, _ := lines[2].StrokeColor.RGBA()
	if !(green > red) {
		t.Errorf("good card: outline %v, want green", lines[2].StrokeColor)
	}
}

// Each card problem is one instruction, its own, in English and in French; the card's
// first problem is the one told, before the face's.
func TestCardInstructions(t *testing.T) {
	t.Cleanup(func() { _ = ui.SetLanguage("en") })
	seen := map[string]ui.CardProblem{}
	for _, p := range ui.CardProblems {
		g := ui.Guidance{Problems: []ui.Problem{ui.ProblemNoFace}, CardProblems: []ui.CardProblem{p, ui.CardBlurred}}
		var texts []string
		for _, lang := range ui.Languages {
			if err := ui.SetLanguage(lang); err != nil {
				t.Fatal(err)
			}
			got := ui.InstructionText(ui.CaptureDocument, g, "")
			if got != ui.Msg("card."+string(p)) || strings.HasPrefix(got, "card.") || got == "" {
				t.Errorf("%s, %s: instruction %q", p, lang, got)
			}
			if q, ok := seen[got]; ok {
				t.Errorf("%s and %s say the same %q", p, q, got)
			}
			seen[got] = p
			texts = append(texts, got)
		}
		if texts[0] == texts[1] {
			t.Errorf("%s: the French is the English %q", p, texts[0])
		}
	}
	_ = ui.SetLanguage("en")
	// Without card problems the face's instruction stays.
	if got := ui.InstructionText(ui.CaptureDocument, ui.Guidance{Problems: []ui.Problem{ui.ProblemTooDark}}, ""); got != ui.Msg("guidance.document.too_dark") {
		t.Errorf("no card problem: %q", got)
	}
}

// ui's card problems are capture/card's, all of them, in its order (ui cannot import
// capture: the codes are read from capture/card's source).
func TestCardProblemsAreCaptureCards(t *testing.T) {
	dir := filepath.Join("..", "capture", "card")
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	type code struct {
		pos token.Pos
		v   string
	}
	var codes []code
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, sp := range gd.Specs {
					vs := sp.(*ast.ValueSpec)
					if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Problem" {
						continue
					}
					for _, v := range vs.Values {
						if lit, ok := v.(*ast.BasicLit); ok {
							s, _ := strconv.Unquote(lit.Value)
							codes = append(codes, code{vs.Pos(), s})
						}
					}
				}
			}
		}
	}
	slices.SortFunc(codes, func(a, b code) int { return int(a.pos - b.pos) })
	var want []ui.CardProblem
	for _, c := range codes {
		want = append(want, ui.CardProblem(c.v))
	}
	if len(want) < 9 || !slices.Equal(ui.CardProblems, want) {
		t.Fatalf("ui.CardProblems = %q, capture/card's Problems are %q", ui.CardProblems, want)
	}
}

// "Take it now" shows only after Deps.ManualAfter on the wizard's clock; taken, the
// frame on screen is kept flattened to the card and sealed as a manual capture.
func TestTakeItNowAfterTimeout(t *testing.T) {
	const after = 20 * time.Second
	r := newWizardRigIn(t, fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 1}, "en", func(d *ui.Deps) { d.ManualAfter = after })
	r.start(job.Document)
	r.waitText(ui.Msg("card.glare"))
	if fake.FindButton(r.canvas(), ui.T("capture.take-now")) != nil {
		t.Fatal("Take it now shows before the timeout")
	}
	r.clk.Advance(after - time.Millisecond)
	for i := 0; i < 50 && r.pump.one(); i++ {
	}
	if fake.FindButton(r.canvas(), ui.T("capture.take-now")) != nil {
		t.Fatal("Take it now shows before the timeout")
	}
	r.clk.Advance(time.Millisecond)
	r.waitFor("Take it now", func() bool { return fake.FindButton(r.canvas(), ui.T("capture.take-now")) != nil })
	r.tap(ui.T("capture.take-now"))
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	c := sealed(t, r.enr, 1).Draft.Comparison
	if c.Origin != job.OriginManual {
		t.Errorf("Take it now sealed as %q, want manual", c.Origin)
	}
	if c.Image == nil || c.Image.Bounds().Size() != fake.CardSize() {
		t.Errorf("Take it now kept %v, want the card flattened (%v)", c.Image.Bounds(), fake.CardSize())
	}
}

// With no wait (capture.document_manual_after 0s) Take it now shows at once.
func TestTakeItNowAtOnce(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 1})
	r.start(job.Document)
	r.waitText(ui.Msg("card.glare"))
	if fake.FindButton(r.canvas(), ui.T("capture.take-now")) == nil {
		t.Fatal("no Take it now with ManualAfter 0")
	}
}

// The comparison image's origin reaches the seal: auto when the step took it, import
// for a file.
func TestCaptureOrigins(t *testing.T) {
	r := newWizardRig(t, fake.Scenario{})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if c := sealed(t, r.enr, 1).Draft.Comparison; c.Origin != job.OriginAuto || c.Image.Bounds().Size() != fake.CardSize() {
		t.Errorf("auto-capture sealed as %q, %v", c.Origin, c.Image.Bounds())
	}
	r.tap(ui.T("result.next"))
	r.tap(ui.T("consent.agree"))
	test.Type(r.entry(), "CUST-0043")
	r.tap(ui.SourceText(job.Document))
	r.tap(ui.T("wizard.continue"))
	r.tap(ui.T("capture.import-instead"))
	r.waitText("id-photo-obama.jpg  ·  USB KINGSTON")
	r.tap("id-photo-obama.jpg  ·  USB KINGSTON")
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	if b := fake.FindButton(r.canvas(), ui.T("review.seal")); b != nil {
		r.tap(ui.T("review.seal"))
	} else {
		r.tap(ui.T("review.force"))
		r.pin(fake.SupervisorPIN)
	}
	r.waitText(ui.T("result.title"))
	r.waitFor("the seal", func() bool { return len(r.enr.SealedRequests()) == 2 })
	if c := sealed(t, r.enr, 2).Draft.Comparison; c.Origin != job.OriginImport {
		t.Errorf("import sealed as %q", c.Origin)
	}
}

// The review warns of an expired document with a sign and words, not colour only, and
// shows the document number in full; the number shows nowhere else.
func TestReviewDocumentRead(t *testing.T) {
	for _, lang := range ui.Languages {
		t.Run(lang, func(t *testing.T) {
			r := newWizardRigIn(t, fake.Scenario{DocumentExpired: true}, lang)
			r.start(job.Document)
			r.scanDocument()
			r.waitText(ui.T("selfie.title"))
			if r.hasPrefix(fake.SpecimenNumber) || r.hasPrefix("L898") {
				t.Fatal("the document number shows before the review")
			}
			r.toReview()
			date := "2012-04-15"
			if lang == "fr" {
				date = "15/04/2012"
			}
			expired := ui.Msg("precheck.document_expired", "Date", date)
			if !r.has(expired) || !r.has(ui.T("review.warning")) {
				t.Errorf("no expiry warning %q: %q", expired, fake.Texts(r.canvas()))
			}
			if !r.has(fake.SpecimenNumber+" · P · UTO") || !r.has(ui.T("review.doc-number")) {
				t.Errorf("no document number on the review: %q", fake.Texts(r.canvas()))
			}
			// A warning does not fail the checks.
			r.tap(ui.T("review.seal"))
			r.waitText(ui.T("result.title"))
			for _, s := range fake.Texts(r.canvas()) {
				if strings.Contains(s, fake.SpecimenNumber) {
					t.Errorf("the result screen shows the document number: %q", s)
				}
			}
			if r.enr.DocumentRead(sealed(t, r.enr, 1).Draft.JobID) != nil {
				t.Error("the reading is kept after the seal")
			}
		})
	}
	// A document in date: no warning, the number still.
	r := newWizardRig(t, fake.Scenario{})
	r.start(job.Document)
	r.scanDocument()
	r.toReview()
	if r.has(ui.T("review.warning")) || !r.has(fake.SpecimenNumber+" · P · UTO") {
		t.Errorf("review of a document in date: %q", fake.Texts(r.canvas()))
	}
}

// ui.customer_id_from "mrz_document_number": the agent leaves the id empty for a
// document; once it is taken its number becomes the id (header, review, seal).
func TestCustomerIDFromDocument(t *testing.T) {
	from := func(d *ui.Deps) { d.CustomerIDFromDocument = true }
	r := newWizardRigIn(t, fake.Scenario{}, "en", from)
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.new"))
	r.tap(ui.T("consent.agree"))
	r.tap(ui.SourceText(job.IDPhoto))
	r.tap(ui.T("wizard.continue"))
	if !r.has(ui.T("customer.user-id.invalid")) {
		t.Fatalf("an empty id accepted for an ID photo: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.SourceText(job.Document))
	if !r.has(ui.T("customer.user-id.or-document")) {
		t.Errorf("the caption does not say the document's number may be the id: %q", fake.Texts(r.canvas()))
	}
	r.tap(ui.T("wizard.continue"))
	r.scanDocument()
	r.waitText(ui.T("selfie.title"))
	if !r.has(ui.Tf("wizard.customer", map[string]any{"ID": fake.SpecimenNumber})) {
		t.Errorf("the selfie step does not name the customer by the document's number: %q", fake.Texts(r.canvas()))
	}
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if id := sealed(t, r.enr, 1).Draft.UserID; id != fake.SpecimenNumber {
		t.Errorf("sealed with the id %q, want the document's number", id)
	}
	r.shell.Stop()

	// No number read: back to the customer step, the document kept; the id is needed.
	r = newWizardRigIn(t, fake.Scenario{DocumentUnread: true}, "fr", from)
	r.signIn("Amina Diallo", fake.OperatorPIN)
	r.tap(ui.T("home.new"))
	r.tap(ui.T("consent.agree"))
	r.tap(ui.SourceText(job.Document))
	r.tap(ui.T("wizard.continue"))
	r.scanDocument()
	r.waitText(ui.T("customer.number-unread"))
	r.tap(ui.T("wizard.continue"))
	if !r.has(ui.T("customer.user-id.invalid")) {
		t.Fatalf("an empty id accepted once the number was not read: %q", fake.Texts(r.canvas()))
	}
	test.Type(r.entry(), "CUST-0077")
	r.tap(ui.T("wizard.continue"))
	r.waitText(ui.T("comparison.face-found")) // the document taken, shown kept
	r.tap(ui.T("wizard.continue"))
	r.waitText(ui.T("selfie.title"))
	if n := r.enr.Opened(ui.CaptureDocument); n != 1 {
		t.Errorf("the document camera opened %d times, want 1 (the document is kept)", n)
	}
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.ResultText("0840"))
	if id := sealed(t, r.enr, 1).Draft.UserID; id != "CUST-0077" {
		t.Errorf("sealed with the id %q", id)
	}
}

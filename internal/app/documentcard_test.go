package app

import (
	"context"
	"image"
	"math"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/codes"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

type rgbaFrames struct {
	imgs []*image.RGBA
	i    int
}

func (s *rgbaFrames) Next(ctx context.Context) (capture.Frame, error) {
	if s.i >= len(s.imgs) {
		return capture.Frame{}, capture.ErrClosed
	}
	s.i++
	return capture.FrameFromRGBA(s.imgs[s.i-1], time.Now(), uint64(s.i-1)), nil
}

func (s *rgbaFrames) Close() error { return nil }

// capture.document_card_gates over the real engine: a document that arrives turned, then
// glared, then good is taken on the good frames only, and the shot (the job's comparison
// image) is the card flattened, with the face still found by the engine's judge.
func TestDocumentCardGates(t *testing.T) {
	eng := inferencetest.Get(t)
	c := testConfig(t)
	c.Capture.DocumentCardGates = true
	a, err := New(Options{Config: c, NoCameras: true, NoNetwatch: true, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	spec, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	good := cardtest.Placed(640, 480, 860, 2, 0)
	glare := []cardtest.Glare{{X: 0.2, Y: 0.5, R: 0.08}}
	src := &rgbaFrames{}
	for i, s := range []cardtest.Scene{
		{Corners: cardtest.Placed(640, 480, 760, 25, 0)},
		{Corners: cardtest.Placed(640, 480, 760, 25, 0)},
		{Corners: good, Glare: glare},
		{Corners: good, Glare: glare},
		{Corners: good}, {Corners: good}, {Corners: good}, {Corners: good}, {Corners: good},
	} {
		s.W, s.H, s.Seed = 1280, 960, int64(i)
		src.imgs = append(src.imgs, s.Render(spec))
	}
	var accepted []bool
	shots, err := NewEnrollments(a).Capture(context.Background(), codes.CaptureDocument, src,
		CaptureHooks{Guidance: func(g capture.Guidance) { accepted = append(accepted, g.Accepted) }})
	if err != nil {
		t.Fatalf("the document: %v (accepted %v)", err, accepted)
	}
	for i := 0; i < 4 && i < len(accepted); i++ {
		if accepted[i] {
			t.Errorf("frame %d (turned or glared) accepted", i)
		}
	}
	if len(shots) != 1 || shots[0].Card == nil {
		t.Fatalf("shots %d, card %v", len(shots), len(shots) == 1 && shots[0].Card != nil)
	}
	if seq := shots[0].Frame.Seq; seq < 4 {
		t.Errorf("kept frame %d: not a good one", seq)
	}
	b := shots[0].Image.Bounds()
	if a := float64(b.Dx()) / float64(b.Dy()); math.Abs(a-card.AspectPassport) > 0.02 || b.Dx() < 800 || b.Dx() > 900 {
		t.Errorf("the comparison image is %dx%d: not the card flattened", b.Dx(), b.Dy())
	}
	if shots[0].Verdict.Faces != 1 {
		t.Errorf("faces on the document: %d", shots[0].Verdict.Faces)
	}
}

// Take it now: with the card's gates on, a frame whose card is whole is kept flattened
// to the card, its face found; a frame with no card, or with the gates off, as it is.
func TestTakeNowFlattensTheCard(t *testing.T) {
	eng := inferencetest.Get(t)
	spec, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	turned := cardtest.Scene{W: 1280, H: 960, Corners: cardtest.Placed(640, 480, 760, 25, 0)}.Render(spec)
	desk := cardtest.Scene{W: 1280, H: 960}.Render(spec)
	for _, gates := range []bool{true, false} {
		c := testConfig(t)
		c.Capture.DocumentCardGates = gates
		a, err := New(Options{Config: c, NoCameras: true, NoNetwatch: true, Engine: eng})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		e := NewEnrollments(a)
		img, face, err := e.TakeNow(context.Background(), codes.CaptureDocument, turned)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		flat := math.Abs(float64(b.Dx())/float64(b.Dy())-card.AspectPassport) < 0.02 && b.Dx() < 1280
		if flat != gates {
			t.Errorf("gates %v: the turned card kept as %dx%d", gates, b.Dx(), b.Dy())
		}
		if face == nil {
			t.Errorf("gates %v: no face found on the kept image", gates)
		}
		img, _, err = e.TakeNow(context.Background(), codes.CaptureDocument, desk)
		if err != nil || img != image.Image(desk) {
			t.Errorf("gates %v: a frame with no card is not kept as it is (%v)", gates, err)
		}
	}
}

// ReadDocument (ui.customer_id_from) reads the specimen passport's zone with the real
// OCR: its number, every check digit holding.
func TestReadDocumentNumber(t *testing.T) {
	inferencetest.SetOCRModels(t) // go test without make: the checkout's models
	eng := inferencetest.Get(t)
	a, err := New(Options{Config: testConfig(t), NoCameras: true, NoNetwatch: true, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	spec, err := cardtest.Specimen(testimages.Path("id_specimen_utopia_passport_td3.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewEnrollments(a).ReadDocument(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.Doc == nil || !r.Doc.Valid() || r.Doc.DocumentNumber != "L898902C3" {
		t.Fatalf("the specimen's zone read as %+v", r)
	}
}

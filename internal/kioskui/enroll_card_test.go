package kioskui

import (
	"context"
	"image"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/enrolltest"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/ui"
)

// docRecorder is the wizard's service with a recorder of the document step: every frame
// the capture judged, a copy, and whether it was accepted.
type docRecorder struct {
	*uiEnrollment
	mu   sync.Mutex
	seen []judgedFrame
	shot ui.Shot // the document step's
}

type judgedFrame struct {
	img *image.RGBA
	ok  bool
}

// recFrames keeps a copy of the last frame the capture read.
type recFrames struct {
	ui.Frames
	last *image.RGBA
}

func (f *recFrames) Next(ctx context.Context) (ui.Frame, error) {
	fr, err := f.Frames.Next(ctx)
	if err == nil && fr.Image != nil {
		c := image.NewRGBA(fr.Image.Bounds())
		copy(c.Pix, fr.Image.Pix)
		f.last = c
	}
	return fr, err
}

func (d *docRecorder) Capture(ctx context.Context, kind ui.CaptureKind, fr ui.Frames, h ui.CaptureHooks) ([]ui.Shot, error) {
	if kind != ui.CaptureDocument {
		return d.uiEnrollment.Capture(ctx, kind, fr, h)
	}
	rf := &recFrames{Frames: fr}
	next := h.Guidance
	h.Guidance = func(g ui.Guidance) { // called after each frame is judged, before the next is read
		d.mu.Lock()
		d.seen = append(d.seen, judgedFrame{rf.last, g.OK})
		d.mu.Unlock()
		if next != nil {
			next(g)
		}
	}
	shots, err := d.uiEnrollment.Capture(ctx, kind, rf, h)
	if len(shots) == 1 {
		d.mu.Lock()
		d.shot = shots[0]
		d.mu.Unlock()
	}
	return shots, err
}

// meanDiff is the mean absolute difference of a and b's RGB, over every third pixel of
// each third row (the same size).
func meanDiff(a, b *image.RGBA) float64 {
	w, h := a.Bounds().Dx(), a.Bounds().Dy()
	var sum float64
	n := 0
	for y := 0; y < h; y += 3 {
		for x := 0; x < w; x += 3 {
			oa, ob := a.PixOffset(x+a.Rect.Min.X, y+a.Rect.Min.Y), b.PixOffset(x+b.Rect.Min.X, y+b.Rect.Min.Y)
			for c := 0; c < 3; c++ {
				sum += math.Abs(float64(a.Pix[oa+c]) - float64(b.Pix[ob+c]))
			}
			n += 3
		}
	}
	return sum / float64(n)
}

func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// The customer's own ID card in front of the document camera, as the wizard takes it
// with the card's gates (on by default), tapped through over the real parts (engine,
// bbolt queue, OCR, compare-sandbox on loopback, the replay camera): the card arrives
// turned, then under a glare spot, then held straight (enrolltest.DocumentScenes). The
// step refuses every turned or glared frame and takes the card on the good frames only;
// the sealed job's comparison image is the card flattened (its aspect, no desk), its zone
// read into the job's document record; the sandbox matches it with the selfie (0840).
func TestEnrollmentDocumentCard(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole enrollment with the face engine")
	}
	inferencetest.SetOCRModels(t) // go test without make: the checkout's models
	camDir := enrolltest.ReplayDir(t)
	idCard, err := enrolltest.Card(enrolltest.Comparison)
	if err != nil {
		t.Fatal(err)
	}
	if err := enrolltest.WriteDocument(camDir, idCard); err != nil {
		t.Fatal(err)
	}
	var rec *docRecorder
	r := newEnrollRig(t, camDir, importDir(t), false, rigOptions{enrollment: func(e *uiEnrollment) ui.Enrollment {
		rec = &docRecorder{uiEnrollment: e}
		return rec
	}})
	r.start("CUST-A-0005", job.Document)
	r.waitText(ui.T("document.title"))
	r.waitText(ui.T("comparison.face-found"))
	r.tap(ui.T("wizard.continue"))
	r.toReview()
	r.tap(ui.T("review.seal"))
	r.waitText(ui.T("result.saved")) // the sandbox is down: sealed, to be sent
	e := r.onlyJob()
	j, err := r.a.Queue().Load(e.ID)
	if err != nil {
		t.Fatal(err)
	}

	// Which frames the step judged: each is one of the camera's files (the nearest);
	// none but the good ones accepted, and it saw the card turned or glared first.
	scenes := enrolltest.DocumentScenes(idCard)
	files := make([]*image.RGBA, len(scenes))
	for i, s := range scenes {
		img, err := inference.DecodeFile(filepath.Join(camDir, replay.DocumentDir, s.Name))
		if err != nil {
			t.Fatal(err)
		}
		files[i] = toRGBA(img)
	}
	rec.mu.Lock()
	seen, shot := rec.seen, rec.shot
	rec.mu.Unlock()
	refusedBad, acceptedGood := 0, 0
	for i, f := range seen {
		best, bestD := -1, math.Inf(1)
		for k, file := range files {
			if file.Bounds().Size() != f.img.Bounds().Size() {
				t.Fatalf("frame %d is %v, the camera's files %v", i, f.img.Bounds(), file.Bounds())
			}
			if d := meanDiff(f.img, file); d < bestD {
				best, bestD = k, d
			}
		}
		s := scenes[best]
		switch {
		case f.ok && !s.Good():
			t.Errorf("frame %d (%s, the card %s) was accepted", i, s.Name, s.Kind)
		case f.ok:
			acceptedGood++
		case !s.Good():
			refusedBad++
		}
	}
	if refusedBad == 0 || acceptedGood < 3 {
		t.Errorf("the step judged %d frames: %d turned or glared refused, %d good accepted (want some, and 3)",
			len(seen), refusedBad, acceptedGood)
	}

	// The comparison image is the card flattened: ID-1's aspect, and the pixels of the
	// card as it lay in a good frame (its true corners), not the turned one (less lit),
	// not the glared one, not the desk.
	cmp, err := inference.DecodeImage(j.Comparison)
	if err != nil {
		t.Fatal(err)
	}
	got := toRGBA(cmp)
	b := got.Bounds()
	if a := float64(b.Dx()) / float64(b.Dy()); math.Abs(a-card.AspectID1)/card.AspectID1 > 0.03 {
		t.Fatalf("the comparison image is %dx%d (aspect %.3f): not an ID-1 card flattened", b.Dx(), b.Dy(), a)
	}
	// The face the step shows ("Face found on the photo") is the card's portrait, on
	// its left, in the flattened card's pixels.
	if f := shot.Face; f == nil || shot.Image == nil || shot.Image.Bounds().Size() != b.Size() ||
		f.X1 < 0 || f.X2 > 0.4*float64(b.Dx()) || f.Y1 < 0.1*float64(b.Dy()) || f.Y2 > 0.8*float64(b.Dy()) {
		t.Errorf("the document's face box %v on its %v image: not the card's portrait", f, b.Size())
	}
	diff := map[string]float64{}
	for i, s := range scenes {
		if _, done := diff[s.Kind]; done {
			continue
		}
		// the capture's corners are found, not known: compared at the image's size
		want := resized(card.Flatten(files[i], card.Finding{Found: true, Corners: s.Scene.Corners}, 0), b.Dx(), b.Dy())
		diff[s.Kind] = meanDiff(coarse(got), coarse(want))
	}
	if diff["good"] > 4 || diff["good"] >= diff["tilted"] || diff["good"] >= diff["glared"] {
		t.Errorf("the comparison image against the card flattened from each frame (mean grey difference): %v; want the good one, near", diff)
	}
	t.Logf("judged %d frames (%d turned or glared refused, %d good accepted); comparison %dx%d; mean difference to the card of each frame: %v", len(seen), refusedBad, acceptedGood, b.Dx(), b.Dy(), diff)

	// The card's zone was read: the job's document record names an ID-1 card of Utopia.
	if j.Document == nil || *j.Document != (job.DocumentRecord{Format: "TD1", Type: "I", IssuingState: "UTO"}) {
		t.Errorf("the document's record %+v (prechecks %+v)", j.Document, j.Prechecks)
	}
	if j.CaptureOrigin != job.OriginAuto {
		t.Errorf("the document taken by the step recorded as %q, want auto", j.CaptureOrigin)
	}
	if !j.Prechecks.OK {
		t.Errorf("prechecks %+v", j.Prechecks)
	}

	// Sent, the sandbox matches the flattened card with the selfie.
	r.sbx.start()
	r.a.Sync().ConnectivityChanged()
	deadline := time.Now().Add(3 * time.Minute)
	for e = r.entryOf(e.ID); e.State != offline.StateDone; e = r.entryOf(e.ID) {
		if time.Now().After(deadline) || e.State == offline.StateFailed {
			t.Fatalf("not delivered once the sandbox is up: %+v", e)
		}
		time.Sleep(50 * time.Millisecond)
		r.a.Sync().ConnectivityChanged()
	}
	if e.Result == nil || e.Result.Code != "0840" {
		t.Fatalf("the sandbox's answer %+v", e.Result)
	}
	if e.Document == nil || e.Document.Format != "TD1" {
		t.Errorf("the queue entry's document record %+v (the sealed job's %+v)", e.Document, j.Document)
	}
	if rec, known, err := r.sbx.sbx.Job("0001", e.ID); err != nil || !known || rec.Code != "0840" {
		t.Fatalf("the sandbox recorded %+v, %v, %v", rec, known, err)
	}
}

// coarse is img averaged over a grid of 64x40 cells: a pixel or two of misalignment
// (found corners against known ones) no longer counts, a glare spot or a change of light
// does.
func coarse(img *image.RGBA) *image.RGBA {
	const gw, gh = 64, 40
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, gw, gh))
	for cy := 0; cy < gh; cy++ {
		for cx := 0; cx < gw; cx++ {
			var sum [3]int
			n := 0
			for y := b.Min.Y + cy*b.Dy()/gh; y < b.Min.Y+(cy+1)*b.Dy()/gh; y++ {
				for x := b.Min.X + cx*b.Dx()/gw; x < b.Min.X+(cx+1)*b.Dx()/gw; x++ {
					o := img.PixOffset(x, y)
					sum[0], sum[1], sum[2] = sum[0]+int(img.Pix[o]), sum[1]+int(img.Pix[o+1]), sum[2]+int(img.Pix[o+2])
					n++
				}
			}
			o := out.PixOffset(cx, cy)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(sum[0]/n), uint8(sum[1]/n), uint8(sum[2]/n), 255
		}
	}
	return out
}

// resized is img scaled to w x h (nearest pixel).
func resized(img *image.RGBA, w, h int) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := b.Min.X+x*b.Dx()/w, b.Min.Y+y*b.Dy()/h
			copy(out.Pix[out.PixOffset(x, y):out.PixOffset(x, y)+4], img.Pix[img.PixOffset(sx, sy):img.PixOffset(sx, sy)+4])
		}
	}
	return out
}

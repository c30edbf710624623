package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/codes"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/offline"
)

var testT0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// A picture whose every pixel says where it is.
func testPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 0xff})
		}
	}
	return img
}

// scriptedSource gives its frames, then its errors.
type scriptedSource struct {
	errs []error
	pic  *image.RGBA
}

func (s *scriptedSource) Next(ctx context.Context) (capture.Frame, error) {
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		if err != nil {
			return capture.Frame{}, err
		}
	}
	return capture.FrameFromImage(s.pic, testT0, 1), nil
}

func (s *scriptedSource) Close() error { return nil }

func testEnrollments() *Enrollments {
	return &Enrollments{a: &App{clk: clock.Real{}}, lease: map[capture.Source]chan struct{}{}}
}

// An unplugged camera is capture.ErrUnplugged once (the wizard's banner), then frames
// again; a second reader of the same source waits for the first.
func TestLiveCameraUnplugged(t *testing.T) {
	e := testEnrollments()
	src := &scriptedSource{pic: testPicture(4, 4), errs: []error{fmt.Errorf("reading /dev/video0: %w", capture.ErrUnplugged), nil, capture.ErrTimeout}}
	c := &LiveCamera{e: e, src: src}
	ctx := context.Background()
	if _, err := c.Next(ctx, nil); !errors.Is(err, capture.ErrUnplugged) {
		t.Fatalf("unplugged: %v", err)
	}
	if img, err := c.Next(ctx, nil); err != nil || img.Rect.Dx() != 4 {
		t.Fatalf("back: %v", err)
	}
	if _, err := c.Next(ctx, nil); err == nil || errors.Is(err, capture.ErrUnplugged) {
		t.Fatalf("a timeout: %v", err)
	}
	release, err := e.acquire(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Next(cctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a second reader: %v", err)
	}
	release()
}

// Shut waits for the read in progress and refuses the next ones.
func TestEnrollmentsShut(t *testing.T) {
	e := testEnrollments()
	src := &scriptedSource{pic: testPicture(4, 4)}
	c := &LiveCamera{e: e, src: src}
	if _, err := c.Next(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	release, err := e.acquire(context.Background(), src) // a read in progress
	if err != nil {
		t.Fatal(err)
	}
	shut := make(chan struct{})
	go func() { e.Shut(time.Minute); close(shut) }()
	select {
	case <-shut:
		t.Fatal("Shut did not wait for the read in progress")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	<-shut
	if _, err := c.Next(context.Background(), nil); !errors.Is(err, capture.ErrClosed) {
		t.Fatalf("a read after Shut: %v", err)
	}
}

// The import lists the photos of the import folders and of the USB sticks' mount
// points, two levels down at most, hidden files and other files left out.
func TestImports(t *testing.T) {
	c := testConfig(t)
	root := filepath.Join(t.TempDir(), "import")
	c.UI.ImportDirs = []string{root}
	a := newApp(t, c, nil)
	t.Cleanup(func() { a.Close() })
	stick := t.TempDir()
	other := t.TempDir()
	write := func(path string) {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(stick, "top.JPG"))
	write(filepath.Join(stick, "amina", "STICK", "id-photo.png"))
	write(filepath.Join(stick, "a", "b", "c", "too-deep.jpg"))
	write(filepath.Join(stick, ".Trash", "old.jpg"))
	write(filepath.Join(stick, ".hidden.jpg"))
	write(filepath.Join(stick, "notes.txt"))
	write(filepath.Join(root, "folder", "on-file.jpeg"))
	write(filepath.Join(other, "a-disk-not-a-stick.jpg"))
	e := NewEnrollments(a)
	e.removable = func() []string { return []string{stick} } // media.System's, tested in internal/media
	files, err := e.Imports(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name+"@"+f.Where)
	}
	slices.Sort(names)
	want := []string{"id-photo.png@STICK", "on-file.jpeg@folder", "top.JPG@" + filepath.Base(stick)}
	if !slices.Equal(names, want) {
		t.Fatalf("imports %q, want %q", names, want)
	}
	// A stick of 300 photos: 200 listed, the walk stopped.
	for i := 0; i < 300; i++ {
		write(filepath.Join(stick, "many", fmt.Sprintf("id-%03d.jpg", i)))
	}
	if files, err := e.Imports(context.Background()); err != nil || len(files) != maxImports {
		t.Fatalf("a crowded stick: %d files, %v", len(files), err)
	}
}

// With no API to send to, the result screen hears at once that the job waits.
func TestWaitAnswerNoAPI(t *testing.T) {
	a := newApp(t, testConfig(t), nil)
	run(t, a)
	if _, err := NewEnrollments(a).WaitAnswer(context.Background(), "k-1"); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("no API: %v", err)
	}
}

// With no camera the wizard hears which one is missing and what the config names.
func TestOpenCameraMissing(t *testing.T) {
	a := newApp(t, testConfig(t), nil) // without cameras
	run(t, a)
	e := NewEnrollments(a)
	for kind, doc := range map[codes.CaptureKind]bool{codes.CaptureDocument: true, codes.CaptureSelfie: false, codes.CaptureLiveness: false} {
		_, err := e.OpenCamera(context.Background(), kind)
		var nc *NoCameraError
		if !errors.As(err, &nc) || nc.Document != doc || nc.Device == "" {
			t.Fatalf("%v: %#v", kind, err)
		}
	}
}

// rgbaToYUYV is img as a camera's YUYV frame (BT.601, each pair's chroma averaged).
func rgbaToYUYV(img *image.RGBA) capture.Frame {
	w, h := img.Rect.Dx()&^1, img.Rect.Dy()
	f := capture.Frame{Format: capture.FormatYUYV, Width: w, Height: h, Stride: w * 2, Data: make([]byte, w*h*2)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x += 2 {
			var ys [2]float64
			var u, v float64
			for k := 0; k < 2; k++ {
				p := img.Pix[y*img.Stride+(x+k)*4:]
				r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
				ys[k] = 16 + 0.257*r + 0.504*g + 0.098*b
				u += (128 - 0.148*r - 0.291*g + 0.439*b) / 2
				v += (128 + 0.439*r - 0.368*g - 0.071*b) / 2
			}
			o := y*f.Stride + x*2
			f.Data[o], f.Data[o+1], f.Data[o+2], f.Data[o+3] = uint8(ys[0]), uint8(u), uint8(ys[1]), uint8(v)
		}
	}
	return f
}

// yuyvCamera gives the same YUYV frame again and again, counting them.
type yuyvCamera struct {
	f capture.Frame
	n int
}

func (c *yuyvCamera) Next(ctx context.Context) (capture.Frame, error) {
	c.n++
	f := c.f
	f.Data = append([]byte(nil), c.f.Data...)
	f.Seq = uint64(c.n)
	return f, ctx.Err()
}

func (c *yuyvCamera) Close() error { return nil }

// previewFrames is what the wizard's preview does: each camera frame converted once
// into RGBA (LiveCamera.Next), shown, and handed over to the procedure as it is.
type previewFrames struct{ cam *LiveCamera }

func (p previewFrames) Next(ctx context.Context) (capture.Frame, error) {
	img, err := p.cam.Next(ctx, nil)
	if err != nil {
		return capture.Frame{}, err
	}
	return capture.FrameFromRGBA(img, time.Now(), 0), nil
}

func (previewFrames) Close() error { return nil }

// Each camera frame is converted to pixels once: for the preview, and the judge reads
// the same pixels (the procedure's frames are RGBA, which it does not convert again).
func TestOneConversionPerFrame(t *testing.T) {
	eng := inferencetest.Get(t)
	c := testConfig(t)
	a, err := New(Options{Config: c, NoCameras: true, NoNetwatch: true, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	pic, err := inference.DecodeFile(testimages.Path("dfA_img6.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(pic.Bounds())
	for y := 0; y < rgba.Rect.Dy(); y++ {
		for x := 0; x < rgba.Rect.Dx(); x++ {
			rgba.Set(x, y, pic.At(pic.Bounds().Min.X+x, pic.Bounds().Min.Y+y))
		}
	}
	cam := &yuyvCamera{f: rgbaToYUYV(rgba)}
	e := NewEnrollments(a)
	judged := 0
	before := capture.Conversions()
	shots, err := e.Capture(context.Background(), codes.CaptureSelfie, previewFrames{&LiveCamera{e: e, src: cam}},
		CaptureHooks{Guidance: func(capture.Guidance) { judged++ }})
	conv := capture.Conversions() - before
	if err != nil {
		t.Fatalf("the selfie over a YUYV camera: %v", err)
	}
	if len(shots) != 1 || judged == 0 {
		t.Fatalf("%d shots, %d frames judged", len(shots), judged)
	}
	if conv != uint64(cam.n) {
		t.Errorf("%d camera frames, %d conversions to pixels: want one each", cam.n, conv)
	}
	if _, ok := shots[0].Image.(*image.RGBA); !ok {
		t.Errorf("the shot is a %T, not the preview's RGBA", shots[0].Image)
	}
}

// The job is encoded once per enrollment: the review's prechecks encode it, the seal
// reuses it; a retake (another image) encodes again.
func TestJobEncodedOncePerSeal(t *testing.T) {
	eng := inferencetest.Get(t)
	a, err := New(Options{Config: testConfig(t), NoCameras: true, NoNetwatch: true, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	run(t, a)
	addOperator(t, a, "amina", offline.RoleOperator)
	addOperator(t, a, "zawadi", offline.RoleSupervisor)
	if _, err := a.SignIn("amina", pin); err != nil {
		t.Fatal(err)
	}
	photo := func(name string) image.Image {
		img, err := inference.DecodeFile(testimages.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	d := Draft{JobID: "k-once", UserID: "CUST-A", ComparisonType: job.Portrait, Comparison: photo("dfA_img5.jpg"),
		Selfie: photo("dfA_img6.jpg"), Liveness: []image.Image{photo("dfA_img11.jpg"), photo("dfA_img5.jpg"), photo("dfA_img6.jpg"), photo("dfA_img11.jpg")}}
	e := NewEnrollments(a)
	pc, err := e.Prechecks(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !pc.OK {
		pc.Forced = true // the supervisor allows it: what is counted is the encoding
	}
	retake := d
	retake.Selfie = photo("dfA_img11.jpg")
	if _, err := e.Prechecks(context.Background(), retake); err != nil {
		t.Fatal(err)
	}
	if e.encodes != 2 {
		t.Fatalf("two drafts checked, %d encodings", e.encodes)
	}
	if _, err := e.Prechecks(context.Background(), d); err != nil { // back to the first selfie
		t.Fatal(err)
	}
	refused := job.Prechecks{Ran: true, Forced: true, Problems: []job.PrecheckProblem{{Image: "pair", Code: "no_match"}}}
	other := d
	other.JobID = "k-refused"
	if err := e.Seal(context.Background(), other, refused, "amina"); !errors.Is(err, offline.ErrNotSupervisor) || e.encodes != 3 {
		t.Fatalf("forced by an operator: %v, %d encodings (refused before encoding: 3)", err, e.encodes)
	}
	if n := a.forcedChecks.Load(); n != 1 {
		t.Fatalf("a refused seal checked the supervisor rule %d times, want once", n)
	}
	if err := e.Seal(context.Background(), d, pc, "zawadi"); err != nil {
		t.Fatal(err)
	}
	if n := a.forcedChecks.Load(); n != 2 {
		t.Errorf("two seals checked the supervisor rule %d times, want once each", n)
	}
	if e.encodes != 3 {
		t.Errorf("checked then sealed: %d encodings, want 3 (the seal reuses the review's job)", e.encodes)
	}
	j, err := a.Queue().Load("k-once")
	if err != nil || j.UserID != "CUST-A" || len(j.Liveness) != 4 || j.OperatorID != "amina" {
		t.Fatalf("sealed job %+v, %v", j, err)
	}
}

// Command previewbench measures the wizard's selfie step in a real window: the fake
// camera of ui/fake replays a vendored photo at 30 frames a second, and the real
// capture procedure (capture.Selfie) judges the newest frames with the real face engine
// (internal/precheck.EngineJudge, passive liveness on), through the same ui.Frames the
// kiosk uses. With -cost it replaces the engine by a fixed analysis time (a slow ARM
// kiosk does 3 to 5 analyses a second). With -step document it measures the document
// step instead, with the card's gates on (capture.Document with DocumentOptions.Card:
// the judge and card.Find on each frame analysed, as the kiosk's wizard runs it), the
// fake document camera showing an ID card on a desk. It prints, over -d:
//
//   - frames per second from the camera and painted (canvas.Image refreshes made on
//     Fyne's goroutine; the GL driver draws at most once per refresh of the screen);
//   - analyses per second and the mean delay from a judged frame's arrival to its
//     guidance being shown;
//   - the process's CPU (user + system) as a share of one core.
//
// It needs a display: scripts/bench.d/ui.sh runs it under Xvfb. It asserts nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"runtime"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "previewbench:", err)
		os.Exit(1)
	}
}

func run() error {
	size := flag.String("size", "1024x600", "window size WIDTHxHEIGHT")
	dur := flag.Duration("d", 10*time.Second, "how long to measure")
	fps := flag.Int("fps", 30, "camera frames per second")
	cost := flag.Duration("cost", 0, "fixed analysis time instead of the face engine (0: the engine)")
	step := flag.String("step", "selfie", "the wizard step measured: selfie, or document (the card's gates on)")
	flag.Parse()
	if *step != "selfie" && *step != "document" {
		return fmt.Errorf("-step %q: want selfie or document", *step)
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("reading -size %q: %w (want e.g. 1024x600)", *size, err)
	}
	var judge capture.Judge
	what := fmt.Sprintf("fixed analysis of %v", *cost)
	if *cost == 0 {
		e, err := inference.Open(inference.Options{Workers: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return fmt.Errorf("opening the face engine (set ONNXRUNTIME_LIB as the Makefile does): %w", err)
		}
		defer e.Close()
		judge = precheck.EngineJudge{Engine: e, Liveness: true}
		what = "the face engine (selfie gates and passive liveness)"
		if *step == "document" {
			what = "the face engine (document gates) and the card's gates (card.Find, Gates, Tracker)"
		}
	} else {
		judge = costJudge(*cost)
	}
	// Widgets change only through fyne.Do (cmd/kiosk/FyneApp.toml's migration).
	app.SetMetadata(fyne.AppMetadata{ID: "com.smartselfie.kiosk.previewbench", Name: "Preview bench",
		Migrations: map[string]bool{"fyneDo": true}})
	a := app.New()
	a.Settings().SetTheme(ui.Theme())
	win := a.NewWindow("Kiosk")
	win.Resize(fyne.NewSize(float32(w), float32(h)))
	win.SetFullScreen(true)

	clk := clock.Real{}
	enr := &benchEnrollment{Enrollment: fake.NewEnrollment(clk, fake.Scenario{Interval: time.Second / time.Duration(*fps)}), judge: judge,
		document: *step == "document"}
	deps := fake.Demo(clk, "en", false, false)
	deps.Enrollment = enr
	var report string
	var err error
	go func() {
		defer fyne.Do(a.Quit)
		time.Sleep(time.Second)
		fyne.DoAndWait(func() { _, err = ui.NewShell(win, deps) })
		if err != nil {
			return
		}
		if err = toStep(win, enr.document); err != nil {
			return
		}
		time.Sleep(2 * time.Second) // warm up: the engine's first runs, the first paints
		s0, c0, t0 := ui.ReadPreviewStats(), cpu(), time.Now()
		time.Sleep(*dur)
		s1, c1, t1 := ui.ReadPreviewStats(), cpu(), time.Now()
		wall := t1.Sub(t0).Seconds()
		an := s1.Analyses - s0.Analyses
		delay := time.Duration(0)
		if an > 0 {
			delay = (s1.GuidanceDelay - s0.GuidanceDelay) / time.Duration(an)
		}
		report = fmt.Sprintf("%s step, %s window, camera %d fps (%dx%d), analysis: %s\n"+
			"  camera frames/s      %6.1f\n  painted frames/s     %6.1f\n  analyses/s           %6.1f\n"+
			"  frame→guidance (mean) %5.0f ms\n  process CPU          %6.0f %% of one core (%d cores)\n",
			stepName(enr.document), *size, *fps, fake.FrameSize, fake.FrameSize*3/4, what,
			float64(s1.Frames-s0.Frames)/wall, float64(s1.Painted-s0.Painted)/wall, float64(an)/wall,
			float64(delay)/float64(time.Millisecond), 100*(c1-c0).Seconds()/wall, runtime.NumCPU())
	}()
	win.ShowAndRun()
	if err != nil {
		return err
	}
	fmt.Print(report)
	return nil
}

func stepName(document bool) string {
	if document {
		return "document (card gates on)"
	}
	return "selfie"
}

// toStep signs in and taps through to the selfie step, or to the document step.
func toStep(win fyne.Window, document bool) error {
	source, want := ui.SourceText("PORTRAIT"), ui.T("selfie.title")
	if document {
		source, want = ui.SourceText("DOCUMENT"), ui.T("document.title")
	}
	var err error
	tap := func(label string) {
		if err != nil {
			return
		}
		b := fake.FindButton(win.Canvas(), label)
		if b == nil {
			err = fmt.Errorf("no button %q on the screen", label)
			return
		}
		b.OnTapped()
	}
	fyne.DoAndWait(func() {
		tap("Amina Diallo")
		for _, d := range fake.OperatorPIN {
			tap(string(d))
		}
		tap(ui.T("pin.ok"))
		tap(ui.T("home.new"))
		tap(ui.T("consent.agree"))
		tap(source)
	})
	if err != nil {
		return err
	}
	// The customer id, then straight to the step: the bench enrollment's portrait step
	// ends at once.
	fyne.DoAndWait(func() {
		fake.WalkCanvas(win.Canvas(), func(o fyne.CanvasObject) {
			switch e := o.(type) {
			case *widget.Entry:
				e.SetText("BENCH-1")
			case *ui.TextField: // the wizard's fields (the on-screen keyboard's)
				e.SetText("BENCH-1")
			}
		})
		tap(ui.T("wizard.continue"))
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var on bool
		fyne.DoAndWait(func() {
			// the step's title, and not the customer screen (which names the document
			// step among the sources)
			title, customer := false, false
			for _, t := range fake.Texts(win.Canvas()) {
				title = title || t == want
				customer = customer || t == ui.T("customer.user-id")
			}
			if on = title && !customer; on {
				return
			}
			if b := fake.FindButton(win.Canvas(), ui.T("wizard.continue")); b != nil {
				b.OnTapped()
			}
		})
		if on {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the %s step did not show", stepName(document))
}

// benchEnrollment runs the real capture.Selfie for the selfie step (or, with document,
// the real capture.Document with the card's gates for the document step), for ever (it
// starts again after each shot so that the step stays on screen); the other steps are
// the fake's.
type benchEnrollment struct {
	*fake.Enrollment
	judge    capture.Judge
	document bool
}

func (b *benchEnrollment) Capture(ctx context.Context, kind ui.CaptureKind, frames ui.Frames, h ui.CaptureHooks) ([]ui.Shot, error) {
	src := &source{frames: frames}
	if kind == ui.CaptureDocument && b.document {
		gates := card.DefaultGates()
		for ctx.Err() == nil {
			_, err := capture.Document(ctx, src, b.judge, capture.DocumentOptions{Timeout: time.Hour, Card: &gates,
				OnFrame: func(_ capture.Frame, g capture.Guidance) { h.Guidance(guidance(g.Verdict)) }})
			if err != nil && ctx.Err() == nil {
				return nil, err
			}
		}
		return nil, ctx.Err()
	}
	if kind != ui.CaptureSelfie {
		return b.Enrollment.Capture(ctx, kind, frames, h)
	}
	for ctx.Err() == nil {
		_, err := capture.Selfie(ctx, src, b.judge, capture.SelfieOptions{Timeout: time.Hour, Settle: 1 << 30,
			OnVerdict: func(v capture.Verdict) { h.Guidance(guidance(v)) }})
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
	}
	return nil, ctx.Err()
}

// source is ui.Frames as a capture.Source (what internal/enroll does).
type source struct{ frames ui.Frames }

func (s *source) Next(ctx context.Context) (capture.Frame, error) {
	f, err := s.frames.Next(ctx)
	if err != nil {
		return capture.Frame{}, err
	}
	return capture.FrameFromImage(f.Image, f.Time, f.Seq), nil
}

func (s *source) Close() error { return nil }

func guidance(v capture.Verdict) ui.Guidance {
	g := ui.Guidance{OK: v.OK}
	for _, p := range v.Problems {
		g.Problems = append(g.Problems, ui.Problem(p))
	}
	if v.Face != nil {
		g.Face = &ui.Box{X1: v.Face.X1, Y1: v.Face.Y1, X2: v.Face.X2, Y2: v.Face.Y2}
	}
	return g
}

// costJudge takes a fixed time and finds nothing wrong.
type costJudge time.Duration

func (c costJudge) Judge(image.Image, capture.Kind) (capture.Verdict, error) {
	time.Sleep(time.Duration(c))
	return capture.Verdict{OK: true, Faces: 1}, nil
}

// cpu is the process's user + system time.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

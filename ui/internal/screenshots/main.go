// Command screenshots draws every screen of the kiosk shell and every step of the
// enrollment wizard in a real window, in English and French, over the fake data of
// ui/fake (the wizard's cameras show the vendored photos), and writes one PNG per
// screen:
//
//	<out>/<width>x<height>/<lang>/<screen>.png
//
// It needs a display (scripts/screenshots.sh runs it under Xvfb, once per size). With
// -curate it draws nothing: it copies the curated set (gallery.go) into docs/.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/xwd"
	"github.com/smartselfie/kiosk-agent/ui"
	"github.com/smartselfie/kiosk-agent/ui/fake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "docs/screenshots", "folder to write the PNGs in")
	size := flag.String("size", "1024x600", "window size WIDTHxHEIGHT")
	settle := flag.Duration("settle", 700*time.Millisecond, "wait after each change before capturing")
	only := flag.String("only", "", "draw only the screens whose name contains this")
	curateFrom := flag.String("curate", "", "draw nothing: copy the gallery's pictures from this folder into -docs and write its gallery.md")
	docs := flag.String("docs", "docs", "with -curate: the documentation folder")
	flag.Parse()
	if *curateFrom != "" {
		return curate(*curateFrom, *docs, ui.Languages)
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("reading -size %q: %w (want e.g. 1024x600)", *size, err)
	}
	// As cmd/kiosk/FyneApp.toml: widgets change only through fyne.Do. A plain `go
	// build` reads FyneApp.toml only next to the sources, so say it here too.
	// The scale the kiosk chooses for this screen (Shell.Kiosk, ui.ScaleFor): 1.8 at
	// 1920x1080. Fyne reads FYNE_SCALE when the app starts.
	os.Setenv("FYNE_SCALE", strconv.FormatFloat(float64(ui.ScaleFor(fyne.NewSize(float32(w), float32(h)))), 'f', 1, 32))
	// As the kiosk starts Fyne (internal/kioskui.Run): no app ID (no preferences file)
	// and the light theme said, so Fyne does not watch the desktop's colour scheme over a
	// D-Bus that Xvfb has not (it would warn that dbus-launch is missing).
	app.SetMetadata(fyne.AppMetadata{Name: "Kiosk screenshots",
		Migrations: map[string]bool{"fyneDo": true}})
	if os.Getenv("FYNE_THEME") == "" {
		os.Setenv("FYNE_THEME", "light")
	}
	a := app.New()
	a.Settings().SetTheme(ui.Theme())
	win := a.NewWindow("Kiosk")
	// Full screen, as in a branch: the window is the whole (Xvfb) screen.
	win.Resize(fyne.NewSize(float32(w), float32(h)))
	win.SetFullScreen(true)
	var err error
	go func() {
		time.Sleep(time.Second)
		err = shoot(win, filepath.Join(*out, *size), *only, *settle)
		fyne.Do(a.Quit)
	}()
	win.ShowAndRun()
	return err
}

// The time on every screen and the id of every new job, whenever the pictures are drawn
// (scripts/screenshots.sh sets TZ=UTC too).
var (
	shotTime  = time.Date(2026, 11, 30, 10, 42, 0, 0, time.UTC)
	shotJobID = "k-20261130T104200Z-5c3e9a01"
)

// shot is one screen to draw: how to get there from a fresh shell.
type shot struct {
	name             string
	alerts, training bool
	steps            func(c fyne.Canvas, s *ui.Shell, clk *clock.Fake) error
	// late runs once the screen is laid out (e.g. to scroll).
	late func(c fyne.Canvas) error
	// enroll, when set, gives the shell the fake enrollment service with this scenario;
	// then are the wizard's actions, each run on Fyne's goroutine, each followed by a
	// wait for its text (the wizard's goroutines move it on in between).
	enroll *fake.Scenario
	then   []act
}

// act is one wizard action and the text it waits for.
type act struct {
	do    func(fyne.Canvas) error
	until func() string
	// prefix: a text that starts with until's is enough (the rest is worded by the screen).
	prefix bool
	// ready, when set, is waited for after until (on Fyne's goroutine).
	ready func(fyne.Canvas) bool
}

// progressShown: a progress bar on the screen shows more than 0.
func progressShown(c fyne.Canvas) bool {
	shown := false
	fake.WalkCanvas(c, func(o fyne.CanvasObject) {
		if p, ok := o.(*widget.ProgressBar); ok && p.Value > 0 {
			shown = true
		}
	})
	return shown
}

func waitK(key string) act { return act{until: func() string { return ui.T(key) }} }

// waitM waits for the sentence of an internal/messages code.
func waitM(code string) act { return act{until: func() string { return ui.Msg(code) }} }
func doK(key string) act    { return act{do: tapK(key)} }

// typeEntry types text into the first entry on the screen.
func typeEntry(text string) act {
	return act{do: func(c fyne.Canvas) error {
		var e *ui.TextField
		fake.WalkCanvas(c, func(o fyne.CanvasObject) {
			if x, ok := o.(*ui.TextField); ok && e == nil {
				e = x
			}
		})
		if e == nil {
			return errors.New("no entry")
		}
		e.SetText(text)
		return nil
	}}
}

// The wizard's ways to its steps.
var (
	toConsent  = []act{}
	toCustomer = []act{doK("consent.agree"), typeEntry("CUST-0042")}
	toDocument = append(append([]act{}, toCustomer...), doK("wizard.continue"))
	toSelfie   = append(append([]act{}, toDocument...), waitK("comparison.face-found"), doK("wizard.continue"))
	toReview   = append(append([]act{}, toSelfie...), waitK("review.title"))
)

func then(as []act, more ...act) []act { return append(append([]act{}, as...), more...) }

func wiz(name string, sc fake.Scenario, as ...act) shot {
	return shot{name: name, enroll: &sc, steps: steps(thenF(supervisorOp, tapK("home.new"))...), then: as}
}

var supervisorOp = []func(fyne.Canvas) error{tapL("Amina Diallo"), pinF(fake.OperatorPIN)}

var wizardShots = []shot{
	wiz("wizard-1-consent", fake.Scenario{}, toConsent...),
	wiz("wizard-2-customer", fake.Scenario{}, then(toCustomer, doK("keyboard.done"))...),
	wiz("wizard-2-customer-keyboard", fake.Scenario{}, toCustomer...),
	wiz("wizard-3-document", fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 1}, then(toDocument, waitM("card.glare"))...),
	wiz("wizard-3-document-tilted", fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 1, CardTilt: 9, Still: true}, then(toDocument, waitM("card.tilted"))...),
	wiz("wizard-3-document-good", fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 3, Still: true}, then(toDocument, waitK("guide.good"))...),
	wiz("wizard-3-document-face", fake.Scenario{}, then(toDocument, waitK("comparison.face-found"))...),
	wiz("wizard-3-no-camera", fake.Scenario{NoCamera: []ui.CameraRole{ui.CameraDocument}}, then(toDocument, waitK("capture.import-instead"))...),
	wiz("wizard-3-import", fake.Scenario{}, then(toCustomer, doK("source.id-photo"), doK("wizard.continue"), waitK("import.help"))...),
	wiz("wizard-4-selfie", fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1, Dark: true}, then(toSelfie, waitM("guidance.too_dark"))...),
	wiz("wizard-4-selfie-good", fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 3}, then(toSelfie, waitK("guide.good"))...),
	wiz("wizard-4-lock", fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1, Dark: true}, then(toSelfie, waitM("guidance.too_dark"), doK("status.lock"), waitK("lock.enrollment-kept"))...),
	wiz("wizard-5-liveness", fake.Scenario{Hold: ui.CaptureLiveness, HoldAt: 2}, then(toSelfie,
		act{until: func() string { return ui.Tf("liveness.count", map[string]any{"N": 3, "Total": 8}) }})...),
	wiz("wizard-5-liveness-failed", fake.Scenario{Hold: ui.CaptureLiveness, HoldAt: 0, LivenessFailures: 1}, then(toSelfie, waitK("liveness.failed.left"))...),
	wiz("wizard-5-camera-unplugged", fake.Scenario{DisconnectAtPrompt: 3}, then(toSelfie, waitK("camera.disconnected"))...),
	wiz("wizard-6-review", fake.Scenario{}, then(toReview, waitK("check.match.ok"))...),
	wiz("wizard-6-review-expired", fake.Scenario{DocumentExpired: true}, then(toReview, waitK("review.warning"))...),
	wiz("wizard-6-review-spoof", fake.Scenario{Selfie: "spoof_minivision_F1.jpg", Document: "spoof_minivision_F1.jpg"}, then(toReview, waitK("review.failed"))...),
	wiz("wizard-6-review-other-person", fake.Scenario{Document: "biden_2.jpg"}, then(toReview, waitM("precheck.no_match"))...),
	wiz("wizard-6-force-gate", fake.Scenario{Selfie: "spoof_minivision_F1.jpg", Document: "spoof_minivision_F1.jpg"}, then(toReview, waitK("review.failed"), doK("review.force"), waitK("gate.force.title"))...),
	wiz("wizard-7-result-waiting", fake.Scenario{Late: true}, then(toReview, waitK("check.match.ok"), doK("review.seal"), waitK("result.waiting"))...),
	wiz("wizard-7-result-match", fake.Scenario{}, then(toReview, waitK("check.match.ok"), doK("review.seal"), waitK("result.advice.match"))...),
	wiz("wizard-7-result-saved", fake.Scenario{Offline: true}, then(toReview, waitK("check.match.ok"), doK("review.seal"), waitK("result.saved"))...),
}

func tap(c fyne.Canvas, label string) error {
	b := fake.FindButton(c, label)
	if b == nil {
		return fmt.Errorf("no button %q", label)
	}
	b.OnTapped()
	return nil
}

func pin(c fyne.Canvas, p string) error {
	for _, d := range p {
		if err := tap(c, string(d)); err != nil {
			return err
		}
	}
	return tap(c, ui.T("pin.ok"))
}

func steps(fs ...func(fyne.Canvas) error) func(fyne.Canvas, *ui.Shell, *clock.Fake) error {
	return func(c fyne.Canvas, _ *ui.Shell, _ *clock.Fake) error {
		for _, f := range fs {
			if err := f(c); err != nil {
				return err
			}
		}
		return nil
	}
}

func tapK(key string) func(fyne.Canvas) error {
	return func(c fyne.Canvas) error { return tap(c, ui.T(key)) }
}
func tapL(label string) func(fyne.Canvas) error {
	return func(c fyne.Canvas) error { return tap(c, label) }
}
func pinF(p string) func(fyne.Canvas) error { return func(c fyne.Canvas) error { return pin(c, p) } }

// scrollDown scrolls every scroll on the screen to its end.
func scrollDown(c fyne.Canvas) error {
	fake.WalkCanvas(c, func(o fyne.CanvasObject) {
		if s, ok := o.(*container.Scroll); ok {
			s.ScrollToBottom()
		}
	})
	return nil
}

var supervisor = []func(fyne.Canvas) error{tapL("Fatou Ndiaye"), pinF(fake.SupervisorPIN)}

// lockedAmina locks Amina out with five wrong PINs on the sign-in screen.
var lockedAmina = []func(fyne.Canvas) error{tapL("Amina Diallo"), pinF("000000"), pinF("000000"), pinF("000000"), pinF("000000"), pinF("000000")}

// tapNth taps the n-th (from 0) button labelled with key's text.
func tapNth(key string, n int) func(fyne.Canvas) error {
	return func(c fyne.Canvas) error {
		bs := fake.FindButtons(c, ui.T(key))
		if len(bs) <= n {
			return fmt.Errorf("%d buttons %q, want more than %d", len(bs), ui.T(key), n)
		}
		bs[n].OnTapped()
		return nil
	}
}

func thenF(first []func(fyne.Canvas) error, more ...func(fyne.Canvas) error) []func(fyne.Canvas) error {
	return append(append([]func(fyne.Canvas) error(nil), first...), more...)
}

var shots = []shot{
	{name: "sign-in", steps: steps(tapL("Amina Diallo"))},
	{name: "sign-in-locked", steps: steps(tapL("Amina Diallo"),
		pinF("000000"), pinF("000000"), pinF("000000"), pinF("000000"), pinF("000000"))},
	{name: "home", steps: steps(supervisor...)},
	{name: "home-alerts-training", alerts: true, training: true, steps: steps(supervisor...)},
	// The sending job's progress is drawn after the screen's first refresh.
	{name: "queue", steps: steps(thenF(supervisor, tapK("home.queue"))...), then: []act{{ready: progressShown}}},
	// Its last rows: their buttons clear of the scroll bar; the finished jobs' customer
	// ids as the kiosk keeps them once the photos are deleted.
	{name: "queue-bottom", steps: steps(thenF(supervisor, tapK("home.queue"))...), then: []act{{ready: progressShown}}, late: scrollDown},
	{name: "status", alerts: true, steps: steps(thenF(supervisor, tapK("home.status"))...)},
	{name: "status-checks", alerts: true, steps: steps(thenF(supervisor, tapK("home.status"), tapK("status.run-checks"))...),
		then: []act{{until: func() string {
			a := fake.DemoChecks().Results[8]
			return ui.Msg("doctor."+a.Finding, a.Args...) + "\n" + ui.Tf("status.check-fix", map[string]any{"Fix": ui.ScreenFix(a)})
		}}}, late: scrollDown},
	{name: "settings-gate", steps: steps(thenF(supervisor, tapK("home.settings"))...)},
	{name: "settings", steps: steps(thenF(supervisor, tapK("home.settings"), pinF(fake.SupervisorPIN))...)},
	{name: "settings-bottom", steps: steps(thenF(supervisor, tapK("home.settings"), pinF(fake.SupervisorPIN))...), late: scrollDown},
	{name: "about", steps: steps(thenF(supervisor, tapK("home.about"))...)},
	// The settings' operators page, with Amina locked out by five wrong PINs.
	{name: "operators", steps: steps(thenF(lockedAmina, thenF(supervisor, tapK("home.settings"), pinF(fake.SupervisorPIN), tapK("settings.operators"))...)...)},
	{name: "operators-new-pin", steps: steps(thenF(supervisor, tapK("home.settings"), pinF(fake.SupervisorPIN), tapK("settings.operators"),
		tapNth("operators.reset-pin", 0), pinF("402817"))...)},
	{name: "operator-add", steps: steps(thenF(supervisor, tapK("home.settings"), pinF(fake.SupervisorPIN), tapK("settings.operators"), tapK("operators.add"))...)},
	// A job's page: refused as already enrolled (2209), and one with its result.
	{name: "job-2209", steps: steps(thenF(supervisor, tapK("home.queue"), tapNth("queue.open", 2))...)},
	{name: "job-done", steps: steps(thenF(supervisor, tapK("home.queue"), tapNth("queue.open", 5))...)},
	{name: "close", steps: func(c fyne.Canvas, s *ui.Shell, _ *clock.Fake) error {
		s.CloseRequested()
		return nil
	}},
}

func shoot(win fyne.Window, dir, only string, settle time.Duration) error {
	var prev *ui.Shell
	var last *image.RGBA // the previous shot's picture
	var cut []string     // the screens that do not fit the window
	defer func() {
		if prev != nil {
			fyne.DoAndWait(prev.Stop)
		}
	}()
	for _, lang := range ui.Languages {
		for _, sh := range append(shots, wizardShots...) {
			if only != "" && !strings.Contains(sh.name, only) {
				continue
			}
			// A fixed clock and fixed ids: a second run draws the same pictures.
			clk := clock.NewFake(shotTime)
			deps := fake.Demo(clk, lang, sh.alerts, sh.training)
			deps.Quit = func() {}
			deps.NewJobID = func(time.Time) string { return shotJobID }
			deps.Checks = fake.DemoChecks()
			var sc fake.Scenario
			if sh.enroll != nil {
				sc = *sh.enroll
			}
			// 10 frames a second: enough for a still picture, and Mesa's software
			// renderer keeps up at 1920x1080.
			sc.Interval = 100 * time.Millisecond
			sc.Still = true // the same picture whichever frame is drawn
			deps.Enrollment = fake.NewEnrollment(clock.Real{}, sc)
			// The settings' camera previews as the kiosk draws them (internal/kioskui):
			// each camera's picture through the capture steps' preview.
			deps.Preview = ui.NewCameraPreview(deps.Enrollment, deps.Settings, clock.Real{})
			var err error
			fyne.DoAndWait(func() {
				if prev != nil {
					prev.Stop() // the last shot's cameras
				}
				for _, o := range win.Canvas().Overlays().List() {
					win.Canvas().Overlays().Remove(o)
				}
				s, e := ui.NewShell(win, deps)
				prev = s
				if e != nil {
					err = e
					return
				}
				err = sh.steps(win.Canvas(), s, clk)
			})
			if err != nil {
				return fmt.Errorf("%s/%s: %w", lang, sh.name, err)
			}
			if err := play(win.Canvas(), sh.then); err != nil {
				return fmt.Errorf("%s/%s: %w", lang, sh.name, err)
			}
			time.Sleep(settle)
			if sh.late != nil {
				fyne.DoAndWait(func() { err = sh.late(win.Canvas()) })
				if err != nil {
					return fmt.Errorf("%s/%s: %w", lang, sh.name, err)
				}
				time.Sleep(settle)
			}
			// A screen whose content needs more than the window is cut (the status bar
			// or the actions pushed off the screen): drawn still, then the program fails
			// naming it. Measured here, once the real window has laid the screen out:
			// a word-wrapped label measures its lines at the width it was given.
			var need, have fyne.Size
			fyne.DoAndWait(func() {
				need, have = win.Canvas().Content().MinSize(), win.Canvas().Size()
				if win.Padded() {
					need = need.Add(fyne.NewSquareSize(2 * theme.Padding()))
				}
			})
			if need.Width > have.Width+0.5 || need.Height > have.Height+0.5 {
				cut = append(cut, fmt.Sprintf("%s/%s needs %.0fx%.0f of %.0fx%.0f", lang, sh.name, need.Width, need.Height, have.Width, have.Height))
			}
			// Fyne's Canvas.Capture reads the GL front buffer, which Mesa's software
			// renderer under Xvfb leaves black: take what the X server shows instead.
			img, err := grabSettled(last)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", lang, sh.name, err)
			}
			last = img
			p := filepath.Join(dir, lang, sh.name+".png")
			if err := writePNG(p, img); err != nil {
				return err
			}
			fmt.Println(strings.TrimPrefix(p, "./"))
		}
	}
	if len(cut) > 0 {
		return fmt.Errorf("%d screens do not fit the window (cut text, the status bar or the actions off the screen): %s; make their content scroll or shorter", len(cut), strings.Join(cut, "; "))
	}
	return nil
}

// play runs the wizard's actions, waiting for each one's text (15 s at most).
func play(c fyne.Canvas, as []act) error {
	for _, a := range as {
		var err error
		if a.do != nil {
			fyne.DoAndWait(func() { err = a.do(c) })
			if err != nil {
				return err
			}
		}
		if a.ready != nil {
			if err := waitFor(c, "the screen to be ready", func() bool { return a.ready(c) }); err != nil {
				return err
			}
		}
		if a.until == nil {
			continue
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			var text string
			var ok bool
			fyne.DoAndWait(func() {
				text = a.until()
				ok = slices.ContainsFunc(fake.Texts(c), func(t string) bool {
					return t == text || a.prefix && strings.HasPrefix(t, text)
				})
			})
			if ok {
				break
			}
			if time.Now().After(deadline) {
				var texts []string
				fyne.DoAndWait(func() { texts = fake.Texts(c) })
				return fmt.Errorf("waiting for %q: the screen shows %q", text, texts)
			}
			// Not more often: each look waits for Fyne's goroutine, which also paints.
			time.Sleep(150 * time.Millisecond)
		}
	}
	return nil
}

// grabSettled takes the X screen once the window has painted the new screen: two
// pictures 300 ms apart the same, and not the previous shot's (on a loaded machine
// Mesa's software renderer may not have drawn the screen yet after the settle time). A
// screen that keeps moving (an infinite progress bar) is taken after 10 tries.
func grabSettled(previous *image.RGBA) (*image.RGBA, error) {
	img, err := xwd.Grab("")
	if err != nil {
		return nil, err
	}
	for try := 0; try < 10; try++ {
		time.Sleep(300 * time.Millisecond)
		next, err := xwd.Grab("")
		if err != nil {
			return nil, err
		}
		same := bytes.Equal(next.Pix, img.Pix)
		img = next
		if same && (previous == nil || !bytes.Equal(img.Pix, previous.Pix)) {
			break
		}
	}
	return img, nil
}

// waitFor polls cond on Fyne's goroutine until it holds (15 s at most).
func waitFor(c fyne.Canvas, what string, cond func() bool) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok bool
		fyne.DoAndWait(func() { ok = cond() })
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: 15 s passed", what)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func writePNG(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

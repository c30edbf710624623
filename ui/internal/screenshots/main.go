// Command screenshots draws every screen of the kiosk shell and every step of the
// enrollment wizard in a real window, in English and French, over the fake data of
// ui/fake (the wizard's cameras show the vendored photos), and writes one PNG per
// screen:
//
//	<out>/<width>x<height>/<lang>/<screen>.png
//
// It needs a display (scripts/screenshots.sh runs it under Xvfb, once per size).
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"

	"github.com/smartselfie/kiosk-agent/internal/clock"
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
	flag.Parse()
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("reading -size %q: %w (want e.g. 1024x600)", *size, err)
	}
	// As cmd/kiosk/FyneApp.toml: widgets change only through fyne.Do. A plain `go
	// build` reads FyneApp.toml only next to the sources, so say it here too.
	app.SetMetadata(fyne.AppMetadata{ID: "com.smartselfie.kiosk.screenshots", Name: "Kiosk screenshots",
		Migrations: map[string]bool{"fyneDo": true}})
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
	wiz("wizard-3-document", fake.Scenario{Hold: ui.CaptureDocument, HoldAt: 1}, then(toDocument, waitM("guidance.document.face_too_small"))...),
	wiz("wizard-3-document-face", fake.Scenario{}, then(toDocument, waitK("comparison.face-found"))...),
	wiz("wizard-3-no-camera", fake.Scenario{NoCamera: []ui.CameraRole{ui.CameraDocument}}, then(toDocument, waitK("capture.import-instead"))...),
	wiz("wizard-3-import", fake.Scenario{}, then(toCustomer, doK("source.id-photo"), doK("wizard.continue"), waitK("import.help"))...),
	wiz("wizard-4-selfie", fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1}, then(toSelfie, waitM("guidance.too_dark"))...),
	wiz("wizard-4-selfie-good", fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 3}, then(toSelfie, waitK("guide.good"))...),
	wiz("wizard-4-lock", fake.Scenario{Hold: ui.CaptureSelfie, HoldAt: 1}, then(toSelfie, waitM("guidance.too_dark"), doK("status.lock"), waitK("lock.enrollment-kept"))...),
	wiz("wizard-5-liveness", fake.Scenario{Hold: ui.CaptureLiveness, HoldAt: 2}, then(toSelfie,
		act{until: func() string { return ui.Tf("liveness.count", map[string]any{"N": 3, "Total": 8}) }})...),
	wiz("wizard-5-liveness-failed", fake.Scenario{Hold: ui.CaptureLiveness, HoldAt: 0, LivenessFailures: 1}, then(toSelfie, waitK("liveness.failed.left"))...),
	wiz("wizard-5-camera-unplugged", fake.Scenario{DisconnectAtPrompt: 3}, then(toSelfie, waitK("camera.disconnected"))...),
	wiz("wizard-6-review", fake.Scenario{}, then(toReview, waitK("check.match.ok"))...),
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
	{name: "queue", steps: steps(thenF(supervisor, tapK("home.queue"))...)},
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
			clk := clock.NewFake(time.Date(2026, 11, 30, 10, 42, 0, 0, time.Local))
			deps := fake.Demo(clk, lang, sh.alerts, sh.training)
			deps.Quit = func() {}
			deps.Checks = fake.DemoChecks()
			if sh.enroll != nil {
				sc := *sh.enroll
				// 10 frames a second: enough for a still picture, and Mesa's software
				// renderer keeps up at 1920x1080.
				sc.Interval = 100 * time.Millisecond
				deps.Enrollment = fake.NewEnrollment(clock.Real{}, sc)
			}
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
			// Fyne's Canvas.Capture reads the GL front buffer, which Mesa's software
			// renderer under Xvfb leaves black: take what the X server shows instead.
			img, err := grabScreen()
			if err != nil {
				return fmt.Errorf("%s/%s: %w", lang, sh.name, err)
			}
			p := filepath.Join(dir, lang, sh.name+".png")
			if err := writePNG(p, img); err != nil {
				return err
			}
			fmt.Println(strings.TrimPrefix(p, "./"))
		}
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
		if a.until == nil {
			continue
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			var text string
			var ok bool
			fyne.DoAndWait(func() {
				text = a.until()
				ok = slices.Contains(fake.Texts(c), text)
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

// grabScreen is the X screen's picture, through xwd.
func grabScreen() (image.Image, error) {
	out, err := exec.Command("xwd", "-root", "-silent").Output()
	if err != nil {
		return nil, fmt.Errorf("grabbing the screen with xwd (package x11-apps): %w", err)
	}
	return decodeXWD(out)
}

// decodeXWD reads an XWD dump of a 24- or 32-bit TrueColor screen.
func decodeXWD(b []byte) (image.Image, error) {
	if len(b) < 100 {
		return nil, errors.New("reading the xwd dump: too short")
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(b[i*4:]) }
	headerSize, version := int(u(0)), u(1)
	width, height := int(u(4)), int(u(5))
	byteOrder, bpp, bpl := u(7), int(u(11)), int(u(12))
	redMask, greenMask, blueMask := u(14), u(15), u(16)
	ncolors := int(u(19))
	if version != 7 || bpp != 32 {
		return nil, fmt.Errorf("reading the xwd dump: version %d, %d bits per pixel (want 7, 32)", version, bpp)
	}
	off := headerSize + 12*ncolors
	if len(b) < off+bpl*height {
		return nil, errors.New("reading the xwd dump: truncated")
	}
	shift := func(m uint32) uint {
		var s uint
		for m != 0 && m&1 == 0 {
			m >>= 1
			s++
		}
		return s
	}
	rs, gs, bs := shift(redMask), shift(greenMask), shift(blueMask)
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := 0; y < height; y++ {
		row := b[off+y*bpl:]
		for x := 0; x < width; x++ {
			var p uint32
			if byteOrder == 0 { // LSBFirst
				p = binary.LittleEndian.Uint32(row[x*4:])
			} else {
				p = binary.BigEndian.Uint32(row[x*4:])
			}
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8((p & redMask) >> rs)
			img.Pix[i+1] = uint8((p & greenMask) >> gs)
			img.Pix[i+2] = uint8((p & blueMask) >> bs)
			img.Pix[i+3] = 0xff
		}
	}
	return img, nil
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

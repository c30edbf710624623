// Command clickthrough enrolls a customer on a running kiosk app by mouse clicks only,
// as an agent would with a finger: it reads where each button is from the kiosk's
// screen map (KIOSK_UI_MAP, written by the kiosk when that variable is set) and clicks
// it with xdotool, through the X server, in the screens' language. The customer id is
// typed on the on-screen keyboard. scripts/test-clicks.sh runs it against the real
// kiosk in training mode (replay camera, compare-sandbox) at 1024x600 and 1920x1080,
// in English and French.
//
// Usage: clickthrough -map FILE -lang en|fr -operator NAME -pin PIN -user ID
//
//	[-screen WxH -scale S -min-key PX -shots DIR]
//
// With -shots it saves the document step's screen (through xwd, as scripts/xgrab does)
// into DIR: document-live.png as the step opens (the camera's preview), document-taken.png
// once the document is taken.
//
// It fails (exit 1, with what the screen shows) when the window does not fill the
// screen at the scale given, when a step does not come, when a button it clicks is
// smaller than -min-key pixels, or when the screen does not say the result and its code
// with the customer's id.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/xwd"
	"github.com/smartselfie/kiosk-agent/ui"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "clickthrough:", err)
		os.Exit(1)
	}
}

type driver struct {
	mapPath string
	minKey  float32
	timeout time.Duration
	last    []ui.MapItem
	screen  ui.ScreenMap
	pointer string // where the mouse is, "x,y"
}

func run() error {
	d := &driver{}
	flag.StringVar(&d.mapPath, "map", "", "the kiosk's screen map (KIOSK_UI_MAP)")
	lang := flag.String("lang", "en", "the screens' language")
	operator := flag.String("operator", "", "the operator's name on the sign-in screen")
	pin := flag.String("pin", "", "the operator's PIN")
	user := flag.String("user", "", "the customer id to type (capitals, digits, -)")
	minKey := flag.Float64("min-key", 48, "the smallest height of a button, in pixels")
	screen := flag.String("screen", "1024x600", "the screen's size: the window must fill it")
	scale := flag.Float64("scale", 1, "the scale the kiosk must choose for the screen")
	flag.DurationVar(&d.timeout, "timeout", 90*time.Second, "the longest wait for one step")
	shots := flag.String("shots", "", "a folder for pictures of the document step's screen")
	flag.Parse()
	d.minKey = float32(*minKey)
	if d.mapPath == "" || *operator == "" || *pin == "" || *user == "" {
		return errors.New("usage: clickthrough -map FILE -lang en|fr -operator NAME -pin PIN -user ID")
	}
	if err := ui.SetLanguage(*lang); err != nil {
		return err
	}
	var sw, sh float32
	if _, err := fmt.Sscanf(*screen, "%fx%f", &sw, &sh); err != nil {
		return fmt.Errorf("-screen %q: %w", *screen, err)
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"the window fills the screen at its scale", func() error {
			return d.wait(fmt.Sprintf("a %s window at scale %.1f", *screen, *scale), func([]ui.MapItem) bool {
				m := d.screen
				return m.Width >= sw-1 && m.Height >= sh-1 && m.Scale > float32(*scale)-0.05 && m.Scale < float32(*scale)+0.05
			})
		}},
		{"sign in", func() error {
			if err := d.click(*operator); err != nil {
				return err
			}
			if err := d.waitButton(ui.T("pin.ok")); err != nil {
				return err
			}
			for _, c := range *pin {
				if err := d.click(string(c)); err != nil {
					return err
				}
			}
			return d.click(ui.T("pin.ok"))
		}},
		{"start an enrollment", func() error { return d.click(ui.T("home.new")) }},
		{"consent", func() error { return d.click(ui.T("consent.agree")) }},
		{"the customer id on the keyboard", func() error {
			// The id field has the focus: the keyboard is up, in capitals.
			if err := d.waitButton(ui.T("keyboard.done")); err != nil {
				return err
			}
			for _, c := range *user {
				if err := d.click(string(c)); err != nil {
					return err
				}
			}
			return d.wait("the id typed", func(items []ui.MapItem) bool {
				return slices.ContainsFunc(items, func(i ui.MapItem) bool { return i.Kind == "field" && i.Text == *user })
			})
		}},
		{"continue to the document", func() error { return d.click(ui.T("wizard.continue")) }},
		{"keep the document", func() error {
			if err := d.waitText(ui.T("document.title")); err != nil {
				return err
			}
			// The card on screen: the step's first instruction about it, or the card taken.
			said := []string{ui.T("comparison.face-found")}
			for _, p := range []ui.CardProblem{ui.CardTilted, ui.CardGlare, ui.CardMoving} {
				said = append(said, ui.Msg("card."+string(p)))
			}
			if err := d.wait("the card's instruction", func(items []ui.MapItem) bool {
				return slices.ContainsFunc(items, func(i ui.MapItem) bool { return slices.Contains(said, i.Text) })
			}); err != nil {
				return err
			}
			if *shots != "" {
				time.Sleep(250 * time.Millisecond) // the map is written before X paints it
			}
			if err := shot(*shots, "document-live.png"); err != nil {
				return err
			}
			if err := d.waitText(ui.T("comparison.face-found")); err != nil {
				return err
			}
			if err := shot(*shots, "document-taken.png"); err != nil {
				return err
			}
			if err := d.click(ui.T("wizard.continue")); err != nil {
				return err
			}
			// The click leaves the document's screen for the selfie's.
			return d.taken(ui.T("wizard.continue"), func() error {
				return d.waitGone(ui.T("comparison.face-found"))
			})
		}},
		{"selfie, head movements and the review's checks", func() error {
			if err := d.waitText(ui.Tf("wizard.customer", map[string]any{"ID": *user})); err != nil {
				return err
			}
			return d.click(ui.T("review.seal")) // waits until the checks enable it
		}},
		{"the result", func() error {
			for _, want := range []string{ui.ResultText("0840"), ui.Tf("result.code", map[string]any{"Code": "0840"}),
				ui.Tf("wizard.customer", map[string]any{"ID": *user})} {
				if err := d.waitText(want); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for i, s := range steps {
		start := time.Now()
		if err := s.do(); err != nil {
			return fmt.Errorf("step %d (%s): %w\n  the window %.0fx%.0f at scale %.2f shows: %+v", i+1, s.what, err, d.screen.Width, d.screen.Height, d.screen.Scale, d.last)
		}
		fmt.Printf("clickthrough: %d. %s (%.1f s)\n", i+1, s.what, time.Since(start).Seconds())
	}
	return nil
}

// shot saves the screen into dir/name (nothing when dir is "").
func shot(dir, name string) error {
	if dir == "" {
		return nil
	}
	img, err := xwd.Grab("")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return f.Close()
}

// taken checks that the click on text did what it should (check); when it did not, it
// says so and clicks once more: a second tap on a kiosk is what an agent would do, and
// the run reports it (CLICK_STRICT=1 fails instead).
func (d *driver) taken(text string, check func() error) error {
	saved := d.timeout
	d.timeout = 5 * time.Second
	err := check()
	d.timeout = saved
	if err == nil {
		return nil
	}
	if os.Getenv("CLICK_STRICT") != "" {
		return fmt.Errorf("the click on %q was not taken: %w", text, err)
	}
	fmt.Printf("clickthrough:   the click on %q was not taken (%v; on screen: %q): clicking again\n", text, err, d.texts())
	if err := d.click(text); err != nil {
		return err
	}
	return check()
}

func (d *driver) waitGone(text string) error {
	return d.wait(fmt.Sprintf("%q to go", text), func(items []ui.MapItem) bool {
		return !slices.ContainsFunc(items, func(i ui.MapItem) bool { return i.Text == text })
	})
}

// read loads the screen map (nil while the kiosk has not written it yet).
func (d *driver) read() []ui.MapItem {
	b, err := os.ReadFile(d.mapPath)
	if err != nil {
		return nil
	}
	var m ui.ScreenMap
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	d.screen, d.last = m, m.Items
	return m.Items
}

func (d *driver) texts() []string {
	var out []string
	for _, i := range d.last {
		if i.Text != "" {
			out = append(out, i.Text)
		}
	}
	return out
}

// wait polls the screen map until cond holds.
func (d *driver) wait(what string, cond func([]ui.MapItem) bool) error {
	deadline := time.Now().Add(d.timeout)
	for {
		if items := d.read(); items != nil && cond(items) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not come within %s", what, d.timeout)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (d *driver) waitText(text string) error {
	return d.wait(fmt.Sprintf("%q", text), func(items []ui.MapItem) bool {
		return slices.ContainsFunc(items, func(i ui.MapItem) bool { return i.Text == text })
	})
}

// button is the first enabled button labelled text (dialogs first).
func button(items []ui.MapItem, text string) (ui.MapItem, bool) {
	for _, i := range items {
		if i.Kind == "button" && i.Text == text && i.Enabled && i.W > 0 && i.H > 0 {
			return i, true
		}
	}
	return ui.MapItem{}, false
}

func (d *driver) waitButton(text string) error {
	return d.wait(fmt.Sprintf("the button %q", text), func(items []ui.MapItem) bool {
		_, ok := button(items, text)
		return ok
	})
}

// click waits for the button labelled text and clicks its centre with the mouse.
func (d *driver) click(text string) error {
	if err := d.waitButton(text); err != nil {
		return err
	}
	// A new screen may still move when it is first drawn (its pictures and texts
	// measured): click once the button stays where it is between two maps.
	b, _ := button(d.last, text)
	for deadline := time.Now().Add(d.timeout); ; {
		time.Sleep(250 * time.Millisecond)
		if err := d.waitButton(text); err != nil {
			return err
		}
		n, _ := button(d.last, text)
		if n == b || time.Now().After(deadline) {
			break
		}
		b = n
	}
	if b.H < d.minKey {
		return fmt.Errorf("the button %q is %.0f pixels high, under %.0f: too small for a finger", text, b.H, d.minKey)
	}
	x, y := fmt.Sprintf("%.0f", b.X), fmt.Sprintf("%.0f", b.Y)
	args := []string{"mousemove", "--sync", x, y, "click", "1"}
	if x+","+y == d.pointer {
		// Already there: xdotool's --sync would wait for a move that never comes.
		args = []string{"click", "1"}
	}
	d.pointer = x + "," + y
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("clicking %q at %s,%s with xdotool: %v: %s", text, x, y, err, strings.TrimSpace(string(out)))
	}
	if os.Getenv("CLICK_VERBOSE") != "" {
		fmt.Printf("clickthrough:   %s clicked %q at %s,%s\n", time.Now().Format("15:04:05.000"), text, x, y)
	}
	// Let the press and release reach the window before the next look.
	time.Sleep(120 * time.Millisecond)
	return nil
}

package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// This file is the screen map of the click test (scripts/test-clicks.sh): where each
// button and text field is, in the screen's pixels, and the texts shown, so that a test
// outside the process can click a button by its label with a real mouse (xdotool) at
// any screen size and in any language. The kiosk writes it only when KIOSK_UI_MAP
// names a file (internal/kioskui, for cmd/kiosk); it holds what the screen shows, so it is written 0600.

// MapItem is one thing on the screen.
type MapItem struct {
	Kind    string  `json:"kind"` // "button", "field" or "text"
	Text    string  `json:"text"`
	X       float32 `json:"x"` // the centre, in the screen's pixels
	Y       float32 `json:"y"`
	W       float32 `json:"w"`
	H       float32 `json:"h"`
	Enabled bool    `json:"enabled"`
	Focused bool    `json:"focused,omitempty"`
}

// ScreenMap is what the window shows: its size in pixels, Fyne's scale, and the
// visible buttons, text fields and texts.
type ScreenMap struct {
	Width  float32   `json:"width"` // the canvas, in the screen's pixels
	Height float32   `json:"height"`
	Scale  float32   `json:"scale"`
	Items  []MapItem `json:"items"` // the dialogs on top first
}

// ScreenMap maps the window. Call on Fyne's goroutine.
func (s *Shell) ScreenMap() ScreenMap {
	c := s.win.Canvas()
	scale := c.Scale()
	m := ScreenMap{Width: c.Size().Width * scale, Height: c.Size().Height * scale, Scale: scale}
	d := fyne.CurrentApp().Driver()
	var out []MapItem
	add := func(kind, text string, o fyne.CanvasObject, enabled bool) {
		p, sz := d.AbsolutePositionForObject(o), o.Size()
		out = append(out, MapItem{Kind: kind, Text: text, X: (p.X + sz.Width/2) * scale, Y: (p.Y + sz.Height/2) * scale,
			W: sz.Width * scale, H: sz.Height * scale, Enabled: enabled})
	}
	visit := func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			add("button", x.Text, x, !x.Disabled())
		case *TextField:
			add("field", x.Text, x, !x.Disabled())
			out[len(out)-1].Focused = c.Focused() == fyne.Focusable(x)
		case *widget.Label:
			add("text", x.Text, x, true)
		case *canvas.Text:
			add("text", x.Text, x, true)
		case *widget.Check:
			add("button", x.Text, x, !x.Disabled())
		}
	}
	ov := c.Overlays().List()
	for i := len(ov) - 1; i >= 0; i-- {
		walkVisible(ov[i], visit)
	}
	walkVisible(c.Content(), visit)
	m.Items = out
	return m
}

// walkVisible calls f on o and the visible objects inside it that the shell builds:
// containers' objects and the Content of scrolls and pop-ups.
func walkVisible(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, ch := range c.Objects {
			walkVisible(ch, f)
		}
		return
	}
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	if fv := v.Elem().FieldByName("Content"); fv.IsValid() && fv.CanInterface() {
		if inner, ok := fv.Interface().(fyne.CanvasObject); ok {
			walkVisible(inner, f)
		}
	}
}

// WriteScreenMap writes ScreenMap as JSON to path (replaced whole, mode 0600). Call
// on Fyne's goroutine.
func (s *Shell) WriteScreenMap(path string) error {
	b, err := json.Marshal(s.ScreenMap())
	if err != nil {
		return fmt.Errorf("writing the screen map: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".screenmap-*")
	if err != nil {
		return fmt.Errorf("writing the screen map: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the screen map: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the screen map: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing the screen map: %w", err)
	}
	return nil
}

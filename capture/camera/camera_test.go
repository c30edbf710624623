package camera

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		c    Config
		want []string // substrings of the error; none means valid
	}{
		{"zero", Config{}, nil},
		{"chosen by name, document by path", Config{SelfieCamera: Settings{Name: "C920", Width: 1280, Height: 720, FPS: 30, Formats: []string{"YUYV"}},
			DocumentCamera: Settings{Path: "/dev/v4l/by-id/usb-doc-video-index0"}}, nil},
		{"relative path", Config{SelfieCamera: Settings{Path: "video0"}}, []string{"capture.selfie_camera.path", "absolute"}},
		{"width only", Config{DocumentCamera: Settings{Name: "x", Width: 640}}, []string{"capture.document_camera", "give both"}},
		{"huge", Config{SelfieCamera: Settings{Width: 10000, Height: 10000}}, []string{"larger than any camera"}},
		{"fps", Config{SelfieCamera: Settings{FPS: 1000}}, []string{"fps 1000"}},
		{"timeout", Config{SelfieCamera: Settings{FrameTimeoutMS: 5}}, []string{"frame_timeout_ms 5"}},
		{"format", Config{SelfieCamera: Settings{Formats: []string{"H264"}}}, []string{`"H264" is not one of MJPG`}},
		{"same camera twice", Config{SelfieCamera: Settings{Name: "C920"}, DocumentCamera: Settings{Name: "C920"}}, []string{"same camera"}},
		{"two problems at once", Config{SelfieCamera: Settings{FPS: -1}, DocumentCamera: Settings{Name: "d", Formats: []string{"mjpg"}}}, []string{"fps -1", `"mjpg"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("valid config refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestMatchAndDocument(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "video4")
	if err := os.WriteFile(dev, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "usb-Logitech_C920_ABC-video-index0")
	if err := os.Symlink(dev, link); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		s               Settings
		path, name, bus string
		want            bool
	}{
		{Settings{}, "/dev/video0", "Integrated Camera", "usb-0000:00:14.0-5", true},
		{Settings{}, "/dev/video0", "", "", false}, // could not be opened
		{Settings{Name: "C920"}, "/dev/video2", "HD Pro Webcam C920", "usb-0000:00:14.0-2", true},
		{Settings{Name: "C920", Bus: "14.0-3"}, "/dev/video2", "HD Pro Webcam C920", "usb-0000:00:14.0-2", false},
		{Settings{Name: "c920"}, "/dev/video2", "HD Pro Webcam C920", "usb", false}, // case matters, as the driver reports it
		{Settings{Path: link}, dev, "anything", "", true},                           // a by-id link finds its node
		{Settings{Path: "/dev/video9", Name: "C920"}, "/dev/video2", "HD Pro Webcam C920", "", false},
	}
	for _, tc := range cases {
		if got := tc.s.Match(tc.path, tc.name, tc.bus); got != tc.want {
			t.Errorf("%s matching %s %q %q: %v, want %v", tc.s.Describe(), tc.path, tc.name, tc.bus, got, tc.want)
		}
	}
	if _, ok := (Config{}).Document(); ok {
		t.Error("no document camera configured, but Document says there is one")
	}
	if d, ok := (Config{DocumentCamera: Settings{Bus: "usb-3"}}).Document(); !ok || d.Bus != "usb-3" {
		t.Errorf("document camera by bus: %+v %v", d, ok)
	}
}

func TestJSONKeys(t *testing.T) {
	var c Config
	in := `{"selfie_camera":{"name":"C920","width":1280,"height":720,"fps":15,"formats":["YUYV"],"frame_timeout_ms":2000},"document_camera":{"path":"/dev/video2"}}`
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	s := c.SelfieCamera
	if s.Name != "C920" || s.Width != 1280 || s.Height != 720 || s.FPS != 15 || s.Formats[0] != "YUYV" || s.FrameTimeout().Milliseconds() != 2000 || c.DocumentCamera.Path != "/dev/video2" {
		t.Fatalf("decoded %+v", c)
	}
	if got := (Settings{Name: "a", Bus: "b"}).Describe(); got != `name "a" on bus "b"` {
		t.Errorf("Describe = %s", got)
	}
}

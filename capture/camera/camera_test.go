package camera

import (
	"os"
	"path/filepath"
	"testing"
)

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

func TestDescribe(t *testing.T) {
	if got := (Settings{Name: "a", Bus: "b"}).Describe(); got != `name "a" on bus "b"` {
		t.Errorf("Describe = %s", got)
	}
}

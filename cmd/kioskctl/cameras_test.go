package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/camera"
	"github.com/smartselfie/kiosk-agent/capture/v4l2"
)

func TestCameras(t *testing.T) {
	nodes, _ := filepath.Glob("/dev/video*")
	cases := []struct {
		name string
		args []string
		code int
		ok   func(out string) bool
	}{
		{"json", []string{"cameras", "--json"}, exitOK, func(out string) bool {
			var cams []map[string]any
			if err := json.Unmarshal([]byte(out), &cams); err != nil {
				return false
			}
			return len(nodes) > 0 || len(cams) == 0
		}},
		{"text", []string{"cameras"}, exitOK, func(out string) bool {
			return strings.Contains(out, "/dev/video") || (len(nodes) == 0 && strings.Contains(out, "no cameras found"))
		}},
		{"stray argument", []string{"cameras", "extra"}, exitUsage, func(string) bool { return true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr, func(string) string { return "" })
			if code != tc.code || !tc.ok(stdout.String()) {
				t.Fatalf("exit %d (want %d), stdout %q, stderr %q", code, tc.code, stdout.String(), stderr.String())
			}
		})
	}
}

func TestCameraRoles(t *testing.T) {
	cams := []v4l2.Camera{
		{Path: "/dev/video0"}, // busy
		{Path: "/dev/video2", Name: "HD Pro Webcam C920", Bus: "usb-0000:00:14.0-2"},
	}
	cases := []struct {
		c    camera.Config
		want []string
	}{
		{camera.Config{}, []string{`selfie camera (capture.selfie_camera: the first camera): /dev/video2 "HD Pro Webcam C920"`, "document camera: the selfie camera"}},
		{camera.Config{SelfieCamera: camera.Settings{Name: "Brio"}, DocumentCamera: camera.Settings{Path: "/dev/video0"}},
			[]string{`name "Brio"): not found: plug it in, or fix capture.selfie_camera`, `document camera (capture.document_camera: path "/dev/video0"): /dev/video0 cannot be opened`}},
	}
	for _, tc := range cases {
		var b bytes.Buffer
		printRoles(&b, cams, tc.c)
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("output %q does not say %q", b.String(), w)
			}
		}
	}
}

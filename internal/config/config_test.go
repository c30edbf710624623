package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		body    string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "overrides", body: `{"data_dir":"/tmp/x","log_level":"debug"}`, check: func(t *testing.T, c Config) {
			if c.DataDir != "/tmp/x" || c.LogLevel != "debug" {
				t.Fatalf("got %+v", c)
			}
		}},
		{name: "keeps defaults", body: `{}`, check: func(t *testing.T, c Config) {
			if c.DataDir != Default().DataDir {
				t.Fatalf("data_dir = %q", c.DataDir)
			}
		}},
		{name: "cameras", body: `{"capture":{"selfie_camera":{"name":"C920","width":1280,"height":720},"document_camera":{"path":"/dev/v4l/by-id/usb-doc-video-index0"}}}`, check: func(t *testing.T, c Config) {
			d, ok := c.Capture.Document()
			if c.Capture.SelfieCamera.Name != "C920" || c.Capture.SelfieCamera.Width != 1280 || !ok || d.Path != "/dev/v4l/by-id/usb-doc-video-index0" {
				t.Fatalf("capture = %+v", c.Capture)
			}
		}},
		{name: "bad camera", body: `{"capture":{"selfie_camera":{"formats":["H264"]}}}`, wantErr: "capture.selfie_camera.formats"},
		{name: "unknown camera key", body: `{"capture":{"selfie_camera":{"device":"/dev/video0"}}}`, wantErr: "unknown field"},
		{name: "unknown key", body: `{"data_dri":"/x"}`, wantErr: "unknown field"},
		{name: "bad level", body: `{"log_level":"loud"}`, wantErr: "log_level"},
		{name: "empty data dir", body: `{"data_dir":" "}`, wantErr: "data_dir is empty"},
		{name: "not json", body: `data_dir=/x`, wantErr: "invalid character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(p)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tc.check(t, c)
		})
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("Load of a missing file returned nil error")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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

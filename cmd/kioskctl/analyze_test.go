package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// kioskctl runs the command line with the test process's environment (ONNXRUNTIME_LIB
// from the Makefile) and an empty config path.
func kioskctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cfg := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(cfg, []byte(`{"data_dir": "`+t.TempDir()+`"}`), 0o600)
	code = run(append([]string{"--config", cfg}, args...), &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

func TestAnalyzeJSON(t *testing.T) {
	code, out, errs := kioskctl(t, "analyze", "--json", testimages.Path("astronaut.png"), testimages.Path("noface_coffee.png"), testimages.Path("two_people.jpg"))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want one per image:\n%s", len(lines), out)
	}
	// The shape of issue 2, checked on raw JSON so a renamed field fails.
	var raw map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"image", "width", "height", "faces", "quality"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no %q in %s", k, lines[0])
		}
	}
	var r struct {
		Image         string
		Width, Height int
		Faces         []struct {
			Box       []float64
			Score     *float64
			Landmarks [][]float64
			Pose      map[string]float64
			Liveness  *struct {
				Score *float64
				Live  *bool
			}
		}
		Quality struct {
			OK       *bool
			Problems []string
		}
	}
	json.Unmarshal([]byte(lines[0]), &r)
	if !strings.HasSuffix(r.Image, "astronaut.png") || r.Width != 512 || r.Height != 512 || len(r.Faces) != 1 {
		t.Fatalf("astronaut: %s", lines[0])
	}
	f := r.Faces[0]
	if len(f.Box) != 4 || f.Score == nil || len(f.Landmarks) != 5 || len(f.Landmarks[0]) != 2 || f.Liveness == nil || f.Liveness.Score == nil || f.Liveness.Live == nil {
		t.Errorf("face shape: %s", lines[0])
	}
	for _, k := range []string{"yaw", "pitch", "roll"} {
		if _, ok := f.Pose[k]; !ok {
			t.Errorf("pose has no %s: %s", k, lines[0])
		}
	}
	if f.Box[0] >= f.Box[2] || f.Box[1] >= f.Box[3] || *f.Score < 0.5 {
		t.Errorf("box/score: %s", lines[0])
	}
	if r.Quality.OK == nil || *r.Quality.OK || !contains(r.Quality.Problems, "face_too_small") {
		t.Errorf("astronaut quality (face about 4%% of the image): %s", lines[0])
	}

	json.Unmarshal([]byte(lines[1]), &r)
	if len(r.Faces) != 0 || !contains(r.Quality.Problems, "no_face") || !strings.Contains(lines[1], `"faces":[]`) {
		t.Errorf("no-face image: %s", lines[1])
	}
	json.Unmarshal([]byte(lines[2]), &r)
	if len(r.Faces) != 2 || !contains(r.Quality.Problems, "several_faces") {
		t.Errorf("two people: %s", lines[2])
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestAnalyzeHuman(t *testing.T) {
	code, out, _ := kioskctl(t, "analyze", testimages.Path("spoof_minivision_F1.jpg"))
	if code != exitOK || !strings.Contains(out, "1 face(s)") || !strings.Contains(out, "NOT live") || !strings.Contains(out, "not_live:") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.jpg")
	os.WriteFile(text, []byte("not an image"), 0o600)
	trunc := filepath.Join(dir, "half.jpg")
	b := testimages.Read(t, "obama_1.jpg")
	os.WriteFile(trunc, b[:len(b)/3], 0o600)
	cases := []struct {
		name string
		args []string
		code int
		text string
	}{
		{"no image", []string{"analyze"}, exitUsage, "usage"},
		{"missing file", []string{"analyze", filepath.Join(dir, "missing.jpg")}, exitError, "missing.jpg"},
		{"not an image", []string{"analyze", text}, exitError, "notes.jpg"},
		{"truncated", []string{"analyze", "--json", trunc}, exitError, "half.jpg"},
		{"missing runtime", []string{"analyze", "--onnxruntime-lib", filepath.Join(dir, "no.so"), testimages.Path("obama_1.jpg")}, exitError, "make setup"},
		{"damaged models folder", []string{"analyze", "--models-dir", dir, testimages.Path("obama_1.jpg")}, exitError, "model file missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := kioskctl(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.text) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, c.code, errs, c.text)
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stack trace: %s", errs)
			}
			if c.code == exitError && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("error is not one line: %q", errs)
			}
			if c.name == "truncated" && out != "" {
				t.Errorf("output for an unreadable image: %q", out)
			}
		})
	}
	// A good image after a bad one is still analysed; the exit status says one failed.
	code, out, _ := kioskctl(t, "analyze", "--json", text, testimages.Path("astronaut.png"))
	if code != exitError || !strings.Contains(out, "astronaut.png") {
		t.Errorf("mixed: exit %d, output %q", code, out)
	}
}

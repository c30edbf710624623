package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kioskctl doctor: the JSON report's shape, the exit status by the worst check, and a
// config that does not load reported as the config check's failure.
func TestDoctorCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o700)
	replay := filepath.Join(dir, "replay")
	os.Mkdir(replay, 0o755)
	photo, err := os.ReadFile("../../testdata/photos/obama_1.jpg")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(replay, "a.jpg"), photo, 0o644)
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"data_dir":"`+data+`","capture":{"selfie_camera":{"replay_dir":"`+replay+`"}},
		"local_api":{"socket":"`+filepath.Join(dir, "k.sock")+`"}}`), 0o644)

	var out, errb bytes.Buffer
	code := run([]string{"--config", cfg, "doctor", "--json", "--skip", "models"}, &out, &errb, func(string) string { return "" })
	var rep struct {
		Status string `json:"status"`
		Checks []struct {
			Name, Status, Detail, Fix string
		} `json:"checks"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s\n%s", err, out.String(), errb.String())
	}
	got := map[string]string{}
	for _, c := range rep.Checks {
		got[c.Name] = c.Status
		if c.Detail == "" || (c.Status != "ok") != (c.Fix != "") {
			t.Fatalf("check %+v: a detail always, a fix exactly when not ok", c)
		}
	}
	// No kiosk runs and no API is set: those fail; no TPM or credential here, so the
	// keys would be the plain file (a warning); the rest pass.
	if got["kiosk"] != "fail" || got["api"] != "fail" || got["cameras"] != "ok" || got["data_dir"] != "ok" || got["keys"] != "warn" || got["config"] != "ok" {
		t.Fatalf("checks %v", got)
	}
	if _, ran := got["models"]; ran {
		t.Fatal("--skip models ran it")
	}
	if rep.Status != "fail" || code != 2 {
		t.Fatalf("status %s exit %d, want fail 2", rep.Status, code)
	}

	// The text form: one line a check, its fix under it, the verdict last.
	out.Reset()
	code = run([]string{"--config", cfg, "doctor", "--skip", "models,kiosk,api,clock,keys"}, &out, &errb, func(string) string { return "" })
	if code != 0 || !strings.HasSuffix(out.String(), "doctor: ok\n") || !strings.Contains(out.String(), "OK    cameras   selfie: replay of 1 images") {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}

	os.WriteFile(cfg, []byte(`{"data_dir":"`+data+`","no_such_key":1}`), 0o644)
	out.Reset()
	code = run([]string{"--config", cfg, "doctor", "--json", "--skip", "models,cameras,api,clock,kiosk"}, &out, &errb, func(string) string { return "" })
	if code != 2 || !strings.Contains(out.String(), `"name": "config"`) || !strings.Contains(out.String(), "no_such_key") {
		t.Fatalf("bad config: exit %d\n%s", code, out.String())
	}
}

// A config file that the group or others may write is refused by every program that
// reads it (config.Load), and doctor fails it with the chmod to run.
func TestWritableConfigRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"data_dir":"`+dir+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfg, 0o666); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--config", cfg, "status"}, &out, &errb, func(string) string { return "" }); code == 0 || !strings.Contains(errb.String(), "chmod go-w "+cfg) {
		t.Fatalf("status with a 0666 config: exit %d, %s", code, errb.String())
	}
	out.Reset()
	code := run([]string{"--config", cfg, "doctor", "--skip", "models,cameras,api,clock,kiosk"}, &out, &errb, func(string) string { return "" })
	if code != 2 || !strings.Contains(out.String(), "FAIL  config") || !strings.Contains(out.String(), "chmod go-w "+cfg) {
		t.Fatalf("doctor with a 0666 config: exit %d\n%s", code, out.String())
	}
	if err := os.Chmod(cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"--config", cfg, "doctor", "--skip", "models,cameras,api,clock,kiosk"}, &out, &errb, func(string) string { return "" }); strings.Contains(out.String(), "FAIL  config") {
		t.Fatalf("doctor with a 0644 config: exit %d\n%s", code, out.String())
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

// submitAnalyzer matches every job: the real analysis is tested in sync/sandbox.
type submitAnalyzer struct{}

func (submitAnalyzer) Judge(context.Context, sandbox.Inputs) (sandbox.Verdict, error) {
	return sandbox.Verdict{SelfieProvided: true, ComparisonFace: true, SelfieLive: true, LivenessPassed: true, Match: true, Similarity: 0.9}, nil
}

func TestSubmit(t *testing.T) {
	dir := t.TempDir()
	sb, err := sandbox.New(sandbox.Options{
		Partners: []sandbox.Partner{{ID: "0007", Key: []byte("submit-key"), ProductActive: true}},
		DBPath:   filepath.Join(dir, "sb.db"), Analyzer: submitAnalyzer{},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	defer func() { srv.Close(); sb.Close() }()

	write := func(name string, b []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	key := write("key", []byte("submit-key\n"), 0o600)
	wrongKey := write("wrong", []byte("other-key\n"), 0o600)
	openKey := write("open", []byte("submit-key\n"), 0o644)
	img := func(n string) string { return write(n+".jpg", []byte{0xFF, 0xD8, 0xFF, 0xE0, n[0]}, 0o644) }
	png := write("x.png", []byte("\x89PNG\r\n\x1a\n"), 0o644)
	base := func(job string, extra ...string) []string {
		a := []string{"--api-url", srv.URL, "--partner-id", "0007", "--api-key-file", key, "submit",
			"--user-id", "u1", "--selfie", img("s"), "--comparison", img("c"), "--comparison-type", "ID_PHOTO",
			"--callback-url", "http://127.0.0.1:1/cb", "--param", "branch=Mombasa"}
		if job != "" {
			a = append(a, "--job-id", job)
		}
		for i := range 4 {
			a = append(a, "--liveness", img(string(rune('1'+i))))
		}
		return append(a, extra...)
	}
	swap := func(a []string, flag, v string) []string {
		out := append([]string(nil), a...)
		for i := range out {
			if out[i] == flag {
				out[i+1] = v
			}
		}
		return out
	}
	cases := []struct {
		name      string
		args      []string
		wantCode  int
		wantOut   string
		wantErr   string
		checkJSON bool
	}{
		{"match", base("job-1"), exitOK, "0840 Face Match (approved)", "", false},
		{"json", base("job-2", "--json", "--allow-new-enroll"), exitOK, `"code":"0840"`, "", true},
		{"generated job id", base("", "--allow-new-enroll"), exitOK, "job id k-", "", false}, // job.NewID, the format enroll uses
		{"job id reused", base("job-1"), exitError, "", "2215", false},
		{"job id reused json", base("job-1", "--json"), exitError, `"class":"reconcile"`, "2215", true},
		{"enrolled user", base("job-3"), exitError, "", "2209", false},
		{"enrolled user, allowed", base("job-4", "--allow-new-enroll"), exitOK, "0840", "", false},
		{"wrong key", swap(base("job-5"), "--api-key-file", wrongKey), exitError, "", "2205", false},
		{"readable key file", swap(base("job-6"), "--api-key-file", openKey), exitError, "", "chmod 600", false},
		{"png selfie", swap(base("job-7"), "--selfie", png), exitError, "", "not a JPEG", false},
		{"missing file", swap(base("job-8"), "--selfie", filepath.Join(dir, "nope.jpg")), exitError, "", "no such file", false},
		{"no user id", swap(base("job-9"), "--user-id", ""), exitUsage, "", "give --user-id", false},
		{"3 liveness", base("job-10")[:len(base("job-10"))-2], exitUsage, "", "4 to 8 times (3 given)", false},
		{"bad type", swap(base("job-11"), "--comparison-type", "SELFIE"), exitUsage, "", "ID_PHOTO, PORTRAIT or DOCUMENT", false},
		{"bad param", base("job-12", "--param", "novalue"), exitUsage, "", "key=value", false},
		{"reserved param", base("job-13", "--param", "job_id=x"), exitUsage, "", "reserved", false},
		{"no api url", swap(base("job-14"), "--api-url", ""), exitUsage, "", "--api-url", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(c.args, &out, &errb, func(string) string { return "" })
			if code != c.wantCode || !strings.Contains(out.String(), c.wantOut) || !strings.Contains(errb.String(), c.wantErr) {
				t.Fatalf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, c.wantCode, out.String(), c.wantOut, errb.String(), c.wantErr)
			}
			if c.checkJSON {
				var m map[string]any
				if err := json.Unmarshal(out.Bytes(), &m); err != nil {
					t.Fatalf("--json output is not JSON: %q", out.String())
				}
				if code == exitOK {
					if pp, _ := m["partner_params"].(map[string]any); pp["branch"] != "Mombasa" {
						t.Fatalf("partner params %v", m["partner_params"])
					}
				}
			}
			if strings.Contains(out.String()+errb.String(), "submit-key") {
				t.Fatal("the API key was printed")
			}
		})
	}
	if n, _ := sb.JobCount("0007", "job-1"); n != 3 {
		t.Fatalf("JobCount(job-1) = %d, want 3", n)
	}
}

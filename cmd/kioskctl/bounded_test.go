package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/imagebomb"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

// Image files are read within inference.MaxFileBytes and their headers checked before
// decoding (issue 13, points 2 and 4): /dev/zero and a decompression bomb are refused
// with a message, not read or decoded whole.
func TestImageFilesBounded(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.jpg")
	data := imagebomb.JPEG{Width: 10000, Height: 10000, Sampling: imagebomb.CMYK, Progressive: true}.Bytes()
	if err := os.WriteFile(bomb, data, 0o600); err != nil {
		t.Fatal(err)
	}
	job := func(selfie, comparison string) []string {
		a := []string{"enroll", "--data-dir", dir, "--user-id", "u", "--selfie", selfie, "--comparison", comparison,
			"--comparison-type", "ID_PHOTO"}
		for _, f := range fourFrames {
			a = append(a, "--liveness", testimages.Path(f))
		}
		return a
	}
	ok := testimages.Path("obama_1.jpg")
	cases := []struct {
		name string
		args []string
		say  string
	}{
		{"analyze /dev/zero", []string{"analyze", "/dev/zero"}, "larger than 64 MiB"},
		{"analyze a bomb", []string{"analyze", bomb}, "10000x10000 progressive CMYK JPEG has 100.0 megapixels"},
		{"compare with a bomb", []string{"compare", ok, bomb}, "more than the 36 allowed"},
		{"enroll --selfie /dev/zero", append(job("/dev/zero", ok), "--no-prechecks"), "larger than 64 MiB"},
		{"enroll --comparison /dev/zero", job(ok, "/dev/zero"), "larger than 64 MiB"},
		{"enroll with a bomb", job(ok, bomb), "megapixels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := kioskctlEnv(t, c.args...)
			if code == exitOK || !strings.Contains(errs, c.say) {
				t.Fatalf("exit %d, stderr %q; want a failure saying %q", code, errs, c.say)
			}
		})
	}
}

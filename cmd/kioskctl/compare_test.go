package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

func TestCompareJSON(t *testing.T) {
	cases := []struct {
		name             string
		a, b             string
		match, identical bool
	}{
		{"same person", "dfC_img20.jpg", "dfC_img21.jpg", true, false},
		{"different people", "obama_2.jpg", "alex_lacamoire_1.jpg", false, false},
		{"same file", "biden_2.jpg", "biden_2.jpg", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := kioskctl(t, "compare", "--json", testimages.Path(c.a), testimages.Path(c.b))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var raw map[string]any
			if err := json.Unmarshal([]byte(out), &raw); err != nil {
				t.Fatalf("%v: %q", err, out)
			}
			if len(raw) != 4 {
				t.Errorf("want exactly similarity, threshold, match, identical: %s", out)
			}
			sim, _ := raw["similarity"].(float64)
			thr, _ := raw["threshold"].(float64)
			if raw["match"] != c.match || raw["identical"] != c.identical || (sim >= thr) != c.match || thr <= 0 {
				t.Errorf("%s", out)
			}
		})
	}
}

func TestCompareNoFace(t *testing.T) {
	for _, side := range []string{"A", "B"} {
		a, b := testimages.Path("obama_1.jpg"), testimages.Path("noface_cat_chelsea.png")
		if side == "A" {
			a, b = b, a
		}
		code, out, errs := kioskctl(t, "compare", "--json", a, b)
		var r struct{ Error, Side string }
		json.Unmarshal([]byte(out), &r)
		if code != exitError || r.Error != "no face in "+testimages.Path("noface_cat_chelsea.png") || r.Side != side {
			t.Errorf("side %s: exit %d, stdout %q, stderr %q", side, code, out, errs)
		}
		if !strings.Contains(errs, "no face in") {
			t.Errorf("stderr %q", errs)
		}
	}
}

func TestCompareHumanAndErrors(t *testing.T) {
	code, out, _ := kioskctl(t, "compare", testimages.Path("obama_1.jpg"), testimages.Path("obama_3.jpg"))
	if code != exitOK || !strings.Contains(out, "MATCH") || strings.Contains(out, "NO MATCH") {
		t.Errorf("exit %d: %s", code, out)
	}
	cases := []struct {
		name string
		args []string
		code int
		text string
	}{
		{"one image", []string{"compare", testimages.Path("obama_1.jpg")}, exitUsage, "exactly two"},
		{"unreadable", []string{"compare", testimages.Path("obama_1.jpg"), testimages.Path("manifest.csv")}, exitError, "manifest.csv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := kioskctl(t, c.args...)
			if code != c.code || !strings.Contains(errs, c.text) {
				t.Errorf("exit %d (want %d), stderr %q", code, c.code, errs)
			}
		})
	}
}

package ui

import (
	"strings"
	"testing"
	"time"
)

func TestHaltAlertText(t *testing.T) {
	defer SetLanguage("en")
	tests := []struct {
		name, lang string
		halt       Halt
		want       []string // substrings of the body
		not        []string
	}{
		{"en shows the engine's sentence", "en", Halt{Code: "2205", Reason: "The engine says so."}, []string{"The engine says so."}, []string{"partner id"}},
		{"en without a sentence uses the code's", "en", Halt{Code: "2220"}, []string{"Production is not enabled"}, nil},
		{"fr uses the code's sentence", "fr", Halt{Code: "2205", Reason: "The engine says so."}, []string{"identifiants du kiosque"}, []string{"engine"}},
		{"fr with the kiosk behind", "fr", Halt{Code: "2205", Skew: 17*time.Minute + 12*time.Second}, []string{"retarde de 17 min 12 s"}, nil},
		{"fr with the kiosk ahead", "fr", Halt{Code: "2205", Skew: -20 * time.Minute}, []string{"avance de 20 min"}, nil},
		{"fr unknown code", "fr", Halt{Code: "2999"}, []string{"refuse les dossiers"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := SetLanguage(tc.lang); err != nil {
				t.Fatal(err)
			}
			h := tc.halt
			title, body := AlertText(Alert{Kind: AlertSyncHalted, Halt: &h})
			if title == "" || strings.HasPrefix(title, "alert.") {
				t.Errorf("title %q", title)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body %q lacks %q", body, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("body %q has %q", body, w)
				}
			}
		})
	}
}

func TestNumbers(t *testing.T) {
	defer SetLanguage("en")
	tests := []struct {
		lang string
		b    uint64
		want string
	}{
		{"en", 1_300_000_000, "1.3 GB"},
		{"fr", 1_300_000_000, "1,3 Go"},
		{"en", 250_000_000, "250 MB"},
		{"fr", 250_000_000, "250 Mo"},
	}
	for _, tc := range tests {
		if err := SetLanguage(tc.lang); err != nil {
			t.Fatal(err)
		}
		if got := BytesText(tc.b); got != tc.want {
			t.Errorf("%s: BytesText(%d) = %q, want %q", tc.lang, tc.b, got, tc.want)
		}
	}
}

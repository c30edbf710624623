package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "https://api.example.com/v2", "https://api.example.com/v2"},
		{"query token", "https://cb.example/hook?token=s3cr3t", "https://cb.example/hook?token=***"},
		{"several values", "http://127.0.0.1:9/cb?job=1&sig=abc&sig=def", "http://127.0.0.1:9/cb?job=***&sig=***&sig=***"},
		{"userinfo password", "https://user:pa55@cb.example/x", "https://user:***@cb.example/x"},
		{"userinfo token alone", "https://tok3n@cb.example/x", "https://***@cb.example/x"},
		{"fragment", "https://cb.example/x#access_token=abc", "https://cb.example/x#***"},
		{"unparsable", "https://cb.example/%zz?token=s3cr3t", "https://***"},
		{"no scheme", "token=s3cr3t", "***"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := URL(tc.in)
			if got != tc.want {
				t.Fatalf("URL(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for _, secret := range []string{"s3cr3t", "pa55", "tok3n", "abc", "def"} {
				if strings.Contains(tc.in, secret) && strings.Contains(got, secret) {
					t.Fatalf("URL(%q) = %q still holds %q", tc.in, got, secret)
				}
			}
		})
	}
}

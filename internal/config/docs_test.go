package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestReference keeps docs/config.md true: its example loads, it names every key, and its
// table of old names is the renames table.
func TestReference(t *testing.T) {
	b, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	m := regexp.MustCompile("(?s)## Example\n\n```json\n(.*?)```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("docs/config.md has no example")
	}
	var c Config = Default()
	if err := Parse([]byte(m[1]), &c); err != nil {
		t.Fatalf("the example does not parse: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the example does not validate: %v", err)
	}
	for _, k := range keys(reflect.TypeOf(Config{}), "") {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(doc, "`"+leaf+"`") && !strings.Contains(doc, "`"+leaf+"`,") {
			t.Errorf("docs/config.md does not document %s", k)
		}
	}
	for _, r := range renames {
		if !strings.Contains(doc, r.Old) || !strings.Contains(doc, r.New) {
			t.Errorf("docs/config.md does not list the old key %s.%s", r.Section, r.Old)
		}
	}
}

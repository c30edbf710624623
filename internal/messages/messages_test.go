package messages_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/messages"
)

// Every code is in every catalog.
func TestCatalogsHaveTheSameCodes(t *testing.T) {
	langs := messages.Languages()
	if len(langs) < 2 || langs[0] != "en" || langs[1] != "fr" {
		t.Fatalf("languages %v, want en and fr", langs)
	}
	for _, l := range langs {
		for _, other := range langs {
			for _, c := range messages.Codes(l) {
				if !messages.Has(other, c) {
					t.Errorf("%s is in %s.json but not in %s.json", c, l, other)
				}
			}
		}
		for _, c := range messages.Codes(l) {
			if strings.TrimSpace(messages.Text(l, c)) == "" {
				t.Errorf("%s: empty sentence for %s", l, c)
			}
		}
	}
}

// root is the repository's top folder.
func root(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

// rule finds the codes a package declares: its string constants whose type or name
// matches, each the code of key(value).
type rule struct {
	dir   string
	match func(name, typ string) bool
	key   func(v string) string
}

func prefix(p string) func(string) string { return func(v string) string { return p + v } }
func typed(t string) func(string, string) bool {
	return func(_, typ string) bool { return typ == t }
}
func named(p string) func(string, string) bool {
	return func(name, _ string) bool { return strings.HasPrefix(name, p) }
}

var rules = []rule{
	{"internal/codes", typed("Problem"), prefix("guidance.")},
	{"internal/codes", typed("Prompt"), func(v string) string {
		if v == "" {
			return "prompt.any"
		}
		return "prompt." + v
	}},
	{"capture", named("Code"), prefix("capture.")},
	{"capture/card", typed("Problem"), prefix("card.")},
	{"inference", named("Problem"), prefix("precheck.")},
	{"internal/precheck", named("Code"), prefix("precheck.")},
	{"internal/job", typed("Code"), prefix("job.")},
	{"offline", named("Limit"), prefix("limit.")},
	{"offline", named("PINRule"), prefix("pin.")},
	{"sync/uploader", named("Halt"), prefix("alert.halt.")},
	{"internal/doctor", named("Code"), func(v string) string { return v }},
	{"sync/compare", named("Code"), func(v string) string {
		switch {
		case v == "2201" || v == "2210":
			return "error.busy"
		case strings.HasPrefix(v, "0"):
			return "result." + v
		}
		return "error." + v
	}},
}

// Every code the code base declares has a sentence. The rules read the packages' source,
// so a code added there without a sentence fails here.
func TestEveryCodeHasASentence(t *testing.T) {
	top := root(t)
	found := 0
	for _, r := range rules {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, filepath.Join(top, r.dir), func(fi os.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range pkgs {
			for _, f := range p.Files {
				for _, d := range f.Decls {
					gd, ok := d.(*ast.GenDecl)
					if !ok || gd.Tok != token.CONST {
						continue
					}
					for _, sp := range gd.Specs {
						vs := sp.(*ast.ValueSpec)
						typ := ""
						if id, ok := vs.Type.(*ast.Ident); ok {
							typ = id.Name
						}
						for i, name := range vs.Names {
							if i >= len(vs.Values) || !r.match(name.Name, typ) {
								continue
							}
							lit, ok := vs.Values[i].(*ast.BasicLit)
							if !ok || lit.Kind != token.STRING {
								continue
							}
							v, _ := strconv.Unquote(lit.Value)
							n++
							if k := r.key(v); !messages.Has("en", k) {
								t.Errorf("%s declares %s = %q, but no catalog has %s", r.dir, name.Name, v, k)
							}
						}
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("no code found in %s: the rule no longer matches its source", r.dir)
		}
		found += n
	}
	t.Logf("%d codes checked", found)
}

func TestText(t *testing.T) {
	if got := messages.Text("fr", "error.other", "Code", "2299"); got != "Le service a refusé le dossier (code 2299). Appelez l'assistance." {
		t.Errorf("fr error.other = %q", got)
	}
	if got := messages.Text("de", "limit.queue_full", "N", 12); !strings.HasPrefix(got, "12 enrollments are waiting") {
		t.Errorf("an unknown language does not fall back to English: %q", got)
	}
	if got := messages.Text("fr", "no.such.code"); got != "no.such.code" {
		t.Errorf("an unknown code = %q, want the code", got)
	}
	if !messages.Has("en", "precheck.comparison_no_face") {
		t.Error("precheck.MessageCode's comparison code has no sentence")
	}
	if messages.Text("fr", "guidance.too_dark") == messages.Text("en", "guidance.too_dark") {
		t.Error("the French guidance is the English one")
	}
}

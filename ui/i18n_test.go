package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/smartselfie/kiosk-agent/internal/messages"
)

func loadTranslations(t *testing.T, code string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("translations", code+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	return m
}

func TestTranslationsHaveTheSameKeys(t *testing.T) {
	en, fr := loadTranslations(t, "en"), loadTranslations(t, "fr")
	for k := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("key %q is in en.json, missing in fr.json", k)
		}
	}
	for k := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is in fr.json, missing in en.json", k)
		}
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func TestTranslationsHaveTheSamePlaceholders(t *testing.T) {
	en, fr := loadTranslations(t, "en"), loadTranslations(t, "fr")
	names := func(s string) []string {
		var out []string
		for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	for k, e := range en {
		if f, ok := fr[k]; ok && !slices.Equal(names(e), names(f)) {
			t.Errorf("%s: en uses %v, fr uses %v", k, names(e), names(f))
		}
	}
}

// sameInBoth are the keys whose French is rightly the English.
var sameInBoth = map[string]bool{"about.version": true, "time.hm": true, "time.ms": true, "time.s": true, "time.m": true}

func TestFrenchIsTranslated(t *testing.T) {
	en, fr := loadTranslations(t, "en"), loadTranslations(t, "fr")
	for k, e := range en {
		if fr[k] == e && !sameInBoth[k] {
			t.Errorf("%s: the French is the English %q", k, e)
		}
	}
}

// A name or a word put in the French by a template cannot take the elision it may need
// ("de Amina" is "d'Amina"): no "de", "le", "la" or "que" right before a placeholder.
func TestFrenchNeedsNoElision(t *testing.T) {
	for k, f := range loadTranslations(t, "fr") {
		for _, w := range []string{"de {{", "le {{", "la {{", "que {{", "De {{", "Le {{", "La {{"} {
			if i := strings.Index(f, w); i >= 0 && (i == 0 || f[i-1] == ' ' || f[i-1] == '(') {
				t.Errorf("%s: %q has %q before a placeholder (d', l', qu' depend on the word)", k, f, w)
			}
		}
	}
}

// uiSource parses the package's non-test files.
func uiSource(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	names, _ := filepath.Glob("*.go")
	var files []*ast.File
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// callName is "T", "errors.New", ... for a call.
func callName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
	}
	return ""
}

// notShown are the calls whose string arguments an operator never sees.
var notShown = map[string]bool{
	"errors.New": true, "fmt.Errorf": true, "fmt.Sprintf": true, "os.Setenv": true,
	"lang.AddTranslationsFS": true, "filepath.Join": true, "hasMsg": true, "os.Getenv": true,
}

// notShownFuncs are functions whose strings are identifiers or log text.
var notShownFuncs = map[string]bool{"String": true, "Error": true, "ParseJobState": true, "Validate": true,
	"ScreenMap": true, "WriteScreenMap": true, "walkVisible": true}

// notShownVars are package variables of technical names (job states, language names
// which are the same in every language).
var notShownVars = map[string]bool{"jobStateNames": true, "languageNames": true, "Languages": true, "keyboardLayouts": true, "keyboardSigns": true, "padlockIcon": true}

// TestEveryStringIsTranslated fails on a key used in code that a translation lacks, on a
// key no code uses, and on a string literal with letters that does not go through T or
// Tf (an operator would see it untranslated).
func TestEveryStringIsTranslated(t *testing.T) {
	en, fr := loadTranslations(t, "en"), loadTranslations(t, "fr")
	fset, files := uiSource(t)
	consts := uiConsts(files)
	msgUsed := map[string]bool{} // internal/messages codes (a family: "guidance." + "*")
	used := map[string]bool{}
	keyLits := map[*ast.BasicLit]bool{}
	skip := map[*ast.BasicLit]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.ImportSpec:
				skip[x.Path] = true
			case *ast.FuncDecl:
				if notShownFuncs[x.Name.Name] {
					return false
				}
			case *ast.GenDecl:
				if x.Tok == token.CONST {
					return false // enum and screen ids, never shown
				}
				if x.Tok == token.VAR {
					for _, s := range x.Specs {
						if vs, ok := s.(*ast.ValueSpec); ok && notShownVars[vs.Names[0].Name] {
							return false
						}
					}
				}
			case *ast.CallExpr:
				name := callName(x)
				if notShown[name] {
					return false
				}
				if name == "Msg" && len(x.Args) > 0 {
					msgCall(t, fset, x, consts, keyLits, skip, msgUsed)
					return true
				}
				if (name == "T" || name == "Tf") && len(x.Args) > 0 {
					lit, ok := x.Args[0].(*ast.BasicLit)
					if !ok {
						t.Errorf("%s: %s with a key that is not a literal: the test cannot check it", fset.Position(x.Pos()), name)
						return true
					}
					k, _ := strconv.Unquote(lit.Value)
					used[k] = true
					keyLits[lit] = true
					// The template data's names ({"N": 3}) are not shown.
					if len(x.Args) > 1 {
						if cl, ok := x.Args[1].(*ast.CompositeLit); ok {
							for _, e := range cl.Elts {
								if kv, ok := e.(*ast.KeyValueExpr); ok {
									if k, ok := kv.Key.(*ast.BasicLit); ok {
										skip[k] = true
									}
								}
							}
						}
					}
				}
			}
			return true
		})
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if notShownFuncs[x.Name.Name] {
					return false
				}
			case *ast.GenDecl:
				if x.Tok == token.CONST {
					return false
				}
				if x.Tok == token.VAR {
					for _, s := range x.Specs {
						if vs, ok := s.(*ast.ValueSpec); ok && notShownVars[vs.Names[0].Name] {
							return false
						}
					}
				}
			case *ast.CallExpr:
				if notShown[callName(x)] {
					return false
				}
			case *ast.Field:
				if x.Tag != nil {
					skip[x.Tag] = true // a struct tag (json names)
				}
			case *ast.BasicLit:
				if x.Kind != token.STRING || keyLits[x] || skip[x] {
					return true
				}
				s, _ := strconv.Unquote(x.Value)
				if strings.IndexFunc(s, unicode.IsLetter) >= 0 {
					t.Errorf("%s: string %q is not translated (use T or Tf with a key in both translations)", fset.Position(x.Pos()), s)
				}
			}
			return true
		})
	}
	for k := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is used in code but missing in en.json", k)
		}
		if _, ok := fr[k]; !ok {
			t.Errorf("key %q is used in code but missing in fr.json", k)
		}
	}
	for k := range en {
		if !used[k] {
			t.Errorf("key %q is in the translations but no code uses it", k)
		}
	}
	// Every code-driven sentence is internal/messages', in both languages: a literal code,
	// a literal prefix plus a ui constant, or a family whose every code the test knows.
	families := msgFamilies(consts)
	for c := range msgUsed {
		codes := []string{c}
		if prefix, ok := strings.CutSuffix(c, "*"); ok {
			if codes, ok = families[prefix]; !ok {
				t.Errorf("Msg(%q + ...): the test does not know the codes of this family (add it to msgFamilies)", prefix)
				continue
			}
		}
		for _, code := range codes {
			for _, l := range Languages {
				if !messages.Has(l, code) {
					t.Errorf("code %q is used in code but has no sentence in internal/messages' %s.json", code, l)
				}
			}
		}
	}
	// A code-driven sentence is not copied into the translations.
	for k, v := range en {
		for _, c := range messages.Codes(English) {
			if messages.Text(English, c) == v {
				t.Errorf("key %q repeats internal/messages' %s: use Msg(%q)", k, c, c)
			}
		}
	}
}

// uiConsts are the package's string constants, name to value: a literal, or one of
// internal/codes' constants (Problem, Prompt) named as codes.Name.
func uiConsts(files []*ast.File) map[string]string {
	var shared map[string]string
	if f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "internal", "codes", "codes.go"), nil, 0); err == nil {
		shared = stringConsts([]*ast.File{f}, nil)
	}
	return stringConsts(files, shared)
}

// stringConsts are the string constants of files, name to value: literals, and the
// constants of shared named as codes.Name.
func stringConsts(files []*ast.File, shared map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[n.Name], _ = strconv.Unquote(lit.Value)
						}
						if sel, ok := vs.Values[i].(*ast.SelectorExpr); ok {
							if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "codes" {
								if v, ok := shared[sel.Sel.Name]; ok {
									out[n.Name] = v
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

// constOf is the value of a ui constant written as Name or string(Name).
func constOf(e ast.Expr, consts map[string]string) (string, bool) {
	if c, ok := e.(*ast.CallExpr); ok && len(c.Args) == 1 && callName(c) == "string" {
		e = c.Args[0]
	}
	if id, ok := e.(*ast.Ident); ok {
		v, ok := consts[id.Name]
		return v, ok
	}
	return "", false
}

// msgCall records the code of a Msg call: its literal, its literal prefix plus a ui
// constant, or its family ("result." + code records "result.*"). The arguments' names
// ("Code") are not shown.
func msgCall(t *testing.T, fset *token.FileSet, x *ast.CallExpr, consts map[string]string, keyLits, skip map[*ast.BasicLit]bool, used map[string]bool) {
	t.Helper()
	for i := 1; i < len(x.Args); i += 2 {
		if lit, ok := x.Args[i].(*ast.BasicLit); ok {
			skip[lit] = true
		}
	}
	switch a := x.Args[0].(type) {
	case *ast.BasicLit:
		k, _ := strconv.Unquote(a.Value)
		used[k] = true
		keyLits[a] = true
		return
	case *ast.BinaryExpr:
		if lit, ok := a.X.(*ast.BasicLit); ok && a.Op == token.ADD && lit.Kind == token.STRING {
			prefix, _ := strconv.Unquote(lit.Value)
			keyLits[lit] = true
			if v, ok := constOf(a.Y, consts); ok {
				used[prefix+v] = true
			} else {
				used[prefix+"*"] = true
			}
			return
		}
	}
	t.Errorf("%s: Msg with a code that is neither a literal nor a literal prefix plus a code: the test cannot check it", fset.Position(x.Pos()))
}

// msgFamilies are the codes of each family ui builds at run time: the values of its
// Problem, Prompt, CardProblem (Card*) and precheck (pc*) constants, the API's codes (docs/compare-api.md)
// and the halts' codes.
func msgFamilies(consts map[string]string) map[string][]string {
	f := map[string][]string{
		"result.":     {"0840", "0841", "0941", "0001"},
		"error.":      {"2204", "2205", "2209", "2214", "2215", "2220", "2413"},
		"alert.halt.": {"2205", "2214", "2220"},
		// offline's PIN rules (offline.PINRule*; internal/messages' test checks each).
		"pin.": {"length", "digits", "same", "near_same", "sequence", "counting", "repeat", "keypad", "pairs", "mirror", "date", "common"},
	}
	for _, c := range messages.Codes(English) {
		if code, ok := strings.CutPrefix(c, "doctor."); ok {
			f["doctor."] = append(f["doctor."], code)
			if name, ok := strings.CutPrefix(code, "name."); ok {
				f["doctor.name."] = append(f["doctor.name."], name)
			}
		}
	}
	for name, v := range consts {
		switch {
		case strings.HasPrefix(name, "Problem"):
			f["guidance."] = append(f["guidance."], v)
		case strings.HasPrefix(name, "Prompt"):
			f["prompt."] = append(f["prompt."], v)
		case strings.HasPrefix(name, "Card") && name != "CardProblems":
			f["card."] = append(f["card."], v)
		case strings.HasPrefix(name, "pc"):
			f["precheck."] = append(f["precheck."], v)
		}
	}
	for k := range f {
		for i := range f[k] {
			f[k][i] = k + f[k][i]
		}
	}
	return f
}

// TestEveryCodeHasASentence: every result and error code of the API (docs/compare-api.md)
// has its own sentence in both languages, not the generic one.
func TestEveryCodeHasASentence(t *testing.T) {
	for _, lang := range Languages {
		if err := SetLanguage(lang); err != nil {
			t.Fatal(err)
		}
		generic := map[string]bool{ResultText("9999"): true, ErrorText("9999"): true}
		for _, c := range []string{"0840", "0841", "0941", "0001"} {
			if s := ResultText(c); generic[s] || strings.HasPrefix(s, "result.") {
				t.Errorf("%s: result %s has no sentence (%q)", lang, c, s)
			}
		}
		for _, c := range []string{"2201", "2210", "2204", "2205", "2209", "2214", "2215", "2220", "2413"} {
			if s := ErrorText(c); generic[s] || strings.HasPrefix(s, "error.") {
				t.Errorf("%s: error %s has no sentence (%q)", lang, c, s)
			}
		}
	}
	_ = SetLanguage("en")
}

func TestSetLanguage(t *testing.T) {
	defer SetLanguage("en")
	fr := loadTranslations(t, "fr")
	en := loadTranslations(t, "en")
	if err := SetLanguage("fr"); err != nil {
		t.Fatal(err)
	}
	if got := T("home.new"); got != fr["home.new"] {
		t.Fatalf("fr: T(home.new) = %q, want %q", got, fr["home.new"])
	}
	if got := Tf("status.waiting", map[string]any{"N": 4}); got != strings.ReplaceAll(fr["status.waiting"], "{{.N}}", "4") {
		t.Fatalf("fr: Tf(status.waiting) = %q", got)
	}
	if err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
	if got := T("home.new"); got != en["home.new"] {
		t.Fatalf("en: T(home.new) = %q, want %q", got, en["home.new"])
	}
	if err := SetLanguage("de"); err == nil {
		t.Fatal("SetLanguage(de) did not fail")
	}
}

package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// module is the agent's module path; the rules name its packages without it ("ui/flow").
const module = "github.com/smartselfie/kiosk-agent"

// full returns the import path of p: the agent's packages are named without the module
// (no dot in their first element), the others in full.
func full(p string) string {
	if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
		return p
	}
	return module + "/" + p
}

// pkg is what `go list -deps -json` says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // its direct imports
	Deps       []string // everything it links (transitive, without tests)
}

// match says whether a package (by its import path) is one of a set.
type match func(path string) bool

// under matches the packages p and p/...; a path of the agent is given without the module.
func under(ps ...string) match {
	return func(path string) bool {
		for _, p := range ps {
			if p = full(p); path == p || strings.HasPrefix(path, p+"/") {
				return true
			}
		}
		return false
	}
}

// is matches exactly the packages ps.
func is(ps ...string) match {
	return func(path string) bool { return slices.ContainsFunc(ps, func(p string) bool { return full(p) == path }) }
}

// but matches what m matches except what not matches.
func but(m, not match) match {
	return func(path string) bool { return m(path) && !not(path) }
}

// agent matches every package of the agent.
func agent(path string) bool { return strings.HasPrefix(path, module+"/") }

// rule: no package that From matches may import (Linked: link, through any chain) a
// package that Forbid matches.
type rule struct {
	name   string
	from   match
	forbid match
	linked bool // the rule is on every package linked (Deps), not only the direct imports
}

// The rules of docs/ARCHITECTURE.md ("The rules these follow" and "Outside libraries").
var (
	parts    = under("capture", "inference", "offline", "sync")
	appLayer = under("internal/app", "internal/config", "internal/parts", "cmd", "internal/doctor", "internal/enroll", "internal/metrics", "internal/kioskui")
	testKits = under("internal/testkit", "inference/inferencetest", "sync/faultproxy", "ui/fake")
	leaves   = is("internal/job", "internal/codes", "internal/clock", "internal/messages", "internal/jsontree", "internal/imagelimit",
		"internal/jpegturbo", "internal/mrz", "internal/redact", "capture/camera", "inference/gates", "inference/models", "sync/faultproxy")
	fyne     = under("fyne.io/fyne/v2")
	go4vl    = under("github.com/vladimirvivien/go4vl")
	ort      = under("github.com/yalue/onnxruntime_go")
	bbolt    = under("go.etcd.io/bbolt")
	argon2   = is("golang.org/x/crypto/argon2")
	gotpm    = under("github.com/google/go-tpm")
	promGo   = under("github.com/prometheus/client_golang", "github.com/prometheus/common", "github.com/prometheus/client_model")
	programs = under("cmd")
)

var rules = []rule{
	{name: "the parts never import the app layer", from: parts, forbid: appLayer, linked: true},
	{name: "the shared leaves import no package of the agent", from: leaves, forbid: agent},
	{name: "the config links only leaves", from: is("internal/config"), linked: true,
		forbid: but(agent, is("inference/gates", "internal/jsontree"))},
	{name: "ui links none of the parts it shows (capture, inference, offline, sync), nor bbolt",
		from: under("ui"), forbid: func(p string) bool { return parts(p) || bbolt(p) }, linked: true},
	{name: "ui and the app are joined only in internal/kioskui", from: under("ui"), forbid: under("internal/app", "internal/parts", "internal/config", "internal/kioskui", "cmd"), linked: true},
	{name: "the app links no Fyne (but its adapters to ui)", from: but(under("internal"), under("internal/testkit", "internal/kioskui")), forbid: fyne, linked: true},
	{name: "Fyne only under ui, in internal/kioskui and the preview bench",
		from: but(agent, under("ui", "internal/kioskui", "scripts/previewbench")), forbid: fyne},
	{name: "capture does not link the engine", from: under("capture"), forbid: func(p string) bool { return under("inference")(p) || ort(p) }, linked: true},
	{name: "inference does not link capture", from: under("inference"), forbid: under("capture"), linked: true},
	{name: "the sandbox never links go4vl", from: is("sync/sandbox", "cmd/compare-sandbox"), forbid: go4vl, linked: true},
	{name: "go4vl only in capture/v4l2", from: but(agent, is("capture/v4l2")), forbid: go4vl},
	{name: "onnxruntime_go only in inference/onnx", from: but(agent, is("inference/onnx")), forbid: ort},
	{name: "bbolt only in offline and sync/sandbox", from: but(agent, is("offline", "sync/sandbox")), forbid: bbolt},
	{name: "argon2 only in offline", from: but(agent, is("offline")), forbid: argon2},
	{name: "go-tpm only in offline/protector", from: but(agent, is("offline/protector")), forbid: gotpm},
	{name: "no program links the test kits", from: programs, forbid: testKits, linked: true},
	{name: "the Prometheus client only in internal/metrics", from: but(agent, under("internal/metrics", "internal/testkit/metricstest")), forbid: promGo},
}

// short removes the module's prefix from the agent's paths, for the messages.
func short(path string) string { return strings.TrimPrefix(path, module+"/") }

// violations returns, for each rule, the packages of g that break it, each with a chain
// of imports that does (a → b → c) and how many other forbidden packages it links.
func violations(g map[string]pkg, rules []rule) []string {
	var out []string
	names := make([]string, 0, len(g))
	for n := range g {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, r := range rules {
		for _, n := range names {
			p := g[n]
			if !r.from(n) {
				continue
			}
			reach := p.Imports
			if r.linked {
				reach = p.Deps
			}
			var bad []string
			for _, d := range reach {
				if r.forbid(d) {
					bad = append(bad, d)
				}
			}
			if len(bad) == 0 {
				continue
			}
			c := chain(g, n, bad[0])
			for i := range c {
				c[i] = short(c[i])
			}
			msg := fmt.Sprintf("%s: %s", r.name, strings.Join(c, " → "))
			if len(bad) > 1 {
				msg += fmt.Sprintf(" (and %d more it must not link)", len(bad)-1)
			}
			out = append(out, msg)
		}
	}
	return out
}

// chain returns a shortest chain of imports from a to b in g (breadth first).
func chain(g map[string]pkg, a, b string) []string {
	prev := map[string]string{a: ""}
	queue := []string{a}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == b {
			var c []string
			for ; n != ""; n = prev[n] {
				c = append(c, n)
			}
			slices.Reverse(c)
			return c
		}
		for _, d := range g[n].Imports {
			if _, seen := prev[d]; !seen {
				prev[d] = n
				queue = append(queue, d)
			}
		}
	}
	return []string{a, "…", b}
}

// TestRulesCatchBadImports runs the rules over a made-up graph with one bad import per
// rule: each must be caught, and a good graph must pass.
func TestRulesCatchBadImports(t *testing.T) {
	good := map[string]pkg{
		"cmd/kiosk":            {Imports: []string{"internal/app", "internal/kioskui"}},
		"internal/kioskui":     {Imports: []string{"internal/app", "ui", "fyne.io/fyne/v2/app"}},
		"internal/app":         {Imports: []string{"internal/parts", "capture"}},
		"internal/parts":       {Imports: []string{"internal/config", "capture/v4l2", "offline"}},
		"internal/config":      {Imports: []string{"inference/gates", "internal/jsontree"}},
		"capture":              {Imports: []string{"internal/job"}},
		"capture/v4l2":         {Imports: []string{"capture", "github.com/vladimirvivien/go4vl/v4l2"}},
		"offline":              {Imports: []string{"go.etcd.io/bbolt", "golang.org/x/crypto/argon2", "internal/job"}},
		"inference":            {Imports: []string{"inference/onnx"}},
		"inference/onnx":       {Imports: []string{"github.com/yalue/onnxruntime_go"}},
		"sync/sandbox":         {Imports: []string{"inference", "go.etcd.io/bbolt"}},
		"cmd/compare-sandbox":  {Imports: []string{"sync/sandbox", "internal/config"}},
		"ui":                   {Imports: []string{"internal/job", "fyne.io/fyne/v2/widget"}},
		"ui/fake":              {Imports: []string{"ui", "internal/testkit/testimages"}},
		"internal/job":         {},
		"inference/gates":      {},
		"internal/jsontree":    {},
		"internal/precheck":    {Imports: []string{"capture", "inference"}},
		"scripts/previewbench": {Imports: []string{"ui", "capture", "inference", "fyne.io/fyne/v2"}},
	}
	if v := violations(closure(good), rules); len(v) > 0 {
		t.Fatalf("a good graph breaks rules:\n%s", strings.Join(v, "\n"))
	}
	for _, tc := range []struct {
		name     string
		from, to string // the bad import added to the good graph
		rule     string // the rule that must catch it
	}{
		{"a part imports the config", "offline", "internal/config", "the parts never import the app layer"},
		{"a part links the app through another", "capture/v4l2", "internal/enroll", "the parts never import the app layer"},
		{"a leaf imports a part", "internal/job", "capture", "the shared leaves import no package of the agent"},
		{"the config links bbolt", "internal/config", "offline", "the config links only leaves"},
		{"ui links capture through a helper", "ui", "internal/precheck", "ui links none of the parts"},
		{"ui links sync", "ui/fake", "sync/uploader", "ui links none of the parts"},
		{"ui imports the app", "ui", "internal/app", "ui and the app are joined only in internal/kioskui"},
		{"ui imports the adapters", "ui/fake", "internal/kioskui", "ui and the app are joined only in internal/kioskui"},
		{"a part imports the adapters", "offline", "internal/kioskui", "the parts never import the app layer"},
		{"the app imports its adapters to ui", "internal/app", "internal/kioskui", "the app links no Fyne"},
		{"Fyne in the program", "cmd/kiosk", "fyne.io/fyne/v2/app", "Fyne only under ui"},
		{"the app links Fyne", "internal/app", "ui", "the app links no Fyne"},
		{"Fyne in a part", "offline", "fyne.io/fyne/v2/canvas", "Fyne only under ui"},
		{"capture links the engine", "capture", "inference", "capture does not link the engine"},
		{"inference links capture", "inference", "capture/v4l2", "inference does not link capture"},
		{"the sandbox links go4vl", "cmd/compare-sandbox", "internal/parts", "the sandbox never links go4vl"},
		{"go4vl outside capture/v4l2", "capture", "github.com/vladimirvivien/go4vl/device", "go4vl only in capture/v4l2"},
		{"onnxruntime_go outside inference/onnx", "inference", "github.com/yalue/onnxruntime_go", "onnxruntime_go only in inference/onnx"},
		{"bbolt outside offline", "internal/app", "go.etcd.io/bbolt", "bbolt only in offline and sync/sandbox"},
		{"argon2 outside offline", "ui", "golang.org/x/crypto/argon2", "argon2 only in offline"},
		{"a program links a test kit", "cmd/kiosk", "ui/fake", "no program links the test kits"},
		{"a part links the metrics", "sync/sandbox", "internal/metrics", "the parts never import the app layer"},
		{"the Prometheus client outside internal/metrics", "internal/app", "github.com/prometheus/client_golang/prometheus", "the Prometheus client only in internal/metrics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := map[string]pkg{}
			for n, p := range good {
				p.Imports = slices.Clone(p.Imports)
				g[n] = p
			}
			p := g[tc.from]
			if slices.Contains(p.Imports, tc.to) {
				t.Fatalf("%s → %s is in the good graph already", tc.from, tc.to)
			}
			p.Imports = append(p.Imports, tc.to)
			g[tc.from] = p
			v := violations(closure(g), rules)
			caught := false
			for _, s := range v {
				if strings.HasPrefix(s, tc.rule) && strings.Contains(s, tc.from) {
					caught = true
				}
			}
			if !caught {
				t.Errorf("%s → %s not caught by %q; violations: %q", tc.from, tc.to, tc.rule, v)
			}
		})
	}
}

// closure fills each package's Deps from the Imports of a made-up graph (the agent's
// packages named without the module), adds the packages it names without listing them,
// and returns it keyed by import path.
func closure(short map[string]pkg) map[string]pkg {
	g := map[string]pkg{}
	for n, p := range short {
		var imps []string
		for _, d := range p.Imports {
			imps = append(imps, full(d))
		}
		g[full(n)] = pkg{Imports: imps}
	}
	for _, p := range g {
		for _, d := range p.Imports {
			if _, ok := g[d]; !ok {
				g[d] = pkg{ImportPath: d}
			}
		}
	}
	out := map[string]pkg{}
	for n, p := range g {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(x string) {
			for _, d := range g[x].Imports {
				if !seen[d] {
					seen[d] = true
					walk(d)
				}
			}
		}
		walk(n)
		p.ImportPath, p.Deps = n, nil
		for d := range seen {
			p.Deps = append(p.Deps, d)
		}
		slices.Sort(p.Deps)
		out[n] = p
	}
	return out
}

// TestImportRules checks the rules over the agent's real packages.
func TestImportRules(t *testing.T) {
	g := goList(t)
	for _, r := range rules {
		n := 0
		for p := range g {
			if r.from(p) && agent(p) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("rule %q applies to no package of the agent: a package was moved; fix the rule and docs/ARCHITECTURE.md", r.name)
		}
	}
	for _, v := range violations(g, rules) {
		t.Error(v)
	}
}

// goList runs `go list -deps -json ./...` at the module's root and returns its
// packages, the agent's without the module's prefix.
func goList(t *testing.T) map[string]pkg {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "list", "-deps", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./... (the go tool must be on PATH, as under make test): %v\n%s", err, stderr.Bytes())
	}
	g := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list's output: %v", err)
		}
		g[p.ImportPath] = p
	}
	// The graph is read: what the rules forbid elsewhere is seen where it belongs.
	for _, want := range []struct{ from, dep string }{
		{"cmd/kiosk", "ui"}, {"cmd/kiosk", "internal/app"}, {"cmd/kiosk", "fyne.io/fyne/v2"},
		{"capture/v4l2", "github.com/vladimirvivien/go4vl/v4l2"}, {"internal/app", "offline"}, {"offline", "go.etcd.io/bbolt"},
	} {
		if !slices.Contains(g[full(want.from)].Deps, full(want.dep)) {
			t.Fatalf("go list in %s: %s does not link %s: the graph was not read", cmd.Dir, want.from, want.dep)
		}
	}
	return g
}

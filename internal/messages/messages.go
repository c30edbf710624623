// Package messages is the one place where the kiosk's stable codes become sentences for
// the operator or the customer, in English and French. It is a leaf: the parts emit codes
// (and keep their English text by asking this package); the UI and the CLI turn them into
// sentences here.
//
// The catalogs are embedded JSON files, catalog/<lang>.json, keyed by code with a prefix
// per family:
//   - guidance.<capture.Problem>: live guidance for the customer while a camera step runs
//     (one short instruction); guidance.document.<capture.Problem> the agent's for the
//     document step where it differs (no_face, face_too_small, over_exposed, too_dark;
//     guidance.moving is the document's already); prompt.<capture.Prompt> (prompt.any for
//     no prompt): the liveness prompts.
//   - capture.<code>: camera failures (capture.ErrorCode).
//   - card.<card.Problem>: the document step's one instruction to the agent from the
//     card's gates (capture/card: no_document, too_far, tilted, glare, blurred, moving...).
//   - precheck.<code>: the prechecks' problem codes (inference.Problem*, precheck.Code*).
//     These sentences do not name the image, which the UI shows before them ("Selfie:
//     too dark. ..."), but for precheck.comparison_no_face (a comparison image without a
//     face) and the pair's no_match and identical, which name their images.
//   - job.<job.Code>: the job validation codes.
//   - limit.<offline.Limit*>: the offline queue's limits (offline.LimitError.Code).
//   - pin.<offline.PINRule*>: why a new PIN is refused (offline.WeakPINError.Rule).
//   - alert.halt.<uploader.HaltCause*>: why sending halted; alert.halt.skew-behind/-ahead
//     add the clock difference.
//   - doctor.<check>.<ok|warn|fail>, doctor.name.<check>, doctor.fix.details and the
//     internal/doctor Code* constants: kioskctl doctor's findings and fixes for the
//     kiosk's status screen (the English of the disk's equals doctor's Detail).
//   - result.<code> and error.<code>: the compare API's result and error codes
//     (result.other, error.other, error.busy for 2201 and 2210).
//
// The kiosk app (package ui) shows these sentences as they are, in the operator's
// language; its own translations hold only the screens' words.
//
// A sentence is a text/template over named arguments: Text(lang, code, "N", 3) fills
// {{.N}}. Every code is in every catalog (the package's test fails otherwise, and when a
// code that the code base declares has no sentence).
package messages

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"text/template"
)

// English is the language every sentence exists in; Text falls back to it.
const English = "en"

//go:embed catalog/*.json
var files embed.FS

var (
	loadOnce sync.Once
	catalogs map[string]map[string]string // lang → code → sentence
	loadErr  error
	tmplMu   sync.Mutex
	tmpls    = map[string]*template.Template{} // lang + "\x00" + code
)

func load() {
	catalogs = map[string]map[string]string{}
	ents, err := files.ReadDir("catalog")
	if err != nil {
		loadErr = err
		return
	}
	for _, e := range ents {
		b, err := files.ReadFile(path.Join("catalog", e.Name()))
		if err != nil {
			loadErr = err
			return
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			loadErr = fmt.Errorf("messages: catalog %s: %w", e.Name(), err)
			return
		}
		catalogs[strings.TrimSuffix(e.Name(), ".json")] = m
	}
}

// catalog returns the loaded catalogs (panicking on a broken embedded file, which the
// package's test catches first).
func catalog() map[string]map[string]string {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return catalogs
}

// Languages lists the catalogs' languages, sorted.
func Languages() []string {
	var out []string
	for l := range catalog() {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Codes lists the codes of lang's catalog, sorted (nil for an unknown language).
func Codes(lang string) []string {
	m := catalog()[lang]
	if m == nil {
		return nil
	}
	out := make([]string, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Has reports whether lang's catalog has a sentence for code.
func Has(lang, code string) bool {
	_, ok := catalog()[lang][code]
	return ok
}

// Text is the sentence of code in lang, filled with args (name, value pairs: "N", 3
// fills {{.N}}). A language without the code falls back to English; a code that is in no
// catalog is returned as it is, so nothing is ever blank.
func Text(lang, code string, args ...any) string {
	c := catalog()
	s, ok := c[lang][code]
	if !ok {
		lang = English
		if s, ok = c[English][code]; !ok {
			return code
		}
	}
	if !strings.Contains(s, "{{") {
		return s
	}
	t, err := parsed(lang, code, s)
	if err != nil {
		return s
	}
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	var b bytes.Buffer
	if err := t.Option("missingkey=zero").Execute(&b, data); err != nil {
		return s
	}
	return b.String()
}

func parsed(lang, code, s string) (*template.Template, error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	k := lang + "\x00" + code
	if t, ok := tmpls[k]; ok {
		return t, nil
	}
	t, err := template.New(code).Parse(s)
	if err != nil {
		return nil, err
	}
	tmpls[k] = t
	return t, nil
}

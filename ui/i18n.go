package ui

import (
	"embed"
	"fmt"
	"os"
	"sync"

	"fyne.io/fyne/v2/lang"

	"github.com/smartselfie/kiosk-agent/internal/messages"
)

// The operator's languages. Translations are the JSON files under translations/,
// embedded, one per language, keyed by a stable id ("signin.title"): the screens' own
// words (titles, buttons, labels, advice). The sentences of the kiosk's stable codes (the
// API's result and error codes, sync halts, capture guidance, liveness prompts, precheck
// problems) are not here but in internal/messages, which the CLI shares: Msg.
//
//go:embed translations/*.json
var translationFS embed.FS

// English is the code of the language the sync engine writes its sentences in.
const English = "en"

// Languages are the codes SetLanguage accepts, in the order the settings list them.
var Languages = []string{"en", "fr"}

// languageNames are each language's own name (the same in every language).
var languageNames = map[string]string{"en": "English", "fr": "Français"}

var (
	langMu  sync.Mutex
	current = English
)

// init loads the translations so that T works before SetLanguage (in the system's
// language, English when it is neither).
func init() {
	if err := lang.AddTranslationsFS(translationFS, "translations"); err != nil {
		panic(fmt.Errorf("ui: loading the embedded translations: %w", err))
	}
}

// SetLanguage makes code ("en" or "fr") the language of every string the screens
// build from now on; the shell rebuilds the screen it shows.
//
// Fyne's lang package picks its language from the process environment (LC_ALL, then
// LANGUAGE) when translations are loaded, so SetLanguage sets both, for this process
// only, and loads the translations again. Call it on the UI goroutine.
func SetLanguage(code string) error {
	if _, ok := languageNames[code]; !ok {
		return fmt.Errorf("setting the language: %q is not one of en, fr", code)
	}
	langMu.Lock()
	defer langMu.Unlock()
	os.Setenv("LC_ALL", code)
	os.Setenv("LANGUAGE", code)
	if err := lang.AddTranslationsFS(translationFS, "translations"); err != nil {
		return fmt.Errorf("loading the %s translations: %w", code, err)
	}
	current = code
	return nil
}

// Language is the code last set by SetLanguage ("en" before).
func Language() string {
	langMu.Lock()
	defer langMu.Unlock()
	return current
}

// T is the translation of key in the current language. A missing key shows as the key
// itself (the tests fail on one first).
func T(key string) string {
	return lang.X(key, key)
}

// Tf is T with template data: the translation may use {{.Name}} for data["Name"].
func Tf(key string, data map[string]any) string {
	return lang.X(key, key, data)
}

// Msg is the sentence of an internal/messages code ("result.0840", "guidance.too_dark")
// in the current language, filled with args (name, value pairs: "Code", "2299" fills
// {{.Code}}). Its first argument is a literal code or a literal prefix plus a code
// ("result." + code), so that the translation test can check the catalog has it.
func Msg(code string, args ...any) string {
	return messages.Text(Language(), code, args...)
}

// hasMsg reports whether internal/messages has a sentence for code.
func hasMsg(code string) bool {
	return messages.Has(English, code)
}

package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/jsontree"
)

// The config file is read in two passes. The first walks the JSON tokens into a tree that
// keeps the order of keys, refusing a key given twice in one object (encoding/json would
// silently keep the last), rewrites the old key names (renames), and checks every key
// against the json tags of Config (an unknown key, or one in the wrong case, is an error
// naming its full path) and every duration. The second decodes the rewritten tree with
// encoding/json over the defaults.

// rename is an old key that old config files may still use: a number in Unit under Old,
// now written as a Duration under New. When Old == New only the number form is old.
type rename struct {
	Section  string // dotted path of the object holding the key
	Old, New string
	Unit     string // "ms", "s", "m" or "d"
}

// renames lists every old key name; docs/config.md has the same table.
var renames = []rename{
	{"capture.selfie_camera", "frame_timeout_ms", "frame_timeout", "ms"},
	{"capture.document_camera", "frame_timeout_ms", "frame_timeout", "ms"},
	{"offline", "max_oldest_unsent_days", "max_oldest_unsent", "d"},
	{"offline", "purge_images_after_minutes", "purge_images_after", "m"},
	{"offline", "keep_results_days", "keep_results", "d"},
	{"offline", "failed_images_max_days", "keep_failed_images", "d"},
	{"sync", "retry_base_seconds", "retry_base", "s"},
	{"sync", "retry_max_seconds", "retry_max", "s"},
	{"sync", "max_retry_after_seconds", "max_retry_after", "s"},
	{"sync", "poll_seconds", "poll_interval", "s"},
	{"sync", "skew_tolerance_seconds", "skew_tolerance", "s"},
	{"compare", "connect_timeout", "connect_timeout", "s"},
	{"compare", "header_timeout", "header_timeout", "s"},
	{"compare", "stall_timeout", "stall_timeout", "s"},
	{"ui", "idle_lock_minutes", "idle_lock", "m"},
	{"ui", "result_wait_seconds", "result_wait", "s"},
}

// lookup returns the object at a dotted path of root, or nil.
func lookup(root *jsontree.Object, path string) *jsontree.Object {
	cur := root
	for _, k := range strings.Split(path, ".") {
		v, _ := cur.Get(k)
		o, ok := v.(*jsontree.Object)
		if !ok {
			return nil
		}
		cur = o
	}
	return cur
}

// applyRenames rewrites the old keys of root to their new names and style and returns a
// note for each one used. An old key given with its new name is an error.
func applyRenames(root *jsontree.Object) ([]string, error) {
	var notes []string
	var errs []error
	for _, r := range renames {
		sec := lookup(root, r.Section)
		if sec == nil {
			continue
		}
		v, ok := sec.Get(r.Old)
		if !ok {
			continue
		}
		oldKey, newKey := jsontree.Join(r.Section, r.Old), jsontree.Join(r.Section, r.New)
		n, isNum := v.(json.Number)
		if r.Old == r.New {
			if !isNum {
				continue // already the new style
			}
		} else {
			if _, both := sec.Get(r.New); both {
				errs = append(errs, fmt.Errorf("%s (the old name) and %s are both given: keep %s only", oldKey, newKey, r.New))
				continue
			}
			if !isNum {
				errs = append(errs, fmt.Errorf("%s must be a number of %s; better, write %s as a string with a unit, like \"30%s\"", oldKey, unitWord(r.Unit), newKey, r.Unit))
				continue
			}
			sec.Del(r.Old)
		}
		f, err := n.Float64()
		if err != nil { // beyond float64: far beyond every range
			f = math.Inf(1)
		}
		text := strconv.FormatFloat(f, 'f', -1, 64) + r.Unit
		if f == 0 {
			sec.Del(r.New) // 0 meant "the default"
		} else {
			sec.Set(r.New, text)
		}
		notes = append(notes, fmt.Sprintf("%s: %s is the old form; write %s: %q", oldKey, n, newKey, text))
	}
	return notes, errors.Join(errs...)
}

func unitWord(u string) string {
	return map[string]string{"ms": "milliseconds", "s": "seconds", "m": "minutes", "d": "days"}[u]
}

var durationType = reflect.TypeOf(Duration(0))

// checkKeys checks every key of v against the json tags of t (a struct type): unknown
// keys and malformed durations are errors naming the full key path.
func checkKeys(v any, t reflect.Type, path string) []error {
	if t == durationType {
		s, ok := v.(string)
		if !ok {
			return []error{fmt.Errorf("%s must be a string with a unit, like \"30s\", \"5m\" or \"90d\"", path)}
		}
		if _, err := ParseDuration(s); err != nil {
			return []error{fmt.Errorf("%s: %w", path, err)}
		}
		return nil
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	o, ok := v.(*jsontree.Object)
	if !ok {
		if path == "" {
			return []error{errors.New("the config file must hold one JSON object, like {\"data_dir\": \"/var/lib/kiosk-agent\"}")}
		}
		return []error{fmt.Errorf("%s must be an object {...}", path)}
	}
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	var errs []error
	for _, m := range o.Members {
		p := jsontree.Join(path, m.Key)
		ft, ok := fields[m.Key]
		if !ok {
			errs = append(errs, fmt.Errorf("unknown key %s: check its spelling (keys are lower case with underscores; docs/config.md lists them)", p))
			continue
		}
		errs = append(errs, checkKeys(m.Val, ft, p)...)
	}
	return errs
}

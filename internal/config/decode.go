package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// The config file is read in two passes. The first walks the JSON tokens into a tree that
// keeps the order of keys, refusing a key given twice in one object (encoding/json would
// silently keep the last), rewrites the old key names (renames), and checks every key
// against the json tags of Config (an unknown key, or one in the wrong case, is an error
// naming its full path) and every duration. The second decodes the rewritten tree with
// encoding/json over the defaults.

// member is one key and value of a JSON object; object keeps them in file order.
type member struct {
	key string
	val any
}

type object struct{ members []member }

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.val)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o *object) get(key string) (any, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

func (o *object) set(key string, v any) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].val = v
			return
		}
	}
	o.members = append(o.members, member{key, v})
}

func (o *object) del(key string) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members = append(o.members[:i], o.members[i+1:]...)
			return
		}
	}
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// readTree reads one JSON value from b, refusing duplicate keys and trailing data.
func readTree(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more after the config's closing }: the file must hold one JSON object")
	}
	return v, nil
}

func readValue(dec *json.Decoder, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &object{}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := kt.(string)
			p := joinKey(path, key)
			if seen[key] {
				return nil, fmt.Errorf("key %s is given twice: keep one (which one applies would otherwise be silent)", p)
			}
			seen[key] = true
			v, err := readValue(dec, p)
			if err != nil {
				return nil, err
			}
			o.members = append(o.members, member{key, v})
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return o, nil
	case '[':
		a := []any{}
		for i := 0; dec.More(); i++ {
			v, err := readValue(dec, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return a, nil
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

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
}

// lookup returns the object at a dotted path of root, or nil.
func lookup(root *object, path string) *object {
	cur := root
	for _, k := range strings.Split(path, ".") {
		v, _ := cur.get(k)
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		cur = o
	}
	return cur
}

// applyRenames rewrites the old keys of root to their new names and style and returns a
// note for each one used. An old key given with its new name is an error.
func applyRenames(root *object) ([]string, error) {
	var notes []string
	var errs []error
	for _, r := range renames {
		sec := lookup(root, r.Section)
		if sec == nil {
			continue
		}
		v, ok := sec.get(r.Old)
		if !ok {
			continue
		}
		oldKey, newKey := joinKey(r.Section, r.Old), joinKey(r.Section, r.New)
		n, isNum := v.(json.Number)
		if r.Old == r.New {
			if !isNum {
				continue // already the new style
			}
		} else {
			if _, both := sec.get(r.New); both {
				errs = append(errs, fmt.Errorf("%s (the old name) and %s are both given: keep %s only", oldKey, newKey, r.New))
				continue
			}
			if !isNum {
				errs = append(errs, fmt.Errorf("%s must be a number of %s; better, write %s as a string with a unit, like \"30%s\"", oldKey, unitWord(r.Unit), newKey, r.Unit))
				continue
			}
			sec.del(r.Old)
		}
		if f, err := n.Float64(); err == nil && f == 0 {
			sec.del(r.New) // 0 meant "the default"
		} else {
			sec.set(r.New, n.String()+r.Unit)
		}
		notes = append(notes, fmt.Sprintf("%s: %s is the old form; write %s: %q", oldKey, n, newKey, n.String()+r.Unit))
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
	o, ok := v.(*object)
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
	for _, m := range o.members {
		p := joinKey(path, m.key)
		ft, ok := fields[m.key]
		if !ok {
			errs = append(errs, fmt.Errorf("unknown key %s: check its spelling (keys are lower case with underscores; docs/config.md lists them)", p))
			continue
		}
		errs = append(errs, checkKeys(m.val, ft, p)...)
	}
	return errs
}

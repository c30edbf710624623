// Package jsontree reads JSON into a tree that keeps the order of keys and refuses a key
// given twice in one object, which encoding/json accepts silently (the last wins). Config
// readers walk the tree before decoding. It is a leaf: the config and the parts (the
// sandbox's file) both use it.
package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Member is one key and value of a JSON object.
type Member struct {
	Key string
	Val any
}

// Object is a JSON object with its members in file order.
type Object struct{ Members []Member }

// MarshalJSON writes the members in order.
func (o *Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.Members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.Val)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the value of key.
func (o *Object) Get(key string) (any, bool) {
	for _, m := range o.Members {
		if m.Key == key {
			return m.Val, true
		}
	}
	return nil, false
}

// Set sets key to v, in place or at the end.
func (o *Object) Set(key string, v any) {
	for i := range o.Members {
		if o.Members[i].Key == key {
			o.Members[i].Val = v
			return
		}
	}
	o.Members = append(o.Members, Member{key, v})
}

// Del removes key.
func (o *Object) Del(key string) {
	for i := range o.Members {
		if o.Members[i].Key == key {
			o.Members = append(o.Members[:i], o.Members[i+1:]...)
			return
		}
	}
}

// Join joins a dotted key path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Read reads one JSON value from b: *Object, []any, json.Number, string, bool or nil.
// A key given twice in one object is an error naming its dotted path; so is data after
// the value.
func Read(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more after the first JSON value: the file must hold one")
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
		o := &Object{}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := kt.(string)
			p := Join(path, key)
			if seen[key] {
				return nil, fmt.Errorf("key %s is given twice: keep one (which one applies would otherwise be silent)", p)
			}
			seen[key] = true
			v, err := readValue(dec, p)
			if err != nil {
				return nil, err
			}
			o.Members = append(o.Members, Member{key, v})
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

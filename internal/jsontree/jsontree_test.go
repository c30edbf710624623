package jsontree

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	bad := []struct{ name, in, want string }{
		{"duplicate at the top", `{"a":1,"a":2}`, "key a is given twice"},
		{"duplicate nested", `{"a":{"b":[{"c":1,"c":1}]}}`, "key a.b[0].c is given twice"},
		{"trailing", `{"a":1} 2`, "more after"},
		{"truncated", `{"a":`, "EOF"},
		{"not json", `a=1`, "invalid character"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Read([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	in := `{"z":1,"a":{"b":[true,null,"s",1.5]},"m":{"z":1,"y":2}}`
	v, err := Read([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != in {
		t.Fatalf("round trip %s (%v), want %s", out, err, in)
	}
	o := v.(*Object)
	o.Set("a", "x")
	o.Del("z")
	o.Set("n", json.Number("3"))
	if out, _ := json.Marshal(o); string(out) != `{"a":"x","m":{"z":1,"y":2},"n":3}` {
		t.Fatalf("after edits: %s", out)
	}
	if _, ok := o.Get("z"); ok {
		t.Fatal("deleted key still there")
	}
}

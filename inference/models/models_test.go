package models

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadEmbedded(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{YuNet320Name: s.YuNet320, YuNetDynamicName: s.YuNetDynamic,
		MiniFASNetV2Name: s.MiniFASNetV2, MiniFASNetV1SEName: s.MiniFASNetV1SE, MobileFaceNetName: s.MobileFaceNet} {
		if err := Verify(name, b); err != nil {
			t.Error(err)
		}
	}
}

func TestLoadFolder(t *testing.T) {
	copyAll := func(t *testing.T) string {
		dir := t.TempDir()
		for name := range SHA256 {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	cases := []struct {
		name   string
		change func(dir string)
		want   error
		text   string
	}{
		{"intact", func(string) {}, nil, ""},
		{"missing", func(dir string) { os.Remove(filepath.Join(dir, MobileFaceNetName)) }, ErrMissing, MobileFaceNetName},
		{"truncated", func(dir string) { os.Truncate(filepath.Join(dir, YuNet320Name), 1000) }, ErrDamaged, YuNet320Name},
		{"one byte changed", func(dir string) {
			p := filepath.Join(dir, MiniFASNetV1SEName)
			b, _ := os.ReadFile(p)
			b[12345] ^= 1
			os.WriteFile(p, b, 0o600)
		}, ErrDamaged, MiniFASNetV1SEName},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyAll(t)
			c.change(dir)
			s, err := Load(dir)
			if c.want == nil {
				if err != nil || len(s.MobileFaceNet) == 0 {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("Load = %v, want %v naming %s", err, c.want, c.text)
			}
		})
	}
}

func TestVerifyUnknown(t *testing.T) {
	if err := Verify("other.onnx", []byte("x")); err == nil {
		t.Error("unknown model verified")
	}
}

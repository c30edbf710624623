package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersionPrintsTheLinkedVersion(t *testing.T) {
	for _, v := range []string{"dev", "1.2.3+git20261129231557.505642cb9a88"} {
		old := version
		version = v
		var out, errb bytes.Buffer
		code := run([]string{"version"}, &out, &errb, func(string) string { return "" })
		version = old
		if code != exitOK {
			t.Fatalf("version %q: exit %d, stderr %q", v, code, errb.String())
		}
		fields := strings.Fields(out.String())
		if len(fields) != 4 || fields[0] != "kioskctl" || fields[1] != v {
			t.Fatalf("version %q: got %q, want \"kioskctl %s GOOS/GOARCH GOVERSION\"", v, out.String(), v)
		}
		if want := runtime.GOOS + "/" + runtime.GOARCH; fields[2] != want {
			t.Errorf("platform field %q, want %q", fields[2], want)
		}
	}
}

func TestVersionRejectsArguments(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version", "extra"}, &out, &errb, func(string) string { return "" }); code != exitUsage {
		t.Fatalf("exit %d, want %d (usage)", code, exitUsage)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q on stdout for a usage error", out.String())
	}
}

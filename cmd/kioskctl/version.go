package main

import (
	"fmt"
	"runtime"
)

// version is the agent's version. Builds through the Makefile set it from git
// (scripts/version.sh) with -ldflags "-X main.version=..."; a plain go build leaves "dev".
var version = "dev"

func init() {
	register(&command{name: "version", summary: "print the version, OS/architecture and Go version", run: runVersion})
}

// runVersion prints "kioskctl VERSION GOOS/GOARCH GOVERSION" on one line; the version is
// the second field, for scripts.
func runVersion(g *globals, args []string) int {
	fs := g.newFlagSet("version", "")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(g.stderr, "kioskctl version: takes no arguments")
		fs.Usage()
		return exitUsage
	}
	fmt.Fprintf(g.stdout, "kioskctl %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return exitOK
}

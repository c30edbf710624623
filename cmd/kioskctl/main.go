// Command kioskctl is the kiosk agent's headless tool: face analysis of image files,
// enrollment from files into the offline queue, queue and audit inspection, sync,
// direct submission to the compare API, and the kiosk's operators (operator.go). Each command lives in its own file and
// registers itself in commands.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/config"
)

// Exit statuses shared by every command.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// command is one kioskctl sub-command.
type command struct {
	name    string
	summary string // one line for the command list
	// run executes the command with its own arguments (after the name).
	run func(g *globals, args []string) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("kioskctl: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// globals are the flags every command accepts (before or after its name), and the
// streams it writes to.
type globals struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	clk            clock.Clock // the time for job ids and the queue; nil means clock.Real

	args []string // the command line, for messages that give it back

	configPath string
	dataDir    string
	apiURL     string
	partnerID  string
	apiKeyFile string
	ortLib     string
	modelsDir  string
	socket     string
}

// clock returns the injected clock (clock.Real when none was set).
func (g *globals) clock() clock.Clock {
	if g.clk == nil {
		return clock.Real{}
	}
	return g.clk
}

// logger returns the parts' logger for a command of config c. A command's stderr carries
// its own answer, so the parts log only warnings and errors there, unless log_level is
// debug (everything) or error (errors only).
func (g *globals) logger(c config.Config) *slog.Logger {
	level := "warn"
	if c.LogLevel == "debug" || c.LogLevel == "error" {
		level = c.LogLevel
	}
	return config.Logger(level, g.stderr)
}

// addGlobalFlags registers the global flags on fs.
func (g *globals) addGlobalFlags(fs *flag.FlagSet) {
	fs.StringVar(&g.configPath, "config", g.configPath, "config file (JSON); default "+config.DefaultPath+" if it exists")
	fs.StringVar(&g.dataDir, "data-dir", g.dataDir, "data folder (queue, keys, audit log)")
	fs.StringVar(&g.apiURL, "api-url", g.apiURL, "base URL of the compare API, e.g. http://127.0.0.1:8080")
	fs.StringVar(&g.partnerID, "partner-id", g.partnerID, "partner id (keep leading zeros)")
	fs.StringVar(&g.apiKeyFile, "api-key-file", g.apiKeyFile, "file holding the API key (mode 0600)")
	fs.StringVar(&g.ortLib, "onnxruntime-lib", g.ortLib, "path of libonnxruntime.so.1")
	fs.StringVar(&g.modelsDir, "models-dir", g.modelsDir, "load ONNX models from this folder instead of the built-in copies")
	fs.StringVar(&g.socket, "socket", g.socket, "the running kiosk's socket (default: the config's local_api.socket); status, queue, audit and sync use it when a kiosk runs, the queue file otherwise")
}

// newFlagSet returns a FlagSet for a command that also accepts the global flags and
// reports usage errors to stderr.
func (g *globals) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(g.stderr)
	g.addGlobalFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(g.stderr, "usage: kioskctl %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// config loads the config file (if any) and lays the global flags over it: flags over the
// file over the defaults, as in every program. Old key names in the file are reported on
// stderr.
func (g *globals) config() (config.Config, error) {
	c := config.Default()
	path := g.configPath
	if path == "" {
		if _, err := os.Stat(config.DefaultPath); err == nil {
			path = config.DefaultPath
		}
	}
	if path != "" {
		var err error
		if c, err = config.Load(path); err != nil {
			return c, err
		}
		for _, d := range c.Deprecated {
			fmt.Fprintf(g.stderr, "kioskctl: warning: config %s\n", d)
		}
	}
	if g.dataDir != "" {
		c.DataDir = g.dataDir
	}
	if g.ortLib != "" {
		c.ONNXRuntimeLib = g.ortLib
	}
	if g.modelsDir != "" {
		c.ModelsDir = g.modelsDir
	}
	if g.apiURL != "" {
		c.Compare.APIURL = g.apiURL
	}
	if g.partnerID != "" {
		c.Compare.PartnerID = g.partnerID
	}
	if g.apiKeyFile != "" { // the flag's key file replaces the file's way to sign
		c.Compare.APIKeyFile, c.Compare.APIKeyEnv = g.apiKeyFile, ""
		c.Compare.SignerURL, c.Compare.SignerTokenFile = "", ""
	}
	return c, c.Validate()
}

// errorf prints a one-line error and returns exitError.
func (g *globals) errorf(format string, args ...any) int {
	fmt.Fprintf(g.stderr, "kioskctl: "+format+"\n", args...)
	return exitError
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return runWith(&globals{stdout: stdout, stderr: stderr, getenv: getenv, clk: clock.Real{}}, args)
}

// runWith runs a command line with g's streams, environment and clock.
func runWith(g *globals, args []string) int {
	g.args = args
	stderr := g.stderr
	fs := flag.NewFlagSet("kioskctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	g.addGlobalFlags(fs)
	fs.Usage = func() { printUsage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		printUsage(stderr, fs)
		return exitUsage
	}
	name := fs.Arg(0)
	if name == "help" {
		printUsage(g.stdout, fs)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "kioskctl: unknown command %q (see kioskctl help)\n", name)
		return exitUsage
	}
	return c.run(g, fs.Args()[1:])
}

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: kioskctl [global flags] COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nglobal flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

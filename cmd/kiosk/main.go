// Command kiosk is the kiosk agent's program: it loads the config, builds the app
// (internal/app) and runs it until SIGTERM or SIGINT, then shuts down within 5 s.
//
//	kiosk [--config FILE] [--windowed] [--headless]
//
// It shows the screens (package ui) full screen unless --windowed, joined to the app by
// the adapters of internal/kioskui (the enrollment service is internal/app's
// Enrollments; the settings' camera preview is ui's). make demo runs
// it over compare-sandbox (scripts/demo-kiosk.sh). With --headless, or with no display
// (neither DISPLAY nor WAYLAND_DISPLAY set), it runs without screens and says so: the
// sync engine, the queue, the cameras and the local API for kioskctl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/kioskui"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// processStart is when the program started (the start-to-ready and start-to-screen
// figures of make bench count from it).
var processStart = time.Now()

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// --help: the usage was printed; asking for it is not an error.
	case err != nil:
		fmt.Fprintf(os.Stderr, "kiosk: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (JSON); default "+config.DefaultPath+" if it exists")
	windowed := fs.Bool("windowed", false, "run in a window instead of full screen (development)")
	headless := fs.Bool("headless", false, "run without screens: sync, queue, local API only")
	showVersion := fs.Bool("version", false, "print the version, OS/architecture and Go version, and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		fmt.Fprintf(stdout, "kiosk %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
		return nil
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q (see kiosk --help)", fs.Arg(0))
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	log := config.Logger(cfg.LogLevel, stderr)
	for _, d := range cfg.Deprecated {
		log.Warn("config uses an old key", "note", d)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	screens := !*headless
	if screens && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		log.Warn("no display (DISPLAY and WAYLAND_DISPLAY are unset): running headless")
		screens = false
	}
	// With screens, the shell counts the touches and runs the idle lock.
	a, err := app.New(app.Options{Config: cfg, Logger: log, Version: version, ExternalIdleLock: screens, EngineAtStart: screens})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
		log.Info("ready", "start_to_ready", time.Since(processStart).Round(time.Millisecond).String())
	case err := <-done:
		return err
	}
	if screens {
		if err := kioskui.Run(ctx, a, *windowed, stop, log, processStart); err != nil {
			stop()
			return errors.Join(err, <-done)
		}
		stop() // the window closed: end the app too
	} else {
		log.Info("running headless: no screens")
	}
	return <-done
}

// loadConfig loads path, or the packaged file when it exists, or the defaults.
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		if _, err := os.Stat(config.DefaultPath); err != nil {
			c := config.Default()
			return c, c.Validate()
		}
		path = config.DefaultPath
	}
	return config.Load(path)
}

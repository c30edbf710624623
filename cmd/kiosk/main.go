// Command kiosk is the kiosk agent's program: it loads the config, builds the app
// (internal/app) and runs it until SIGTERM or SIGINT, then shuts down within 5 s.
//
//	kiosk [--config FILE] [--windowed] [--headless]
//
// The screens (package ui) are not in this build yet: the kiosk runs headless (the
// sync engine, the queue, the local API for kioskctl, the cameras) and says so. Once
// ui lands, runUI starts them, full screen unless --windowed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/app"
	"github.com/smartselfie/kiosk-agent/internal/config"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// runUI shows the screens over a; nil until package ui exists.
var runUI func(ctx context.Context, a *app.App, windowed bool) error

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "kiosk: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "config file (JSON); default "+config.DefaultPath+" if it exists")
	windowed := fs.Bool("windowed", false, "run in a window instead of full screen (development)")
	headless := fs.Bool("headless", false, "run without screens: sync, queue, local API only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q (see kiosk --help)", fs.Arg(0))
	}
	start := time.Now()
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level(cfg.LogLevel)}))
	for _, d := range cfg.Deprecated {
		log.Warn("config uses an old key", "note", d)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	a, err := app.New(app.Options{Config: cfg, Logger: log, Version: version})
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
		log.Info("ready", "start_to_ready", time.Since(start).Round(time.Millisecond).String())
	case err := <-done:
		return err
	}
	if !*headless {
		if runUI == nil {
			log.Warn("this build has no screens yet (package ui): running headless")
		} else if err := runUI(ctx, a, *windowed); err != nil {
			stop()
			return errors.Join(err, <-done)
		}
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

func level(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/doctor"
)

func init() {
	register(&command{name: "doctor", summary: "check the kiosk: cameras, models, data, keys, disk, queue, API, clock, the running kiosk (exit 0 ok, 1 warn, 2 fail)", run: runDoctor})
}

func runDoctor(g *globals, args []string) int {
	fs := g.newFlagSet("doctor", "[--json] [--skip CHECK,...]")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	skip := fs.String("skip", "", "checks not to run, comma-separated (e.g. models,api)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	// A config that does not load is the config check's failure; the rest run on the
	// defaults (and the flags).
	cfg, err := g.config()
	path := g.configPath
	if path == "" {
		if _, serr := os.Stat(config.DefaultPath); serr == nil {
			path = config.DefaultPath
		}
	}
	if err != nil {
		cfg = config.Default()
		if g.dataDir != "" {
			cfg.DataDir = g.dataDir
		}
	}
	o := doctor.Options{Config: cfg, ConfigErr: err, ConfigPath: path, Version: version,
		Socket: g.socket, Clock: g.clock(), Getenv: g.getenv, Logger: g.logger(cfg)}
	if *skip != "" {
		o.Skip = strings.Split(*skip, ",")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep := doctor.Run(ctx, o)
	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			g.errorf("doctor: %v", err)
			return int(doctor.Fail)
		}
		return rep.Status.ExitCode()
	}
	for _, c := range rep.Checks {
		fmt.Fprintf(g.stdout, "%-4s  %-8s  %s\n", strings.ToUpper(c.Status.String()), c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(g.stdout, "      %-8s  fix: %s\n", "", c.Fix)
		}
	}
	fmt.Fprintf(g.stdout, "doctor: %s\n", rep.Status)
	return rep.Status.ExitCode()
}

// Command compare-sandbox runs sync/sandbox as a local SmartSelfie Compare API, with real
// face matching, for the demo, for training operators and for end-to-end tests.
//
//	compare-sandbox --addr 127.0.0.1:8080 --data-dir DIR --partner-id 0001 --api-key-file FILE
//	compare-sandbox --config sandbox.json   (several partners; see sandbox.FileConfig)
//
// A flag given on the command line wins over the config file, which wins over the flags'
// defaults (--addr, --data-dir, --production, --workers, --max-body-bytes); the file's
// partners replace --partner-id and --api-key-file.
//
// It prints where it listens and which partner ids it serves (never a key). With no key
// file it creates one (mode 0600) and says where. SIGINT/SIGTERM shut it down gracefully.
//
// --admin-addr serves GET /jobs and /healthz apart from the API. /jobs requires the bearer
// token of --admin-token-file (default <data-dir>/admin-token, created 0600 when missing;
// the path is printed, never the token).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/sync/compare"
	"github.com/smartselfie/kiosk-agent/sync/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type flags struct {
	adminTokenFile                                           string
	addr, adminAddr, dataDir, partnerID, keyFile, configPath string
	ortLib, modelsDir, logLevel                              string
	production                                               bool
	workers                                                  int
	maxBody                                                  int64
	// given holds the names of the flags given on the command line: they win over the
	// config file, which wins over the flags' defaults.
	given map[string]bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f flags
	fs := newFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "compare-sandbox: unexpected arguments %q (see --help)\n", fs.Args())
		return 2
	}
	f.noteGiven(fs)
	if err := serve(ctx, f, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "compare-sandbox: %v\n", err)
		return 1
	}
	return 0
}

// noteGiven records which flags of the parsed fs were given on the command line.
func (f *flags) noteGiven(fs *flag.FlagSet) {
	f.given = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.given[fl.Name] = true })
}

// newFlagSet declares the flags into f.
func newFlagSet(f *flags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("compare-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address of the API")
	fs.StringVar(&f.adminAddr, "admin-addr", "", "listen address of the admin endpoints (GET /jobs, /healthz); off when empty")
	fs.StringVar(&f.adminTokenFile, "admin-token-file", "", "bearer token that the admin GET /jobs requires (mode 0600; default <data-dir>/admin-token, created when missing)")
	fs.StringVar(&f.dataDir, "data-dir", "compare-sandbox-data", "folder of the state file (and of a generated key file)")
	fs.StringVar(&f.partnerID, "partner-id", "0001", "partner id served (keep leading zeros)")
	fs.StringVar(&f.keyFile, "api-key-file", "", "file holding the partner's API key (mode 0600); created if missing (default DATA-DIR/api-key-PARTNER)")
	fs.StringVar(&f.configPath, "config", "", "JSON config with several partners (replaces --partner-id/--api-key-file; the other flags, when given, win over the file)")
	fs.BoolVar(&f.production, "production", false, "act as the production environment (partners without production enabled answer 2220)")
	fs.IntVar(&f.workers, "workers", 0, "analyses at once (default: the number of CPUs, at most 4)")
	fs.Int64Var(&f.maxBody, "max-body-bytes", 0, "request body limit in bytes (default 20 MiB)")
	fs.StringVar(&f.ortLib, "onnxruntime-lib", "", "path of libonnxruntime.so.1 (default: searched)")
	fs.StringVar(&f.modelsDir, "models-dir", "", "load the ONNX models from this folder instead of the built-in copies")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	return fs
}

func serve(ctx context.Context, f flags, stdout, stderr io.Writer) error {
	if _, err := config.ParseLevel(f.logLevel); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := config.Logger(f.logLevel, stderr)

	var partners []sandbox.Partner
	if f.configPath != "" {
		fc, err := sandbox.LoadFileConfig(f.configPath)
		if err != nil {
			return err
		}
		if partners, err = fc.PartnerList(); err != nil {
			return err
		}
		f.layFile(fc)
	}
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return fmt.Errorf("creating data folder: %w", err)
	}
	if f.configPath == "" {
		if strings.TrimSpace(f.partnerID) == "" {
			return errors.New("--partner-id is empty")
		}
		keyFile := f.keyFile
		if keyFile == "" {
			keyFile = filepath.Join(f.dataDir, "api-key-"+f.partnerID)
		}
		created, err := ensureKeyFile(keyFile)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(stdout, "compare-sandbox: created a new API key for partner %s in %s (mode 0600)\n", f.partnerID, keyFile)
		}
		key, err := sandbox.ReadKeyFile(keyFile)
		if err != nil {
			return err
		}
		partners = []sandbox.Partner{{ID: f.partnerID, Key: key, ProductActive: true, ProductionEnabled: true}}
		fmt.Fprintf(stdout, "compare-sandbox: partner %s, API key in %s\n", f.partnerID, keyFile)
	} else {
		for _, p := range partners {
			fmt.Fprintf(stdout, "compare-sandbox: partner %s (product active %v, production enabled %v)\n", p.ID, p.ProductActive, p.ProductionEnabled)
		}
	}

	workers := f.workers
	if workers <= 0 {
		workers = min(4, max(1, numCPU()))
	}
	eng, err := inference.Open(inference.Options{RuntimeLib: f.ortLib, ModelsDir: f.modelsDir, Workers: workers, Logger: log})
	if err != nil {
		return err
	}
	defer eng.Close()
	var adminToken []byte
	if f.adminAddr != "" {
		// /jobs tells which job ids a partner sent: it needs a token.
		tokenFile := f.adminTokenFile
		if tokenFile == "" {
			tokenFile = filepath.Join(f.dataDir, "admin-token")
		}
		if _, err := ensureKeyFile(tokenFile); err != nil {
			return fmt.Errorf("admin token: %w", err)
		}
		if adminToken, err = sandbox.ReadKeyFile(tokenFile); err != nil {
			return fmt.Errorf("admin token: %w", err)
		}
		fmt.Fprintf(stdout, "compare-sandbox: admin GET /jobs requires \"Authorization: Bearer <token>\", the token in %s\n", tokenFile)
	}
	sopts := sandbox.Options{
		Partners: partners, DBPath: filepath.Join(f.dataDir, "sandbox.db"), AdminToken: adminToken,
		Analyzer:   sandbox.NewEngineAnalyzer(eng, sandbox.EngineOptions{}),
		Production: f.production, Workers: workers, MaxBodyBytes: f.maxBody, Logger: log,
	}
	defer sandbox.LimitMemory(sopts)() // the Go heap within its bound (GOMEMLIMIT wins)
	sb, err := sandbox.New(sopts)
	if err != nil {
		return err
	}
	defer sb.Close()

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", f.addr, err)
	}
	env := "sandbox"
	if f.production {
		env = "production"
	}
	fmt.Fprintf(stdout, "compare-sandbox: listening on http://%s (POST %s, %s environment, %d workers)\n", ln.Addr(), compare.Path, env, workers)
	if f.adminAddr != "" {
		aln, err := net.Listen("tcp", f.adminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listening on %s: %w", f.adminAddr, err)
		}
		fmt.Fprintf(stdout, "compare-sandbox: admin on http://%s (GET /jobs?partner_id=P&job_id=J, /healthz)\n", aln.Addr())
		// Deferred after sb.Close, so it runs first: the admin server has stopped
		// before the sandbox it reads is closed.
		stopAdmin := (&httpServer{handler: sb.AdminHandler()}).background(ctx, aln, log)
		defer stopAdmin()
	}
	return sb.Serve(ctx, ln, 30*time.Second)
}

// layFile lays the config file's settings over the flags' defaults, but not over a flag
// given on the command line: flags over the file over the defaults, as in every program.
func (f *flags) layFile(fc sandbox.FileConfig) {
	if fc.Addr != "" && !f.given["addr"] {
		f.addr = fc.Addr
	}
	if fc.DataDir != "" && !f.given["data-dir"] {
		f.dataDir = fc.DataDir
	}
	if !f.given["production"] {
		f.production = fc.Production
	}
	if fc.Workers > 0 && !f.given["workers"] {
		f.workers = fc.Workers
	}
	if fc.MaxBodyBytes > 0 && !f.given["max-body-bytes"] {
		f.maxBody = fc.MaxBodyBytes
	}
}

// ensureKeyFile creates path with a random key (mode 0600) when it does not exist.
func ensureKeyFile(path string) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("checking API key file: %w", err)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false, fmt.Errorf("generating API key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("creating API key file: %w", err)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("creating API key file: %w", err)
	}
	if _, err := fmt.Fprintln(fh, hex.EncodeToString(b[:])); err != nil {
		fh.Close()
		return false, fmt.Errorf("writing API key file: %w", err)
	}
	return true, fh.Close()
}

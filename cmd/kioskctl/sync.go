package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/config"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// exitHalted is the exit status of `kioskctl sync` when sending is halted (2205, 2214,
// 2220): the configuration, the account or the clock must be fixed first.
const exitHalted = 3

func init() {
	register(&command{name: "sync", summary: "send every queued job to the compare API, waiting out backoff (exit 3 on a halt)", run: runSync})
}

// syncReport is what `kioskctl sync --json` prints.
type syncReport struct {
	Outcome        string          `json:"outcome"` // drained, timeout, halted, interrupted
	Report         uploader.Report `json:"report"`
	Status         uploader.Status `json:"status"`
	ElapsedSeconds float64         `json:"elapsed_seconds"`
	JobsPerSecond  float64         `json:"jobs_per_second"`
	Error          string          `json:"error,omitempty"`
}

func runSync(g *globals, args []string) int {
	fs := g.newFlagSet("sync", "[--timeout DURATION] [--json] [--retry-halted [--operator-id SUPERVISOR [--pin-stdin]]]")
	timeout := fs.Duration("timeout", 0, "give up after this long (exit 1) if jobs are still left; 0: no limit")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	retryHalted := fs.Bool("retry-halted", false, "send again although an earlier run halted with this same configuration (e.g. after the clock was set); through a running kiosk: root, the admin group or a supervisor's PIN, once a minute")
	sf := addSupervisorFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if *timeout < 0 {
		fmt.Fprintln(g.stderr, "kioskctl sync: --timeout must not be negative")
		return exitUsage
	}
	cfg, err := g.config()
	if err != nil {
		return g.errorf("sync: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	if kiosk, err := dialKiosk(g, cfg); err != nil {
		return g.errorf("sync: %v", err)
	} else if kiosk != nil { // the running kiosk sends: wake it and follow it
		defer kiosk.Close()
		if *sf.id != "" {
			pin, err := readPIN(g, *sf.id, *sf.pinStdin, false)
			if err != nil {
				return g.errorf("sync: %v", err)
			}
			kiosk.Supervisor(*sf.id, pin)
		}
		start := time.Now()
		rep, st, err := syncThroughKiosk(ctx, kiosk, *retryHalted, (&eventPrinter{w: g.stdout, quiet: *asJSON}).audit)
		return syncDone(g, rep, st, err, time.Since(start), *asJSON, *timeout)
	}
	setup, err := newSyncSender(g, cfg)
	if err != nil {
		return g.errorf("sync: %v", err)
	}
	log := g.logger(cfg)
	if err := asDataOwner(g, cfg.DataDir); err != nil {
		return g.errorf("sync: %v", err)
	}
	oq, err := parts.OpenQueue(cfg, g.clk, log)
	if err != nil {
		return g.errorf("sync: %v", err)
	}
	defer oq.Close()
	for _, a := range oq.Alerts() {
		fmt.Fprintf(g.stderr, "kioskctl sync: ALERT: %s\n", a.Message)
	}

	printer := &eventPrinter{w: g.stdout, quiet: *asJSON}
	u := parts.NewUploader(cfg, uploader.OfflineQueue{Q: oq}, setup, uploader.Options{Logger: log, OnEvent: printer.print})
	if *retryHalted {
		u.Resume()
	}
	start := time.Now()
	rep, err := u.Drain(ctx)
	elapsed := time.Since(start)
	st, _ := u.Status(context.Background())
	return syncDone(g, rep, st, err, elapsed, *asJSON, *timeout)
}

// syncDone prints the report of a sync (from the file or through the kiosk) and
// returns the exit status: 0 drained, 3 halted, 1 otherwise.
func syncDone(g *globals, rep uploader.Report, st uploader.Status, err error, elapsed time.Duration, asJSON bool, timeout time.Duration) int {
	out := syncReport{Report: rep, Status: st, ElapsedSeconds: elapsed.Seconds()}
	if s := elapsed.Seconds(); s > 0 {
		out.JobsPerSecond = float64(rep.Delivered+rep.Unknown) / s
	}
	code := exitOK
	var he *uploader.HaltError
	switch {
	case err == nil:
		out.Outcome = "drained"
	case errors.As(err, &he):
		out.Outcome, code = "halted", exitHalted
		out.Error = he.Halt.Reason
	case errors.Is(err, context.DeadlineExceeded):
		out.Outcome, code = "timeout", exitError
		out.Error = fmt.Sprintf("timed out after %s with %d jobs still queued", timeout, st.Queued)
		if !st.NextAttempt.IsZero() {
			out.Error += " (next attempt " + st.NextAttempt.UTC().Format(time.RFC3339) + ")"
		}
		if st.LastError != "" {
			out.Error += "; last error: " + st.LastError
		}
	case errors.Is(err, context.Canceled):
		out.Outcome, code = "interrupted", exitError
		out.Error = fmt.Sprintf("interrupted with %d jobs still queued", st.Queued)
	default:
		out.Outcome, code = "error", exitError
		out.Error = err.Error()
	}

	if asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return g.errorf("sync: %v", err)
		}
	} else {
		fmt.Fprintf(g.stdout, "%s: %d delivered, %d delivered before (result unknown), %d failed, %d need an operator, %d held, %d retried; %d attempts in %s\n",
			out.Outcome, rep.Delivered, rep.Unknown, rep.Failed, rep.NeedsOperator, rep.Held, rep.Retries, rep.Attempts, elapsed.Round(time.Millisecond))
	}
	if code == exitHalted {
		fmt.Fprintf(g.stderr, "kioskctl sync: HALTED: %s\n", out.Error)
	} else if code != exitOK {
		fmt.Fprintf(g.stderr, "kioskctl sync: %s\n", out.Error)
	}
	return code
}

// eventPrinter writes one line per job outcome (not progress) in text mode.
type eventPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	quiet bool
}

func (p *eventPrinter) print(e uploader.Event) {
	if p.quiet {
		return
	}
	var line string
	switch e.Kind {
	case uploader.EventDelivered:
		if e.Result.Unknown {
			line = fmt.Sprintf("job %s: delivered before (2215); its result is unknown", e.JobID)
		} else {
			line = fmt.Sprintf("job %s: delivered: %s %s", e.JobID, e.Result.Code, e.Result.Text)
		}
	case uploader.EventRetry:
		line = fmt.Sprintf("job %s: attempt %d failed (%s); next attempt at %s", e.JobID, e.Attempt, e.Reason, e.Retry.UTC().Format(time.RFC3339))
	case uploader.EventFailed:
		line = fmt.Sprintf("job %s: FAILED: %s", e.JobID, e.Reason)
	case uploader.EventNeedsOperator:
		line = fmt.Sprintf("job %s: needs an operator: %s", e.JobID, e.Reason)
	case uploader.EventHeld:
		line = fmt.Sprintf("job %s: held: %s", e.JobID, e.Reason)
	case uploader.EventSkipped:
		line = fmt.Sprintf("job %s: skipped, quarantined by the queue: %s", e.JobID, e.Reason)
	case uploader.EventOffline:
		line = "API unreachable: " + e.Reason
	case uploader.EventResumed:
		line = "sending resumed: " + e.Reason
	default:
		return
	}
	p.mu.Lock()
	fmt.Fprintln(p.w, line)
	p.mu.Unlock()
}

// audit prints the line of an audit event that says how a job ended, in the words of
// print (sync through the kiosk learns the outcomes from its audit log).
func (p *eventPrinter) audit(e offline.AuditEvent) {
	if p.quiet {
		return
	}
	var line string
	switch {
	case e.Kind == offline.AuditResult && e.To == offline.StateDone.String():
		if strings.HasPrefix(e.Detail, "2215") {
			line = fmt.Sprintf("job %s: delivered before (2215); its result is unknown", e.JobID)
		} else {
			line = fmt.Sprintf("job %s: delivered: %s", e.JobID, e.Detail)
		}
	case e.Kind == offline.AuditResult && e.To == offline.StateFailed.String():
		line = fmt.Sprintf("job %s: FAILED: %s", e.JobID, e.Detail)
	case e.Kind == offline.AuditResult && e.To == offline.StateNeedsOperator.String():
		line = fmt.Sprintf("job %s: needs an operator: %s", e.JobID, e.Detail)
	case e.Kind == offline.AuditResult && e.To == offline.StateHeld.String():
		line = fmt.Sprintf("job %s: held: %s", e.JobID, e.Detail)
	case e.Kind == offline.AuditRequeued && e.From == offline.StateSending.String():
		line = fmt.Sprintf("job %s: attempt failed (%s); it will be tried again", e.JobID, e.Detail)
	case e.Kind == offline.AuditQuarantined:
		line = fmt.Sprintf("job %s: skipped, quarantined by the queue: %s", e.JobID, e.Detail)
	default:
		return
	}
	p.mu.Lock()
	fmt.Fprintln(p.w, line)
	p.mu.Unlock()
}

// newSyncSender builds the sender, prober and halt fingerprint for sync from the config
// (merged with the global flags); tests replace it.
var newSyncSender = func(g *globals, cfg config.Config) (parts.Sync, error) {
	return parts.NewSync(cfg, g.getenv, config.Logger(cfg.LogLevel, g.stderr))
}

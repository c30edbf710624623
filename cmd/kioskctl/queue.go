package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
)

func init() {
	register(&command{name: "queue", summary: "the offline queue: list | show ID | retry ID | purge [ID]", run: runQueue})
}

// openQueue opens the offline queue in the configured data dir and prints any alert
// (e.g. a corrupt database moved aside) to stderr.
func openQueue(g *globals) (*offline.Queue, error) {
	c, err := g.config()
	if err != nil {
		return nil, err
	}
	// The key protector first: decrypting a systemd credential needs root.
	p, err := parts.KeyProtector(c, true)
	if err != nil {
		return nil, fmt.Errorf("opening the offline queue: %w", err)
	}
	if err := asDataOwner(g, c.DataDir); err != nil {
		if c, ok := p.(interface{ Close() error }); ok {
			c.Close()
		}
		return nil, err
	}
	q, err := parts.OpenQueueWith(c, p, g.clock(), g.logger(c))
	if err != nil {
		return nil, err
	}
	for _, a := range q.Alerts() {
		fmt.Fprintf(g.stderr, "kioskctl: ALERT: %s\n", a.Message)
	}
	return q, nil
}

func queueJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

const queueUsage = `list [--state STATE] [--json]
       kioskctl queue show [--json] ID
       kioskctl queue retry [--allow-new-enroll] [--operator-id SUPERVISOR [--pin-stdin]] [--json] ID
       kioskctl queue purge [--operator-id SUPERVISOR [--pin-stdin]] [--json]      (apply retention now)
       kioskctl queue purge [--force] [--operator-id SUPERVISOR [--pin-stdin]] [--json] ID   (delete one job's images)

retry and purge change the queue: root, the admin group (local_api.admin_group) and the
kiosk's user may; a member of the socket's group only with a supervisor's PIN
(--operator-id; the PIN is asked on the terminal without echo, or read with --pin-stdin).`

func runQueue(g *globals, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(g.stderr, "usage: kioskctl queue %s\n", queueUsage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "list":
		return runQueueList(g, args)
	case "show":
		return runQueueShow(g, args)
	case "retry":
		return runQueueRetry(g, args)
	case "purge":
		return runQueuePurge(g, args)
	}
	fmt.Fprintf(g.stderr, "kioskctl queue: unknown sub-command %q\nusage: kioskctl queue %s\n", sub, queueUsage)
	return exitUsage
}

// queueArgs parses fs and returns its positional argument ("" when there is none).
func queueArgs(g *globals, fs *flag.FlagSet, args []string, minIDs, maxIDs int) (string, bool) {
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if fs.NArg() < minIDs || fs.NArg() > maxIDs {
		if maxIDs == 0 {
			fmt.Fprintf(g.stderr, "kioskctl %s: takes no arguments\n", fs.Name())
		} else {
			fmt.Fprintf(g.stderr, "kioskctl %s: give one job id\n", fs.Name())
		}
		fs.Usage()
		return "", false
	}
	return fs.Arg(0), true
}

func runQueueList(g *globals, args []string) int {
	fs := g.newFlagSet("queue list", "[--state STATE] [--json]")
	state := fs.String("state", "", "only jobs in this state (queued, sending, done, failed, held, needs-operator, quarantined)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, ok := queueArgs(g, fs, args, 0, 0); !ok {
		return exitUsage
	}
	var opts offline.ListOptions
	if *state != "" {
		s, err := offline.ParseState(*state)
		if err != nil {
			fmt.Fprintf(g.stderr, "kioskctl queue list: %v\n", err)
			return exitUsage
		}
		opts.States = []offline.State{s}
	}
	b, err := openBackend(g)
	if err != nil {
		return g.errorf("queue list: %v", err)
	}
	defer b.close()
	l, err := b.Jobs(context.Background(), opts)
	if err != nil {
		return g.errorf("queue list: %v", err)
	}
	es := l.Jobs
	if *asJSON {
		if err := queueJSON(g.stdout, l); err != nil {
			return g.errorf("queue list: %v", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB ID\tSTATE\tCREATED\tATTEMPTS\tIMAGES\tCAPTURE\tRESULT / REASON")
	for _, e := range es {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", e.ID, e.State, e.Created.Local().Format("2006-01-02 15:04"), e.Attempts, queueImagesWord(e),
			queueCaptureWord(e.CaptureOrigin), queueOutcome(e))
	}
	tw.Flush()
	c := l.Counts
	var parts []string
	for _, s := range offline.States {
		if n := c.ByState[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		parts = []string{"empty"}
	}
	noun := "jobs"
	if len(es) == 1 {
		noun = "job"
	}
	fmt.Fprintf(g.stdout, "%d %s: %s\n", len(es), noun, strings.Join(parts, ", "))
	return exitOK
}

func queueImagesWord(e offline.Entry) string {
	if e.ImagesPurged {
		return "purged"
	}
	return fmt.Sprintf("%d KB", (e.SealedBytes+1023)/1024)
}

// queueCaptureWord is the CAPTURE column: the origin, "-" when none was recorded, or
// the unknown value quoted.
func queueCaptureWord(o job.CaptureOrigin) string {
	if o == "" {
		return "-"
	}
	return o.Describe()
}

func queueOutcome(e offline.Entry) string {
	if e.Result != nil {
		return strings.TrimSpace(e.Result.Code + " " + e.Result.Text)
	}
	return e.Reason
}

// queueShowJSON is what `kioskctl queue show --json` prints: localapi.DescribeJob's
// view, whether the kiosk or the file answers.
type queueShowJSON = localapi.JobDetail

func runQueueShow(g *globals, args []string) int {
	fs := g.newFlagSet("queue show", "[--json] ID")
	asJSON := fs.Bool("json", false, "print JSON")
	id, ok := queueArgs(g, fs, args, 1, 1)
	if !ok {
		return exitUsage
	}
	b, err := openBackend(g)
	if err != nil {
		return g.errorf("queue show: %v", err)
	}
	defer b.close()
	out, err := b.Job(context.Background(), id)
	if err != nil {
		return g.errorf("queue show: %v", err)
	}
	e := out.Entry
	if *asJSON {
		if err := queueJSON(g.stdout, out); err != nil {
			return g.errorf("queue show: %v", err)
		}
		return exitOK
	}
	w := g.stdout
	fmt.Fprintf(w, "job %s  (schema v%d)\n", e.ID, e.Version)
	fmt.Fprintf(w, "  state:       %s\n", out.Entry.State)
	fmt.Fprintf(w, "  created:     %s\n", e.Created.Local().Format(time.RFC3339))
	fmt.Fprintf(w, "  updated:     %s\n", out.Entry.Updated.Local().Format(time.RFC3339))
	fmt.Fprintf(w, "  attempts:    %d\n", e.Attempts)
	if !e.NextAttempt.IsZero() {
		fmt.Fprintf(w, "  next try:    %s\n", e.NextAttempt.Local().Format(time.RFC3339))
	}
	if out.Entry.Reason != "" {
		fmt.Fprintf(w, "  reason:      %s\n", out.Entry.Reason)
	}
	if e.Code != "" {
		fmt.Fprintf(w, "  error code:  %s\n", e.Code)
	}
	if r := e.Result; r != nil {
		fmt.Fprintf(w, "  result:      %s %s (smile job %s)\n", r.Code, r.Text, r.SmileJobID)
		for k, v := range r.Actions {
			fmt.Fprintf(w, "    %s: %s\n", k, v)
		}
	}
	fmt.Fprintf(w, "  capture:     %s\n", e.CaptureOrigin.Describe())
	if d := e.Document; d != nil {
		fmt.Fprintf(w, "  document:    %s %s, issued by %s\n", d.Format, d.Type, d.IssuingState)
	}
	fmt.Fprintf(w, "  user:        hash %s\n", e.UserHash)
	fmt.Fprintf(w, "  integrity:   %s\n", out.Integrity)
	if v := out.Sealed; v != nil {
		fmt.Fprintf(w, "  user id:     %s\n", v.UserID)
		fmt.Fprintf(w, "  comparison:  %s, %.0f KB\n", v.ComparisonType, v.Images["comparison"])
		fmt.Fprintf(w, "  selfie:      %.0f KB; liveness frames: %d\n", v.Images["selfie"], len(v.Images)-2)
		fmt.Fprintf(w, "  allow new enroll: %v\n", v.AllowNewEnroll)
		pc := "ok"
		switch {
		case !v.Prechecks.Ran:
			pc = "not run"
		case v.Prechecks.Forced:
			pc = fmt.Sprintf("%d problems, sealed by operator's --force", len(v.Prechecks.Problems))
		case !v.Prechecks.OK:
			pc = fmt.Sprintf("%d problems", len(v.Prechecks.Problems))
		}
		fmt.Fprintf(w, "  prechecks:   %s\n", pc)
		if v.Training {
			fmt.Fprintf(w, "  TRAINING job: sent only to a local sandbox\n")
		}
	}
	return exitOK
}

func runQueueRetry(g *globals, args []string) int {
	fs := g.newFlagSet("queue retry", "[--allow-new-enroll] [--operator-id SUPERVISOR [--pin-stdin]] [--json] ID")
	allow := fs.Bool("allow-new-enroll", false, "re-seal the job with allow_new_enroll=true (answer to \"user already enrolled\")")
	sf := addSupervisorFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	id, ok := queueArgs(g, fs, args, 1, 1)
	if !ok {
		return exitUsage
	}
	b, err := openBackend(g)
	if err != nil {
		return g.errorf("queue retry: %v", err)
	}
	defer b.close()
	ctx, err := b.actAs(g, sf, "queue retry "+id)
	if err != nil {
		return g.errorf("queue retry: %v", err)
	}
	e, err := b.Retry(ctx, id, localapi.RetryRequest{AllowNewEnroll: *allow})
	if err != nil {
		return g.errorf("queue retry: %v", err)
	}
	if *asJSON {
		queueJSON(g.stdout, e)
		return exitOK
	}
	if e.EnrolledAgainFrom != "" {
		fmt.Fprintf(g.stdout, "job %s refused as already enrolled: the customer is enrolled again as job %s (the same photos, allow_new_enroll), %s; it will be sent when the network allows\n", e.EnrolledAgainFrom, e.ID, e.State)
		return exitOK
	}
	fmt.Fprintf(g.stdout, "job %s is %s again; it will be sent when the network allows\n", e.ID, e.State)
	return exitOK
}

func runQueuePurge(g *globals, args []string) int {
	fs := g.newFlagSet("queue purge", "[--force] [--operator-id SUPERVISOR [--pin-stdin]] [--json] [ID]")
	force := fs.Bool("force", false, "also purge a job that is still queued (it will never be sent)")
	sf := addSupervisorFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	id, ok := queueArgs(g, fs, args, 0, 1)
	if !ok {
		return exitUsage
	}
	b, err := openBackend(g)
	if err != nil {
		return g.errorf("queue purge: %v", err)
	}
	defer b.close()
	ctx, err := b.actAs(g, sf, "queue purge "+id)
	if err != nil {
		return g.errorf("queue purge: %v", err)
	}
	if id == "" {
		rep, err := b.Sweep(ctx)
		if err != nil {
			return g.errorf("queue purge: %v", err)
		}
		if *asJSON {
			queueJSON(g.stdout, rep)
			return exitOK
		}
		if rep.ClockHeld {
			fmt.Fprintln(g.stdout, "retention held: the kiosk's clock jumped, nothing was deleted (kioskctl audit --kind clock_jump); set the clock right (NTP)")
			return exitOK
		}
		fmt.Fprintf(g.stdout, "retention applied: images of %d jobs deleted, %d old records removed, %d oldest audit events dropped (the log is over its size bound)\n",
			rep.ImagesPurged, rep.RecordsDeleted, rep.AuditDeleted)
		return exitOK
	}
	e, err := b.Purge(ctx, id, localapi.PurgeRequest{Force: *force})
	if err != nil {
		return g.errorf("queue purge: %v", err)
	}
	if *asJSON {
		queueJSON(g.stdout, e)
		return exitOK
	}
	fmt.Fprintf(g.stdout, "job %s: images deleted; the job is %s and its record stays for the audit trail\n", e.ID, e.State)
	return exitOK
}

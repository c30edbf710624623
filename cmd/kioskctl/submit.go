package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/smartselfie/kiosk-agent/sync/compare"
)

func init() {
	register(&command{name: "submit", summary: "send one job to the compare API at once (no queue) and print the answer", run: runSubmit})
}

const submitUsage = jobInputUsage + " [--json]"

func runSubmit(g *globals, args []string) int {
	fs := g.newFlagSet("submit", submitUsage)
	var in jobInput
	in.addFlags(fs)
	asJSON := fs.Bool("json", false, "print the server's answer as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(g.stderr, "kioskctl submit: "+format+"\n", a...)
		fmt.Fprintf(g.stderr, "usage: kioskctl submit %s\n", submitUsage)
		return exitUsage
	}
	extra, problems := in.check(fs)
	if len(problems) > 0 {
		return usage("%s", strings.Join(problems, "; "))
	}
	cfg, err := g.config()
	if err != nil {
		return g.errorf("submit: %v", err)
	}
	s := cfg.Compare
	if s.APIURL == "" {
		return usage("give --api-url (or compare.api_url in the config file)")
	}
	if s.PartnerID == "" {
		return usage("give --partner-id (or compare.partner_id in the config file)")
	}
	if in.callbackURL == "" {
		in.callbackURL = cfg.Sync.CallbackURL
	}
	if in.callbackURL == "" {
		return usage("give --callback-url (the API requires one), or sync.callback_url in the config file")
	}
	opts, err := parts.CompareOptions(cfg, g.getenv)
	if err != nil {
		return g.errorf("submit: %v", err)
	}
	opts.UserAgent = "kioskctl"
	opts.Logger = slog.New(slog.NewTextHandler(g.stderr, nil)) // start-up warnings (allow_insecure_http)
	client, err := compare.New(opts)
	if err != nil {
		return g.errorf("submit: %v", err)
	}
	j := in.newJob(g, extra)
	if j.Selfie, j.Comparison, j.Liveness, err = in.readImages(); err != nil {
		return g.errorf("submit: %v", err)
	}
	if in.jobID == "" && !*asJSON {
		fmt.Fprintf(g.stdout, "job id %s\n", j.ID)
	}
	req := &compare.Request{Job: j}
	if err := req.Validate(); err != nil {
		return g.errorf("submit: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := client.Submit(ctx, req)
	if err != nil {
		return submitFailed(g, err, *asJSON)
	}
	if *asJSON {
		fmt.Fprintln(g.stdout, string(res.Raw))
		return exitOK
	}
	fmt.Fprintf(g.stdout, "%s %s (%s), server job %s\n", res.Code, res.Text, res.Status, res.SmileJobID)
	fmt.Fprintf(g.stdout, "Liveness_Check %s, Selfie_Check %s, Selfie_Provided %s\n",
		orDash(res.Actions.LivenessCheck), orDash(res.Actions.SelfieCheck), orDash(res.Actions.SelfieProvided))
	return exitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// submitFailed prints an error answer (or a failure to get one) and returns exitError.
func submitFailed(g *globals, err error, asJSON bool) int {
	var e *compare.Error
	if !errors.As(err, &e) {
		return g.errorf("submit: %v", err)
	}
	advice := map[compare.Class]string{
		compare.ClassRetry:     "try again later",
		compare.ClassPermanent: "this job cannot succeed as it is",
		compare.ClassHalt:      "check the partner id, API key, account and the clock",
		compare.ClassOperator:  "the user is enrolled: resend with --allow-new-enroll if that is intended",
		compare.ClassReconcile: "this job id reached the server before: do not resend it under a new id",
	}[e.Class]
	if asJSON {
		out := map[string]any{"code": e.Code, "error": e.Message, "success": false, "class": e.Class.String(), "http_status": e.HTTPStatus}
		if e.Err != nil {
			out["cause"] = e.Err.Error()
		}
		if e.RetryAfter > 0 {
			out["retry_after_seconds"] = e.RetryAfter.Seconds()
		}
		b, _ := json.Marshal(out)
		fmt.Fprintln(g.stdout, string(b))
	}
	return g.errorf("submit: %v (%s)", e, advice)
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/smartselfie/kiosk-agent/sync/compare"
)

func init() {
	register(&command{name: "submit", summary: "send one job to the compare API at once (no queue) and print the answer", run: runSubmit})
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

const submitUsage = "--user-id U [--job-id J] --selfie F --liveness F (4 to 8 times) --comparison F " +
	"--comparison-type ID_PHOTO|PORTRAIT|DOCUMENT [--allow-new-enroll] [--callback-url URL] [--param key=value]... [--json]"

func runSubmit(g *globals, args []string) int {
	fs := g.newFlagSet("submit", submitUsage)
	userID := fs.String("user-id", "", "the customer's user id (required)")
	jobID := fs.String("job-id", "", "job id, unique for the partner (default: a new random one, printed)")
	selfie := fs.String("selfie", "", "selfie JPEG file (required)")
	var liveness, params repeated
	fs.Var(&liveness, "liveness", "liveness JPEG file; give it 4 to 8 times")
	comparison := fs.String("comparison", "", "comparison JPEG file: ID photo, portrait or document (required)")
	compType := fs.String("comparison-type", "", "ID_PHOTO, PORTRAIT or DOCUMENT (required)")
	allowNew := fs.Bool("allow-new-enroll", false, "enroll the user again even if already enrolled")
	callbackURL := fs.String("callback-url", "", "where the result is also POSTed (default: sync.callback_url of the config)")
	fs.Var(&params, "param", "extra partner_params entry key=value; may be repeated")
	asJSON := fs.Bool("json", false, "print the server's answer as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(g.stderr, "kioskctl submit: "+format+"\n", a...)
		fmt.Fprintf(g.stderr, "usage: kioskctl submit %s\n", submitUsage)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected arguments %q", fs.Args())
	case strings.TrimSpace(*userID) == "":
		return usage("give --user-id")
	case *selfie == "":
		return usage("give --selfie FILE")
	case *comparison == "":
		return usage("give --comparison FILE")
	case len(liveness) < compare.MinLiveness || len(liveness) > compare.MaxLiveness:
		return usage("give --liveness FILE 4 to 8 times (%d given)", len(liveness))
	case !compare.IsComparisonType(*compType):
		return usage("--comparison-type must be ID_PHOTO, PORTRAIT or DOCUMENT (got %q)", *compType)
	}
	extra := map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return usage("--param %q is not key=value", p)
		}
		switch k {
		case "job_id", "user_id", "job_type":
			return usage("--param %s is reserved: use --job-id / --user-id", k)
		}
		extra[k] = v
	}
	cfg, err := g.config()
	if err != nil {
		return g.errorf("submit: %v", err)
	}
	s := cfg.Compare
	if g.apiURL != "" {
		s.APIURL = g.apiURL
	}
	if g.partnerID != "" {
		s.PartnerID = g.partnerID
	}
	if g.apiKeyFile != "" {
		s.APIKeyFile, s.APIKeyEnv, s.SignerURL = g.apiKeyFile, "", ""
	}
	if s.APIURL == "" {
		return usage("give --api-url (or compare.api_url in the config file)")
	}
	if s.PartnerID == "" {
		return usage("give --partner-id (or compare.partner_id in the config file)")
	}
	if *callbackURL == "" {
		*callbackURL = cfg.Sync.CallbackURL
	}
	if *callbackURL == "" {
		return usage("give --callback-url (the API requires one), or sync.callback_url in the config file")
	}
	opts, err := s.Options(g.getenv)
	if err != nil {
		return g.errorf("submit: %v", err)
	}
	opts.UserAgent = "kioskctl"
	client, err := compare.New(opts)
	if err != nil {
		return g.errorf("submit: %v", err)
	}
	read := func(path string) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading image: %w", err)
		}
		return b, nil
	}
	req := &compare.Request{UserID: *userID, JobID: *jobID, ComparisonType: *compType,
		AllowNewEnroll: *allowNew, CallbackURL: *callbackURL, PartnerParams: extra}
	if req.Selfie, err = read(*selfie); err != nil {
		return g.errorf("submit: %v", err)
	}
	if req.Comparison, err = read(*comparison); err != nil {
		return g.errorf("submit: %v", err)
	}
	for _, l := range liveness {
		b, err := read(l)
		if err != nil {
			return g.errorf("submit: %v", err)
		}
		req.Liveness = append(req.Liveness, b)
	}
	if req.JobID == "" {
		var b [8]byte
		rand.Read(b[:])
		req.JobID = "kioskctl-" + hex.EncodeToString(b[:])
		if !*asJSON {
			fmt.Fprintf(g.stdout, "job id %s\n", req.JobID)
		}
	}
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

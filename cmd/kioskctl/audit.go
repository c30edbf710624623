package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/offline"
)

func init() {
	register(&command{name: "audit", summary: "print the audit log (user ids appear hashed)", run: runAudit})
}

func runAudit(g *globals, args []string) int {
	fs := g.newFlagSet("audit", "[--job-id ID] [--user-id ID [--operator-id SUPERVISOR [--pin-stdin]]] [--kind KIND] [--since DURATION|TIME] [--limit N] [--json]")
	jobID := fs.String("job-id", "", "only events of this job")
	userID := fs.String("user-id", "", "only events of this customer (hashed before the search; never printed); root, the admin group, or a supervisor's PIN")
	sf := addSupervisorFlags(fs)
	kind := fs.String("kind", "", "only events of this kind (enrolled, sent, result, requeued, retry, quarantined, purged, operator_sign_in, db_recovered, operator_sign_in_failed, operator_locked_out, operator_sign_out, operator_session_locked, operator_added, ...)")
	since := fs.String("since", "", "only events since a duration ago (e.g. 24h) or an RFC 3339 time")
	limit := fs.Int("limit", 0, "only the last N events")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, ok := queueArgs(g, fs, args, 0, 0); !ok {
		return exitUsage
	}
	f := localapi.AuditQuery{JobID: *jobID, UserID: *userID, Kind: *kind, Limit: *limit}
	if *since != "" {
		if d, err := time.ParseDuration(*since); err == nil {
			f.Since = time.Now().Add(-d)
		} else if t, err := time.Parse(time.RFC3339, *since); err == nil {
			f.Since = t
		} else {
			fmt.Fprintf(g.stderr, "kioskctl audit: --since %q is neither a duration (24h) nor an RFC 3339 time (2026-01-02T15:04:05Z)\n", *since)
			return exitUsage
		}
	}
	b, err := openBackend(g)
	if err != nil {
		return g.errorf("audit: %v", err)
	}
	defer b.close()
	ctx, err := b.actAs(g, sf, "audit")
	if err != nil {
		return g.errorf("audit: %v", err)
	}
	evs, err := b.Audit(ctx, f)
	if err != nil {
		return g.errorf("audit: %v", err)
	}
	if *asJSON {
		if evs == nil {
			evs = []offline.AuditEvent{}
		}
		if err := queueJSON(g.stdout, evs); err != nil {
			return g.errorf("audit: %v", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tEVENT\tJOB ID\tUSER HASH\tOPERATOR\tDETAIL")
	for _, e := range evs {
		detail := e.Detail
		if e.From != "" || e.To != "" {
			detail = strings.TrimSpace(fmt.Sprintf("%s→%s %s", e.From, e.To, e.Detail))
		}
		if e.Kind == offline.AuditEnrolled || e.Kind == offline.AuditEnrolledAgain || e.CaptureOrigin != "" {
			detail = strings.TrimSuffix("capture "+e.CaptureOrigin.Describe()+"; "+detail, "; ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.Local().Format("2006-01-02 15:04:05"), e.Kind, e.JobID, e.UserHash, e.Operator, detail)
	}
	tw.Flush()
	return exitOK
}

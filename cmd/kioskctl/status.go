package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/localapi"
	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

func init() {
	register(&command{name: "status", summary: "sync status: online/offline, queued, sending, last success, last error, halt", run: runStatus})
}

// statusReport is what `kioskctl status --json` prints: the same whether a running kiosk
// answers through its socket or the files are read (a running kiosk adds started and the
// signed-in operator).
type statusReport struct {
	localapi.Status
	// Probed is set when connectivity was checked just now (else it is as last seen).
	Probed bool `json:"probed"`
	// QueueError says why the queue could not be read (e.g. another program holds it).
	QueueError string `json:"queue_error,omitempty"`
}

func runStatus(g *globals, args []string) int {
	fs := g.newFlagSet("status", "[--json] [--no-probe]")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	noProbe := fs.Bool("no-probe", false, "do not check now whether the API can be reached")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, err := g.config()
	if err != nil {
		return g.errorf("status: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	rep := statusReport{}
	var b localapi.Backend
	kiosk, err := dialKiosk(g, cfg)
	switch {
	case err != nil:
		return g.errorf("status: %v", err)
	case kiosk != nil:
		defer kiosk.Close()
		b = kiosk
	default:
		fb := fileBackend{cfg: cfg}
		qopts := parts.QueueOptions(cfg)
		qopts.LockTimeout = time.Second
		if err := asDataOwner(g, cfg.DataDir); err != nil {
			return g.errorf("status: %v", err)
		}
		var oq *offline.Queue
		qopts.Protector, err = parts.KeyProtector(cfg, false)
		if err == nil {
			oq, err = offline.Open(cfg.DataDir, qopts)
		}
		if err != nil {
			rep.QueueError = err.Error()
			if errors.Is(err, offline.ErrLocked) {
				rep.QueueError += " (another program holds it; counts below are not available)"
			}
		} else {
			defer oq.Close()
			fb.Q = oq
		}
		b = fb
	}
	st, err := b.Status(ctx)
	if err != nil {
		if kiosk != nil {
			return g.errorf("status: %v", err)
		}
		if rep.QueueError == "" {
			rep.QueueError = err.Error()
		}
	}
	rep.Status = st
	apiURL := cfg.Compare.APIURL
	if apiURL != "" && !*noProbe {
		if p, err := uploader.NewDialProber(apiURL); err == nil {
			rep.Probed = true
			pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
			if err := p.Probe(pctx); err != nil {
				rep.Connectivity = "offline"
			} else {
				rep.Connectivity = "online"
			}
			pcancel()
		}
	}

	if *asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return g.errorf("status: %v", err)
		}
		return exitOK
	}
	w := g.stdout
	how := "as last seen"
	if rep.Probed {
		how = "checked now"
	}
	if rep.Training {
		fmt.Fprintf(w, "TRAINING kiosk: practice jobs, sent only to a local sandbox\n")
	}
	if !rep.Started.IsZero() {
		op := rep.Operator
		if op == "" {
			op = "nobody signed in"
		}
		fmt.Fprintf(w, "kiosk:          running since %s (%s)\n", stamp(rep.Started), op)
	}
	fmt.Fprintf(w, "connectivity:   %s (%s)\n", rep.Connectivity, how)
	if rep.QueueError != "" {
		fmt.Fprintf(w, "queue:          unavailable: %s\n", rep.QueueError)
	} else {
		next := ""
		if !st.NextAttempt.IsZero() {
			next = " (next attempt " + st.NextAttempt.UTC().Format(time.RFC3339) + ")"
		}
		fmt.Fprintf(w, "queued:         %d%s\n", st.Queued, next)
		fmt.Fprintf(w, "sending:        %d\n", st.Sending)
		fmt.Fprintf(w, "held:           %d\n", st.Held)
		fmt.Fprintf(w, "needs operator: %d\n", rep.ByState[offline.StateNeedsOperator.String()])
		fmt.Fprintf(w, "failed:         %d\n", rep.ByState[offline.StateFailed.String()])
		fmt.Fprintf(w, "done:           %d\n", rep.ByState[offline.StateDone.String()])
		if n := rep.ByState[offline.StateQuarantined.String()]; n > 0 {
			fmt.Fprintf(w, "quarantined:    %d\n", n)
		}
	}
	fmt.Fprintf(w, "last success:   %s\n", stamp(st.LastSuccess))
	if st.LastError != "" {
		fmt.Fprintf(w, "last error:     %s at %s\n", st.LastError, stamp(st.LastErrorAt))
	} else {
		fmt.Fprintf(w, "last error:     none\n")
	}
	if st.Halt != nil {
		fmt.Fprintf(w, "HALTED since %s: %s\n", stamp(st.Halt.At), st.Halt.Reason)
	}
	for _, a := range rep.Alerts {
		fmt.Fprintf(w, "ALERT:          %s\n", a.Message)
	}
	return exitOK
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// noQueue stands in when the queue cannot be opened: status shows the sync state alone.
type noQueue struct{}

func (noQueue) Ready(context.Context, time.Time, int) ([]string, error) { return nil, nil }
func (noQueue) Claim(context.Context, string) (uploader.Job, error) {
	return uploader.Job{}, errors.New("queue unavailable")
}
func (noQueue) Settle(context.Context, string, uploader.Outcome) error {
	return errors.New("queue unavailable")
}
func (noQueue) ReleaseHeld(context.Context) (int, error)          { return 0, nil }
func (noQueue) Pending(context.Context) (uploader.Pending, error) { return uploader.Pending{}, nil }

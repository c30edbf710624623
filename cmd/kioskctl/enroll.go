package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/precheck"
	"github.com/smartselfie/kiosk-agent/offline"
)

func init() {
	register(&command{name: "enroll", summary: "check images on the device and seal an enrollment into the offline queue", run: runEnroll})
}

// enrollOutput is what `kioskctl enroll --json` prints.
type enrollOutput struct {
	JobID     string        `json:"job_id"`
	State     string        `json:"state"` // queued, or refused when a precheck failed
	Prechecks job.Prechecks `json:"prechecks"`
}

const enrollUsage = jobInputUsage + "\n       [--operator-id OP] [--force | --no-prechecks] [--json]"

func runEnroll(g *globals, args []string) int {
	fs := g.newFlagSet("enroll", enrollUsage)
	var in jobInput
	in.addFlags(fs)
	operator := fs.String("operator-id", "", "the operator enrolling (audit log)")
	force := fs.Bool("force", false, "seal the job even though a precheck failed (the job records it)")
	noChecks := fs.Bool("no-prechecks", false, "seal without running the face checks (tests, demos; the job records it)")
	asJSON := fs.Bool("json", false, "print {\"job_id\",\"state\",\"prechecks\"} as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	pp, problems := in.check(fs)
	if len(problems) > 0 {
		fmt.Fprintf(g.stderr, "kioskctl enroll: %s\n", strings.Join(problems, "; "))
		fs.Usage()
		return exitUsage
	}
	j := in.newJob(g, pp)
	j.OperatorID = *operator
	var err error
	if j.Selfie, j.Comparison, j.Liveness, err = in.readImages(); err != nil {
		return g.errorf("enroll: %v", err)
	}
	if err := j.Validate(); err != nil {
		return g.errorf("enroll: %v", err)
	}

	// Open the queue first: a queue held by the running agent fails at once, before
	// the checks take their seconds.
	q, err := openQueue(g)
	if err != nil {
		return g.errorf("enroll: %v", err)
	}
	defer q.Close()

	if !*noChecks {
		pc, err := enrollPrechecks(g, j)
		if err != nil {
			return g.errorf("enroll: prechecks: %v (to seal without checks, add --no-prechecks)", err)
		}
		j.Prechecks = pc
		if !pc.OK {
			if !*force {
				if *asJSON {
					queueJSON(g.stdout, enrollOutput{JobID: j.ID, State: "refused", Prechecks: pc})
				}
				g.errorf("enroll: %d precheck(s) failed; nothing was saved. Retake the images, or add --force to seal the job anyway:", len(pc.Problems))
				for _, p := range pc.Problems {
					fmt.Fprintf(g.stderr, "  %s: %s\n", p.Image, p.Message)
				}
				return exitError
			}
			j.Prechecks.Forced = true
		}
	}

	e, err := q.Enqueue(j)
	if err != nil {
		var le *offline.LimitError
		if errors.As(err, &le) {
			return g.errorf("enroll: not saved: %s", le.Operator)
		}
		return g.errorf("enroll: not saved: %v", err)
	}
	if *asJSON {
		if err := queueJSON(g.stdout, enrollOutput{JobID: e.ID, State: e.State.String(), Prechecks: j.Prechecks}); err != nil {
			return g.errorf("enroll: %v", err)
		}
		return exitOK
	}
	checks := "prechecks passed"
	switch {
	case !j.Prechecks.Ran:
		checks = "prechecks not run"
	case j.Prechecks.Forced:
		checks = fmt.Sprintf("%d precheck(s) failed, sealed anyway (--force)", len(j.Prechecks.Problems))
	}
	fmt.Fprintf(g.stdout, "job %s sealed into the offline queue (%s; %s)\n", e.ID, e.State, checks)
	return exitOK
}

// enrollPrechecks runs the kiosk's prechecks (precheck.Run) on the job's images.
func enrollPrechecks(g *globals, j *job.Job) (job.Prechecks, error) {
	e, err := inferenceEngine(g)
	if err != nil {
		return job.Prechecks{}, err
	}
	defer e.Close()
	return precheck.Run(context.Background(), e, j)
}

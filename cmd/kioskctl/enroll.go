package main

import (
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/job"
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

// enrollPrechecks runs the on-device checks: the selfie's quality gates and passive
// liveness, each liveness frame (one face, the same person as the selfie, no repeated
// picture; the head-turn prompts are not known for files and are not checked), and
// the selfie-vs-comparison match and identical-image check.
func enrollPrechecks(g *globals, j *job.Job) (job.Prechecks, error) {
	pc := job.Prechecks{Ran: true}
	add := func(img string, p inference.Problem) {
		pc.Problems = append(pc.Problems, job.PrecheckProblem{Image: img, Code: p.Code, Message: p.Message})
	}
	decode := func(role string, b []byte) (image.Image, error) {
		img, err := inference.DecodeImage(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", role, err)
		}
		return img, nil
	}
	selfie, err := decode("selfie", j.Selfie)
	if err != nil {
		return pc, err
	}
	comp, err := decode("comparison image", j.Comparison)
	if err != nil {
		return pc, err
	}
	frames := make([]inference.LivenessFrame, len(j.Liveness))
	for i, b := range j.Liveness {
		if frames[i].Image, err = decode(fmt.Sprintf("liveness frame %d", i+1), b); err != nil {
			return pc, err
		}
	}
	e, err := inferenceEngine(g)
	if err != nil {
		return pc, err
	}
	defer e.Close()

	a, err := e.Analyze(selfie, inference.AnalyzeOptions{Still: true, Liveness: true})
	if err != nil {
		return pc, fmt.Errorf("selfie: %w", err)
	}
	for _, p := range a.Quality.Problems {
		add("selfie", p)
	}
	if len(a.Faces) > 0 {
		al, err := e.ActiveLiveness(selfie, frames)
		if err != nil && !errors.Is(err, inference.ErrNoFace) {
			return pc, fmt.Errorf("liveness frames: %w", err)
		}
		if al != nil {
			for _, fr := range al.Frames {
				for _, p := range fr.Problems {
					if p.Code == inference.ProblemPromptNotFollowed {
						continue
					}
					add(fmt.Sprintf("liveness[%d]", fr.Index), p)
				}
			}
			for _, p := range al.Problems {
				add("liveness", p)
			}
		}
		c, err := e.Compare(selfie, comp)
		var se *inference.SideError
		switch {
		case errors.As(err, &se) && errors.Is(err, inference.ErrNoFace):
			if se.Side == "B" {
				add("comparison", inference.Problem{Code: inference.ProblemNoFace, Message: "No face was found in the comparison image."})
			}
		case err != nil:
			return pc, fmt.Errorf("comparing selfie and comparison image: %w", err)
		default:
			sim, match, ident := c.Similarity, c.Match, c.Identical
			pc.Similarity, pc.Match, pc.Identical = &sim, &match, &ident
			if !c.Match {
				add("pair", inference.Problem{Code: "no_match", Message: fmt.Sprintf("The selfie does not match the comparison image (similarity %.2f, needs %.2f).", c.Similarity, c.Threshold)})
			}
			if c.Identical {
				add("pair", inference.Problem{Code: "identical", Message: "The selfie and the comparison image are the same picture: take a new selfie."})
			}
		}
	}
	pc.OK = len(pc.Problems) == 0
	return pc, nil
}

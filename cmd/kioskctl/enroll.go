package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/enroll"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/parts"
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
	// CaptureOrigin is how the comparison image was taken: import from files (or
	// --comparison), auto from --camera's document.
	CaptureOrigin job.CaptureOrigin `json:"capture_origin"`
	// Document is what the zone of a DOCUMENT comparison image gave (format, type,
	// issuing state; never the number); absent when none was read.
	Document *job.DocumentRecord `json:"document,omitempty"`
}

const enrollUsage = jobInputUsage + "\n       [--operator-id OP] [--force | --no-prechecks] [--ocr-models DIR] [--json]\n" +
	"       kioskctl enroll --camera replay:DIR|config --user-id U [--comparison F --comparison-type T] [...]"

func runEnroll(g *globals, args []string) int {
	fs := g.newFlagSet("enroll", enrollUsage)
	var in jobInput
	in.addFlags(fs)
	operator := fs.String("operator-id", "", "the operator enrolling (audit log)")
	force := fs.Bool("force", false, "seal the job even though a precheck failed (the job records it)")
	noChecks := fs.Bool("no-prechecks", false, "seal without running the face checks (tests, demos; the job records it)")
	asJSON := fs.Bool("json", false, "print {\"job_id\",\"state\",\"prechecks\",\"capture_origin\",\"document\"} as JSON")
	models := fs.String("ocr-models", "", "the OCR models' folder for a DOCUMENT comparison image's zone (default: $KIOSK_OCR_MODELS, ocr/ beside kioskctl, /usr/lib/kiosk-agent/ocr)")
	fs.StringVar(&in.camera, "camera", "", "take the images with a camera instead of files: replay:DIR (photo folders selfie/, liveness/ and, without --comparison, document/) or config (the config's capture section)")
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
	if in.camera == "" {
		if j.Selfie, j.Comparison, j.Liveness, err = in.readImages(); err != nil {
			return g.errorf("enroll: %v", err)
		}
		j.CaptureOrigin = job.OriginImport
		if err := j.Validate(); err != nil {
			return g.errorf("enroll: %v", err)
		}
	}

	// Open the queue first: a queue held by the running agent fails at once, before
	// the checks take their seconds.
	q, err := openQueue(g)
	if err != nil {
		return g.errorf("enroll: %v", err)
	}
	defer q.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var e *inference.Engine
	if in.camera != "" || !*noChecks {
		if e, err = inferenceEngine(g); err != nil {
			if in.camera != "" {
				return g.errorf("enroll: %v", err)
			}
			return g.errorf("enroll: prechecks: %v (to seal without checks, add --no-prechecks)", err)
		}
		defer e.Close()
	}
	if in.camera != "" {
		if j, err = cameraJob(ctx, g, e, &in, *j); err != nil {
			return g.errorf("enroll: %v", err)
		}
	}
	checker := e
	if *noChecks {
		checker = nil
	}
	var ro precheck.RunOptions
	if checker != nil && j.ComparisonType == job.Document {
		// The kiosk's document read: the zone, the expiry warning, the job's record.
		r, err := ocr.Open(ocr.Options{ModelsDir: *models}) // on the runtime the engine started
		if err != nil {
			fmt.Fprintf(g.stderr, "kioskctl enroll: the document's zone is not read (as on a kiosk without the OCR models): %v\n", err)
		} else {
			defer r.Close()
			ro.OCR = r
		}
		ro.Now = g.clock().Now()
	}
	if err := enroll.CheckWith(ctx, checker, j, *force, ro); errors.Is(err, enroll.ErrRefused) {
		if *asJSON {
			queueJSON(g.stdout, enrollOutput{JobID: j.ID, State: "refused", Prechecks: j.Prechecks, CaptureOrigin: j.CaptureOrigin, Document: j.Document})
		}
		g.errorf("enroll: %d precheck(s) failed; nothing was saved. Retake the images, or add --force to seal the job anyway:", len(j.Prechecks.Problems))
		for _, p := range j.Prechecks.Problems {
			fmt.Fprintf(g.stderr, "  %s: %s\n", p.Image, p.Message)
		}
		return exitError
	} else if err != nil {
		return g.errorf("enroll: %v (to seal without checks, add --no-prechecks)", err)
	}

	entry, err := q.Enqueue(j)
	if err != nil {
		var le *offline.LimitError
		if errors.As(err, &le) {
			return g.errorf("enroll: not saved: %s", le.Operator)
		}
		return g.errorf("enroll: not saved: %v", err)
	}
	if *asJSON {
		if err := queueJSON(g.stdout, enrollOutput{JobID: entry.ID, State: entry.State.String(), Prechecks: j.Prechecks,
			CaptureOrigin: entry.CaptureOrigin, Document: entry.Document}); err != nil {
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
	fmt.Fprintf(g.stdout, "job %s sealed into the offline queue (%s; %s; capture %s)\n", entry.ID, entry.State, checks, entry.CaptureOrigin.Describe())
	if d := entry.Document; d != nil {
		fmt.Fprintf(g.stdout, "  document: %s %s, issued by %s (its number is not kept)\n", d.Format, d.Type, d.IssuingState)
	}
	for _, w := range j.Prechecks.Warnings {
		fmt.Fprintf(g.stdout, "  warning, %s: %s\n", w.Image, w.Message)
	}
	return exitOK
}

// cameraJob takes the job's images with the camera of --camera (enroll.Enrollment's
// steps) and returns meta with them; --comparison, when given, is imported instead of
// photographing the document.
func cameraJob(ctx context.Context, g *globals, e *inference.Engine, in *jobInput, meta job.Job) (*job.Job, error) {
	var o enroll.Options
	var cams enroll.Cameras
	c, err := g.config()
	if err != nil {
		return nil, err
	}
	if c.Capture.DocumentCardGates { // the kiosk's document step: the card found, judged, flattened
		gates := card.DefaultGates()
		o.Document.Card = &gates
	}
	kind, arg, _ := strings.Cut(in.camera, ":")
	switch kind {
	case "replay":
		r, err := replay.OpenScripted(arg, replay.Options{MaxSide: capture.ComparisonMaxSide, Clock: g.clk})
		if err != nil {
			return nil, err
		}
		defer r.Close()
		r.Apply(&o.Liveness)
		cams = enroll.Cameras{Document: r.Document, Selfie: r.Selfie, Liveness: r.Liveness}
	case "config":
		vc, err := parts.OpenCameras(ctx, c, g.clock(), g.logger(c))
		if err != nil {
			return nil, err
		}
		defer vc.Close()
		cams = enroll.Cameras{Selfie: vc.Selfie, Document: vc.Document}
	}
	o.Selfie.Clock, o.Liveness.Clock, o.Document.Clock = g.clk, g.clk, g.clk
	en := enroll.New(e, o)
	if in.comparison != "" {
		b, err := in.readComparison()
		if err != nil {
			return nil, err
		}
		if err := en.ImportComparison(b, job.ComparisonType(in.compType)); err != nil {
			return nil, err
		}
		cams.Document = nil
	}
	fmt.Fprintln(g.stderr, "kioskctl enroll: taking the images with the camera")
	if err := en.Take(ctx, cams); err != nil {
		return nil, err
	}
	return en.Job(meta)
}

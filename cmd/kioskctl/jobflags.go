package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// jobInput is one job as given on the command line: the inputs that `submit` (straight to
// the API) and `enroll` (into the offline queue) share.
type jobInput struct {
	userID, jobID, selfie, comparison, compType, callbackURL string
	liveness, params                                         stringList
	allowNew                                                 bool
	// camera is enroll's --camera: the selfie and liveness frames (and, without
	// --comparison, the document) come from it instead of files.
	camera string
}

// jobInputUsage is the usage text of the shared flags.
const jobInputUsage = "--user-id U [--job-id J] --selfie F --liveness F (4 to 8 times) --comparison F\n" +
	"       --comparison-type ID_PHOTO|PORTRAIT|DOCUMENT [--allow-new-enroll] [--callback-url URL] [--param key=value]..."

func (in *jobInput) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&in.userID, "user-id", "", "the customer's user id (required)")
	fs.StringVar(&in.jobID, "job-id", "", "job id, unique for the partner (default: a new one)")
	fs.StringVar(&in.selfie, "selfie", "", "selfie JPEG file (required)")
	fs.Var(&in.liveness, "liveness", "liveness frame JPEG file; give it 4 to 8 times")
	fs.StringVar(&in.comparison, "comparison", "", "comparison JPEG file: ID authority photo, portrait or document (required)")
	fs.StringVar(&in.compType, "comparison-type", "", "ID_PHOTO, PORTRAIT or DOCUMENT (required)")
	fs.BoolVar(&in.allowNew, "allow-new-enroll", false, "enroll the user even if already enrolled")
	fs.StringVar(&in.callbackURL, "callback-url", "", "where the server also POSTs the result (default: sync.callback_url of the config)")
	fs.Var(&in.params, "param", "extra partner_params entry key=value (repeatable), echoed back by the server")
}

// check returns the partner params and every usage problem of the parsed flags.
func (in *jobInput) check(fs *flag.FlagSet) (map[string]string, []string) {
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if !job.ValidUserID(in.userID) {
		problems = append(problems, "give --user-id")
	}
	switch kind, _, _ := strings.Cut(in.camera, ":"); {
	case in.camera == "":
		if in.selfie == "" {
			problems = append(problems, "give --selfie FILE")
		}
		if in.comparison == "" {
			problems = append(problems, "give --comparison FILE")
		}
		if n := len(in.liveness); n < job.MinLiveness || n > job.MaxLiveness {
			problems = append(problems, fmt.Sprintf("give --liveness FILE %d to %d times (%d given)", job.MinLiveness, job.MaxLiveness, n))
		}
	case kind != "replay" && kind != "config" || kind == "replay" && !strings.Contains(in.camera, ":"):
		problems = append(problems, fmt.Sprintf("--camera %q is neither replay:DIR nor config", in.camera))
	case in.selfie != "" || len(in.liveness) > 0:
		problems = append(problems, "--camera takes the selfie and the liveness frames: drop --selfie and --liveness")
	}
	if (in.camera == "" || in.comparison != "") && !job.ComparisonType(in.compType).Valid() {
		problems = append(problems, fmt.Sprintf("--comparison-type must be ID_PHOTO, PORTRAIT or DOCUMENT (got %q)", in.compType))
	}
	params := map[string]string{}
	for _, p := range in.params {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case !ok || strings.TrimSpace(k) == "":
			problems = append(problems, fmt.Sprintf("--param %q is not key=value", p))
		case job.ReservedParam(k):
			problems = append(problems, fmt.Sprintf("--param %s is reserved: use --job-id / --user-id", k))
		default:
			params[k] = v
		}
	}
	return params, problems
}

// newJob returns the job the flags describe, without its images, with a new job id
// (job.NewID at the injected clock's time) when --job-id was not given.
func (in *jobInput) newJob(g *globals, params map[string]string) *job.Job {
	id := in.jobID
	if id == "" {
		id = job.NewID(g.clock().Now())
	}
	return &job.Job{ID: id, UserID: in.userID, PartnerParams: params, ComparisonType: job.ComparisonType(in.compType),
		AllowNewEnroll: in.allowNew, CallbackURL: in.callbackURL}
}

// readComparison reads --comparison and checks that it is a JPEG.
func (in *jobInput) readComparison() ([]byte, error) {
	return readJPEG("comparison image", in.comparison)
}

// readJPEG reads an image file (at most inference.MaxFileBytes, even from /dev/zero) and
// checks that it is a JPEG (the API takes JPEG).
func readJPEG(role, path string) ([]byte, error) {
	b, err := inference.ReadImageFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", role, err)
	}
	if !job.IsJPEG(b) {
		return nil, fmt.Errorf("the %s %s is not a JPEG file; the compare API takes JPEG images", role, path)
	}
	return b, nil
}

// readImages reads the image files and checks that each is a JPEG (the API takes JPEG).
func (in *jobInput) readImages() (selfie, comparison []byte, liveness [][]byte, err error) {
	read := readJPEG
	if selfie, err = read("selfie", in.selfie); err != nil {
		return nil, nil, nil, err
	}
	if comparison, err = in.readComparison(); err != nil {
		return nil, nil, nil, err
	}
	for i, p := range in.liveness {
		b, err := read(fmt.Sprintf("liveness frame %d", i+1), p)
		if err != nil {
			return nil, nil, nil, err
		}
		liveness = append(liveness, b)
	}
	return selfie, comparison, liveness, nil
}

package metrics

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/sync/uploader"
)

// Every label value comes from a short fixed list (or a server code of 3 or 4 digits),
// never from a customer, a job or an operator: the bound* functions map anything else to
// "other".

var codeRE = regexp.MustCompile(`^[0-9]{3,4}$`)

func boundCode(c string) string {
	if codeRE.MatchString(c) {
		return c
	}
	return "other"
}

func bound(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return "other"
}

// Camera roles.
const (
	RoleSelfie   = "selfie"
	RoleDocument = "document"
)

func boundRole(r string) string { return bound(r, RoleSelfie, RoleDocument) }

// --- sync ---

type syncMetrics struct {
	attempts prometheus.Counter
	outcomes *prometheus.CounterVec
	bytes    prometheus.Counter
	duration prometheus.Histogram

	mu    sync.Mutex
	start map[string]time.Time // job id → EventSending's time (never exported)
	sent  map[string]int64     // job id → bytes sent so far
}

func newSyncMetrics(r prometheus.Registerer) *syncMetrics {
	m := &syncMetrics{
		attempts: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "sync_attempts_total",
			Help: "Upload attempts started (a job claimed and its request begun)."}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "sync_outcomes_total",
			Help: "Settled upload attempts by outcome (delivered, retry, failed, held, needs_operator, interrupted) and the server's code (the result's 0840/0841/0941, an error code such as 2205, an HTTP status; \"none\" when no answer came back)."},
			[]string{"outcome", "code"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "sync_upload_bytes_total",
			Help: "Bytes of request bodies sent to the compare API."}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "sync_upload_duration_seconds",
			Help:    "Time from an upload's start to its settling (answer, failure or interruption).",
			Buckets: []float64{0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600}}),
		start: map[string]time.Time{}, sent: map[string]int64{},
	}
	r.MustRegister(m.attempts, m.outcomes, m.bytes, m.duration)
	return m
}

// Sync outcomes (the label values of kiosk_agent_sync_outcomes_total).
const (
	OutcomeDelivered     = "delivered"
	OutcomeRetry         = "retry"
	OutcomeFailed        = "failed"
	OutcomeHeld          = "held"
	OutcomeNeedsOperator = "needs_operator"
	OutcomeInterrupted   = "interrupted"
)

// ObserveSync counts one event of the sync engine (uploader.Options.OnEvent; it does
// not block).
func (s *Set) ObserveSync(e uploader.Event) {
	m := s.sync
	var outcome string
	switch e.Kind {
	case uploader.EventSending:
		m.attempts.Inc()
		m.mu.Lock()
		m.start[e.JobID], m.sent[e.JobID] = e.Time, 0
		m.mu.Unlock()
		return
	case uploader.EventProgress:
		m.mu.Lock()
		if prev, ok := m.sent[e.JobID]; ok && e.Sent > prev {
			m.bytes.Add(float64(e.Sent - prev))
			m.sent[e.JobID] = e.Sent
		}
		m.mu.Unlock()
		return
	case uploader.EventDelivered:
		outcome = OutcomeDelivered
	case uploader.EventRetry:
		outcome = OutcomeRetry
		if e.Code == "" && strings.HasPrefix(e.Reason, "interrupted") {
			outcome = OutcomeInterrupted
		}
	case uploader.EventFailed:
		outcome = OutcomeFailed
	case uploader.EventHeld:
		outcome = OutcomeHeld
	case uploader.EventNeedsOperator:
		outcome = OutcomeNeedsOperator
	default:
		return
	}
	code := "none"
	if e.Code != "" {
		code = boundCode(e.Code)
	}
	m.outcomes.WithLabelValues(outcome, code).Inc()
	m.mu.Lock()
	if t, ok := m.start[e.JobID]; ok {
		m.duration.Observe(max(e.Time.Sub(t).Seconds(), 0))
	}
	delete(m.start, e.JobID)
	delete(m.sent, e.JobID)
	m.mu.Unlock()
}

// --- enrollments ---

// Enrollment steps: the wizard's screens (ui/flow's step names), the label values of
// the step metrics.
var Steps = []string{"consent", "customer", "comparison", "selfie", "liveness", "review", "result"}

const maxStepSeconds = 3600

type enrollMetrics struct {
	started   prometheus.Counter
	sealed    *prometheus.CounterVec
	forced    prometheus.Counter
	abandoned *prometheus.CounterVec
	step      *prometheus.HistogramVec
	precheck  *prometheus.CounterVec
	analysis  prometheus.Histogram
	captures  *prometheus.CounterVec
}

func newEnrollMetrics(r prometheus.Registerer) enrollMetrics {
	m := enrollMetrics{
		started: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "enrollments_started_total",
			Help: "Enrollments started on the kiosk's screens."}),
		sealed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "enrollments_sealed_total",
			Help: "Enrollments sealed into the offline queue, by training (\"true\" on a practice kiosk)."}, []string{"training"}),
		forced: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "enrollments_forced_total",
			Help: "Enrollments sealed although a precheck failed, allowed by a supervisor."}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "enrollments_abandoned_total",
			Help: "Enrollments left before they were sealed, by the step they were at."}, []string{"step"}),
		step: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "enrollment_step_duration_seconds",
			Help:    "Time the enrollment wizard stayed on a step (consent, customer, comparison, selfie, liveness, review, result), each time it was shown.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600}}, []string{"step"}),
		precheck: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "precheck_failures_total",
			Help: "Failed on-device prechecks, by reason (no_face, several_faces, framing, pose, dark, bright, blur, not_live, liveness, no_match, identical, other) and the image (selfie, liveness, comparison, pair)."},
			[]string{"reason", "image"}),
		analysis: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "analysis_duration_seconds",
			Help:    "Time the face engine took to judge one camera frame (detection, quality, passive liveness).",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2}}),
		captures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "comparison_captures_total",
			Help: "Enrollments sealed into the offline queue, by how their comparison image was taken (origin: auto when the document camera's gates held, manual for the agent's \"Take it now\", import for a file; unknown when the seal did not say)."},
			[]string{"origin"}),
	}
	r.MustRegister(m.started, m.sealed, m.forced, m.abandoned, m.step, m.precheck, m.analysis, m.captures)
	// The series a dashboard reads exist from the start, at 0.
	m.sealed.WithLabelValues("false")
	for _, o := range []string{string(job.OriginAuto), string(job.OriginManual), string(job.OriginImport), OriginUnknown} {
		m.captures.WithLabelValues(o)
	}
	for _, r := range PrecheckReasons {
		m.precheck.WithLabelValues(r, "selfie")
	}
	return m
}

func boundStep(s string) string { return bound(s, Steps...) }

// EnrollmentStarted counts an enrollment begun on the screens.
func (s *Set) EnrollmentStarted() { s.enroll.started.Inc() }

// EnrollmentStep records how long one step took.
func (s *Set) EnrollmentStep(step string, took time.Duration) {
	s.enroll.step.WithLabelValues(boundStep(step)).Observe(min(max(took.Seconds(), 0), maxStepSeconds))
}

// EnrollmentAbandoned counts an enrollment left at step.
func (s *Set) EnrollmentAbandoned(step string) {
	s.enroll.abandoned.WithLabelValues(boundStep(step)).Inc()
}

// EnrollmentSealed counts a sealed job: forced when a precheck failed and a supervisor
// allowed it.
func (s *Set) EnrollmentSealed(training, forced bool) {
	s.enroll.sealed.WithLabelValues(strconv.FormatBool(training)).Inc()
	if forced {
		s.enroll.forced.Inc()
	}
}

// OriginUnknown is the origin label of a job sealed without a capture origin (or with
// one this build does not know).
const OriginUnknown = "unknown"

// CaptureOriginLabel is the origin label of o: auto, manual, import, or OriginUnknown.
func CaptureOriginLabel(o job.CaptureOrigin) string {
	if o == "" || !o.Valid() {
		return OriginUnknown
	}
	return string(o)
}

// ComparisonCaptured counts a sealed job by how its comparison image was taken
// (job.CaptureOrigin; App.Seal calls it with EnrollmentSealed).
func (s *Set) ComparisonCaptured(o job.CaptureOrigin) {
	s.enroll.captures.WithLabelValues(CaptureOriginLabel(o)).Inc()
}

// FrameJudged records the face engine's time on one frame.
func (s *Set) FrameJudged(took time.Duration) { s.enroll.analysis.Observe(max(took.Seconds(), 0)) }

// PrecheckReasons are the reason label's values.
var PrecheckReasons = []string{"no_face", "several_faces", "framing", "pose", "dark", "bright", "blur", "not_live", "liveness", "no_match", "identical", "other"}

// PrecheckReason maps a precheck problem's code (inference's and internal/precheck's)
// to the reason label.
func PrecheckReason(code string) string {
	switch code {
	case "no_face", "no_frames":
		return "no_face"
	case "several_faces", "different_person":
		return "several_faces"
	case "face_too_small", "face_too_close", "face_off_centre", "eyes_too_close":
		return "framing"
	case "head_pose":
		return "pose"
	case "too_dark":
		return "dark"
	case "over_exposed":
		return "bright"
	case "blurred":
		return "blur"
	case "not_live":
		return "not_live"
	case "prompt_not_followed", "no_head_movement", "identical_frames":
		return "liveness"
	case "no_match":
		return "no_match"
	case "identical":
		return "identical"
	}
	return "other"
}

// precheckImage maps a problem's image (selfie, liveness[3], comparison, pair) to the
// image label.
func precheckImage(img string) string {
	if i := strings.IndexByte(img, '['); i >= 0 {
		img = img[:i]
	}
	return bound(img, "selfie", "liveness", "comparison", "pair")
}

// Prechecks counts the failed prechecks of one run (each reason once per image kind).
func (s *Set) Prechecks(pc job.Prechecks) {
	if !pc.Ran || pc.OK {
		return
	}
	seen := map[[2]string]bool{}
	for _, p := range pc.Problems {
		k := [2]string{PrecheckReason(p.Code), precheckImage(p.Image)}
		if !seen[k] {
			seen[k] = true
			s.enroll.precheck.WithLabelValues(k[0], k[1]).Inc()
		}
	}
}

// --- cameras ---

type cameraMetrics struct {
	frames  *prometheus.CounterVec
	dropped *prometheus.CounterVec
}

func newCameraMetrics(r prometheus.Registerer) cameraMetrics {
	m := cameraMetrics{
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "camera_frames_total",
			Help: "Frames read from the camera of this role."}, []string{"role"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "camera_frames_dropped_total",
			Help: "Frames the camera of this role dropped (gaps in the driver's sequence numbers)."}, []string{"role"}),
	}
	r.MustRegister(m.frames, m.dropped)
	return m
}

// CameraFrames counts n frames read and dropped frames lost by the camera of role.
func (s *Set) CameraFrames(role string, n, dropped uint64) {
	role = boundRole(role)
	s.cams.frames.WithLabelValues(role).Add(float64(n))
	if dropped > 0 {
		s.cams.dropped.WithLabelValues(role).Add(float64(dropped))
	}
}

// --- operators and the local API ---

// Sign-in results (the label values of kiosk_agent_operator_sign_ins_total).
const (
	SignInOK        = "ok"
	SignInWrongPIN  = "wrong_pin"
	SignInLockedOut = "locked_out"
	SignInDisabled  = "disabled"
	SignInUnknown   = "unknown_operator"
	SignInError     = "error"
)

type operatorMetrics struct {
	signIns  *prometheus.CounterVec
	lockouts prometheus.Counter
}

func newOperatorMetrics(r prometheus.Registerer) operatorMetrics {
	m := operatorMetrics{
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "operator_sign_ins_total",
			Help: "Operators' sign-in attempts by result (ok, wrong_pin, locked_out, disabled, unknown_operator, error); who is never recorded."},
			[]string{"result"}),
		lockouts: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "operator_lockouts_total",
			Help: "Operators locked out after too many wrong PINs."}),
	}
	r.MustRegister(m.signIns, m.lockouts)
	m.signIns.WithLabelValues(SignInOK)
	m.signIns.WithLabelValues(SignInWrongPIN)
	return m
}

// SignIn counts a sign-in attempt; lockout is set when it locked the operator out.
func (s *Set) SignIn(result string, lockout bool) {
	s.ops.signIns.WithLabelValues(bound(result, SignInOK, SignInWrongPIN, SignInLockedOut, SignInDisabled, SignInUnknown, SignInError)).Inc()
	if lockout {
		s.ops.lockouts.Inc()
	}
}

// LocalAPIRequest counts one request to the local API: route is the mux's pattern
// ("GET /v1/jobs/{id}", never the path with its ids), code the HTTP status.
func (s *Set) LocalAPIRequest(route string, code int) {
	if route == "" {
		route = "unmatched"
	}
	s.localAPI.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/sync/compare"
)

// Sandbox is the local compare API. Create it with New, serve it with Serve (or mount
// Handler in an httptest.Server), and Close it.
type Sandbox struct {
	opts     Options
	partners map[string]Partner
	st       *store
	clock    clock.Clock
	log      *slog.Logger

	workers chan struct{}
	waiting atomic.Int64
	memory  *budget // bytes of request bodies admitted (read or being read)

	callbacks  *callbacks
	unknownKey []byte // signs for unknown partner ids, so they cost the same as known ones

	closeOnce sync.Once
	closeErr  error
}

// New opens the state file and starts the callback workers.
func New(opts Options) (*Sandbox, error) {
	if err := opts.fill(); err != nil {
		return nil, fmt.Errorf("creating sandbox: %w", err)
	}
	st, err := openStore(opts.DBPath)
	if err != nil {
		return nil, fmt.Errorf("creating sandbox: %w", err)
	}
	s := &Sandbox{
		opts: opts, partners: map[string]Partner{}, st: st, clock: opts.Clock, log: opts.Logger,
		workers: make(chan struct{}, opts.Workers),
		memory:  newBudget(opts.MaxBodyMemory),
	}
	for _, p := range opts.Partners {
		s.partners[p.ID] = p
	}
	s.unknownKey = make([]byte, 32)
	rand.Read(s.unknownKey)
	s.callbacks = startCallbacks(opts)
	return s, nil
}

// Close stops the callback workers (pending callbacks are dropped) and closes the state
// file. Stop serving first (Serve returns after its graceful shutdown).
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		s.callbacks.stop()
		s.closeErr = s.st.close()
	})
	return s.closeErr
}

// JobCount returns how many authenticated, well-formed requests of partner carried
// jobID, including those answered 2215 or 2209 (tests use it to check "delivered once").
func (s *Sandbox) JobCount(partner, jobID string) (int, error) {
	return s.st.attempts(partner, jobID)
}

// Job returns what the sandbox recorded for a job id, and whether it knows it.
func (s *Sandbox) Job(partner, jobID string) (JobRecord, bool, error) {
	return s.st.job(partner, jobID)
}

// Enrolled reports whether the user is enrolled for partner.
func (s *Sandbox) Enrolled(partner, userID string) (bool, error) {
	return s.st.enrolled(partner, userID)
}

// CallbackStats returns how many callbacks were delivered, and how many gave up
// (attempts exhausted, queue full, or shutdown).
func (s *Sandbox) CallbackStats() (delivered, failed int64) {
	return s.callbacks.delivered.Load(), s.callbacks.failed.Load()
}

// Handler returns the API handler (POST /v2/smart-selfie-compare).
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(compare.Path, s.serveCompare)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// No contract code: a wrong path is the caller's configuration, not a job's
		// inputs (with 2413 the kiosk would fail every job for good).
		http.Error(w, "No such endpoint: use POST "+compare.Path+".", http.StatusNotFound)
	})
	return mux
}

// AdminHandler returns a handler for tests and operators, to be served apart from the
// API: GET /jobs?partner_id=P&job_id=J answers {"count":N,"known":bool,"state","code",
// "smile_job_id"}; GET /healthz answers ok. /jobs requires "Authorization: Bearer
// <Options.AdminToken>" and answers 403 to everyone while no AdminToken is set (it
// tells which job ids a partner sent).
func (s *Sandbox) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /jobs", func(w http.ResponseWriter, r *http.Request) {
		if len(s.opts.AdminToken) == 0 {
			http.Error(w, "the admin /jobs endpoint is off: no admin token is set", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), s.opts.AdminToken) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="compare-sandbox admin"`)
			http.Error(w, "give the admin token: Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
		p, j := r.URL.Query().Get("partner_id"), r.URL.Query().Get("job_id")
		if p == "" || j == "" {
			http.Error(w, "give partner_id and job_id", http.StatusBadRequest)
			return
		}
		n, err := s.JobCount(p, j)
		if err != nil {
			http.Error(w, "reading state", http.StatusInternalServerError)
			return
		}
		rec, known, err := s.Job(p, j)
		if err != nil {
			http.Error(w, "reading state", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"count": n, "known": known, "state": rec.State, "code": rec.Code, "smile_job_id": rec.SmileJobID})
	})
	return mux
}

// Serve serves the API on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets requests in progress finish (at most grace), and returns.
func (s *Sandbox) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving sandbox: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if err != nil {
		srv.Close()
		return fmt.Errorf("shutting down sandbox: %w", err)
	}
	return nil
}

// wireResult is the 200 answer.
type wireResult struct {
	Code          string          `json:"code"`
	CreatedAt     string          `json:"created_at"`
	JobType       string          `json:"job_type"`
	Message       string          `json:"message"`
	JobID         string          `json:"job_id"`
	UserID        string          `json:"user_id"`
	PartnerID     string          `json:"partner_id"`
	PartnerParams map[string]any  `json:"partner_params"`
	UpdatedAt     string          `json:"updated_at"`
	Status        string          `json:"status,omitempty"`
	Actions       compare.Actions `json:"actions"`
}

func (s *Sandbox) serveCompare(w http.ResponseWriter, r *http.Request) {
	start := s.clock.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeError(w, &apiError{http.StatusMethodNotAllowed, compare.CodeInputsIncorrect, "Use POST " + compare.Path + "."})
		return
	}
	p, aerr := s.authenticate(r)
	if aerr != nil {
		s.log.Info("request refused", "code", aerr.code, "reason", aerr.msg)
		s.writeError(w, aerr)
		return
	}
	if r.ContentLength > s.opts.MaxBodyBytes {
		s.writeError(w, tooLarge(s.opts.MaxBodyBytes))
		return
	}
	// Admit the body before reading it: the bodies held in memory (read, waiting for a
	// worker, or being analysed) never exceed Options.MaxBodyMemory together.
	need := s.opts.MaxBodyBytes
	if r.ContentLength > 0 {
		need = r.ContentLength
	}
	if aerr := s.admit(r.Context(), need); aerr != nil {
		s.writeError(w, aerr)
		return
	}
	defer s.memory.release(need)
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	sub, aerr := parseForm(r.Header.Get("Content-Type"), r.Body, s.opts.MaxBodyBytes)
	if aerr != nil {
		s.log.Info("request refused", "partner_id", p.ID, "code", aerr.code, "reason", aerr.msg)
		s.writeError(w, aerr)
		return
	}
	rec, err := s.st.reserve(p.ID, sub.JobID, sub.UserID, sub.AllowNewEnroll, s.clock.Now())
	switch {
	case errors.Is(err, errJobExists):
		s.writeError(w, &apiError{http.StatusConflict, compare.CodeJobExists, fmt.Sprintf("Job already exists for job_id %s (job %s).", truncate(sub.JobID, 64), rec.SmileJobID)})
		return
	case errors.Is(err, errEnrolled):
		s.writeError(w, &apiError{http.StatusConflict, compare.CodeAlreadyEnrolled, "User is already enrolled: resend with allow_new_enroll=true to enroll again."})
		return
	case err != nil:
		s.log.Error("recording job", "err", err)
		s.writeError(w, &apiError{http.StatusInternalServerError, compare.CodeSystemError, "System error: try again later."})
		return
	}
	release := func() {
		if err := s.st.release(p.ID, sub.JobID); err != nil {
			s.log.Error("releasing job id", "err", err)
		}
	}
	if aerr := s.acquire(r.Context()); aerr != nil {
		release()
		s.writeError(w, aerr)
		return
	}
	actx, cancel := context.WithTimeout(r.Context(), s.opts.AnalysisTimeout)
	v, err := s.opts.Analyzer.Judge(actx, Inputs{Selfie: sub.Selfie, Liveness: sub.Liveness, Comparison: sub.Comparison, ComparisonType: sub.ComparisonType})
	cancel()
	<-s.workers
	var code string
	var actions compare.Actions
	switch {
	case errors.Is(err, ErrUndecodable):
		code = compare.CodeDataInvalid
	case err != nil:
		release()
		s.log.Error("analysing job", "partner_id", p.ID, "job_id", sub.JobID, "err", err)
		s.writeError(w, &apiError{http.StatusInternalServerError, compare.CodeSystemError, "System error while analysing the images: try again later."})
		return
	default:
		code, actions = decide(v)
	}
	now := s.clock.Now()
	if err := s.st.complete(rec, sub.UserID, code, code == compare.CodeMatch, now); err != nil {
		release()
		s.log.Error("recording result", "err", err)
		s.writeError(w, &apiError{http.StatusInternalServerError, compare.CodeSystemError, "System error: try again later."})
		return
	}
	msg := compare.ResultText[code]
	if code == compare.CodeDataInvalid && err != nil {
		msg += ": " + truncate(err.Error(), 120)
	}
	res := wireResult{
		Code: code, CreatedAt: rec.CreatedAt.Format(time.RFC3339), JobType: compare.DefaultJobType,
		Message: msg, JobID: rec.SmileJobID, UserID: sub.UserID, PartnerID: p.ID,
		PartnerParams: sub.PartnerParams, UpdatedAt: now.UTC().Format(time.RFC3339),
		Status: compare.ResultStatus[code], Actions: actions,
	}
	s.writeJSON(w, http.StatusOK, res)
	s.log.Info("job answered", "partner_id", p.ID, "job_id", truncate(sub.JobID, 64), "code", code,
		"similarity", fmt.Sprintf("%.3f", v.Similarity), "liveness", actions.LivenessCheck, "selfie", actions.SelfieCheck,
		"reasons", v.Reasons, "took", s.clock.Now().Sub(start))
	s.callbacks.enqueue(s.log, sub.CallbackURL, callbackBody{
		ResultCode: code, ResultText: compare.ResultText[code], IsFinalResult: "true",
		PartnerParams: sub.PartnerParams, SmileJobID: rec.SmileJobID, Actions: actions,
	})
}

// admit reserves n bytes of the body memory budget, waiting at most QueueTimeout
// unless too many wait (the waiters count with those waiting for a worker).
func (s *Sandbox) admit(ctx context.Context, n int64) *apiError {
	if s.memory.tryAcquire(n) {
		return nil
	}
	busy := &apiError{http.StatusServiceUnavailable, compare.CodeSystemBusy, "The sandbox is busy: try again later."}
	if s.waiting.Add(1) > int64(s.opts.MaxWaiting) {
		s.waiting.Add(-1)
		return busy
	}
	defer s.waiting.Add(-1)
	t := s.clock.NewTimer(s.opts.QueueTimeout)
	defer t.Stop()
	for {
		wake := s.memory.waitChan()
		if s.memory.tryAcquire(n) {
			return nil
		}
		select {
		case <-wake:
		case <-t.C():
			return busy
		case <-ctx.Done():
			return &apiError{http.StatusServiceUnavailable, compare.CodeSystemBusy, "The request ended while waiting."}
		}
	}
}

// budget is a count of bytes that callers take and give back; waiters are woken by a
// channel closed at each release.
type budget struct {
	mu   sync.Mutex
	free int64
	wake chan struct{}
}

func newBudget(n int64) *budget { return &budget{free: n, wake: make(chan struct{})} }

func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.free < n {
		return false
	}
	b.free -= n
	return true
}

// waitChan is closed at the next release.
func (b *budget) waitChan() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wake
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.free += n
	close(b.wake)
	b.wake = make(chan struct{})
}

// acquire takes a worker slot, waiting at most QueueTimeout unless too many wait.
func (s *Sandbox) acquire(ctx context.Context) *apiError {
	select {
	case s.workers <- struct{}{}:
		return nil
	default:
	}
	busy := &apiError{http.StatusServiceUnavailable, compare.CodeSystemBusy, "The sandbox is busy: try again later."}
	if s.waiting.Add(1) > int64(s.opts.MaxWaiting) {
		s.waiting.Add(-1)
		return busy
	}
	defer s.waiting.Add(-1)
	t := s.clock.NewTimer(s.opts.QueueTimeout)
	defer t.Stop()
	select {
	case s.workers <- struct{}{}:
		return nil
	case <-t.C():
		return busy
	case <-ctx.Done():
		return &apiError{http.StatusServiceUnavailable, compare.CodeSystemBusy, "The request ended while waiting."}
	}
}

// badSignature is the answer to a wrong signature and to an unknown partner alike.
const badSignature = "Unauthorized: the signature is not valid for this partner, key and timestamp."

// authenticate checks the three headers and the partner's account.
func (s *Sandbox) authenticate(r *http.Request) (Partner, *apiError) {
	unauth := func(msg string) (Partner, *apiError) {
		return Partner{}, &apiError{http.StatusUnauthorized, compare.CodeUnauthorized, msg}
	}
	id := r.Header.Get(compare.HeaderPartnerID)
	ts := r.Header.Get(compare.HeaderTimestamp)
	sig := r.Header.Get(compare.HeaderSignature)
	if id == "" || ts == "" || sig == "" {
		return unauth("Unauthorized: the headers " + compare.HeaderPartnerID + ", " + compare.HeaderTimestamp + " and " + compare.HeaderSignature + " are required.")
	}
	t, err := compare.ParseTimestamp(ts)
	if err != nil {
		return unauth("Unauthorized: " + compare.HeaderTimestamp + " is not in the layout " + compare.TimestampLayout + ".")
	}
	// An unknown partner and a wrong signature get the same answer, after the same
	// work, so that partner ids cannot be enumerated.
	p, known := s.partners[id]
	key := p.Key
	if !known {
		key = s.unknownKey
	}
	want := compare.ComputeSignature(key, ts, id)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 || !known {
		return unauth(badSignature)
	}
	if d := s.clock.Now().Sub(t); d > s.opts.TimestampWindow || d < -s.opts.TimestampWindow {
		return unauth(fmt.Sprintf("Unauthorized: the timestamp is %s away from the server's clock (at most %s): check the kiosk's clock.", d.Round(time.Second), s.opts.TimestampWindow))
	}
	if !p.ProductActive {
		return Partner{}, &apiError{http.StatusForbidden, compare.CodeNotActivated, "SmartSelfie Compare is not activated for this account."}
	}
	if s.opts.Production && !p.ProductionEnabled {
		return Partner{}, &apiError{http.StatusForbidden, compare.CodeNoProduction, "Production is not enabled for this account."}
	}
	return p, nil
}

func (s *Sandbox) writeError(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int((s.opts.RetryAfter+time.Second-1)/time.Second)))
	}
	if e.status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	s.writeJSON(w, e.status, map[string]any{"code": e.code, "error": e.msg, "success": false})
}

func (s *Sandbox) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"2201","error":"System error.","success":false}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Date", s.clock.Now().UTC().Format(http.TimeFormat))
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/offline"
)

const testPIN = "274915"

// cheapPINs hash PINs fast (the tests check the logic, not argon2id's cost).
var cheapPINs = offline.OperatorOptions{PIN: offline.PINParams{Time: 1, MemoryKiB: 64, Threads: 1}}

// roleServer is a server whose socket group is 4242 and admin group 4343, with a
// supervisor "zawadi" and an operator "amina", serving q's jobs; its handler is
// called with injected credentials (asPeer).
func roleServer(t *testing.T, q *offline.Queue, lim Limits, clk clock.Clock) (*Server, http.Handler) {
	t.Helper()
	ops := q.Operators(cheapPINs)
	for _, o := range []offline.NewOperator{
		{ID: "zawadi", Role: offline.RoleSupervisor, PIN: testPIN},
		{ID: "amina", Role: offline.RoleOperator, PIN: testPIN},
	} {
		if _, err := ops.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{roles: Roles{ReadGID: 4242, AdminGID: 4343, HasAdmin: true, SelfUID: 990}, group: "kiosk", admin: "kiosk-admin",
		sup: ops, lim: lim.withDefaults()}
	s.log = slog.New(slog.DiscardHandler)
	if clk == nil {
		clk = clock.Real{}
	}
	s.readers = newReaderLimiter(s.lim, clk)
	s.pins = newPINLimiter(s.lim, clk)
	return s, s.Handler(&app{QueueBackend: QueueBackend{Q: q}})
}

// asPeer sends one request to h as if the kernel had recorded p for its connection.
func asPeer(h http.Handler, p Peer, method, path string, body any, hdr map[string]string) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, "http://kiosk.local"+path, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req = req.WithContext(context.WithValue(req.Context(), peerKey{}, peerResult{p: p}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func failedJob(t *testing.T, q *offline.Queue, id string) {
	t.Helper()
	if _, err := q.Claim(id); err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetState(id, offline.StateFailed, offline.Update{Reason: "2204"}); err != nil {
		t.Fatal(err)
	}
}

var (
	reader    = Peer{UID: 1000, GID: 1000, Groups: []uint32{4242}}
	adminPeer = Peer{UID: 1001, GID: 1001, Groups: []uint32{4242, 4343}}
	outsider  = Peer{UID: 1002, GID: 1002}
)

// Finding 1: a member of the socket's group reads, and changes nothing without
// root, the admin group or a supervisor's PIN the kiosk checks itself.
func TestReaderMayOnlyRead(t *testing.T) {
	q := testQueue(t, "job-1", "job-2", "job-3")
	failedJob(t, q, "job-2")
	_, h := roleServer(t, q, Limits{}, nil)

	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/status", nil},
		{"GET", "/v1/jobs", nil},
		{"GET", "/v1/jobs/job-1", nil},
		{"GET", "/v1/sync", nil},
		{"POST", "/v1/sync", SyncRequest{}},
		{"POST", "/v1/audit", AuditQuery{Limit: 5}},
	} {
		if rec := asPeer(h, reader, tc.method, tc.path, tc.body, nil); rec.Code != 200 {
			t.Errorf("reader %s %s = %d %s, want 200", tc.method, tc.path, rec.Code, rec.Body)
		}
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"retry with a new enrollment", "POST", "/v1/jobs/job-2/retry", RetryRequest{AllowNewEnroll: true}},
		{"purge an unsent job", "POST", "/v1/jobs/job-1/purge", PurgeRequest{Force: true}},
		{"retention now", "POST", "/v1/purge", struct{}{}},
		{"lift a halt", "POST", "/v1/sync", SyncRequest{RetryHalted: true}},
		{"audit by customer id", "POST", "/v1/audit", AuditQuery{UserID: "customer-job-1"}},
	} {
		rec := asPeer(h, reader, tc.method, tc.path, tc.body, nil)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), "supervisor") {
			t.Errorf("reader: %s = %d %s, want 403 naming who may", tc.name, rec.Code, rec.Body)
		}
	}
	if rec := asPeer(h, outsider, "GET", "/v1/status", nil, nil); rec.Code != 403 {
		t.Errorf("outsider status = %d, want 403", rec.Code)
	}
	// Nothing changed: job-1 still queued with its images, job-2 still failed.
	if e, _ := q.Get("job-1"); e.State != offline.StateQueued || e.ImagesPurged {
		t.Fatalf("job-1 after the refused purge: %+v", e)
	}
	if e, _ := q.Get("job-2"); e.State != offline.StateFailed {
		t.Fatalf("job-2 after the refused retry: %+v", e)
	}
	// A name typed by the client is not accepted at all.
	if rec := asPeer(h, adminPeer, "POST", "/v1/jobs/job-2/retry", map[string]any{"operator": "mallory"}, nil); rec.Code != 400 {
		t.Fatalf("retry with a typed operator = %d %s, want 400", rec.Code, rec.Body)
	}
}

// An admin (the admin group) changes things; the audit records their uid and user,
// found by the kiosk.
func TestAdminChangesAreAuditedByUID(t *testing.T) {
	q := testQueue(t, "job-1", "job-2")
	failedJob(t, q, "job-2")
	_, h := roleServer(t, q, Limits{}, nil)
	if rec := asPeer(h, adminPeer, "POST", "/v1/jobs/job-2/retry", RetryRequest{}, nil); rec.Code != 200 {
		t.Fatalf("admin retry = %d %s", rec.Code, rec.Body)
	}
	if rec := asPeer(h, adminPeer, "POST", "/v1/audit", AuditQuery{UserID: "customer-job-1"}, nil); rec.Code != 200 {
		t.Fatalf("admin audit by customer = %d %s", rec.Code, rec.Body)
	}
	evs, _ := q.Audit(offline.AuditFilter{Kind: offline.AuditRetry})
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Operator, "uid 1001") && !strings.Contains(evs[0].Operator, "(uid 1001)") {
		t.Fatalf("retry audited as %+v, want the admin's uid 1001", evs)
	}
}

// A reader with a supervisor's PIN changes things; the audit names the supervisor
// and the reader's uid. A wrong PIN, or an operator's PIN, changes nothing, and
// wrong PINs count toward the supervisor's lockout.
func TestSupervisorPIN(t *testing.T) {
	q := testQueue(t, "job-1", "job-2")
	failedJob(t, q, "job-2")
	_, h := roleServer(t, q, Limits{}, nil)
	sup := func(id, pin string) map[string]string {
		return map[string]string{HeaderSupervisor: id, HeaderSupervisorPIN: pin}
	}
	if rec := asPeer(h, reader, "POST", "/v1/jobs/job-2/retry", RetryRequest{AllowNewEnroll: true}, sup("amina", testPIN)); rec.Code != 403 {
		t.Fatalf("retry with an operator's PIN = %d %s, want 403", rec.Code, rec.Body)
	}
	rec := asPeer(h, reader, "POST", "/v1/jobs/job-2/retry", RetryRequest{}, sup("zawadi", "111111"))
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "wrong PIN") {
		t.Fatalf("retry with a wrong PIN = %d %s", rec.Code, rec.Body)
	}
	if o, _ := q.Operators(cheapPINs).Get("zawadi"); o.FailedPINs != 1 {
		t.Fatalf("the wrong PIN did not count toward the lockout: %+v", o)
	}
	if e, _ := q.Get("job-2"); e.State != offline.StateFailed {
		t.Fatalf("job-2 moved on a wrong PIN: %+v", e)
	}
	if rec := asPeer(h, reader, "POST", "/v1/jobs/job-2/retry", RetryRequest{AllowNewEnroll: true}, sup("zawadi", testPIN)); rec.Code != 200 {
		t.Fatalf("retry with the supervisor's PIN = %d %s", rec.Code, rec.Body)
	}
	evs, _ := q.Audit(offline.AuditFilter{Kind: offline.AuditRetry})
	if len(evs) != 1 || !strings.HasPrefix(evs[0].Operator, "zawadi (supervisor PIN;") || !strings.Contains(evs[0].Operator, "uid 1000") {
		t.Fatalf("retry audited as %+v, want the supervisor and the reader's uid", evs)
	}
	// A read with a PIN header checks no PIN (it needs none).
	if rec := asPeer(h, reader, "GET", "/v1/status", nil, sup("zawadi", "000000")); rec.Code != 200 {
		t.Fatalf("status with a stray PIN header = %d", rec.Code)
	}
	if o, _ := q.Operators(cheapPINs).Get("zawadi"); o.FailedPINs != 0 {
		t.Fatalf("a read checked a PIN: %+v", o)
	}
}

// Readers are paced: beyond the burst, 429 until the bucket refills; admins are not.
func TestReaderRate(t *testing.T) {
	q := testQueue(t, "job-1")
	clk := clock.NewFake(time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC))
	_, h := roleServer(t, q, Limits{ReaderRate: 2, ReaderBurst: 5}, clk)
	ok, refused := 0, 0
	for range 50 {
		switch rec := asPeer(h, reader, "GET", "/v1/status", nil, nil); rec.Code {
		case 200:
			ok++
		case 429:
			refused++
		default:
			t.Fatalf("status = %d %s", rec.Code, rec.Body)
		}
	}
	if ok != 5 || refused != 45 {
		t.Fatalf("50 requests at once: %d served, %d refused; want the burst (5) served", ok, refused)
	}
	clk.Advance(time.Second)
	if rec := asPeer(h, reader, "GET", "/v1/status", nil, nil); rec.Code != 200 {
		t.Fatalf("after a second: %d", rec.Code)
	}
	for range 50 {
		if rec := asPeer(h, adminPeer, "GET", "/v1/status", nil, nil); rec.Code != 200 {
			t.Fatalf("admin status = %d", rec.Code)
		}
	}
}

// Finding 6: queue show --json printed the callback URL's token. The kiosk masks it
// before it leaves, through the socket and from the file alike.
func TestJobShowMasksCallbackToken(t *testing.T) {
	q := testQueue(t)
	j := testJobWith("job-cb", func(j *job.Job) { j.CallbackURL = "https://hooks.example/cb?token=s3cr3t-t0ken&job=7" })
	if _, err := q.Enqueue(j); err != nil {
		t.Fatal(err)
	}
	_, h := roleServer(t, q, Limits{}, nil)
	rec := asPeer(h, reader, "GET", "/v1/jobs/job-cb", nil, nil)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "s3cr3t") || !strings.Contains(rec.Body.String(), "https://hooks.example/cb?") {
		t.Fatalf("queue show through the socket: %d %s", rec.Code, rec.Body)
	}
	d, err := DescribeJob(q, "job-cb")
	if err != nil || d.Sealed == nil || strings.Contains(d.Sealed.CallbackURL, "s3cr3t") {
		t.Fatalf("DescribeJob: %+v, %v", d.Sealed, err)
	}
}

// Each PIN check costs argon2id's tenth of a second of both cores, and guesses under
// unknown ids lock nobody out: a reader's PIN checks are paced (PINBurst at once, then
// PINRate a second), beyond which the answer is 429 and no PIN is checked.
func TestPINChecksPaced(t *testing.T) {
	q := testQueue(t, "job-1")
	clk := clock.NewFake(time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC))
	_, h := roleServer(t, q, Limits{PINRate: 0.5, PINBurst: 3}, clk)
	checked, paced := 0, 0
	for i := range 20 {
		hdr := map[string]string{HeaderSupervisor: fmt.Sprintf("ghost-%d", i), HeaderSupervisorPIN: "000000"}
		switch rec := asPeer(h, reader, "POST", "/v1/sync", SyncRequest{}, hdr); rec.Code {
		case 403:
			checked++
		case 429:
			paced++
		default:
			t.Fatalf("guess %d = %d %s", i, rec.Code, rec.Body)
		}
	}
	if checked != 3 || paced != 17 {
		t.Fatalf("20 guesses at once: %d checked, %d paced; want the burst (3) checked", checked, paced)
	}
	clk.Advance(2 * time.Second)
	if rec := asPeer(h, reader, "POST", "/v1/jobs/job-1/purge", PurgeRequest{Force: true}, map[string]string{HeaderSupervisor: "zawadi", HeaderSupervisorPIN: testPIN}); rec.Code != 200 {
		t.Fatalf("the supervisor's PIN two seconds later = %d %s", rec.Code, rec.Body)
	}
}

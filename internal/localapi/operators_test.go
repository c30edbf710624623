package localapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/offline"
)

// opsApp is the test app with the operator routes over the queue's store.
type opsApp struct {
	*app
	ops *offline.Operators
}

func (a opsApp) OperatorStore() OperatorStore { return a.ops }

// The operators' routes: an admin by credentials (the admin group) lists, adds,
// unlocks, resets a PIN, disables and enables; each change is audited with the uid the
// kernel gave. A reader is refused every one, even with a supervisor's right PIN; an
// outsider too; and nothing changes.
func TestOperatorRoutes(t *testing.T) {
	q := testQueue(t)
	s, _ := roleServer(t, q, Limits{}, nil)
	ops := q.Operators(cheapPINs)
	h := s.Handler(opsApp{app: &app{QueueBackend: QueueBackend{Q: q}}, ops: ops})
	for range 5 { // amina locks herself out
		ops.SignIn("amina", "999000")
	}
	sup := map[string]string{HeaderSupervisor: "zawadi", HeaderSupervisorPIN: testPIN}
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/operators", AddOperatorRequest{ID: "kofi", Role: "operator", PIN: "580362"}},
		{"POST", "/v1/operators/amina/unlock", nil},
		{"POST", "/v1/operators/amina/reset-pin", PINRequest{PIN: "580362"}},
		{"POST", "/v1/operators/amina/disable", nil},
		{"POST", "/v1/operators/amina/enable", nil},
	} {
		for _, who := range []struct {
			name string
			p    Peer
			hdr  map[string]string
		}{{"reader", reader, nil}, {"reader with a supervisor's PIN", reader, sup}, {"outsider", outsider, nil}} {
			if rec := asPeer(h, who.p, tc.method, tc.path, tc.body, who.hdr); rec.Code != http.StatusForbidden {
				t.Errorf("%s: %s %s = %d %s, want 403", who.name, tc.method, tc.path, rec.Code, rec.Body)
			}
		}
	}
	if rec := asPeer(h, reader, "GET", "/v1/operators", nil, nil); rec.Code != http.StatusForbidden {
		t.Errorf("reader lists the operators: %d", rec.Code)
	}
	if l, _ := ops.List(); len(l) != 2 {
		t.Fatalf("operators after the refusals: %+v", l)
	}
	if o, _ := ops.Get("amina"); o.LockRemaining == 0 {
		t.Fatalf("a refused unlock lifted the lock: %+v", o)
	}

	// The admin group: every change, audited with the uid.
	for _, tc := range []struct {
		path string
		body any
		kind string
	}{
		{"/v1/operators", AddOperatorRequest{ID: "kofi", Name: "Kofi M.", Role: "supervisor", PIN: "580362"}, offline.AuditOperatorAdded},
		{"/v1/operators/amina/unlock", nil, offline.AuditOperatorUnlocked},
		{"/v1/operators/amina/reset-pin", PINRequest{PIN: "630971"}, offline.AuditPINReset},
		{"/v1/operators/amina/disable", nil, offline.AuditOperatorDisabled},
		{"/v1/operators/amina/enable", nil, offline.AuditOperatorEnabled},
	} {
		if rec := asPeer(h, adminPeer, "POST", tc.path, tc.body, nil); rec.Code != 200 {
			t.Fatalf("admin %s = %d %s", tc.path, rec.Code, rec.Body)
		}
		evs, _ := q.Audit(offline.AuditFilter{Kind: tc.kind})
		if tc.kind == offline.AuditOperatorAdded {
			evs = evs[2:] // zawadi and amina were added by the test itself
		}
		if len(evs) != 1 || !strings.Contains(evs[0].Detail, "uid 1001") {
			t.Errorf("%s audited as %+v, want by uid 1001", tc.path, evs)
		}
	}
	if _, err := ops.SignIn("amina", "630971"); err != nil {
		t.Fatalf("amina with the PIN the admin set: %v", err)
	}
	rec := asPeer(h, adminPeer, "GET", "/v1/operators", nil, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"kofi"`) || strings.Contains(rec.Body.String(), "pin") && strings.Contains(rec.Body.String(), "argon2") {
		t.Fatalf("admin list = %d %s", rec.Code, rec.Body)
	}
	// Refusals in words with their codes: a weak PIN, an existing id, the last supervisor.
	for _, tc := range []struct {
		path, code string
		body       any
	}{
		{"/v1/operators/amina/reset-pin", "weak_pin", PINRequest{PIN: "111111"}},
		{"/v1/operators", "operator_exists", AddOperatorRequest{ID: "kofi", Role: "operator", PIN: "580362"}},
		{"/v1/operators/nobody/unlock", "operator_not_found", nil},
	} {
		if rec := asPeer(h, adminPeer, "POST", tc.path, tc.body, nil); rec.Code/100 != 4 || !strings.Contains(rec.Body.String(), tc.code) {
			t.Errorf("%s = %d %s, want code %s", tc.path, rec.Code, rec.Body, tc.code)
		}
	}
	asPeer(h, adminPeer, "POST", "/v1/operators/kofi/disable", nil, nil)
	if rec := asPeer(h, adminPeer, "POST", "/v1/operators/zawadi/disable", nil, nil); rec.Code != 409 || !strings.Contains(rec.Body.String(), "last_supervisor") {
		t.Errorf("disabling the last supervisor = %d %s", rec.Code, rec.Body)
	}
}

// Through the socket, root (this test) uses the client's operator calls, and the
// errors match offline's sentinels.
func TestOperatorClient(t *testing.T) {
	q := testQueue(t)
	ops := q.Operators(cheapPINs)
	if _, err := ops.Add(offline.NewOperator{ID: "zawadi", Role: offline.RoleSupervisor, PIN: testPIN}); err != nil {
		t.Fatal(err)
	}
	s, _ := serve(t, t.TempDir(), Options{}, opsApp{app: &app{QueueBackend: QueueBackend{Q: q}}, ops: ops})
	ctx := context.Background()
	c, err := Dial(ctx, s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AddOperator(ctx, AddOperatorRequest{ID: "amina", Name: "Amina D.", Role: "operator", PIN: "580362"}); err != nil {
		t.Fatal(err)
	}
	l, err := c.Operators(ctx)
	if err != nil || len(l) != 2 || l[0].ID != "amina" {
		t.Fatalf("Operators = %+v, %v", l, err)
	}
	if _, err := c.ChangeOperator(ctx, "amina", "reset-pin", "123456"); !errors.Is(err, offline.ErrWeakPIN) {
		t.Fatalf("a weak PIN = %v, want ErrWeakPIN", err)
	}
	if _, err := c.ChangeOperator(ctx, "nobody", "unlock", ""); !errors.Is(err, offline.ErrOperatorNotFound) {
		t.Fatalf("an unknown operator = %v", err)
	}
	if o, err := c.ChangeOperator(ctx, "amina", "disable", ""); err != nil || !o.Disabled {
		t.Fatalf("disable = %+v, %v", o, err)
	}
	if _, err := c.ChangeOperator(ctx, "amina", "rename", ""); err == nil {
		t.Fatal("an unknown action was sent")
	}
}

package localapi

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"slices"
	"strconv"

	"github.com/smartselfie/kiosk-agent/offline"
)

// Role is what a caller of the local API may do. The kiosk decides it from the
// credentials the kernel recorded for the connection (Peer), never from anything the
// client sends; a supervisor's PIN, checked by the kiosk, raises a reader to RoleAdmin
// for one request.
type Role int

const (
	// RoleNone: neither root nor in the kiosk's groups; refused.
	RoleNone Role = iota
	// RoleReader: the socket's group (local_api.group): status, queue list and show,
	// audit without a customer id, sync status, and wake-ups within the rate limit.
	RoleReader
	// RoleAdmin: root, the kiosk's own user, the admin group (local_api.admin_group),
	// or a reader with a supervisor's PIN: everything, retry, purge, retention,
	// lifting a sending halt, operators included.
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleReader:
		return "reader"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// Roles decides a peer's role.
type Roles struct {
	// ReadGID is the socket's group (readers); AdminGID the admin group, when
	// HasAdmin (a machine without the group has no admin but root and SelfUID).
	ReadGID  uint32
	AdminGID uint32
	HasAdmin bool
	// SelfUID is the kiosk's own user: it owns the data folder and could change the
	// queue's files anyway, so it is an admin (make demo, a developer's kiosk).
	SelfUID uint32
}

// RoleOf returns what p may do.
func (rs Roles) RoleOf(p Peer) Role {
	in := func(gid uint32) bool { return p.GID == gid || slices.Contains(p.Groups, gid) }
	switch {
	case p.UID == 0, p.UID == rs.SelfUID, rs.HasAdmin && in(rs.AdminGID):
		return RoleAdmin
	case in(rs.ReadGID):
		return RoleReader
	}
	return RoleNone
}

// Actor is who makes a change, as the kiosk established it: what the audit log
// records as "operator" (Actor.String), never a name the client typed.
type Actor struct {
	// UID and User are the caller's user (User looked up by the kiosk; "" when no
	// account has that uid). Screen is set instead for the kiosk's own screens.
	UID    uint32 `json:"uid"`
	User   string `json:"user,omitempty"`
	Screen bool   `json:"screen,omitempty"`
	// Role is the role the request was served with.
	Role Role `json:"role"`
	// Operator is an operator whose PIN the kiosk checked: a supervisor who
	// authorized the request, or the operator signed in on the screen.
	Operator string `json:"operator,omitempty"`
}

// String is the audit log's "operator" of a change: "zawadi (supervisor PIN; alice,
// uid 1001)", "alice (uid 1001)", or the screen's operator id.
func (a Actor) String() string {
	if a.Screen {
		return a.Operator
	}
	uid := "uid " + strconv.FormatUint(uint64(a.UID), 10)
	switch {
	case a.Operator != "" && a.User != "":
		return fmt.Sprintf("%s (supervisor PIN; %s, %s)", a.Operator, a.User, uid)
	case a.Operator != "":
		return fmt.Sprintf("%s (supervisor PIN; %s)", a.Operator, uid)
	case a.User != "":
		return fmt.Sprintf("%s (%s)", a.User, uid)
	}
	return uid
}

// ScreenActor is the operator signed in on the kiosk's own screen (the PIN was
// checked at sign-in).
func ScreenActor(operator string) Actor {
	return Actor{Screen: true, Role: RoleAdmin, Operator: operator}
}

// ProcessActor is this process's user, from its real uid (never SUDO_USER or any
// other variable a caller sets): kioskctl acting on the queue file itself.
func ProcessActor() Actor {
	uid := uint32(os.Getuid())
	return Actor{UID: uid, User: userName(uid), Role: RoleAdmin}
}

// userName looks a uid up ("" when no account has it).
func userName(uid uint32) string {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return ""
	}
	return u.Username
}

type actorKey struct{}

// WithActor returns ctx carrying a, for the Backend's changes (the server does it
// for each request; the kiosk's screens and kioskctl on the file do it themselves).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// actorOf is who made a change: the audit's "operator". A change without an actor is
// refused (fail closed: every door into the queue sets one).
func actorOf(ctx context.Context, what string) (string, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return "", fmt.Errorf("%w: %s: nobody is named as the one who does it", ErrForbidden, what)
	}
	if a.Role < RoleAdmin {
		return "", fmt.Errorf("%w: %s needs root, the admin group or a supervisor's PIN", ErrForbidden, what)
	}
	return a.String(), nil
}

// Supervisors checks a supervisor's PIN for one action; *offline.Operators does
// (wrong PINs count toward the operator's lockout, and the check is audited).
type Supervisors interface {
	Authorize(id, pin string, need offline.Role, action string) (offline.Operator, error)
}

// The headers that carry a supervisor's id and PIN (kioskctl --operator-id, the PIN
// asked on the terminal or read with --pin-stdin). The kiosk never logs them.
const (
	HeaderSupervisor    = "X-Kiosk-Supervisor"
	HeaderSupervisorPIN = "X-Kiosk-Supervisor-Pin"
)

// readRoutes are the routes a reader may use (the mux's patterns). Every other route
// needs RoleAdmin: a route added without a line here is admin-only (fail closed).
// POST /v1/audit with a customer id, and POST /v1/sync lifting a halt or beyond the
// wake-up rate, are checked again by their handlers.
var readRoutes = map[string]bool{
	"GET /v1/status":    true,
	"GET /v1/jobs":      true,
	"GET /v1/jobs/{id}": true,
	"POST /v1/audit":    true,
	"GET /v1/sync":      true,
	"POST /v1/sync":     true,
	// The metric snapshots hold no customer's or operator's data (internal/metrics).
	"GET /v1/metrics/snapshots": true,
}

// RouteRole is the role a route (a mux pattern, e.g. "POST /v1/jobs/{id}/retry")
// needs.
func RouteRole(pattern string) Role {
	if readRoutes[pattern] {
		return RoleReader
	}
	return RoleAdmin
}

// needAdmin refuses a request whose actor is not an admin (for the handlers' own
// checks: audit by customer id, lifting a halt).
func needAdmin(r *http.Request, what string) error {
	if a, ok := ActorFrom(r.Context()); ok && a.Role >= RoleAdmin {
		return nil
	}
	return fmt.Errorf("%w: %s needs root, the admin group or a supervisor's PIN (--operator-id ID; the PIN is asked)", ErrForbidden, what)
}

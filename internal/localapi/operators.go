package localapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/smartselfie/kiosk-agent/offline"
)

// This file is the operators' part of the local API: kioskctl operator list, add,
// unlock, reset-pin, disable and enable while the kiosk runs (it holds the queue
// database where the operators are kept).
//
// ADMIN-ONLY MUTATIONS. Every route here needs RoleAdmin (none is in readRoutes), and
// the ones in credentialRoutes need it from the caller's own credentials: root, the
// kiosk's own user or the admin group (local_api.admin_group). A reader raised by a
// supervisor's PIN is refused there: whoever manages operators must be an
// administrator of the machine, not someone who learnt a supervisor's PIN. The audit
// log names the caller as the kiosk established them (Actor).

// OperatorStore is the operator store as the local API changes it; *offline.Operators
// is one (the app wraps it to end the session of an operator it disables).
type OperatorStore interface {
	List() ([]offline.Operator, error)
	Add(n offline.NewOperator) (offline.Operator, error)
	Unlock(id, by string) (offline.Operator, error)
	ResetPIN(id, pin, by string) (offline.Operator, error)
	Disable(id, by string) (offline.Operator, error)
	Enable(id, by string) (offline.Operator, error)
}

// OperatorBackend is a Backend that also serves the operators' routes; without it they
// answer that this kiosk does not.
type OperatorBackend interface {
	OperatorStore() OperatorStore
}

// AddOperatorRequest is offline.NewOperator on the wire (the PIN in the body of a
// request on the unix socket: never in a URL, never logged).
type AddOperatorRequest struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Role string `json:"role"`
	PIN  string `json:"pin"`
}

// PINRequest carries a new PIN (reset-pin).
type PINRequest struct {
	PIN string `json:"pin"`
}

// OperatorList is what `kioskctl operator list --json` prints.
type OperatorList struct {
	Operators []offline.Operator `json:"operators"`
}

// credentialRoutes need RoleAdmin from the caller's credentials themselves (see the
// file's comment): the operators' changes.
var credentialRoutes = map[string]bool{
	"POST /v1/operators":                true,
	"POST /v1/operators/{id}/unlock":    true,
	"POST /v1/operators/{id}/reset-pin": true,
	"POST /v1/operators/{id}/disable":   true,
	"POST /v1/operators/{id}/enable":    true,
}

// CredentialsOnly reports whether route needs an administrator by credentials (root,
// the kiosk's user, the admin group), a supervisor's PIN not being enough.
func CredentialsOnly(route string) bool { return credentialRoutes[route] }

// operatorRoutes adds the operators' routes to the API's mux (through h).
func operatorRoutes(h func(pattern string, fn func(r *http.Request) (any, error)), b Backend) {
	store := func(r *http.Request, what string) (OperatorStore, string, error) {
		ob, ok := b.(OperatorBackend)
		if !ok || ob.OperatorStore() == nil {
			return nil, "", fmt.Errorf("%w: this kiosk does not manage operators through its socket", ErrForbidden)
		}
		if r.Method == http.MethodGet {
			return ob.OperatorStore(), "", nil
		}
		by, err := actorOf(r.Context(), what)
		return ob.OperatorStore(), by, err
	}
	h("GET /v1/operators", func(r *http.Request) (any, error) {
		ops, _, err := store(r, "")
		if err != nil {
			return nil, err
		}
		l, err := ops.List()
		if l == nil {
			l = []offline.Operator{}
		}
		return OperatorList{Operators: l}, err
	})
	h("POST /v1/operators", func(r *http.Request) (any, error) {
		var req AddOperatorRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		ops, by, err := store(r, "adding an operator")
		if err != nil {
			return nil, err
		}
		role, err := offline.ParseRole(req.Role)
		if err != nil {
			return nil, err
		}
		return ops.Add(offline.NewOperator{ID: req.ID, Name: req.Name, Role: role, PIN: req.PIN, By: by})
	})
	change := func(action, what string, fn func(ops OperatorStore, id, by string, r *http.Request) (offline.Operator, error)) {
		h("POST /v1/operators/{id}/"+action, func(r *http.Request) (any, error) {
			ops, by, err := store(r, what)
			if err != nil {
				return nil, err
			}
			return fn(ops, r.PathValue("id"), by, r)
		})
	}
	change("unlock", "unlocking an operator", func(ops OperatorStore, id, by string, _ *http.Request) (offline.Operator, error) {
		return ops.Unlock(id, by)
	})
	change("reset-pin", "setting an operator's PIN", func(ops OperatorStore, id, by string, r *http.Request) (offline.Operator, error) {
		var req PINRequest
		if err := decode(r, &req); err != nil {
			return offline.Operator{}, err
		}
		return ops.ResetPIN(id, req.PIN, by)
	})
	change("disable", "disabling an operator", func(ops OperatorStore, id, by string, _ *http.Request) (offline.Operator, error) {
		return ops.Disable(id, by)
	})
	change("enable", "enabling an operator", func(ops OperatorStore, id, by string, _ *http.Request) (offline.Operator, error) {
		return ops.Enable(id, by)
	})
}

// Operators lists the kiosk's operators (disabled ones included).
func (c *Client) Operators(ctx context.Context) ([]offline.Operator, error) {
	var l OperatorList
	err := c.do(ctx, http.MethodGet, "/v1/operators", nil, &l)
	return l.Operators, err
}

// AddOperator adds an operator.
func (c *Client) AddOperator(ctx context.Context, r AddOperatorRequest) (offline.Operator, error) {
	var o offline.Operator
	return o, c.do(ctx, http.MethodPost, "/v1/operators", r, &o)
}

// ChangeOperator applies action (unlock, reset-pin, disable, enable) to operator id;
// pin is the new PIN of reset-pin.
func (c *Client) ChangeOperator(ctx context.Context, id, action, pin string) (offline.Operator, error) {
	var in any
	if action == "reset-pin" {
		in = PINRequest{PIN: pin}
	}
	switch action {
	case "unlock", "reset-pin", "disable", "enable":
	default:
		return offline.Operator{}, fmt.Errorf("changing operator %s: unknown action %q (unlock, reset-pin, disable, enable)", id, action)
	}
	var o offline.Operator
	return o, c.do(ctx, http.MethodPost, "/v1/operators/"+url.PathEscape(strings.TrimSpace(id))+"/"+action, in, &o)
}

// Package localapi lets kioskctl talk to the running kiosk, which holds queue.db
// open, the way tailscale talks to tailscaled: JSON over HTTP on a unix socket
// (DefaultSocket, /run/kiosk-agent/kiosk.sock), never on the network.
//
// # Who may use it
//
// The socket file has mode 0660 and the kiosk's group as group owner
// (Options.Group, by name or number), so the kernel refuses anyone else at connect.
// Each connection is also checked with the credentials the kernel recorded when it
// connected (SO_PEERCRED for the uid and primary gid, SO_PEERGROUPS for the
// supplementary groups), which decide the caller's Role (Roles.RoleOf): root, the
// kiosk's own user and Options.AdminGroup are RoleAdmin; the socket's group is
// RoleReader; anyone else gets 403 with a sentence saying how to join the group, and
// the refusal is logged. A reader becomes RoleAdmin for one request with a
// supervisor's id and PIN (HeaderSupervisor, HeaderSupervisorPIN; Client.Supervisor),
// which the server checks with Options.Supervisors (wrong PINs count toward the
// lockout). RouteRole says what each route needs: the reads are listed, every other
// route is admin-only (fail closed). The handlers check again what depends on the body
// (an audit search by customer id, lifting a halt).
//
// The Backend's changes record who made them from the request's Actor (ActorFrom;
// Actor.String: "alice (uid 1001)", "zawadi (supervisor PIN; alice, uid 1001)"),
// never a name the client sent; a change with no admin Actor in its context is
// refused. Callers outside the server set one with WithActor (ScreenActor for the
// kiosk's screens, ProcessActor for kioskctl on the file).
//
// One middleware (Server.Handler) is the one place where a request's route, caller
// and status are known; Options.Observe receives route and status.
//
// # Limits
//
// Limits (DefaultLimits) bound the clients: connections per user and in total (root
// has its own share), answered 503 with the reason beyond them, once the request is
// read (an answer written before it is dropped by the client's HTTP transport, or
// meets a broken pipe), then closed; at most 4 such wait for their request at once
// (HeaderTimeout), beyond that they are answered at once; header, body,
// write and idle timeouts; the supervisor's PIN checks per user (argon2id is heavy);
// the readers' request rate (429 beyond it) and how many of
// their requests are served at once.
//
// # The socket file
//
// Listen refuses a socket folder that is a symbolic link, belongs to someone other
// than root or the kiosk's user, or that group or others may write in. It binds the
// socket in a private folder, sets its group and mode there and renames it into
// place, so no chown or chmod follows a link; Close removes it only while it is still
// the file Listen made.
//
// # Endpoints
//
//	GET  /v1/status                 Status (sync summary, jobs by state, kiosk id, operator, training)
//	GET  /v1/jobs[?state=STATE]     JobList (kioskctl queue list --json)
//	GET  /v1/jobs/{id}              JobDetail (kioskctl queue show --json)
//	POST /v1/jobs/{id}/retry        RetryRequest → offline.Entry
//	POST /v1/jobs/{id}/purge        PurgeRequest → offline.Entry
//	POST /v1/purge                  retention now → offline.SweepReport
//	POST /v1/audit                  AuditQuery → []offline.AuditEvent (a POST, so a
//	                                customer id searched for is never in a URL)
//	GET  /v1/sync                   uploader.Status
//	POST /v1/sync                   SyncRequest → uploader.Status (wakes the engine; returns at once)
//	GET  /v1/operators              OperatorList (kioskctl operator list --json)
//	POST /v1/operators              AddOperatorRequest → offline.Operator
//	POST /v1/operators/{id}/unlock|reset-pin|disable|enable   (PINRequest) → offline.Operator
//
// The operators' routes (operators.go) are admin-only mutations, served when the
// Backend is also an OperatorBackend; their changes need an administrator by
// credentials (CredentialsOnly: root, the kiosk's user, the admin group): a supervisor's
// PIN does not raise a reader for them.
//
// Errors are JSON {"error": sentence, "code": code}; the client turns them into an
// *Error that errors.Is matches against offline's sentinels (ErrNotFound,
// ErrBadTransition, ErrImagesPurged, ErrQuarantined, the operators' ErrOperatorNotFound,
// ErrOperatorExists, ErrLastSupervisor, ErrWeakPIN, ErrBadOperator, ...) ErrForbidden,
// ErrTooMany and ErrBusy.
//
// # The app's side
//
// The app implements Backend (QueueBackend serves the queue's part from an open
// *offline.Queue) and runs:
//
//	s, err := localapi.Listen(localapi.Options{Path: path, Group: "kiosk", AdminGroup: "kiosk-admin",
//		Supervisors: queue.Operators(offline.OperatorOptions{}), Logger: log})
//	go s.Serve(ctx, backend) // returns when ctx ends; removes the socket
//
// Listen removes a socket file left by a kiosk that died (nothing accepts on it)
// and refuses to start when a live kiosk serves it (ErrRunning). It never removes a
// file that is not a socket.
//
// # kioskctl's side
//
//	c, err := localapi.Dial(ctx, path)
//	if errors.Is(err, localapi.ErrNoKiosk) { /* open queue.db: QueueBackend{Q: q} */ }
//
// Dial fails at once (ErrNoKiosk) when the socket is absent or refuses, so kioskctl
// falls back to the file; DescribeJob and QueueBackend are shared by both paths so
// that the output is the same either way. Client implements Backend.
package localapi

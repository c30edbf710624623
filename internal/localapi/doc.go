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
// supplementary groups): only root and members of the group are served; anyone else
// gets 403 with a sentence saying how to join the group, and the refusal is logged.
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
//
// Errors are JSON {"error": sentence, "code": code}; the client turns them into an
// *Error that errors.Is matches against offline's sentinels (ErrNotFound,
// ErrBadTransition, ErrImagesPurged, ErrQuarantined, ...) and ErrForbidden.
//
// # The app's side
//
// The app implements Backend (QueueBackend serves the queue's part from an open
// *offline.Queue) and runs:
//
//	s, err := localapi.Listen(localapi.Options{Path: path, Group: "kiosk", Logger: log})
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

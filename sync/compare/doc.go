// Package compare speaks the SmartSelfie Compare wire contract
// (POST {base}/v2/smart-selfie-compare, see docs/compare-api.md): it signs requests,
// builds the multipart body, sends it and turns the answer into a typed Result or a
// typed *Error whose Class tells the caller what to do next.
//
// # The request
//
// A Request carries a job.Job (internal/job: the contract's types, limits and the one
// Validate); Submit refuses, before sending, a job that job.Job.ValidateSend refuses
// (ClassPermanent, errors.Is ErrInvalidRequest). The body streams the job's images from
// memory without copying them.
//
// # Signing
//
// Every request carries SmileID-Partner-ID, SmileID-Timestamp (UTC, layout
// 2006-01-02T15:04:05.000Z) and SmileID-Request-Signature = base64(HMAC-SHA256(key,
// timestamp + partner_id + "sid_request")). The signature is computed when the request is
// sent (Client.Submit asks its Signer each time), never stored with a job.
//
// Two Signers exist:
//
//   - KeySigner holds the API key in memory, read from a file that must not be group- or
//     world-readable (LoadKeySigner) or from an environment variable (KeySignerFromEnv).
//     The key is never logged, printed or put in an error.
//   - RemoteSigner keeps the key on the partner's backend, the way Smile ID's own mobile
//     SDKs do.
//
// # The RemoteSigner protocol
//
// The kiosk sends
//
//	POST <signer URL>
//	Authorization: Bearer <token>
//	Content-Type: application/json
//
//	{"partner_id":"0001"}
//
// and the backend answers 200 with
//
//	{"timestamp":"2026-11-25T22:19:36.123Z","signature":"<base64 HMAC-SHA256>"}
//
// where signature is computed over timestamp + partner_id + "sid_request" with the
// partner's API key, exactly as a KeySigner would. Any other status is an error (401/403:
// the token is wrong, a halt-class problem; a redirect, which is never followed, another
// 4xx but 408 and 429 (a wrong path in signer_url, a proxy), or a certificate not
// trusted: halt; other statuses: retry later). The timestamp
// must be fresh: the compare API rejects one more than 15 minutes from its clock (2205).
// The kiosk asks for a new pair for every request and keeps none. RemoteSigner.Sign uses
// the time the client passes (its injected clock) to read an HTTP-date Retry-After.
//
// # Transport rules
//
// They hold for api_url and for signer_url alike (both carry secrets: the signature
// headers, the user id and the photos; the signer's bearer token):
//
//   - https:// is required, except http:// to a loopback host (127.0.0.0/8, ::1,
//     localhost) such as a local sandbox. Plain http:// to any other host is refused
//     by New and SignerConfig.Signer (and by RemoteSigner.Sign, a halt) unless
//     allow_insecure_http (Options.AllowInsecureHTTP) is set; New then logs a warning
//     at start-up naming the host.
//   - Certificates are always verified, TLS 1.2 at least; ca_file, when set, is the only
//     trusted root for both the API and the remote signer (pinning). A certificate that
//     does not verify halts sending.
//   - Redirects are never followed, by the client or the remote signer: following one
//     would re-send the images or the token elsewhere.
//   - Messages and logs name a URL by its scheme and host only, never its path or query.
//   - A job marked training (job.Job.Training) goes only to this machine: Submit
//     refuses it (ClassPermanent, ErrTrainingProduction) unless the base URL's host is
//     a loopback IP literal or "localhost" and its callback URL's host a loopback IP
//     literal, and sends it through a transport of its own with no proxy whose dialer
//     refuses any address that is not loopback, checked after name resolution
//     (net.Dialer.Control) and on the connected peer. Every sender shares the client,
//     so no config, retry or tool sends a practice job to production.
//   - Each submission has an overall deadline, Options.AttemptTimeout (config key
//     compare.attempt_timeout, default 10 minutes), besides the connect, header and stall
//     timeouts: a server trickling its answer a byte at a time re-arms the stall watchdog
//     but not the deadline (ErrAttemptTimeout, retry).
//
// # Errors
//
// Submit returns *Error for every failure, network ones included. Its Class is one of
// ClassRetry (network, 5xx, 408, 429, 2201, 2210: try again later, honouring RetryAfter),
// ClassPermanent (this job cannot succeed as it is: 2204, 2413, an error answer 0001,
// other contract codes on a 4xx), ClassHalt (2205, 2214, 2220, a redirect or a 4xx
// without a contract code, or a server certificate that the client does not trust: stop
// all sending and alert the operator: the problem is the kiosk's configuration, network
// or clock),
// ClassOperator (2209: the user is already enrolled; only an operator may re-send with
// allow_new_enroll) and ClassReconcile (2215: the job reached the server before; never
// resend it under a new id). errors.Is(err, ErrRetry) and friends test the class.
//
// An answer other than 200 without a contract code (four digits) did not come from the
// API's handler: a redirect (a captive portal, a proxy login, http→https), a 404 (a
// wrong path in api_url) or any other 4xx but 408 and 429 is ClassHalt, with a message
// that names the cause, so the jobs stay queued; a 5xx, 408 or 429 is ClassRetry, and so
// is another 1xx or 2xx (the job's fate is unknown; a resend that reached the server
// answers 2215).
//
// # Checking the key without enrolling anyone
//
// Client.CheckAuth sends one signed POST to the endpoint whose multipart form holds no
// field (kioskctl doctor's API check). The server judges the headers before the form,
// so 2413 (or 2204) means the signature, partner and account were accepted, while 2205,
// 2214 and 2220 are refusals; without job_id, user_id or images the request can create
// no job and enroll nobody. It returns the answer's code, status and Date (for the clock
// check), through the same transport and signer as Submit.
//
// # Caveats
//
// The client does not retry by itself: the caller (the uploader) owns backoff and
// persistence. It remembers the server's Date header of the last answer so clock skew can
// be reported (Client.ClockSkew); a skew near 15 minutes explains 2205 answers.
package compare

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
// the token is wrong, a halt-class problem; other statuses: retry later). The timestamp
// must be fresh: the compare API rejects one more than 15 minutes from its clock (2205).
// The kiosk asks for a new pair for every request and keeps none. RemoteSigner.Sign uses
// the time the client passes (its injected clock) to read an HTTP-date Retry-After.
//
// # Errors
//
// Submit returns *Error for every failure, network ones included. Its Class is one of
// ClassRetry (network, 5xx, 408, 429, 2201, 2210: try again later, honouring RetryAfter),
// ClassPermanent (this job cannot succeed as it is: 2204, 2413, an error answer 0001,
// other 4xx), ClassHalt (2205, 2214, 2220, or a server certificate that the client does
// not trust: stop all sending and alert the operator: the problem is the kiosk's
// configuration or clock),
// ClassOperator (2209: the user is already enrolled; only an operator may re-send with
// allow_new_enroll) and ClassReconcile (2215: the job reached the server before; never
// resend it under a new id). errors.Is(err, ErrRetry) and friends test the class.
//
// # Caveats
//
// The client does not retry by itself: the caller (the uploader) owns backoff and
// persistence. It remembers the server's Date header of the last answer so clock skew can
// be reported (Client.ClockSkew); a skew near 15 minutes explains 2205 answers.
package compare

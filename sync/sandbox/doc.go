// Package sandbox is a local server of the SmartSelfie Compare API
// (POST /v2/smart-selfie-compare, see docs/compare-api.md) that behaves like the real one:
// header authentication with a ±15 minute timestamp window, every validation and result
// code of the contract with its error bodies, job ids unique per partner (2215), enrolled
// users remembered (2209 unless allow_new_enroll), callbacks after the answer, and real
// face matching through an Analyzer (EngineAnalyzer wraps package inference).
//
// It is for the demo, for training operators and for every end-to-end test; it is not a
// production service.
//
// State (jobs per partner, enrolled users, submission counts) lives in one bbolt file, so
// a restart keeps it. Analyses run on a bounded pool of workers; when every worker is busy
// and too many requests wait, the answer is 503 with code 2210 and Retry-After.
//
// # Memory bound
//
// A request body is admitted before a byte of it is read, for its Content-Length (or
// Options.MaxBodyBytes when none is declared), against Options.MaxBodyMemory (default
// (Workers+2) × MaxBodyBytes: 80 MiB on 2 CPUs with the 20 MiB body limit). The bodies
// held at once (being read, parsed and waiting for a worker, or being analysed) never
// exceed that sum; reading a part may transiently take up to about twice its size (slice
// growth). A request that does not fit waits as one that waits for a worker does (at
// most QueueTimeout, with at most MaxWaiting waiters in all), then gets 503/2210.
//
// Decoding takes memory of its own, bounded too: every decode of the process takes its
// estimate (inference.DecodeImage; CMYK at 4 bytes a pixel and its conversion copy)
// from internal/imagelimit's DecodeBudget (256 MiB) while it runs, and EngineAnalyzer
// holds the decoded images of the analyses under way within EngineOptions.MaxHeldBytes
// (DefaultMaxHeldBytes, 192 MiB, all workers together). GoMemoryBound is the sum with the
// bodies' bound and 64 MiB for the rest; LimitMemory sets the Go runtime's memory limit
// to it (compare-sandbox does, unless GOMEMLIMIT is set), so that large decodes' garbage
// is collected before it piles up (issue 19: four requests of ten CMYK images had
// reached 1.09 GB and kept 0.99 GB). BenchmarkCMYKRequestsMemory measures it.
//
// # Slow links and timeouts
//
// ReadTimeout (default 10 minutes, room for about 3 MB at 40 kbit/s) bounds the reading of
// a request. A body that does not arrive in time, or whose connection breaks, is not
// malformed: it is answered 408 with code 2201, which the client retries. Error messages
// never carry connection errors (they name socket addresses).
//
// # Security
//
//   - An unknown partner id and a wrong signature get the same 2205 answer after the same
//     work (an HMAC under a random key stands in for the unknown partner's), so partner ids
//     cannot be enumerated. A malformed timestamp is reported before the partner is looked up.
//   - job_id and user_id longer than 1024 bytes answer 400/2204 (they are keys of the state
//     file).
//   - Callbacks never follow redirects (a 3xx is a failed attempt), and failed callbacks are
//     logged with the URL's scheme and host only, never its path or query.
//   - A path other than the endpoint answers a plain 404 without a contract code (the
//     kiosk then halts sending: its api_url is wrong, not the job).
//   - AdminHandler's /jobs (which tells which job ids a partner sent) requires
//     Options.AdminToken as a bearer token, and is refused (403) while none is set; /healthz
//     is open.
//
// Decisions beyond the contract:
//   - A user is enrolled only by a job that answers 0840 (approved).
//   - 2215 is checked before 2209, so a job resent after a lost answer is told it exists.
//   - A selfie or comparison image that cannot be decoded answers 200 with code 0001.
//   - Liveness_Check (active liveness) passes when every liveness image shows exactly one
//     face of the selfie's person, no two images (nor an image and the selfie) are the same
//     picture, and the head moved between images (the spread of yaw or pitch across the
//     images reaches the engine's TurnYaw or TurnPitch): inference.Engine.ActiveLiveness with
//     no prompts, the same check the kiosk runs before it seals a job. It is reported, it
//     never changes the code.
//   - Selfie_Check is passive liveness on the selfie; reported, never changes the code.
//   - The published example's typo (a text part comparison_image="ID_PHOTO") is
//     tolerated as comparison_image_type when that field is absent.
//   - partner_params.job_id and .user_id must equal the job_id and user_id fields (2204).
//   - The order of the result checks: no usable face in the selfie → 0841 with
//     Selfie_Provided Failed; no usable face in the comparison image → 0841; identical
//     images → 0941; else 0840 or 0841 by the embedding threshold.
//
// Tests and operators see what the server received through AdminHandler (GET /jobs,
// GET /healthz; cmd/compare-sandbox serves it on --admin-addr, /jobs with the bearer token
// of --admin-token-file) or Sandbox.JobCount.
//
// Caveats: callbacks are best effort (Options.CallbackAttempts tries, 5 by default,
// Options.CallbackBackoff apart, from 1 s doubling up to 30 s; a bounded queue; dropped at
// shutdown); the submission counts (JobCount) count every authenticated, well-formed
// request that carried a job id, including those answered 2215.
package sandbox

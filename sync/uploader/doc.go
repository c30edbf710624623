// Package uploader is the sync engine: it turns the offline queue into delivered jobs and
// recorded results, without an operator touching it, never sending a job twice under two
// ids, and never burning through a broken configuration in a retry storm.
//
// The engine (Uploader) is written against two small interfaces declared here: a Queue (the
// jobs ready to send, claim, settle) and a Sender (one submission to the compare API). The
// adapters in offline.go and compare.go plug in the real offline.Queue and compare.Client;
// the tests use hand-written fakes and, end to end, the real sandbox behind a fault proxy.
//
// What it does:
//
//   - It wakes on a new job (Notify), on a change of connectivity (ConnectivityChanged), and
//     on a timer (the earliest next-attempt time of a queued job, or Options.PollInterval).
//   - It probes connectivity cheaply (a Prober: APIProber asks the API's endpoint with
//     one unsigned HEAD, compare.Client.Ping; DialProber dials its host) when Run starts,
//     on ConnectivityChanged, at each poll or backoff's end while the API is not known to
//     answer, and before sending after a network failure: Status says online or offline
//     from the start, not from the first job, and a kiosk that is offline for hours does
//     not push megabytes into a dead link.
//   - Failures back off exponentially with jitter up to a cap (Backoff, shaped like
//     BackOff(ctx, err) with nil resetting); a server's Retry-After is honoured (up to
//     Options.MaxRetryAfter). Each job also keeps its own next-attempt time, so one job the
//     server keeps failing does not hold the others back.
//   - It sends Options.InFlight jobs at a time (1 or 2; default 2), but only one until the
//     server has accepted the configuration (any answer but a halt) since start-up or the
//     last configuration change, so a wrong key costs exactly one request.
//
// What it does with each answer (the error classes of the compare client):
//
//   - 0840, 0841, 0941: done, with the result stored.
//   - 2204, 2413 and other permanent answers: failed for good, with the server's reason.
//   - 2205, 2214, 2220, and an answer that is not the API's: a redirect (a captive portal,
//     a proxy login, http→https; never followed), a 404 (a wrong path in api_url) or another
//     4xx without a contract code: halt. The job goes to held, nothing more is sent, and ONE alert
//     (EventHalted) says why; for 2205 it also says when the server's Date differs from the
//     kiosk's clock by more than Options.SkewTolerance, with the measured difference
//     (Halt.Cause is its stable code, for internal/messages' "alert.halt." sentences). The
//     halt is remembered (StateStore) with a fingerprint of the configuration (Options.ConfigID)
//     and lifts only when the configuration changes (Reconfigure) or an operator asks (Resume);
//     then held jobs go back to the queue.
//   - 2209: needs-operator (the operator may re-send it with allow_new_enroll).
//   - 2215: the job reached the server before (e.g. a lost response): it is marked delivered
//     with its result unknown (Result.Unknown), never re-sent under a new job id.
//   - Network errors, timeouts (including the client's attempt deadline), 5xx, 408, 429
//     and 2201/2210: back to the queue with a next-attempt
//     time; the connection is probed before the next attempt when the failure was a network one.
//
// A crash mid-upload leaves the job in `sending`; the queue puts it back to `queued` when it
// is opened again, the engine sends it again with the same job id, and the server's job id
// check (2215) makes that safe: the job ends delivered once.
//
// Progress events (job, bytes sent, bytes total) are throttled to about fifty per job. A
// settled attempt's event carries the server's code (Event.Code: the result's or the
// error's; empty when no answer came back), which the kiosk's metrics count. Events
// are delivered synchronously to Options.OnEvent, which must not block. Status summarises
// connectivity, queue counts, jobs in flight, last success, last error and the halt.
//
// Wiring (internal/app):
//
//	q, _ := offline.Open(dir, offline.Options{Clock: clk})
//	c, _ := compare.New(opts)
//	u := uploader.New(uploader.OfflineQueue{Q: q},
//		uploader.CompareSender{Client: c, CallbackURL: cfg.Sync.CallbackURL},
//		cfg.Sync.Apply(uploader.Options{Clock: clk, Logger: log, OnEvent: ui.Post,
//			Prober: prober, ConfigID: fingerprint,
//			State: uploader.FileState{Path: filepath.Join(dir, uploader.StateFile)}}))
//	go uploader.OfflineQueue{Q: q}.Watch(ctx, u.Notify) // wake on new jobs
//	go u.Run(ctx)
//	// on a config reload: u.Reconfigure(newSender, newFingerprint)
//	// on a network change: u.ConnectivityChanged(); for the status screen: u.Status(ctx)
//
// The state file keeps the halt (written at once and synced) and the last success and error
// (written at most once a second, and when Run or Drain ends).
//
// Caveats: the engine never logs customer data; it logs job ids (generated, not customer
// ids) and server codes. Drain and Run may not run at the same time on one Uploader.
package uploader

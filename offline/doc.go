// Package offline is the kiosk's durable job queue: every enrollment the operator was
// told is saved is sealed into a bbolt database in the data dir and kept, unread by
// anyone who takes the disk, until it is delivered; then its images are deleted.
//
// # Files in the data dir
//
//   - device.sealed (0600; with a key protector, Options.Protector): the device's
//     keys sealed by the protector (offline/protector: a TPM 2.0, or a systemd
//     credential), and in clear only the protector's name, the device fingerprint
//     and the id of the key-encryption key. The sealed secret is the 32-byte device
//     secret (from which derive the ed25519 signing seed, the HMAC key of the
//     user-id hashes and the key that wraps the PIN hashes) and a random 32-byte
//     key-encryption key (KEK) that wraps each job's data key. A copy of the data
//     folder opens only where the protector unseals: the same TPM, or the same
//     credential; elsewhere Open fails with ErrWrongDeviceKey (wrapping
//     protector.ErrWrongMachine) and decrypts nothing. Written atomically (temp
//     file, fsync, rename, fsync of the folder); one readable by group or others is
//     refused, as device.key is (ErrDeviceKey, with the chmod).
//   - device.key (0600, the plain file, kept for development: no protector): the
//     device secret in clear; the KEK is derived from it. Losing it loses every
//     unsent job; a copy of the folder carries it. It is read, and created
//     when neither it nor a key recorded in queue.db exists, only while the database
//     lock is held; it is created exclusively (a unique temp file hard-linked into
//     place) and never replaced, so two processes opening a new data dir at once agree
//     on one key. Line ends may be LF or CRLF. CheckDeviceKey checks the file (mode,
//     format) without opening the queue (kioskctl doctor); ReadKeyStatus reports
//     either file's protector and fingerprint.
//
// # Moving the keys to a protector, and rotating the KEK
//
// A data dir with a plain device.key opened with a protector moves to it, without
// losing or re-sending a job, each step durable before the next: (1) the device
// secret, a new KEK and the old (derived) KEK are sealed into device.sealed; (2)
// every job's data key is re-wrapped from the old KEK to the new one, in
// transactions of at most 32 MiB (only the 60-byte wrapped key at the head of each
// sealed payload changes; the images are not re-encrypted); (3) queue.db records
// the protector and the KEK, and the keys are sealed again without the old KEK;
// (4) device.key is overwritten with zeros, fsynced and removed. A failure at (1)
// leaves device.key and the queue as they were; a stop later resumes at the next
// Open (a data key under either KEK opens meanwhile). RotateKEK draws a new KEK
// the same way (steps 1 to 3). The device fingerprint, the signatures and the
// user-id hashes do not change. Keys sealed with one protector are refused by
// another (the error names the one to configure); there is no way back to the
// plain file.
//
//   - queue.db: the bbolt database (buckets jobs, blobs, audit, meta, damaged, and
//     operators once one is added; metrics once the kiosk kept a metric snapshot while
//     offline: AddMetricSnapshot, a ring of at most keep, never in the job records;
//     MetricSnapshots). Every commit is fsynced (bbolt's default) before a call returns.
//
// # Sealing
//
// Enqueue takes a job.Job (internal/job), refuses it when job.Job.Validate does
// (ErrInvalidJob, with every problem), draws a fresh AES-256-GCM data key, encrypts the fields and
// images with it, wraps the data key with the device key, both with the job id and
// schema version as associated data, and signs a digest of the fields and the SHA-256
// of every image with the device's ed25519 key. No image byte is written in clear.
// Load checks the signature and decrypts before anything is sent; a job that fails
// is moved to StateQuarantined with a clear reason, never sent, and its bytes kept.
// The sealed fields are job.Job's JSON: a job sealed before internal/job existed
// loads unchanged (tested against a queue written by that code, in testdata).
//
// # States
//
// A job's State changes only through SetState (Claim, Retry and Purge are built on
// it), which checks the transition, records it with an audit event in one commit, and
// then emits an Event to subscribers:
//
//	queued → sending → done (with the Result) | failed (reason) | held (reason)
//	                 | needs-operator (reason) | queued (NextAttempt, Attempts)
//	held, needs-operator, failed → queued (Retry by an operator; held also by the uploader)
//	needs-operator → failed, and a new queued job (EnrollAgain: a 2209 answered by
//	                 sealing the same photos under a new job id with allow_new_enroll;
//	                 Entry.ReplacedBy and EnrolledAgainFrom link the two)
//	any state but done → quarantined (integrity check failed)
//
// A job found in sending when the queue opens goes back to queued.
//
// # How the uploader uses it
//
//	q, err := offline.Open(dir, offline.Options{Settings: offline.DefaultSettings(), Clock: clk, Logger: log})
//	events, stop := q.Subscribe(16)          // wake on EventEnqueued / EventState
//	for _, e := range q.Ready(0) {           // queued and due, oldest first
//		q.Claim(e.ID)                        // queued → sending
//		job, err := q.Load(e.ID)             // verify + decrypt; ErrQuarantined if it fails
//		... send ...
//		q.SetState(e.ID, offline.StateDone, offline.Update{Result: &offline.Result{...}})
//		// or StateFailed / StateHeld / StateNeedsOperator with Update{Reason: ...}
//		// or StateQueued with Update{NextAttempt: t, Attempts: n, Reason: lastErr}
//	}
//	q.NextAttempt()                          // when the next backed-off job is due
//	q.Counts()                               // status summary, from memory
//
// # Retention and limits
//
// Settings hold the limits and retention (internal/parts fills them from the config's
// "offline" section); zero fields take DefaultSettings, and day values beyond MaxDays
// (100 years) are taken as MaxDays, so none overflows a time.Duration. Images of a done
// job are deleted with the transition (or after PurgeImagesAfterMinutes, by Sweep); failed, needs-operator and quarantined jobs keep
// their images until an operator purges them or FailedImagesMaxDays pass; finished
// records are deleted after KeepResultsDays. The customer's id in full lives only in the
// sealed payload and goes with the images; the record keeps its keyed hash (UserHash,
// for the audit) and its masked form (UserMasked, MaskUserID: the last four characters)
// for the operator's screens. The audit log is never cut by age: beyond
// AuditMaxEvents (default 200000) the oldest events go, and an audit_dropped event says
// how many, which sequence numbers and which times. Ages are wall clock ages, so Sweep
// first checks the wall clock against the time that really passed since its last pass
// (internal/clock.Elapsed: boot id and CLOCK_BOOTTIME, kept in the meta bucket): a jump
// of more than MaxClockJump (1 h), forward or back, holds retention (nothing deleted,
// SweepReport.ClockHeld), is audited once (clock_jump) with an alert, and lasts until
// the clock comes back or ClockJumpHold (7 days) of running time passed, when the new
// time is taken (audited). Across a reboot the time off is unknown: a step forward made
// while off is taken, a step back is held. Sweep runs one pass;
// RunRetention runs it periodically. Enqueue refuses a job with a *LimitError
// (ErrQueueFull, ErrDiskLimit, ErrDiskFull, ErrQueueStale) whose Code (Limit*) and Args
// internal/messages turns into a sentence in the operator's language; Operator is that
// sentence in English. MaxDiskMB counts the sealed payloads still on disk (the
// bbolt file never shrinks; freed pages are reused). MinFreeDiskMB is checked with
// statfs on the data dir before each enqueue, and a write that fails with ENOSPC is
// also an ErrDiskFull.
//
// # Failures of the file
//
// A database held by another process: Open fails with ErrLocked naming the file
// (after Options.LockTimeout). A database that bbolt cannot open, or that panics while
// being read, is renamed queue.db.corrupt-TIME (never deleted), a new one is started,
// and an Alert is returned by Alerts and written to the log and audit log. A single
// job record that no longer decodes is quarantined and its bytes kept in the damaged
// bucket. bbolt has no page checksums: a page damaged later makes bbolt panic when it
// is read; the queue turns that into ErrDamaged (and quarantines the job when the damage
// is in its payload), never a crash. A device.key that does not match the database,
// or that is missing while the database records a key: ErrWrongDeviceKey (a missing
// key is not re-created).
//
// # Schema versions
//
// Each record carries a schema version (SchemaVersion, now 3). Records of versions 1
// and 2 are upgraded in the transaction that opens the queue (see upgrade.go): version
// 3 added Entry.Code, the compare API's error code of the last failure, which older
// records wrote only at the start of Reason ("2204: message"); it is read out of the
// Reason once, at the upgrade. The sealed payload is the same in versions 2 and 3.
//
// # Operators
//
// Queue.Operators returns the operator store (operators.go; a supervisor's Unlock lifts a
// lockout and keeps the PIN; Disable refuses the last enabled supervisor,
// ErrLastSupervisor), kept in the same
// database: Add, List, Get, Disable, Enable, ResetPIN, SignIn, Authorize (a PIN
// checked for one action, e.g. a supervisor opening the settings), RecordSignOut and
// RecordSessionLock. Roles are operator and supervisor. A PIN is 6 to 12 digits and
// ValidatePIN refuses the ones a stranger tries first (pinrules.go): one digit or all
// but one the same, digits in steps, numbers counted out, a short group repeated,
// lines of the keypad and pairs along one, mirrors, dates and a few well-known PINs:
// 9.3 % of the 10^6 six-digit PINs, 8.3 % of them dates (scripts/bench.d/offline.sh
// prints the count). Its *WeakPINError names the rule, in English or French. It is stored
// only as an argon2id hash in PHC form ($argon2id$v=19$m=...,t=...,p=...$salt$hash,
// a fresh 16-byte salt each time, DefaultPINParams: 64 MiB, 3 passes, 4 lanes); the
// parameters travel with the hash, so new parameters apply to new PINs and to old
// ones at their next successful sign-in. The hash is compared in constant time; an
// unknown id costs a hash too. The hash is stored wrapped (AES-256-GCM, bound to the
// operator id) by a key derived from the device secret, so a copy of queue.db
// alone gives nothing to run guesses against and a hash planted in the file signs
// no one in; plain hashes of older databases are wrapped once at Open.
//
// Lockout: the 5th wrong PIN in a row (OperatorOptions.MaxFailures) locks the
// operator for 5 minutes (LockFor), doubled for each further lock since the last
// successful sign-in, capped at 24 h (MaxLockFor); while locked the PIN is not even
// checked and SignIn returns a *LockoutError (errors.Is ErrLockedOut) with the time
// left; a wrong PIN is a *WrongPINError (ErrWrongPIN) with the tries left. The
// counters live in the operator's record, so a restart does not lift a lock; ResetPIN
// does. A lock is counted in time that really passed, not on the wall clock: the
// record keeps what is left of it (LockRemaining) at an Elapsed reading (LockMark: the
// boot id and CLOCK_BOOTTIME), moved to each attempt made during the lock. A wall clock
// step, forward or back, neither shortens nor lengthens it; a reboot, whose time off
// nobody can tell, keeps what was left at the last attempt (a lock is never shortened,
// it may last the time the kiosk was off longer).
//
// # Audit log
//
// An append-only log in the same database (an event commits with the change it
// records): enrolled, sent, result, requeued, retry, quarantined, purged,
// operator_sign_in, db_recovered, and for operators operator_sign_in_failed,
// operator_locked_out, operator_authorized, operator_sign_out,
// operator_session_locked, operator_added, operator_disabled, operator_enabled,
// operator_pin_reset (never a PIN). The enrolled event of a job sealed although a
// precheck failed says so in its detail ("forced: N precheck(s) failed"), with the
// supervisor who allowed it on the kiosk's screen (job.Prechecks.ForcedBy). The enrolled
// and enrolled_again events carry the job's capture origin (AuditEvent.CaptureOrigin:
// auto, manual, import; job.CaptureOrigin), as the job's Entry does; events and entries
// written before it existed read with none, and a value this build does not know reads
// as it is (job.CaptureOrigin.Describe shows it as unknown). Enqueue refuses a job whose
// origin is none of them (ErrInvalidJob); EnrollAgain keeps the old job's. User ids
// appear only as a keyed hash (HashUserID: HMAC-SHA256 under a key derived from the
// device key, 16 hex digits), so they cannot be guessed from a copy of the disk without
// the device key. Only the size bound removes events (Sweep), never their age;
// retention's clock checks add clock_jump events and the size bound audit_dropped.
//
// # Caveats
//
// One process at a time (bbolt's file lock). List, Ready and Counts are served from
// an in-memory copy of the entries (read at Open, updated after each commit); Get and
// Load read the file. Events are hints and are dropped for a
// subscriber whose buffer is full: re-read the queue after waking. Reasons and results
// are stored in clear; callers must not put customer data in them.
package offline

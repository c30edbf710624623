package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// DBFile is the name of the queue database in the data dir.
const DBFile = "queue.db"

var (
	bucketMeta  = []byte("meta")
	bucketJobs  = []byte("jobs")  // job id → record (JSON): the Entry and the signature
	bucketBlobs = []byte("blobs") // job id → sealed payload (encrypted images and fields)
	bucketAudit = []byte("audit") // big-endian sequence → AuditEvent (JSON)
	// bucketDamaged keeps the raw bytes of job records that no longer decode.
	bucketDamaged = []byte("damaged")

	metaDevice    = []byte("device_key_fingerprint")
	metaSchema    = []byte("schema_version")
	metaProtector = []byte("key_protector") // the protector of the keys, once every data key is under its KEK
	metaKEK       = []byte("kek_id")        // the id of the KEK that wraps the data keys
)

// record is the value stored under a job id in the jobs bucket.
type record struct {
	Entry
	Sig []byte `json:"sig,omitempty"`
}

// idxEntry is the in-memory summary of one job used for limits, counts and Ready.
type idxEntry struct {
	entry       Entry
	state       State
	created     time.Time
	nextAttempt time.Time
	bytes       int64 // sealed payload bytes still on disk
}

// Queue is the sealed, durable job queue. It is safe for concurrent use by one
// process; the database file is locked against other processes.
type Queue struct {
	dir, path string
	db        *bolt.DB
	key       *deviceKey
	prot      KeyProtector // nil: the plain device.key
	rotate    bool         // Open rotates the KEK (RotateKEK)
	set       Settings
	kioskID   string
	clk       clock.Clock
	log       *slog.Logger
	freeSpace func(string) (uint64, error)

	mu      sync.Mutex // guards everything below and serialises writes
	closed  bool
	idx     map[string]*idxEntry
	subs    map[int]chan Event
	nextSub int
	dropped uint64
	alerts  []Alert
}

// Open opens (or creates) the queue in dir: the device key dir/device.key (created
// 0600 at first start) and the database dir/queue.db.
//
// A database that another process holds fails with ErrLocked naming the file. A
// corrupt or unreadable database is moved aside (renamed queue.db.corrupt-TIME,
// never deleted), a new one is started, and an Alert is recorded (Alerts, the log,
// and the audit log). Records of older schema versions are upgraded; jobs found in
// StateSending go back to StateQueued.
func Open(dir string, opts Options) (*Queue, error) {
	q := &Queue{
		dir:       dir,
		path:      filepath.Join(dir, DBFile),
		set:       opts.Settings.withDefaults(),
		kioskID:   opts.KioskID,
		clk:       opts.Clock,
		log:       opts.Logger,
		freeSpace: opts.freeSpace,
		prot:      opts.Protector,
		rotate:    opts.rotate,
		idx:       map[string]*idxEntry{},
		subs:      map[int]chan Event{},
	}
	if q.clk == nil {
		q.clk = clock.Real{}
	}
	if q.log == nil {
		q.log = slog.New(slog.DiscardHandler)
	}
	if q.freeSpace == nil {
		q.freeSpace = FreeBytes
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening queue: creating data dir: %w", err)
	}
	// The device key is read (or created, at first start) in init, under the
	// database's lock: two processes opening a new data dir at once must not each
	// create one.
	db, err := q.openDB(timeout)
	if err != nil && !isCorrupt(err) {
		return nil, err
	}
	if err == nil {
		var plan keyPlan
		plan, err = q.init(db)
		if err == nil {
			if err = q.finishKeys(plan); err == nil {
				return q, nil
			}
			db.Close()
			return nil, fmt.Errorf("opening queue: %w", err)
		}
		db.Close()
		if !isCorrupt(err) {
			return nil, err
		}
	}
	// The file is corrupt: move it aside and start afresh.
	aside, merr := q.moveAside()
	if merr != nil {
		return nil, fmt.Errorf("opening queue: %s is unreadable (%v) and could not be moved aside: %w", q.path, err, merr)
	}
	msg := fmt.Sprintf("the queue database %s was unreadable (%v); it was moved aside to %s (nothing deleted) and a new queue was started: call support to recover the jobs it holds", q.path, err, aside)
	q.log.Error("queue database moved aside", "file", q.path, "moved_to", aside, "err", err)
	q.alerts = append(q.alerts, Alert{Time: q.clk.Now(), Message: msg})
	db, err = q.openDB(timeout)
	if err != nil {
		return nil, err
	}
	plan, err := q.init(db)
	if err == nil {
		err = q.finishKeys(plan)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening queue: starting a new database after moving the corrupt one aside: %w", err)
	}
	if err := q.db.Update(func(tx *bolt.Tx) error {
		return q.appendAudit(tx, AuditEvent{Kind: AuditRecovered, Detail: "corrupt database moved aside to " + filepath.Base(aside)})
	}); err != nil {
		q.log.Warn("recording the recovery in the audit log", "err", err)
	}
	return q, nil
}

// structural reports an error that bbolt gives only for a damaged file, such as a key
// whose page flags say bucket where a value is expected (ErrIncompatibleValue), a key of
// impossible length, or a bucket gone after init created it.
func structural(err error) bool {
	for _, e := range []error{berrors.ErrIncompatibleValue, berrors.ErrInvalid, berrors.ErrInvalidMapping,
		berrors.ErrVersionMismatch, berrors.ErrChecksum, berrors.ErrBucketNotFound,
		// a key or value whose length was read from a damaged page (the queue's own keys
		// are job ids, bounded by job.ValidID, and its values are far under bbolt's limit)
		berrors.ErrKeyTooLarge, berrors.ErrKeyRequired, berrors.ErrValueTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// corruptError marks a database that cannot be read.
type corruptError struct{ err error }

func (e *corruptError) Error() string { return e.err.Error() }
func (e *corruptError) Unwrap() error { return e.err }

func isCorrupt(err error) bool {
	var c *corruptError
	return errors.As(err, &c)
}

func (q *Queue) openDB(timeout time.Duration) (db *bolt.DB, err error) {
	defer faultsPanic()()
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, &corruptError{fmt.Errorf("reading the database panicked: %v", r)}
		}
	}()
	db, err = bolt.Open(q.path, 0o600, &bolt.Options{Timeout: timeout})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("%w: %s is held open by another process (is the kiosk agent or another kioskctl running? stop it, then try again)", ErrLocked, q.path)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("opening queue database %s: %w", q.path, err)
	}
	return nil, &corruptError{err}
}

func (q *Queue) moveAside() (string, error) {
	stamp := q.clk.Now().UTC().Format("20060102T150405Z")
	aside := q.path + ".corrupt-" + stamp
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s.corrupt-%s-%d", q.path, stamp, i)
	}
	if err := os.Rename(q.path, aside); err != nil {
		return "", err
	}
	return aside, syncDir(q.dir)
}

// init creates the buckets, reads the device key (creating it if the database
// records none and the file does not exist) and checks it against the database, upgrades old records, resets jobs
// left in sending, and builds the index. Panics from a damaged file become a
// corruptError.
func (q *Queue) init(db *bolt.DB) (plan keyPlan, err error) {
	defer faultsPanic()()
	defer func() {
		if r := recover(); r != nil {
			err = &corruptError{fmt.Errorf("reading the database panicked: %v", r)}
		}
	}()
	q.db = db
	var requeued []string
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketJobs, bucketBlobs, bucketAudit} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return &corruptError{fmt.Errorf("creating bucket %s: %w", b, err)}
			}
		}
		meta := tx.Bucket(bucketMeta)
		fp := meta.Get(metaDevice)
		key, kp, err := q.loadKeys(meta)
		if err != nil {
			return fmt.Errorf("opening queue: %w", err)
		}
		q.key, plan = key, kp
		if fp == nil {
			if err := meta.Put(metaDevice, []byte(q.key.fprint)); err != nil {
				return err
			}
		} else if string(fp) != q.key.fprint {
			return fmt.Errorf("%w: %s was sealed with device key %s but %s is key %s; restore the original %s (the queued jobs cannot be opened without it)",
				ErrWrongDeviceKey, q.path, fp, filepath.Join(q.dir, DeviceKeyFile), q.key.fprint, DeviceKeyFile)
		}
		if err := meta.Put(metaSchema, []byte{SchemaVersion}); err != nil {
			return err
		}
		if err := q.wrapOldPINs(tx); err != nil {
			return err
		}
		now := q.clk.Now()
		jobs := tx.Bucket(bucketJobs)
		var updates []record
		var damaged, olds [][2][]byte
		var v2s []record
		c := jobs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r record
			err := json.Unmarshal(v, &r)
			switch {
			case err == nil && r.Version == 1:
				olds = append(olds, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
				continue
			case err != nil || r.ID != string(k):
				damaged = append(damaged, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
				continue
			case r.Version == 2:
				upgradeV2(&r)
				v2s = append(v2s, r)
			}
			if r.State == StateSending {
				updates = append(updates, r)
			}
			q.idx[r.ID] = indexOf(&r.Entry)
		}
		// Records of schema versions 1 and 2 are upgraded (upgrade.go).
		for i := range v2s {
			if err := putRecord(tx, &v2s[i]); err != nil {
				return fmt.Errorf("upgrading job %s from version 2: %w", v2s[i].ID, err)
			}
		}
		if len(v2s) > 0 {
			q.log.Info("upgraded job records to the current schema", "from", 2, "to", SchemaVersion, "count", len(v2s))
		}
		for _, kv := range olds {
			if err := q.upgradeV1(tx, kv[0], kv[1]); err != nil {
				return fmt.Errorf("upgrading job %s from version 1: %w", kv[0], err)
			}
			r, err := getRecord(tx, string(kv[0]))
			if err != nil {
				return err
			}
			if r.State == StateSending {
				updates = append(updates, *r)
			}
			q.idx[r.ID] = indexOf(&r.Entry)
		}
		if len(olds) > 0 {
			q.log.Info("upgraded job records to the current schema", "from", 1, "to", SchemaVersion, "count", len(olds))
		}
		for i := range updates {
			r := &updates[i]
			r.State = StateQueued
			r.Updated = now
			r.Reason = "the agent stopped while sending; will send again"
			if err := putRecord(tx, r); err != nil {
				return err
			}
			requeued = append(requeued, r.ID)
			q.idx[r.ID] = indexOf(&r.Entry)
			if err := q.appendAudit(tx, AuditEvent{Kind: AuditRequeued, JobID: r.ID, UserHash: r.UserHash, Detail: "found in sending at start-up"}); err != nil {
				return err
			}
		}
		// A record that does not decode is quarantined; its bytes are kept in the
		// damaged bucket.
		for _, kv := range damaged {
			db, err := tx.CreateBucketIfNotExists(bucketDamaged)
			if err != nil {
				return err
			}
			if err := db.Put(kv[0], kv[1]); err != nil {
				return err
			}
			r := record{Entry: Entry{ID: string(kv[0]), Version: SchemaVersion, State: StateQuarantined, Created: now, Updated: now,
				Reason: "the job record is damaged on disk; its bytes are kept for support"}}
			if err := putRecord(tx, &r); err != nil {
				return err
			}
			q.idx[r.ID] = indexOf(&r.Entry)
			q.log.Error("damaged job record quarantined", "job_id", r.ID)
			if err := q.appendAudit(tx, AuditEvent{Kind: AuditQuarantined, JobID: r.ID, Detail: r.Reason}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		q.idx = map[string]*idxEntry{}
		if structural(err) && !isCorrupt(err) {
			return plan, &corruptError{fmt.Errorf("starting the queue: %w", err)}
		}
		return plan, err
	}
	if len(requeued) > 0 {
		q.log.Info("jobs found in sending at start-up went back to queued", "count", len(requeued))
	}
	return plan, nil
}

func indexOf(e *Entry) *idxEntry {
	ie := &idxEntry{entry: cloneEntry(*e), state: e.State, created: e.Created, nextAttempt: e.NextAttempt}
	if !e.ImagesPurged {
		ie.bytes = e.SealedBytes
	}
	return ie
}

// cloneEntry copies e so that the copy shares nothing mutable with it.
func cloneEntry(e Entry) Entry {
	if e.Result != nil {
		r := *e.Result
		r.Actions = maps.Clone(r.Actions)
		e.Result = &r
	}
	return e
}

// Close closes the database, ends every subscription and closes the key protector
// of Options.Protector when it has a Close method.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	for id, ch := range q.subs {
		close(ch)
		delete(q.subs, id)
	}
	if c, ok := q.prot.(interface{ Close() error }); ok {
		c.Close()
	}
	return q.db.Close()
}

// Path is the database file.
func (q *Queue) Path() string { return q.path }

// Alerts returns the problems the operator must be told about: those found when the
// queue opened (e.g. a corrupt database moved aside) and damaged pages read since
// (the last 20).
func (q *Queue) Alerts() []Alert {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Alert(nil), q.alerts...)
}

// DeviceFingerprint is a short fingerprint of the device's signing key.
func (q *Queue) DeviceFingerprint() string { return q.key.fprint }

// DevicePublicKey is the ed25519 key that verifies this kiosk's job signatures.
func (q *Queue) DevicePublicKey() []byte { return append([]byte(nil), q.key.pub...) }

// HashUserID returns the keyed hash that stands for userID in entries and the audit log.
func (q *Queue) HashUserID(userID string) string { return q.key.hashUser(userID) }

package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketJobs     = []byte("jobs")
	bucketUsers    = []byte("users")
	bucketAttempts = []byte("attempts")
)

// Job states in the store.
const (
	jobPending = "pending" // reserved, analysis running
	jobDone    = "done"
)

// JobRecord is what the sandbox remembers of one job id of one partner.
type JobRecord struct {
	PartnerID  string    `json:"partner_id"`
	JobID      string    `json:"job_id"`
	SmileJobID string    `json:"smile_job_id"`
	State      string    `json:"state"`
	Code       string    `json:"code,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

type userRecord struct {
	EnrolledAt time.Time `json:"enrolled_at"`
	SmileJobID string    `json:"smile_job_id"`
}

type store struct{ db *bolt.DB }

func openStore(path string) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening sandbox state %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketJobs, bucketUsers, bucketAttempts} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening sandbox state: %w", err)
	}
	return &store{db: db}, nil
}

func key(partner, id string) []byte { return []byte(partner + "\x00" + id) }

var (
	errJobExists = errors.New("job exists")
	errEnrolled  = errors.New("user enrolled")
)

// reserve counts the attempt and, if the job id is new (and the user not enrolled unless
// allowNew), records it as pending with a new server job id. It returns errJobExists or
// errEnrolled (the attempt is counted all the same).
func (s *store) reserve(partner, jobID, userID string, allowNew bool, now time.Time) (JobRecord, error) {
	var rec JobRecord
	var outcome error
	err := s.db.Update(func(tx *bolt.Tx) error {
		k := key(partner, jobID)
		att := tx.Bucket(bucketAttempts)
		n := uint64(0)
		if v := att.Get(k); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		if err := att.Put(k, binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
			return err
		}
		jobs := tx.Bucket(bucketJobs)
		if v := jobs.Get(k); v != nil {
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("job record: %w", err)
			}
			outcome = errJobExists
			return nil
		}
		if !allowNew && tx.Bucket(bucketUsers).Get(key(partner, userID)) != nil {
			outcome = errEnrolled
			return nil
		}
		seq, err := jobs.NextSequence()
		if err != nil {
			return err
		}
		rec = JobRecord{PartnerID: partner, JobID: jobID, SmileJobID: fmt.Sprintf("%010d", seq),
			State: jobPending, CreatedAt: now.UTC()}
		b, _ := json.Marshal(rec)
		return jobs.Put(k, b)
	})
	if err != nil {
		return rec, fmt.Errorf("recording job: %w", err)
	}
	return rec, outcome
}

// attempts returns how many requests carried the job id.
func (s *store) attempts(partner, jobID string) (int, error) {
	var n uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketAttempts).Get(key(partner, jobID)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return int(n), err
}

// release forgets a pending reservation (the analysis failed for a system reason, so the
// partner may retry under the same job id); the attempt count is kept.
func (s *store) release(partner, jobID string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		k := key(partner, jobID)
		var rec JobRecord
		if v := jobs.Get(k); v == nil || json.Unmarshal(v, &rec) != nil || rec.State != jobPending {
			return nil
		}
		return jobs.Delete(k)
	})
}

// complete records the job's result and enrolls the user when it was approved.
func (s *store) complete(rec JobRecord, userID, code string, enroll bool, now time.Time) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		k := key(rec.PartnerID, rec.JobID)
		rec.State, rec.Code = jobDone, code
		b, _ := json.Marshal(rec)
		if err := jobs.Put(k, b); err != nil {
			return err
		}
		if enroll {
			u, _ := json.Marshal(userRecord{EnrolledAt: now.UTC(), SmileJobID: rec.SmileJobID})
			return tx.Bucket(bucketUsers).Put(key(rec.PartnerID, userID), u)
		}
		return nil
	})
}

// job returns the record of a job id.
func (s *store) job(partner, jobID string) (JobRecord, bool, error) {
	var rec JobRecord
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketJobs).Get(key(partner, jobID))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &rec)
	})
	return rec, ok, err
}

func (s *store) enrolled(partner, userID string) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketUsers).Get(key(partner, userID)) != nil
		return nil
	})
	return ok, err
}

func (s *store) close() error { return s.db.Close() }

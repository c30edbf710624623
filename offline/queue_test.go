package offline

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeJPEG returns n bytes that start like a JPEG file, filled from seed.
func fakeJPEG(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0})
	return b
}

func testJob(id string, imgBytes int) *job.Job {
	seed := uint64(len(id))
	for _, c := range id {
		seed = seed*31 + uint64(c)
	}
	j := &job.Job{
		ID: id, UserID: "customer-" + id, ComparisonType: job.IDPhoto,
		PartnerParams: map[string]string{"branch": "nairobi-3"}, CallbackURL: "https://example.test/cb",
		OperatorID: "op-7", Prechecks: job.Prechecks{Ran: true, OK: true},
		Selfie: fakeJPEG(seed, imgBytes), Comparison: fakeJPEG(seed+1, imgBytes),
	}
	for i := range 4 {
		j.Liveness = append(j.Liveness, fakeJPEG(seed+2+uint64(i), imgBytes/2))
	}
	return j
}

type env struct {
	dir string
	clk *clock.Fake
	q   *Queue
}

func newEnv(t *testing.T, set Settings) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), clk: clock.NewFake(t0)}
	e.open(t, set)
	return e
}

func (e *env) options(set Settings) Options {
	return Options{Settings: set, Clock: e.clk, KioskID: "kiosk-1", freeSpace: func(string) (uint64, error) { return 100 << 30, nil }}
}

func (e *env) open(t *testing.T, set Settings) {
	t.Helper()
	q, err := Open(e.dir, e.options(set))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	e.q = q
	t.Cleanup(func() { q.Close() })
}

func (e *env) reopen(t *testing.T, set Settings) {
	t.Helper()
	if err := e.q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	e.open(t, set)
}

func mustEnqueue(t *testing.T, q *Queue, j *job.Job) Entry {
	t.Helper()
	ent, err := q.Enqueue(j)
	if err != nil {
		t.Fatalf("Enqueue %s: %v", j.ID, err)
	}
	return ent
}

func TestEnqueueLoadRoundTrip(t *testing.T) {
	e := newEnv(t, Settings{})
	j := testJob("job-1", 2000)
	want := *j
	ent := mustEnqueue(t, e.q, j)
	if ent.State != StateQueued || ent.Version != SchemaVersion || ent.LivenessFrames != 4 {
		t.Fatalf("entry = %+v", ent)
	}
	if ent.UserHash == "" || strings.Contains(ent.UserHash, "customer") {
		t.Fatalf("user hash %q", ent.UserHash)
	}
	e.reopen(t, Settings{})
	got, err := e.q.Load("job-1")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.UserID != want.UserID || got.KioskID != "kiosk-1" || got.OperatorID != "op-7" ||
		got.PartnerParams["branch"] != "nairobi-3" || !got.Created.Equal(t0) || got.CallbackURL != want.CallbackURL {
		t.Fatalf("loaded fields differ: %+v", got)
	}
	if !bytes.Equal(got.Selfie, want.Selfie) || !bytes.Equal(got.Comparison, want.Comparison) || len(got.Liveness) != 4 ||
		!bytes.Equal(got.Liveness[3], want.Liveness[3]) {
		t.Fatal("loaded images differ")
	}
	if _, err := e.q.Enqueue(testJob("job-1", 10)); !errors.Is(err, ErrDuplicateJob) {
		t.Fatalf("duplicate enqueue: %v", err)
	}
}

// Enqueue refuses what job.Validate refuses, before sealing anything.
func TestEnqueueValidates(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(j *job.Job)
		want   job.Code
	}{
		{"ok", func(j *job.Job) {}, ""},
		{"bad id", func(j *job.Job) { j.ID = "a b" }, job.CodeJobID},
		{"no user", func(j *job.Job) { j.UserID = "" }, job.CodeUserID},
		{"bad type", func(j *job.Job) { j.ComparisonType = "PASSPORT" }, job.CodeComparisonType},
		{"3 frames", func(j *job.Job) { j.Liveness = j.Liveness[:3] }, job.CodeLivenessCount},
		{"9 frames", func(j *job.Job) {
			for len(j.Liveness) < 9 {
				j.Liveness = append(j.Liveness, fakeJPEG(9, 10))
			}
		}, job.CodeLivenessCount},
		{"no selfie", func(j *job.Job) { j.Selfie = nil }, job.CodeImageMissing},
		{"reserved param", func(j *job.Job) { j.PartnerParams["job_type"] = "x" }, job.CodeReservedParam},
	}
	e := newEnv(t, Settings{})
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := testJob(fmt.Sprintf("v-%d", i), 10)
			c.mutate(j)
			_, err := e.q.Enqueue(j)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var je *job.Error
			if !errors.Is(err, ErrInvalidJob) || !errors.As(err, &je) || !je.Has(c.want) {
				t.Fatalf("err = %v, want ErrInvalidJob with code %s", err, c.want)
			}
			if _, err := e.q.Get(j.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("refused job %q is in the queue: %v", j.ID, err)
			}
		})
	}
}

// scanJPEG counts the places in data where one of the images' first 12 bytes appear,
// and the FF D8 FF markers.
func scanJPEG(data []byte, imgs [][]byte) (heads, markers int) {
	for _, img := range imgs {
		heads += bytes.Count(data, img[:12])
	}
	return heads, bytes.Count(data, []byte{0xFF, 0xD8, 0xFF})
}

func TestNoPlaintextImagesOnDisk(t *testing.T) {
	e := newEnv(t, Settings{})
	var imgs [][]byte
	for i, name := range []string{"obama_1.jpg", "biden_1.jpg", "alex_lacamoire_1.jpg"} {
		photo := testimages.Read(t, name)
		j := testJob(fmt.Sprintf("photo-%d", i), 100)
		j.Selfie = photo
		j.Comparison = photo
		imgs = append(imgs, photo)
		mustEnqueue(t, e.q, j)
	}
	e.q.Close()
	data, err := os.ReadFile(filepath.Join(e.dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	heads, markers := scanJPEG(data, imgs)
	if heads != 0 {
		t.Fatalf("the database holds %d plaintext image headers", heads)
	}
	// Ciphertext is random: FF D8 FF turns up about once per 16 MB.
	// (Eight more than expected keeps a chance failure below one in a million runs.)
	if limit := len(data)>>24 + 8; markers > limit {
		t.Fatalf("the database holds %d JPEG markers (random rate allows %d)", markers, limit)
	}
	// Control: the scanner finds the same images written in clear.
	var plain []byte
	for _, img := range imgs {
		plain = append(plain, img...)
	}
	if h, m := scanJPEG(plain, imgs); h < len(imgs) || m < len(imgs) {
		t.Fatalf("scanner control failed: %d heads, %d markers", h, m)
	}
}

func TestUserIDNotInClear(t *testing.T) {
	e := newEnv(t, Settings{})
	j := testJob("job-u", 100)
	j.UserID = "NATID-99887766"
	mustEnqueue(t, e.q, j)
	if _, err := e.q.Claim("job-u"); err != nil {
		t.Fatal(err)
	}
	ev, err := e.q.Audit(AuditFilter{UserHash: e.q.HashUserID("NATID-99887766")})
	if err != nil || len(ev) != 2 || ev[0].Kind != AuditEnrolled || ev[1].Kind != AuditSent {
		t.Fatalf("audit by user hash = %+v, %v", ev, err)
	}
	e.q.Close()
	data, err := os.ReadFile(filepath.Join(e.dir, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("NATID-99887766")) || bytes.Contains(data, []byte("nairobi-3")) {
		t.Fatal("customer data found in clear in the database")
	}
}

func TestTransitions(t *testing.T) {
	res := &Result{Code: "0840", Text: "Face Match", SmileJobID: "sj-1", Actions: map[string]string{"Liveness_Check": "Passed"}, ServerTime: t0}
	cases := []struct {
		name  string
		path  []State
		upd   Update
		final State
		bad   bool
	}{
		{"send and done", []State{StateSending, StateDone}, Update{Result: res}, StateDone, false},
		{"send and fail", []State{StateSending, StateFailed}, Update{Reason: "2204 bad param"}, StateFailed, false},
		{"send and hold", []State{StateSending, StateHeld}, Update{Reason: "2205 not authorized"}, StateHeld, false},
		{"needs operator", []State{StateSending, StateNeedsOperator}, Update{Reason: "2209 already enrolled"}, StateNeedsOperator, false},
		{"back off", []State{StateSending, StateQueued}, Update{Reason: "timeout", Attempts: 1, NextAttempt: t0.Add(time.Minute)}, StateQueued, false},
		{"held resumes", []State{StateSending, StateHeld, StateQueued}, Update{Reason: "key fixed"}, StateQueued, false},
		{"queued to done", []State{StateDone}, Update{Result: res}, StateQueued, true},
		{"done without result", []State{StateSending, StateDone}, Update{}, StateSending, true},
		{"failed without reason", []State{StateSending, StateFailed}, Update{}, StateSending, true},
		{"done is final", []State{StateSending, StateDone, StateQueued}, Update{Result: res}, StateDone, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Settings{})
			mustEnqueue(t, e.q, testJob("j", 100))
			var err error
			for _, s := range c.path {
				u := c.upd
				if s == StateSending {
					u = Update{}
				}
				if _, err = e.q.SetState("j", s, u); err != nil {
					break
				}
			}
			if c.bad != (err != nil) {
				t.Fatalf("err = %v, want error %v", err, c.bad)
			}
			if c.bad && !errors.Is(err, ErrBadTransition) {
				t.Fatalf("err = %v, want ErrBadTransition", err)
			}
			ent, gerr := e.q.Get("j")
			if gerr != nil || ent.State != c.final {
				t.Fatalf("state = %v (%v), want %v", ent.State, gerr, c.final)
			}
		})
	}
}

func TestDoneRecordsResultAndPurgesImages(t *testing.T) {
	e := newEnv(t, Settings{})
	events, stop := e.q.Subscribe(16)
	defer stop()
	mustEnqueue(t, e.q, testJob("j", 1000))
	e.q.Claim("j")
	res := &Result{Code: "0840", Text: "Face Match", SmileJobID: "sj-9", Actions: map[string]string{"Selfie_Check": "Passed"}, ServerTime: t0.Add(time.Second)}
	ent, err := e.q.SetState("j", StateDone, Update{Result: res})
	if err != nil {
		t.Fatal(err)
	}
	if !ent.ImagesPurged || ent.Result == nil || ent.Result.SmileJobID != "sj-9" || ent.Result.Actions["Selfie_Check"] != "Passed" {
		t.Fatalf("entry = %+v", ent)
	}
	if _, err := e.q.Load("j"); !errors.Is(err, ErrImagesPurged) {
		t.Fatalf("Load after done: %v", err)
	}
	// The id in full went with the images; its masked form stays for the screens.
	if uid := testJob("j", 1000).UserID; ent.UserMasked != MaskUserID(uid) || ent.UserMasked == uid || !strings.HasSuffix(ent.UserMasked, uid[len(uid)-2:]) {
		t.Fatalf("masked user id %q for %q", ent.UserMasked, uid)
	}
	want := []string{"enqueued j →queued", "state j queued→sending", "state j sending→done", "images-purged j done→done"}
	for _, w := range want {
		ev := <-events
		got := fmt.Sprintf("%s %s %v→%v", ev.Kind, ev.JobID, ev.From, ev.To)
		if ev.Kind == EventEnqueued {
			got = fmt.Sprintf("%s %s →%v", ev.Kind, ev.JobID, ev.To)
		}
		if got != w {
			t.Fatalf("event %q, want %q", got, w)
		}
	}
	if c := e.q.Counts(); c.ByState[StateDone] != 1 || c.Unsent != 0 || c.SealedBytes != 0 {
		t.Fatalf("counts = %+v", c)
	}
}

func TestReadyOrderAndBackoff(t *testing.T) {
	e := newEnv(t, Settings{})
	for i, id := range []string{"c", "a", "b"} {
		j := testJob(id, 100)
		j.Created = t0.Add(time.Duration(i) * time.Second)
		mustEnqueue(t, e.q, j)
	}
	e.q.Claim("a")
	if _, err := e.q.SetState("a", StateQueued, Update{Attempts: 1, NextAttempt: t0.Add(time.Minute), Reason: "network down"}); err != nil {
		t.Fatal(err)
	}
	ids := func() string {
		r, err := e.q.Ready(0)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, x := range r {
			s = append(s, x.ID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(); got != "c,b" {
		t.Fatalf("ready = %s, want c,b", got)
	}
	if at, ok := e.q.NextAttempt(); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("NextAttempt = %v %v", at, ok)
	}
	e.clk.Advance(time.Minute)
	if got := ids(); got != "c,a,b" {
		t.Fatalf("ready = %s, want c,a,b", got)
	}
	if ent, _ := e.q.Get("a"); ent.Attempts != 1 || ent.Reason != "network down" {
		t.Fatalf("entry a = %+v", ent)
	}
}

func TestSendingGoesBackToQueuedAtOpen(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j", 100))
	e.q.Claim("j")
	e.reopen(t, Settings{})
	ent, err := e.q.Get("j")
	if err != nil || ent.State != StateQueued {
		t.Fatalf("state after reopen = %v, %v", ent.State, err)
	}
	ev, _ := e.q.Audit(AuditFilter{JobID: "j", Kind: AuditRequeued})
	if len(ev) != 1 {
		t.Fatalf("requeue audit events = %d", len(ev))
	}
}

// rawUpdate changes the database file directly, as an attacker with the disk would.
func rawUpdate(t *testing.T, dir string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestTamperQuarantines(t *testing.T) {
	cases := []struct {
		name string
		edit func(t *testing.T, tx *bolt.Tx)
		want string
	}{
		{"flipped ciphertext byte", func(t *testing.T, tx *bolt.Tx) {
			b := append([]byte(nil), tx.Bucket(bucketBlobs).Get([]byte("j"))...)
			b[len(b)/2] ^= 0x01
			tx.Bucket(bucketBlobs).Put([]byte("j"), b)
		}, "altered"},
		{"flipped wrapped key byte", func(t *testing.T, tx *bolt.Tx) {
			b := append([]byte(nil), tx.Bucket(bucketBlobs).Get([]byte("j"))...)
			b[20] ^= 0x80
			tx.Bucket(bucketBlobs).Put([]byte("j"), b)
		}, "unwrapped"},
		{"flipped signature byte", func(t *testing.T, tx *bolt.Tx) {
			r, _ := getRecord(tx, "j")
			r.Sig[5] ^= 0x01
			putRecord(tx, r)
		}, "signature"},
		{"payload of another job", func(t *testing.T, tx *bolt.Tx) {
			b := append([]byte(nil), tx.Bucket(bucketBlobs).Get([]byte("other"))...)
			tx.Bucket(bucketBlobs).Put([]byte("j"), b)
		}, "unwrapped"},
		{"sealed by another device", func(t *testing.T, tx *bolt.Tx) {
			other, err := deriveKeys(bytes.Repeat([]byte{7}, 32))
			if err != nil {
				t.Fatal(err)
			}
			blob, sig, err := other.seal(testJob("j", 500))
			if err != nil {
				t.Fatal(err)
			}
			tx.Bucket(bucketBlobs).Put([]byte("j"), blob)
			r, _ := getRecord(tx, "j")
			r.Sig = sig
			putRecord(tx, r)
		}, "another device key"},
		{"truncated payload", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket(bucketBlobs).Put([]byte("j"), []byte("KQJ2short"))
		}, "truncated"},
		{"payload deleted", func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket(bucketBlobs).Delete([]byte("j"))
		}, "missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Settings{})
			mustEnqueue(t, e.q, testJob("j", 500))
			mustEnqueue(t, e.q, testJob("other", 500))
			e.q.Close()
			rawUpdate(t, e.dir, func(tx *bolt.Tx) error { c.edit(t, tx); return nil })
			e.open(t, Settings{})
			e.q.Claim("j")
			_, err := e.q.Load("j")
			if !errors.Is(err, ErrQuarantined) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v, want ErrQuarantined mentioning %q", err, c.want)
			}
			ent, _ := e.q.Get("j")
			if ent.State != StateQuarantined || !strings.Contains(ent.Reason, c.want) {
				t.Fatalf("entry = %v %q", ent.State, ent.Reason)
			}
			if r, _ := e.q.Ready(0); len(r) != 1 || r[0].ID != "other" {
				t.Fatalf("ready = %+v, want only other", r)
			}
			if _, err := e.q.Load("other"); err != nil {
				t.Fatalf("the untouched job: %v", err)
			}
		})
	}
}

func TestDamagedRecordQuarantinedAtOpen(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j", 100))
	mustEnqueue(t, e.q, testJob("k", 100))
	e.q.Close()
	rawUpdate(t, e.dir, func(tx *bolt.Tx) error { return tx.Bucket(bucketJobs).Put([]byte("j"), []byte("{not json")) })
	e.open(t, Settings{})
	ent, err := e.q.Get("j")
	if err != nil || ent.State != StateQuarantined {
		t.Fatalf("damaged record: %+v %v", ent, err)
	}
	if _, err := e.q.Load("k"); err != nil {
		t.Fatalf("the other job: %v", err)
	}
	e.q.db.View(func(tx *bolt.Tx) error {
		if string(tx.Bucket(bucketDamaged).Get([]byte("j"))) != "{not json" {
			t.Error("damaged bytes not kept")
		}
		return nil
	})
}

func TestWrongDeviceKey(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j", 100))
	e.q.Close()
	keyPath := filepath.Join(e.dir, DeviceKeyFile)
	orig, _ := os.ReadFile(keyPath)
	other := newEnv(t, Settings{}) // another kiosk's key
	other.q.Close()
	otherKey, _ := os.ReadFile(filepath.Join(other.dir, DeviceKeyFile))
	if err := os.WriteFile(keyPath, otherKey, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(e.dir, e.options(Settings{}))
	if !errors.Is(err, ErrWrongDeviceKey) || !strings.Contains(err.Error(), DeviceKeyFile) {
		t.Fatalf("Open with another key: %v", err)
	}
	// Restoring the original key opens the queue with its job intact.
	if err := os.WriteFile(keyPath, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	e.open(t, Settings{})
	if _, err := e.q.Load("j"); err != nil {
		t.Fatalf("Load after restoring the key: %v", err)
	}
}

func TestDeviceKeyFile(t *testing.T) {
	e := newEnv(t, Settings{})
	e.q.Close()
	path := filepath.Join(e.dir, DeviceKeyFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("device key mode: %v %v", st.Mode(), err)
	}
	os.Chmod(path, 0o644)
	if _, err := Open(e.dir, e.options(Settings{})); !errors.Is(err, ErrDeviceKey) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("open with a 0644 key: %v", err)
	}
	os.Chmod(path, 0o600)
	os.WriteFile(path, []byte("garbage"), 0o600)
	if _, err := Open(e.dir, e.options(Settings{})); !errors.Is(err, ErrDeviceKey) {
		t.Fatalf("open with a garbage key: %v", err)
	}
}

func TestCorruptDatabaseMovedAside(t *testing.T) {
	dir := t.TempDir()
	garbage := bytes.Repeat([]byte("this is not a bbolt file "), 1000)
	if err := os.WriteFile(filepath.Join(dir, DBFile), garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	q, err := Open(dir, Options{Clock: clk, freeSpace: func(string) (uint64, error) { return 1 << 40, nil }})
	if err != nil {
		t.Fatalf("Open over a corrupt file: %v", err)
	}
	defer q.Close()
	alerts := q.Alerts()
	aside := filepath.Join(dir, DBFile+".corrupt-20260301T090000Z")
	if len(alerts) != 1 || !strings.Contains(alerts[0].Message, aside) {
		t.Fatalf("alerts = %+v", alerts)
	}
	kept, err := os.ReadFile(aside)
	if err != nil || !bytes.Equal(kept, garbage) {
		t.Fatalf("the corrupt file was not kept intact: %v", err)
	}
	mustEnqueue(t, q, testJob("after", 100))
	if ev, _ := q.Audit(AuditFilter{Kind: AuditRecovered}); len(ev) != 1 {
		t.Fatalf("recovery audit events = %d", len(ev))
	}
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name  string
		set   Settings
		free  uint64
		setup func(e *env)
		kind  error
		say   string
	}{
		{"max jobs", Settings{MaxJobs: 2}, 1 << 40, nil, ErrQueueFull, "2 enrollments are waiting"},
		{"oldest unsent", Settings{MaxOldestUnsentDays: 3}, 1 << 40, func(e *env) { e.clk.Advance(4 * day) }, ErrQueueStale, "waited 4 days"},
		{"disk budget", Settings{MaxDiskMB: 2}, 1 << 40, nil, ErrDiskLimit, "most allowed (2 MB)"},
		{"free floor", Settings{MinFreeDiskMB: 100}, 99 << 20, nil, ErrDiskFull, "only 99 MB free"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := &env{dir: t.TempDir(), clk: clock.NewFake(t0)}
			opts := e.options(c.set)
			free := uint64(1 << 40)
			opts.freeSpace = func(string) (uint64, error) { return free, nil }
			q, err := Open(e.dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			e.q = q
			mustEnqueue(t, q, testJob("a", 200<<10))
			mustEnqueue(t, q, testJob("b", 200<<10))
			free = c.free
			if c.setup != nil {
				c.setup(e)
			}
			_, err = q.Enqueue(testJob("c", 200<<10))
			var le *LimitError
			if !errors.Is(err, c.kind) || !errors.As(err, &le) || !strings.Contains(le.Operator, c.say) {
				t.Fatalf("err = %v, want %v saying %q", err, c.kind, c.say)
			}
			if _, err := q.Get("c"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("refused job stored: %v", err)
			}
			// Sending the waiting jobs lifts the job-count, age and budget limits.
			if c.kind != ErrDiskFull {
				for _, id := range []string{"a", "b"} {
					q.Claim(id)
					if _, err := q.SetState(id, StateDone, Update{Result: &Result{Code: "0840"}}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := q.Enqueue(testJob("c", 200<<10)); err != nil {
					t.Fatalf("after draining: %v", err)
				}
			}
		})
	}
}

func TestRetention(t *testing.T) {
	e := newEnv(t, Settings{PurgeImagesAfterMinutes: 30, KeepResultsDays: 10, FailedImagesMaxDays: 5})
	for _, id := range []string{"done", "failed", "queued", "held"} {
		mustEnqueue(t, e.q, testJob(id, 100))
	}
	e.q.Claim("done")
	e.q.SetState("done", StateDone, Update{Result: &Result{Code: "0840"}})
	e.q.Claim("failed")
	e.q.SetState("failed", StateFailed, Update{Reason: "2204"})
	e.q.Claim("held")
	e.q.SetState("held", StateHeld, Update{Reason: "2205"})

	if ent, _ := e.q.Get("done"); ent.ImagesPurged {
		t.Fatal("done images purged before the delay")
	}
	steps := []struct {
		advance   time.Duration
		purged    []string
		deleted   []string
		rep       SweepReport
		remaining int
	}{
		{29 * time.Minute, nil, nil, SweepReport{}, 4},
		{time.Minute, []string{"done"}, nil, SweepReport{ImagesPurged: 1}, 4},
		{5 * day, []string{"done", "failed"}, nil, SweepReport{ImagesPurged: 1}, 4},
		{6 * day, []string{"done", "failed"}, []string{"done"}, SweepReport{RecordsDeleted: 1}, 3},
		{10 * day, []string{"failed"}, []string{"done", "failed"}, SweepReport{RecordsDeleted: 1}, 2},
	}
	for i, s := range steps {
		e.clk.Advance(s.advance)
		rep, err := e.q.Sweep()
		if err != nil {
			t.Fatal(err)
		}
		if rep != s.rep {
			t.Fatalf("step %d: report %+v, want %+v", i, rep, s.rep)
		}
		for _, id := range s.purged {
			if ent, err := e.q.Get(id); err == nil && !ent.ImagesPurged {
				t.Fatalf("step %d: %s still has images", i, id)
			}
		}
		for _, id := range s.deleted {
			if _, err := e.q.Get(id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("step %d: %s not deleted", i, id)
			}
		}
		if all, _ := e.q.List(ListOptions{}); len(all) != s.remaining {
			t.Fatalf("step %d: %d jobs left, want %d", i, len(all), s.remaining)
		}
	}
	for _, id := range []string{"queued", "held"} {
		if _, err := e.q.Load(id); err != nil {
			t.Fatalf("unsent job %s lost its images: %v", id, err)
		}
	}
	// The audit log is never cut by age: the first event (21 days old) is still there.
	if ev, _ := e.q.Audit(AuditFilter{}); len(ev) == 0 || ev[0].Kind != AuditEnrolled || !ev[0].Time.Equal(t0) {
		t.Fatalf("old audit events dropped by age: %+v", ev)
	}
}

// The reported attack: a 91-day step forward, then the retention sweep, deleted the
// whole audit log and the finished jobs. Retention now holds on a jump (audited once,
// with an alert), resumes when the clock comes back, and never cuts the audit by age.
func TestRetentionHoldsOnClockJump(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("done", 100))
	e.q.Claim("done")
	e.q.SetState("done", StateDone, Update{Result: &Result{Code: "0840"}})
	if rep, err := e.q.Sweep(); err != nil || rep.ClockHeld {
		t.Fatalf("first sweep: %+v, %v", rep, err)
	}
	before, _ := e.q.Audit(AuditFilter{})

	e.clk.Set(e.clk.Now().Add(91 * day))
	e.clk.Advance(10 * time.Minute) // the next pass
	for i := 0; i < 3; i++ {
		rep, err := e.q.Sweep()
		if err != nil || !rep.ClockHeld || rep.RecordsDeleted != 0 || rep.AuditDeleted != 0 {
			t.Fatalf("sweep %d after a 91-day step: %+v, %v", i, rep, err)
		}
		e.clk.Advance(10 * time.Minute)
	}
	if _, err := e.q.Get("done"); err != nil {
		t.Fatalf("the finished job was deleted: %v", err)
	}
	after, _ := e.q.Audit(AuditFilter{})
	for i, ev := range before {
		if after[i].Seq != ev.Seq || after[i].Kind != ev.Kind {
			t.Fatalf("audit event %d changed: %+v, was %+v", i, after[i], ev)
		}
	}
	jumps, _ := e.q.Audit(AuditFilter{Kind: AuditClockJump})
	if len(jumps) != 1 || !strings.Contains(jumps[0].Detail, "+91d") {
		t.Fatalf("clock jump audited %d times: %+v", len(jumps), jumps)
	}
	if a := e.q.Alerts(); len(a) == 0 || !strings.Contains(a[len(a)-1].Message, "clock jumped") {
		t.Fatalf("alerts = %+v", a)
	}

	// Back to the right time (NTP): retention resumes, the finished job is not old.
	e.clk.Set(e.clk.Now().Add(-91 * day))
	if rep, err := e.q.Sweep(); err != nil || rep.ClockHeld || rep.RecordsDeleted != 0 {
		t.Fatalf("sweep after the clock came back: %+v, %v", rep, err)
	}
	// A step back is held too.
	e.clk.Set(e.clk.Now().Add(-2 * time.Hour))
	if rep, _ := e.q.Sweep(); !rep.ClockHeld {
		t.Fatalf("a 2-hour step back was not held: %+v", rep)
	}
	// A jump that stays: after ClockJumpHold of running time the new time is taken.
	e.clk.Advance(ClockJumpHold)
	if rep, _ := e.q.Sweep(); rep.ClockHeld {
		t.Fatalf("still held after %s: %+v", ClockJumpHold, rep)
	}
	if jumps, _ = e.q.Audit(AuditFilter{Kind: AuditClockJump}); len(jumps) != 4 || !strings.Contains(jumps[3].Detail, "new time is taken") {
		t.Fatalf("clock jump events: %+v", jumps)
	}
	// Time that really passes (no step) ages the finished job out as configured.
	e.clk.Advance(91 * day)
	if rep, err := e.q.Sweep(); err != nil || rep.ClockHeld || rep.RecordsDeleted != 1 {
		t.Fatalf("sweep 91 days later: %+v, %v", rep, err)
	}
	if ev, _ := e.q.Audit(AuditFilter{}); len(ev) < len(before) || ev[0].Seq != before[0].Seq {
		t.Fatalf("the audit log was cut by age: %d events, first %+v", len(ev), ev[0])
	}
}

// The audit log is bounded by its size: the oldest events go, and an event says which.
func TestAuditBoundedBySize(t *testing.T) {
	e := newEnv(t, Settings{AuditMaxEvents: 10})
	for i := 0; i < 20; i++ {
		if err := e.q.RecordSignIn(fmt.Sprintf("op-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := e.q.Sweep()
	if err != nil || rep.AuditDeleted != 11 {
		t.Fatalf("sweep: %+v, %v", rep, err)
	}
	ev, _ := e.q.Audit(AuditFilter{})
	last := ev[len(ev)-1]
	if len(ev) != 10 || ev[0].Operator != "op-11" || last.Kind != AuditDropped || !strings.Contains(last.Detail, "11 oldest audit events dropped (seq 1 to 11") {
		t.Fatalf("audit after the cap: %d events, first %+v, last %+v", len(ev), ev[0], last)
	}
}

func TestRetryAndPurge(t *testing.T) {
	e := newEnv(t, Settings{})
	mustEnqueue(t, e.q, testJob("j", 100))
	e.q.Claim("j")
	e.q.SetState("j", StateNeedsOperator, Update{Reason: "2209 user already enrolled"})
	if _, err := e.q.Retry("j", RetryOptions{Operator: "op-7", AllowNewEnroll: true}); err != nil {
		t.Fatal(err)
	}
	ent, _ := e.q.Get("j")
	if ent.State != StateQueued || ent.Attempts != 0 {
		t.Fatalf("after retry: %+v", ent)
	}
	j, err := e.q.Load("j")
	if err != nil || !j.AllowNewEnroll {
		t.Fatalf("re-sealed job: %v allow=%v", err, j != nil && j.AllowNewEnroll)
	}
	if _, err := e.q.Retry("j", RetryOptions{}); !errors.Is(err, ErrBadTransition) {
		t.Fatalf("retry of a queued job: %v", err)
	}
	if _, err := e.q.Purge("j", PurgeOptions{Operator: "op-7"}); !errors.Is(err, ErrBadTransition) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("purge of a queued job without force: %v", err)
	}
	ent, err = e.q.Purge("j", PurgeOptions{Operator: "op-7", Force: true})
	if err != nil || ent.State != StateFailed || !ent.ImagesPurged {
		t.Fatalf("forced purge: %+v %v", ent, err)
	}
	if _, err := e.q.Retry("j", RetryOptions{}); !errors.Is(err, ErrImagesPurged) {
		t.Fatalf("retry after purge: %v", err)
	}
	ev, _ := e.q.Audit(AuditFilter{JobID: "j"})
	var kinds []string
	for _, x := range ev {
		kinds = append(kinds, x.Kind)
	}
	if got := strings.Join(kinds, ","); got != "enrolled,sent,result,retry,result,purged" {
		t.Fatalf("audit kinds = %s", got)
	}
}

func TestLockedBySameProcessFD(t *testing.T) {
	e := newEnv(t, Settings{})
	opts := e.options(Settings{})
	opts.LockTimeout = 100 * time.Millisecond
	_, err := Open(e.dir, opts)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), filepath.Join(e.dir, DBFile)) {
		t.Fatalf("second open: %v", err)
	}
}

// TestHugeDayValues: day values too long for time.Duration (200000 days) once wrapped
// around and made a sweep delete every record and audit event, and refused every new job.
func TestHugeDayValues(t *testing.T) {
	e := newEnv(t, Settings{KeepResultsDays: 200000, FailedImagesMaxDays: 200000, MaxOldestUnsentDays: 200000})
	mustEnqueue(t, e.q, testJob("done", 100))
	e.q.Claim("done")
	e.q.SetState("done", StateDone, Update{Result: &Result{Code: "0840"}})
	e.clk.Advance(day)
	mustEnqueue(t, e.q, testJob("later", 100))
	if rep, err := e.q.Sweep(); err != nil || rep.RecordsDeleted != 0 || rep.AuditDeleted != 0 {
		t.Fatalf("sweep with a 200000-day retention deleted %+v (err %v)", rep, err)
	}
	if _, err := e.q.Get("done"); err != nil {
		t.Fatalf("finished job gone: %v", err)
	}
}

func TestMaskUserID(t *testing.T) {
	for in, want := range map[string]string{
		"CUST-0042": "•••••0042", "A1234567": "••••4567", "AB12345": "•••••45", "ABC": "•BC", "AB": "••", "": "",
	} {
		if got := MaskUserID(in); got != want {
			t.Errorf("MaskUserID(%q) = %q, want %q", in, got, want)
		}
	}
}

package offline

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/swtpmtest"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/offline/protector"
)

func openTPM(t *testing.T, tpm *swtpmtest.TPM) protector.Protector {
	t.Helper()
	p, err := protector.OpenTPM2(tpm.Path, false)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openWith(t *testing.T, dir string, p KeyProtector) (*Queue, error) {
	t.Helper()
	return Open(dir, Options{Clock: clock.NewFake(t0), KioskID: "kiosk-1", Protector: p,
		freeSpace: func(string) (uint64, error) { return 100 << 30, nil }})
}

func mustOpenWith(t *testing.T, dir string, p KeyProtector) *Queue {
	t.Helper()
	q, err := openWith(t, dir, p)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// folderBytes is every file of dir, concatenated.
func folderBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// sealThree seals three jobs with real photos and distinct user ids into q and adds
// an operator; it returns the jobs.
func sealThree(t *testing.T, q *Queue) []*job.Job {
	t.Helper()
	var jobs []*job.Job
	for i, name := range []string{"obama_1.jpg", "biden_1.jpg", "alex_lacamoire_1.jpg"} {
		j := testJob(fmt.Sprintf("stolen-%d", i), 100)
		j.UserID = fmt.Sprintf("NATID-55%06d", 1000+i)
		j.Selfie = testimages.Read(t, name)
		mustEnqueue(t, q, j)
		jobs = append(jobs, j)
	}
	if _, err := q.Operators(OperatorOptions{PIN: fastPIN}).Add(NewOperator{ID: "amina", Name: "Amina", Role: RoleSupervisor, PIN: "402817"}); err != nil {
		t.Fatal(err)
	}
	return jobs
}

// inClear reports what of jobs a reader of the folder's bytes finds without a key.
func inClear(data []byte, jobs []*job.Job) []string {
	var found []string
	for _, j := range jobs {
		if bytes.Contains(data, []byte(j.UserID)) {
			found = append(found, "user id "+j.UserID)
		}
		// 64 bytes from the middle of the photo: past any header two photos share.
		mid := len(j.Selfie) / 2
		if bytes.Contains(data, j.Selfie[mid:mid+64]) {
			found = append(found, "selfie bytes of "+j.ID)
		}
	}
	if bytes.Contains(data, []byte("$argon2id$")) {
		found = append(found, "a PIN hash")
	}
	return found
}

// TestCopiedFolderOpensOnlyOnItsTPM is the stolen disk: jobs sealed on a kiosk
// with TPM A; the data folder copied; the copy opens with TPM A and not with TPM B,
// and its bytes hold no user id, no image byte and no PIN hash. The same with the
// plain file shows the difference: the copy carries its key.
func TestCopiedFolderOpensOnlyOnItsTPM(t *testing.T) {
	tpmA, tpmB := swtpmtest.Start(t), swtpmtest.Start(t)
	dir := t.TempDir()
	q := mustOpenWith(t, dir, openTPM(t, tpmA))
	jobs := sealThree(t, q)
	if st := q.KeyStatus(); st.Protector != protector.KindTPM2 || st.File != filepath.Join(dir, SealedKeysFile) {
		t.Fatalf("KeyStatus = %+v", st)
	}
	q.Close()
	if _, err := os.Stat(filepath.Join(dir, DeviceKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a tpm2 kiosk wrote %s: %v", DeviceKeyFile, err)
	}
	if st, err := os.Stat(filepath.Join(dir, SealedKeysFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v (want 0600)", SealedKeysFile, err, st.Mode())
	}
	// A sealed file others may read is refused like device.key, with the chmod.
	sealedPath := filepath.Join(dir, SealedKeysFile)
	os.Chmod(sealedPath, 0o644)
	if _, err := openWith(t, dir, openTPM(t, tpmA)); !errors.Is(err, ErrDeviceKey) || !strings.Contains(err.Error(), "chmod 600 "+sealedPath) {
		t.Fatalf("a 0644 %s: %v", SealedKeysFile, err)
	}
	os.Chmod(sealedPath, 0o600)
	stolen := copyDir(t, dir)
	if found := inClear(folderBytes(t, stolen), jobs); len(found) > 0 {
		t.Fatalf("readable in the copied folder: %s", strings.Join(found, ", "))
	}
	if found := inClear(append(jobs[0].Selfie, []byte(jobs[1].UserID+"$argon2id$")...), jobs[:2]); len(found) != 3 {
		t.Fatalf("the scanner's control found %q", found) // the scanner can fail
	}

	// Another machine: TPM B. Nothing opens, and it says why.
	pb := openTPM(t, tpmB)
	_, err := openWith(t, stolen, pb)
	if !errors.Is(err, ErrWrongDeviceKey) || !errors.Is(err, protector.ErrWrongMachine) {
		t.Fatalf("opening the copy with TPM B: %v, want ErrWrongDeviceKey and ErrWrongMachine", err)
	}
	if !strings.Contains(err.Error(), "another kiosk's TPM") {
		t.Errorf("the error does not say what happened: %v", err)
	}
	// Without a protector (the file): no device.key to use, none is made.
	if _, err := openWith(t, stolen, nil); !errors.Is(err, ErrDeviceKey) || !strings.Contains(err.Error(), "sealed with tpm2") {
		t.Fatalf("opening the copy as a plain-file kiosk: %v", err)
	}
	if _, err := os.Stat(filepath.Join(stolen, DeviceKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a failed open made a device.key")
	}

	// The same machine: TPM A opens the copy (a backup restored on its kiosk).
	qa := mustOpenWith(t, stolen, openTPM(t, tpmA))
	for _, want := range jobs {
		got, err := qa.Load(want.ID)
		if err != nil || got.UserID != want.UserID || !bytes.Equal(got.Selfie, want.Selfie) {
			t.Fatalf("loading %s from the copy on TPM A: %v", want.ID, err)
		}
	}
	if _, err := qa.Operators(OperatorOptions{PIN: fastPIN}).SignIn("amina", "402817"); err != nil {
		t.Fatalf("signing in on the copy: %v", err)
	}

	// The plain file, for the difference: the copy opens anywhere.
	plainDir := t.TempDir()
	qp := mustOpenWith(t, plainDir, nil)
	pjobs := sealThree(t, qp)
	qp.Close()
	pcopy := copyDir(t, plainDir)
	if found := inClear(folderBytes(t, pcopy), pjobs); len(found) > 0 {
		t.Fatalf("readable in the copied plain folder without its key: %s", strings.Join(found, ", "))
	}
	qc := mustOpenWith(t, pcopy, nil) // "another machine": the key travels with the folder
	if got, err := qc.Load(pjobs[0].ID); err != nil || got.UserID != pjobs[0].UserID {
		t.Fatalf("the plain copy should open anywhere (that is the weakness): %v", err)
	}
}

// TestQueueDBAloneGivesNoPINHash: the operators' PIN hashes are wrapped by the
// device key, and one written into the file by hand does not sign anyone in.
func TestPINHashesWrapped(t *testing.T) {
	e := newEnv(t, Settings{})
	ops := e.q.Operators(OperatorOptions{PIN: fastPIN})
	if _, err := ops.Add(NewOperator{ID: "op", Role: RoleOperator, PIN: "402817"}); err != nil {
		t.Fatal(err)
	}
	e.q.Close()
	db, _ := os.ReadFile(filepath.Join(e.dir, DBFile))
	if bytes.Contains(db, []byte("$argon2id$")) || !bytes.Contains(db, []byte(pinWrapPrefix)) {
		t.Fatal("the PIN hash is in clear in queue.db")
	}
	// Someone with the disk writes the hash of a PIN they know.
	known, err := hashPIN("918273", fastPIN.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	rawUpdate(t, e.dir, func(tx *bolt.Tx) error {
		r, err := getOperator(tx, "op")
		if err != nil {
			return err
		}
		r.PINHash = known
		return putOperator(tx, r)
	})
	e.open(t, Settings{})
	ops = e.q.Operators(OperatorOptions{PIN: fastPIN})
	if _, err := ops.SignIn("op", "918273"); err == nil || !strings.Contains(err.Error(), "reset the PIN") {
		t.Fatalf("a planted plain hash signed in: %v", err)
	}
}

// TestOldPlainPINHashesUpgraded: a queue.db from before the wrapping (plain PHC
// strings, no mark) has its hashes wrapped at Open, and the PINs still work.
func TestOldPlainPINHashesUpgraded(t *testing.T) {
	e := newEnv(t, Settings{})
	e.q.Close()
	plain, err := hashPIN("402817", fastPIN.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	rawUpdate(t, e.dir, func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Delete(metaPINsWrapped); err != nil {
			return err
		}
		return putOperator(tx, &operatorRecord{Operator: Operator{ID: "old", Role: RoleOperator, Created: t0, PINSet: t0}, PINHash: plain})
	})
	e.open(t, Settings{})
	if _, err := e.q.Operators(OperatorOptions{PIN: fastPIN}).SignIn("old", "402817"); err != nil {
		t.Fatalf("signing in after the upgrade: %v", err)
	}
	e.q.Close()
	if db, _ := os.ReadFile(filepath.Join(e.dir, DBFile)); bytes.Contains(db, []byte(plain)) {
		t.Fatal("the old plain hash is still in queue.db")
	}
}

// flakySeal is a real protector whose Seal fails from its n-th call on: a TPM
// pulled, or a process killed, in the middle of a migration.
type flakySeal struct {
	protector.Protector
	calls, failFrom int
}

func (f *flakySeal) Seal(b []byte) ([]byte, error) {
	f.calls++
	if f.calls >= f.failFrom {
		return nil, errors.New("TPM gone")
	}
	return f.Protector.Seal(b)
}

func legacyOpens(t *testing.T, dir string, k *deviceKey, id string) bool {
	t.Helper()
	var ok bool
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		blob := tx.Bucket(bucketBlobs).Get([]byte(id))
		var w cipher.AEAD
		w, _ = newGCM(k.legacy)
		_, err := w.Open(nil, blob[4:4+nonceLen], blob[4+nonceLen:4+nonceLen+wrappedKeyLen], aad(id, sealVersion))
		ok = err == nil
		return nil
	})
	return ok
}

// TestMigrationFromPlainKey: a kiosk with a plain device.key and queued jobs moves
// to the TPM; a migration that fails first leaves everything as it was, one that
// stops midway ends at the next start; then every job opens, the identity is the
// same, and the plain key is gone.
func TestMigrationFromPlainKey(t *testing.T) {
	tpm := swtpmtest.Start(t)
	dir := t.TempDir()
	q := mustOpenWith(t, dir, nil)
	jobs := sealThree(t, q)
	if _, err := q.Claim(jobs[2].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetState(jobs[2].ID, StateDone, Update{Result: &Result{Code: "0840"}}); err != nil {
		t.Fatal(err)
	}
	fp, userHash := q.DeviceFingerprint(), q.HashUserID(jobs[0].UserID)
	legacy := q.key
	q.Close()
	plainKey, _ := os.ReadFile(filepath.Join(dir, DeviceKeyFile))

	// 1. The seal itself fails: nothing changes.
	if _, err := openWith(t, dir, &flakySeal{Protector: openTPM(t, tpm), failFrom: 1}); err == nil || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("a failed seal: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, DeviceKeyFile)); !bytes.Equal(b, plainKey) {
		t.Fatal("a failed migration changed device.key")
	}
	if _, err := os.Stat(filepath.Join(dir, SealedKeysFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a failed migration left device.sealed")
	}
	if !legacyOpens(t, dir, legacy, jobs[0].ID) {
		t.Fatal("a failed migration re-wrapped a job")
	}

	// 2. Sealed and re-wrapped, then stopped before the final seal: the plain key
	// stays, and the next start ends the migration.
	if _, err := openWith(t, dir, &flakySeal{Protector: openTPM(t, tpm), failFrom: 2}); err == nil || !strings.Contains(err.Error(), "sealing the device keys") {
		t.Fatalf("a migration stopped midway: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, DeviceKeyFile)); !bytes.Equal(b, plainKey) {
		t.Fatal("a migration stopped midway removed or changed device.key")
	}

	// 3. The next start.
	q = mustOpenWith(t, dir, openTPM(t, tpm))
	if _, err := os.Stat(filepath.Join(dir, DeviceKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("device.key is still there after the migration: %v", err)
	}
	if q.DeviceFingerprint() != fp || q.HashUserID(jobs[0].UserID) != userHash {
		t.Fatal("the migration changed the device's identity")
	}
	for _, j := range jobs[:2] {
		got, err := q.Load(j.ID)
		if err != nil || got.UserID != j.UserID || !bytes.Equal(got.Selfie, j.Selfie) {
			t.Fatalf("job %s after the migration: %v", j.ID, err)
		}
	}
	if c := q.Counts(); c.ByState[StateQueued] != 2 || c.ByState[StateDone] != 1 {
		t.Fatalf("counts after the migration: %v", c)
	}
	if _, err := q.Operators(OperatorOptions{PIN: fastPIN}).SignIn("amina", "402817"); err != nil {
		t.Fatalf("sign-in after the migration: %v", err)
	}
	q.Close()
	if legacyOpens(t, dir, legacy, jobs[0].ID) {
		t.Fatal("a job's data key still opens with the old plain key")
	}
	if bytes.Contains(folderBytes(t, dir), plainKey[len(deviceKeyHeader):len(deviceKeyHeader)+20]) {
		t.Fatal("the plain key's secret is still in the folder")
	}
	st, err := ReadKeyStatus(dir)
	if err != nil || st.Protector != protector.KindTPM2 || st.Fingerprint != fp {
		t.Fatalf("ReadKeyStatus = %+v, %v", st, err)
	}
}

func TestRotateKEK(t *testing.T) {
	tpm := swtpmtest.Start(t)
	dir := t.TempDir()
	q := mustOpenWith(t, dir, openTPM(t, tpm))
	jobs := sealThree(t, q)
	st0 := q.KeyStatus()
	q.Close()
	before, after, err := RotateKEK(dir, Options{Clock: clock.NewFake(t0), Protector: openTPM(t, tpm)})
	if err != nil {
		t.Fatal(err)
	}
	if before.KEKID != st0.KEKID || after.KEKID == before.KEKID || after.Fingerprint != st0.Fingerprint {
		t.Fatalf("rotation: before %+v after %+v", before, after)
	}
	q = mustOpenWith(t, dir, openTPM(t, tpm))
	if q.KeyStatus().KEKID != after.KEKID {
		t.Fatalf("the reopened queue has KEK %s, want %s", q.KeyStatus().KEKID, after.KEKID)
	}
	for _, j := range jobs {
		if got, err := q.Load(j.ID); err != nil || got.UserID != j.UserID {
			t.Fatalf("job %s after rotation: %v", j.ID, err)
		}
	}
	q.Close()
	if _, _, err := RotateKEK(dir, Options{Clock: clock.NewFake(t0)}); !errors.Is(err, ErrNoProtector) {
		t.Fatalf("rotating without a protector: %v", err)
	}
}

func TestSystemdCredsProtectorSealsQueue(t *testing.T) {
	creds := t.TempDir()
	key := bytes.Repeat([]byte{7}, protector.CredentialKeyLen)
	os.WriteFile(filepath.Join(creds, protector.CredentialName), key, 0o400)
	p, err := protector.OpenSystemdCreds(creds)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	q := mustOpenWith(t, dir, p)
	jobs := sealThree(t, q)
	q.Close()
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, protector.CredentialName), bytes.Repeat([]byte{8}, 32), 0o400)
	p2, _ := protector.OpenSystemdCreds(other)
	if _, err := openWith(t, copyDir(t, dir), p2); !errors.Is(err, protector.ErrWrongMachine) {
		t.Fatalf("another credential opened the copy: %v", err)
	}
	// A TPM kiosk's config on a credential-sealed folder is refused, saying which.
	tp := openTPM(t, swtpmtest.Start(t))
	if _, err := openWith(t, dir, tp); err == nil || !strings.Contains(err.Error(), `set keys.protector to "systemd-creds"`) {
		t.Fatalf("a mismatched protector: %v", err)
	}
	q = mustOpenWith(t, dir, p)
	if got, err := q.Load(jobs[1].ID); err != nil || got.UserID != jobs[1].UserID {
		t.Fatalf("loading: %v", err)
	}
}

// BenchmarkOpenQueue is the cost of opening a queue of 20 sealed jobs (bbolt, index,
// keys) with each protector: the TPM's is one CreatePrimary, Load and Unseal on
// swtpm; nothing of it happens per job (BenchmarkEnqueueProtected).
func BenchmarkOpenQueue(b *testing.B) {
	for _, kind := range []string{protector.KindFile, protector.KindSystemdCreds, protector.KindTPM2} {
		b.Run(kind, func(b *testing.B) {
			newP := benchProtector(b, kind)
			dir := b.TempDir()
			q, err := Open(dir, Options{Protector: newP(), Settings: Settings{MinFreeDiskMB: -1}})
			if err != nil {
				b.Fatal(err)
			}
			for i := range 20 {
				if _, err := q.Enqueue(testJob(fmt.Sprintf("bench-%d", i), 2000)); err != nil {
					b.Fatal(err)
				}
			}
			q.Close()
			b.ResetTimer()
			for b.Loop() {
				q, err := Open(dir, Options{Protector: newP(), Settings: Settings{MinFreeDiskMB: -1}})
				if err != nil {
					b.Fatal(err)
				}
				q.Close()
			}
		})
	}
}

// BenchmarkEnqueueProtected seals a job with each protector: the same work (the
// protector is not used per job).
func BenchmarkEnqueueProtected(b *testing.B) {
	for _, kind := range []string{protector.KindFile, protector.KindTPM2} {
		b.Run(kind, func(b *testing.B) {
			q, err := Open(b.TempDir(), Options{Protector: benchProtector(b, kind)(), Settings: Settings{MinFreeDiskMB: -1, MaxJobs: -1, MaxDiskMB: -1}})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			j := testJob("bench", 100<<10)
			i := 0
			for b.Loop() {
				j.ID = fmt.Sprintf("bench-%d", i)
				i++
				if _, err := q.Enqueue(j); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchProtector(b *testing.B, kind string) func() KeyProtector {
	switch kind {
	case protector.KindTPM2:
		tpm := swtpmtest.Start(b)
		return func() KeyProtector {
			p, err := protector.OpenTPM2(tpm.Path, false)
			if err != nil {
				b.Fatal(err)
			}
			return p
		}
	case protector.KindSystemdCreds:
		creds := b.TempDir()
		os.WriteFile(filepath.Join(creds, protector.CredentialName), bytes.Repeat([]byte{9}, protector.CredentialKeyLen), 0o400)
		return func() KeyProtector {
			p, err := protector.OpenSystemdCreds(creds)
			if err != nil {
				b.Fatal(err)
			}
			return p
		}
	}
	return func() KeyProtector { return nil }
}

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/swtpmtest"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/offline/protector"
)

// keysConfig writes a config file (0600) with the data folder and the keys section.
func keysConfig(t *testing.T, dir, keys string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	body := `{"data_dir": "` + dir + `", "local_api": {"socket": "` + filepath.Join(t.TempDir(), "none.sock") + `"}, "keys": ` + keys + `}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sealOneJob(t *testing.T, dir string) {
	t.Helper()
	q, err := offline.Open(dir, offline.Options{Settings: offline.Settings{MinFreeDiskMB: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	j := &job.Job{ID: "job-k1", UserID: "NATID-4471", ComparisonType: job.Portrait,
		Selfie: []byte{0xFF, 0xD8, 0xFF, 1}, Comparison: []byte{0xFF, 0xD8, 0xFF, 2}}
	for i := range 4 {
		j.Liveness = append(j.Liveness, []byte{0xFF, 0xD8, 0xFF, byte(3 + i)})
	}
	if _, err := q.Enqueue(j); err != nil {
		t.Fatal(err)
	}
}

func keysJSON(t *testing.T, cfg string) keysReport {
	t.Helper()
	code, out, errs := runKioskctl(t, "--config", cfg, "keys", "status", "--json")
	if code != exitOK {
		t.Fatalf("keys status: exit %d: %s", code, errs)
	}
	var r keysReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("keys status --json: %v: %s", err, out)
	}
	if strings.Contains(out, "kiosk-agent device key v1") {
		t.Fatal("keys status printed the key")
	}
	return r
}

// TestKeysCommands: a plain data folder is reported with its warning and cannot be
// rotated; with keys.protector tpm2 (a software TPM) the next command that opens the
// queue moves the key, status names the TPM and the same fingerprint, and rotate
// changes the key-encryption key, never the fingerprint.
func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	sealOneJob(t, dir)
	plain := keysConfig(t, dir, `{"protector": "file"}`)
	code, out, _ := runKioskctl(t, "--config", plain, "keys", "status")
	if code != exitOK || !strings.Contains(out, "protector:   file") || !strings.Contains(out, "not protected against disk theft") {
		t.Fatalf("status of a plain folder: %d %s", code, out)
	}
	fp := keysJSON(t, plain).Fingerprint
	if code, _, errs := runKioskctl(t, "--config", plain, "keys", "rotate"); code != exitError || !strings.Contains(errs, "plain file") {
		t.Fatalf("rotate on the plain file: %d %s", code, errs)
	}

	tpm := swtpmtest.Start(t)
	sealed := keysConfig(t, dir, `{"protector": "tpm2", "tpm_path": "`+tpm.Path+`"}`)
	if r := keysJSON(t, sealed); r.Protector != offline.ProtectorFile || r.Resolved != protector.KindTPM2 {
		t.Fatalf("before the move: %+v", r)
	}
	if code, out, errs := runKioskctl(t, "--config", sealed, "queue", "list"); code != exitOK || !strings.Contains(out, "job-k1") {
		t.Fatalf("queue list with the TPM: %d %s %s", code, out, errs)
	}
	r := keysJSON(t, sealed)
	if r.Protector != protector.KindTPM2 || r.Fingerprint != fp || r.File != filepath.Join(dir, offline.SealedKeysFile) {
		t.Fatalf("after the move: %+v (fingerprint before %s)", r, fp)
	}
	if _, err := os.Stat(filepath.Join(dir, offline.DeviceKeyFile)); !os.IsNotExist(err) {
		t.Fatalf("device.key is still there: %v", err)
	}
	code, out, errs := runKioskctl(t, "--config", sealed, "keys", "rotate")
	if code != exitOK || !strings.Contains(out, r.KEKID+" -> ") {
		t.Fatalf("rotate: %d %s %s", code, out, errs)
	}
	r2 := keysJSON(t, sealed)
	if r2.KEKID == r.KEKID || r2.Fingerprint != fp {
		t.Fatalf("after rotate: %+v", r2)
	}
	if code, out, errs := runKioskctl(t, "--config", sealed, "queue", "show", "job-k1"); code != exitOK || !strings.Contains(out, "job-k1") {
		t.Fatalf("the job after rotate: %d %s %s", code, out, errs)
	}
	// The plain config on the sealed folder: refused, saying what to set.
	if code, _, errs := runKioskctl(t, "--config", plain, "queue", "list"); code != exitError || !strings.Contains(errs, `set keys.protector to "tpm2"`) {
		t.Fatalf("the plain config on a sealed folder: %d %s", code, errs)
	}
}

// TestKeysInstallCredential makes the credential with the real systemd-creds, loads it
// as systemd does (decrypted into $CREDENTIALS_DIRECTORY), and seals a folder with it.
func TestKeysInstallCredential(t *testing.T) {
	if _, err := exec.LookPath("systemd-creds"); err != nil {
		t.Skip("systemd-creds is not installed (Debian's systemd package)")
	}
	if os.Geteuid() != 0 {
		t.Skip("install-credential needs root (systemd-creds encrypt with the host key)")
	}
	etc := t.TempDir()
	cred := filepath.Join(etc, "credstore.encrypted", protector.CredentialName)
	units := filepath.Join(etc, "systemd")
	dir := t.TempDir()
	cfg := keysConfig(t, dir, `{"protector": "systemd-creds"}`)
	code, out, errs := runKioskctl(t, "--config", cfg, "keys", "install-credential", "--file", cred, "--systemd-dir", units)
	if code != exitOK || !strings.Contains(out, "systemctl daemon-reload") {
		t.Fatalf("install-credential: %d %s %s", code, out, errs)
	}
	if st, err := os.Stat(cred); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the credential file: %v", err)
	}
	for _, u := range unitsLoadingCredential {
		b, err := os.ReadFile(filepath.Join(units, u+".d", protector.CredentialName+".conf"))
		if err != nil || !strings.Contains(string(b), "LoadCredentialEncrypted="+protector.CredentialName+":"+cred) {
			t.Fatalf("drop-in of %s: %v %s", u, err, b)
		}
	}
	if code, _, errs := runKioskctl(t, "--config", cfg, "keys", "install-credential", "--file", cred, "--systemd-dir", units); code != exitError || !strings.Contains(errs, "never replaced") {
		t.Fatalf("a second install-credential: %d %s", code, errs)
	}
	credDir := t.TempDir()
	if out, err := exec.Command("systemd-creds", "decrypt", "--name="+protector.CredentialName, cred, filepath.Join(credDir, protector.CredentialName)).CombinedOutput(); err != nil {
		t.Fatalf("systemd-creds decrypt: %v %s", err, out)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", credDir)
	sealOneJob(t, dir) // a plain folder with a job, moved by the next command
	if code, out, errs := runKioskctl(t, "--config", cfg, "queue", "list"); code != exitOK || !strings.Contains(out, "job-k1") {
		t.Fatalf("queue list with the credential: %d %s %s", code, out, errs)
	}
	if r := keysJSON(t, cfg); r.Protector != protector.KindSystemdCreds {
		t.Fatalf("status: %+v", r)
	}
}

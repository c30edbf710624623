package protector_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport/linuxudstpm"

	"github.com/smartselfie/kiosk-agent/internal/testkit/swtpmtest"
	"github.com/smartselfie/kiosk-agent/offline/protector"
)

func secret(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

func TestTPM2SealsForItsOwnTPMOnly(t *testing.T) {
	a, b := swtpmtest.Start(t), swtpmtest.Start(t)
	for _, pcr7 := range []bool{false, true} {
		pa, err := protector.OpenTPM2(a.Path, pcr7)
		if err != nil {
			t.Fatal(err)
		}
		defer pa.Close()
		s := secret(97)
		sealed, err := pa.Seal(s)
		if err != nil {
			t.Fatalf("pcr7=%v: sealing: %v", pcr7, err)
		}
		if bytes.Contains(sealed, s[:16]) {
			t.Fatalf("pcr7=%v: the sealed bytes hold the secret in clear", pcr7)
		}
		got, err := pa.Unseal(sealed)
		if err != nil || !bytes.Equal(got, s) {
			t.Fatalf("pcr7=%v: unsealing on the same TPM: %v (equal %v)", pcr7, err, bytes.Equal(got, s))
		}
		// Reopened (a new start): the SRK is made again from the same owner seed.
		pa2, err := protector.OpenTPM2(a.Path, false)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := pa2.Unseal(sealed); err != nil || !bytes.Equal(got, s) {
			t.Fatalf("pcr7=%v: unsealing after a restart: %v", pcr7, err)
		}
		pa2.Close()
		pb, err := protector.OpenTPM2(b.Path, pcr7)
		if err != nil {
			t.Fatal(err)
		}
		got, err = pb.Unseal(sealed)
		if !errors.Is(err, protector.ErrWrongMachine) || got != nil {
			t.Fatalf("pcr7=%v: another TPM unsealed: %v, %d bytes", pcr7, err, len(got))
		}
		pb.Close()
	}
}

func TestTPM2RefusesTooLargeSecretAndGarbage(t *testing.T) {
	a := swtpmtest.Start(t)
	p, err := protector.OpenTPM2(a.Path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Seal(secret(protector.MaxSecret + 1)); err == nil {
		t.Fatal("sealed more than MaxSecret")
	}
	for _, g := range [][]byte{nil, []byte("{}"), []byte(`{"format":"kiosk-agent tpm2 sealed object v1","public":"AAA=","private":"AAA="}`)} {
		if _, err := p.Unseal(g); !errors.Is(err, protector.ErrWrongMachine) {
			t.Errorf("Unseal(%q): %v, want ErrWrongMachine", g, err)
		}
	}
}

func TestTPM2UnavailableSaysWhat(t *testing.T) {
	_, err := protector.OpenTPM2("unix:"+filepath.Join(t.TempDir(), "none.sock"), false)
	if !errors.Is(err, protector.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func writeCred(t *testing.T, dir string, key []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, protector.CredentialName), key, 0o400); err != nil {
		t.Fatal(err)
	}
}

func TestSystemdCreds(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	writeCred(t, d1, secret(32))
	k2 := secret(32)
	k2[0] ^= 1
	writeCred(t, d2, k2)
	p1, err := protector.OpenSystemdCreds(d1)
	if err != nil {
		t.Fatal(err)
	}
	s := secret(97)
	sealed, err := p1.Seal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p1.Unseal(sealed); err != nil || !bytes.Equal(got, s) {
		t.Fatalf("unseal: %v", err)
	}
	p2, err := protector.OpenSystemdCreds(d2)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p2.Unseal(sealed); !errors.Is(err, protector.ErrWrongMachine) || got != nil {
		t.Fatalf("another credential unsealed: %v", err)
	}
	if _, err := protector.OpenSystemdCreds(t.TempDir()); !errors.Is(err, protector.ErrUnavailable) {
		t.Fatalf("no credential: %v", err)
	}
	if _, err := protector.OpenSystemdCreds(""); !errors.Is(err, protector.ErrUnavailable) {
		t.Fatalf("no $CREDENTIALS_DIRECTORY: %v", err)
	}
	d3 := t.TempDir()
	writeCred(t, d3, []byte("short"))
	if _, err := protector.OpenSystemdCreds(d3); !errors.Is(err, protector.ErrUnavailable) {
		t.Fatalf("a short credential: %v", err)
	}
}

// TestSystemdCredsRoundTrip makes the credential as the kiosk's installer does, with
// the real systemd-creds (host key), and decrypts it as systemd does for
// LoadCredentialEncrypted=.
func TestSystemdCredsRealTool(t *testing.T) {
	if _, err := exec.LookPath("systemd-creds"); err != nil {
		t.Skip("systemd-creds is not installed (Debian's systemd package)")
	}
	if os.Geteuid() != 0 {
		t.Skip("systemd-creds encrypt --with-key=host needs root (the host key in /var/lib/systemd)")
	}
	dir := t.TempDir()
	enc := filepath.Join(dir, "kek.cred")
	key := secret(32)
	cmd := exec.Command("systemd-creds", "encrypt", "--with-key=host", "--name="+protector.CredentialName, "-", enc)
	cmd.Stdin = bytes.NewReader(key)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("systemd-creds encrypt: %v: %s", err, out)
	}
	if b, _ := os.ReadFile(enc); bytes.Contains(b, key[:16]) {
		t.Fatal("the encrypted credential holds the key in clear")
	}
	credDir := t.TempDir()
	out, err := exec.Command("systemd-creds", "decrypt", "--name="+protector.CredentialName, enc, filepath.Join(credDir, protector.CredentialName)).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-creds decrypt: %v: %s", err, out)
	}
	p, err := protector.OpenSystemdCreds(credDir)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := p.Seal(secret(64))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Unseal(sealed); err != nil || !bytes.Equal(got, secret(64)) {
		t.Fatalf("unseal: %v", err)
	}
}

func TestResolveAndOptions(t *testing.T) {
	a := swtpmtest.Start(t)
	noTPM := "unix:" + filepath.Join(t.TempDir(), "none.sock")
	creds := t.TempDir()
	writeCred(t, creds, secret(32))
	cases := []struct {
		name string
		o    protector.Options
		want string
	}{
		{"auto with a TPM", protector.Options{TPMPath: a.Path, CredentialsDir: creds}, protector.KindTPM2},
		{"auto, no TPM, a credential", protector.Options{TPMPath: noTPM, CredentialsDir: creds}, protector.KindSystemdCreds},
		{"auto, nothing", protector.Options{TPMPath: noTPM, CredentialsDir: t.TempDir()}, protector.KindFile},
		{"auto keeps the sealed kind", protector.Options{TPMPath: a.Path, CredentialsDir: creds, Sealed: protector.KindSystemdCreds}, protector.KindSystemdCreds},
		{"set file", protector.Options{Kind: protector.KindFile, TPMPath: a.Path}, protector.KindFile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, why := protector.Resolve(c.o); got != c.want || why == "" {
				t.Fatalf("Resolve = %q (%s), want %q", got, why, c.want)
			}
		})
	}
	if _, err := protector.Open(protector.Options{TPMPath: noTPM, CredentialsDir: t.TempDir(), RequireHardware: true}); !errors.Is(err, protector.ErrHardwareRequired) {
		t.Fatalf("auto falling to file with require_hardware: %v", err)
	}
	if p, err := protector.Open(protector.Options{TPMPath: noTPM, CredentialsDir: t.TempDir()}); p != nil || err != nil {
		t.Fatalf("auto falling to file: %v, %v", p, err)
	}
	for _, bad := range []protector.Options{
		{Kind: "tpm"}, {Kind: protector.KindFile, RequireHardware: true}, {TPMPath: "unix:relative"}, {TPMPath: "/etc/passwd"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", bad)
		}
	}
}

// TestTPM2PCR7Policy: keys sealed to the Secure Boot state do not unseal once PCR 7
// changes (a changed Secure Boot configuration), and say so; unbound keys still do.
func TestTPM2PCR7Policy(t *testing.T) {
	a := swtpmtest.Start(t)
	bound, err := protector.OpenTPM2(a.Path, true)
	if err != nil {
		t.Fatal(err)
	}
	unbound, _ := protector.OpenTPM2(a.Path, false)
	sb, err := bound.Seal(secret(40))
	if err != nil {
		t.Fatal(err)
	}
	su, err := unbound.Seal(secret(40))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := linuxudstpm.Open(a.Socket)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpm2.PCRExtend{
		PCRHandle: tpm2.AuthHandle{Handle: tpm2.TPMHandle(7), Auth: tpm2.PasswordAuth(nil)},
		Digests:   tpm2.TPMLDigestValues{Digests: []tpm2.TPMTHA{{HashAlg: tpm2.TPMAlgSHA256, Digest: bytes.Repeat([]byte{0xAB}, 32)}}},
	}.Execute(raw)
	raw.Close()
	if err != nil {
		t.Fatalf("extending PCR 7: %v", err)
	}
	if got, err := bound.Unseal(sb); !errors.Is(err, protector.ErrPolicy) || got != nil {
		t.Fatalf("unsealing after PCR 7 changed: %v, want ErrPolicy", err)
	}
	if got, err := unbound.Unseal(su); err != nil || !bytes.Equal(got, secret(40)) {
		t.Fatalf("unbound keys after PCR 7 changed: %v", err)
	}
}

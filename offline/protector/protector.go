package protector

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Kinds of protector, as the config's keys.protector names them.
const (
	KindAuto         = "auto"
	KindTPM2         = "tpm2"
	KindSystemdCreds = "systemd-creds"
	KindFile         = "file"
)

// Kinds lists the values keys.protector accepts.
var Kinds = []string{KindAuto, KindTPM2, KindSystemdCreds, KindFile}

// DefaultTPMPath is the kernel's TPM resource manager, the device the kiosk opens.
const DefaultTPMPath = "/dev/tpmrm0"

// CredentialName is the name of the systemd credential that holds the key-encryption
// key (LoadCredentialEncrypted=kiosk-agent-kek:... in the session unit).
const CredentialName = "kiosk-agent-kek"

// CredentialKeyLen is the size of the credential's secret: 32 raw bytes.
const CredentialKeyLen = 32

var (
	// ErrUnavailable: the configured protector cannot be used on this machine (no
	// TPM answers at keys.tpm_path, no credential in $CREDENTIALS_DIRECTORY). The
	// message says what to do.
	ErrUnavailable = errors.New("key protector unavailable")
	// ErrHardwareRequired: keys.require_hardware is set and the protector would be
	// the plain file.
	ErrHardwareRequired = errors.New("keys.require_hardware is set: the device key may not be a plain file")
	// ErrWrongMachine: the sealed material was not made by this TPM (another
	// machine, a cleared TPM, or a replaced mainboard) or not under this
	// credential. Nothing was decrypted.
	ErrWrongMachine = errors.New("the sealed device keys do not belong to this machine")
	// ErrPolicy: the TPM refused to unseal because the bound PCR changed (Secure
	// Boot state or its keys changed since the keys were sealed).
	ErrPolicy = errors.New("the TPM refused to unseal: the Secure Boot state (PCR 7) changed since the keys were sealed")
)

// Protector keeps a small secret (at most MaxSecret bytes) off the disk in clear:
// Seal returns bytes that are safe to store beside the queue, and Unseal gives the
// secret back only on the machine (TPM, credential) that sealed it.
type Protector interface {
	// Name is the kind: KindTPM2 or KindSystemdCreds.
	Name() string
	// Describe says, for doctor and the status screen, what protects the keys
	// (e.g. "TPM 2.0 at /dev/tpmrm0, PCR 7 bound"). It holds no secret.
	Describe() string
	Seal(secret []byte) ([]byte, error)
	Unseal(sealed []byte) ([]byte, error)
	Close() error
}

// MaxSecret is the largest secret a protector seals (a TPM's sealed data object
// holds 128 bytes).
const MaxSecret = 128

// Options choose and configure the protector (the config's "keys" section).
type Options struct {
	// Kind is one of Kinds; "" means KindAuto.
	Kind string
	// TPMPath is the TPM: a device (default DefaultTPMPath) or "unix:PATH", the
	// socket of a software TPM (swtpm socket --server type=unixio).
	TPMPath string
	// BindPCR7 seals the TPM's keys to the Secure Boot state (PCR 7, SHA-256 bank):
	// a changed Secure Boot configuration then refuses to unseal (ErrPolicy).
	BindPCR7 bool
	// RequireHardware refuses KindFile (and auto finding neither TPM nor credential).
	RequireHardware bool
	// Sealed is the kind recorded by the data dir's sealed keys, if any ("" if
	// none): auto then uses it, so an auto kiosk never falls back to a weaker
	// protector than the one its keys are sealed with.
	Sealed string
	// CredentialsDir is $CREDENTIALS_DIRECTORY; "" reads the environment.
	CredentialsDir string
}

// Validate checks the options without touching any device.
func (o Options) Validate() error {
	switch o.Kind {
	case "", KindAuto, KindTPM2, KindSystemdCreds, KindFile:
	default:
		return fmt.Errorf("keys.protector %q: want one of %s", o.Kind, strings.Join(Kinds, ", "))
	}
	if o.TPMPath != "" {
		if p, ok := strings.CutPrefix(o.TPMPath, "unix:"); ok {
			if p == "" || !strings.HasPrefix(p, "/") {
				return fmt.Errorf("keys.tpm_path %q: a software TPM's socket is unix:/ABSOLUTE/PATH", o.TPMPath)
			}
		} else if !strings.HasPrefix(o.TPMPath, "/dev/") {
			return fmt.Errorf("keys.tpm_path %q: want a TPM device under /dev/ (like /dev/tpmrm0) or unix:/PATH of a software TPM's socket", o.TPMPath)
		}
	}
	if o.RequireHardware && o.Kind == KindFile {
		return fmt.Errorf("%w: keys.protector is \"file\"; set it to \"auto\", \"tpm2\" or \"systemd-creds\"", ErrHardwareRequired)
	}
	return nil
}

func (o Options) tpmPath() string {
	if o.TPMPath == "" {
		return DefaultTPMPath
	}
	return o.TPMPath
}

func (o Options) credentialsDir() string {
	if o.CredentialsDir != "" {
		return o.CredentialsDir
	}
	return os.Getenv("CREDENTIALS_DIRECTORY")
}

// Resolve says which kind Open would use, and why, without keeping anything open.
// auto is tpm2 when the TPM answers, else systemd-creds when the credential is
// there, else file; but the kind the data dir's keys are sealed with (Options.Sealed)
// always wins.
func Resolve(o Options) (kind, why string) {
	switch o.Kind {
	case KindTPM2, KindSystemdCreds, KindFile:
		return o.Kind, "set by keys.protector"
	}
	if o.Sealed != "" && o.Sealed != KindFile {
		return o.Sealed, "the data folder's keys are sealed with it"
	}
	if t, err := openTPM(o.tpmPath()); err == nil {
		err = probe(t)
		t.Close()
		if err == nil {
			return KindTPM2, "a TPM 2.0 answers at " + o.tpmPath()
		}
	}
	if _, err := readCredential(o.credentialsDir()); err == nil {
		return KindSystemdCreds, "the systemd credential " + CredentialName + " is loaded"
	}
	return KindFile, "no TPM answers at " + o.tpmPath() + " and no systemd credential " + CredentialName + " is loaded"
}

// Open resolves o.Kind and opens the protector. For KindFile it returns (nil, nil):
// the queue then keeps today's device.key (unless RequireHardware refuses it).
func Open(o Options) (Protector, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	kind, _ := Resolve(o)
	switch kind {
	case KindTPM2:
		return OpenTPM2(o.tpmPath(), o.BindPCR7)
	case KindSystemdCreds:
		return OpenSystemdCreds(o.credentialsDir())
	}
	if o.RequireHardware {
		return nil, fmt.Errorf("%w: keys.protector is %q and no TPM answers at %s and no systemd credential %s is loaded; fix the TPM (group tss, /dev/tpmrm0) or install a credential (kioskctl keys install-credential)",
			ErrHardwareRequired, o.Kind, o.tpmPath(), CredentialName)
	}
	return nil, nil
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/parts"
	"github.com/smartselfie/kiosk-agent/offline"
	"github.com/smartselfie/kiosk-agent/offline/protector"
)

func init() {
	register(&command{name: "keys", summary: "the device keys: status | rotate | install-credential (TPM 2.0, systemd credential or plain file)", run: runKeys})
}

const keysUsage = `status [--json]
       kioskctl keys rotate
       kioskctl keys install-credential [--file PATH] [--systemd-dir DIR]

status names the protector of the device keys (keys.protector: tpm2, systemd-creds or
file) and the device's fingerprint, never a key; it reads only the key file's header
and works while the kiosk runs. rotate draws a new key-encryption key and re-wraps every
queued job's data key under it (stop the kiosk first: it holds the queue). 
install-credential (root) makes the systemd credential of keys.protector systemd-creds:
a random key encrypted by systemd-creds (host key, and the TPM when there is one) into
/etc/credstore.encrypted/kiosk-agent-kek, and a drop-in that loads it into the kiosk's
session units (LoadCredentialEncrypted=).`

// unitsLoadingCredential are the session units that get the credential's drop-in.
var unitsLoadingCredential = []string{"kiosk-agent-session.service", "kiosk-agent-session-x11.service"}

func runKeys(g *globals, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(g.stderr, "usage: kioskctl keys %s\n", keysUsage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	fs := g.newFlagSet("keys "+sub, "")
	asJSON := fs.Bool("json", false, "print JSON (status)")
	file := fs.String("file", protector.CredentialFile, "the encrypted credential to write (install-credential)")
	systemdDir := fs.String("systemd-dir", "/etc/systemd/system", "where the units' drop-ins go (install-credential)")
	switch sub {
	case "status", "rotate", "install-credential":
	default:
		fmt.Fprintf(g.stderr, "kioskctl keys: unknown sub-command %q\nusage: kioskctl keys %s\n", sub, keysUsage)
		return exitUsage
	}
	if _, ok := queueArgs(g, fs, args, 0, 0); !ok {
		return exitUsage
	}
	c, err := g.config()
	if err != nil {
		return g.errorf("keys %s: %v", sub, err)
	}
	switch sub {
	case "status":
		return keysStatus(g, c.DataDir, parts.ProtectorOptions(c, ""), *asJSON)
	case "rotate":
		p, err := parts.KeyProtector(c, false)
		if err != nil {
			return g.errorf("keys rotate: %v", err)
		}
		if err := asDataOwner(g, c.DataDir); err != nil {
			return g.errorf("keys rotate: %v", err)
		}
		opts := parts.QueueOptions(c)
		opts.Clock, opts.Logger, opts.Protector = g.clock(), g.logger(c), p
		before, after, err := offline.RotateKEK(c.DataDir, opts)
		if err != nil {
			if errors.Is(err, offline.ErrLocked) {
				err = fmt.Errorf("%w (stop the kiosk first, e.g. systemctl stop kiosk-agent-session)", err)
			}
			return g.errorf("keys rotate: %v", err)
		}
		fmt.Fprintf(g.stdout, "key-encryption key rotated (%s): %s -> %s; every queued job's data key is wrapped by the new one\n", after.Protector, before.KEKID, after.KEKID)
		return exitOK
	}
	// install-credential
	if os.Geteuid() != 0 {
		return g.errorf("keys install-credential: run it as root (systemd-creds encrypt uses the host key in /var/lib/systemd)")
	}
	if err := protector.InstallCredential(*file); err != nil {
		return g.errorf("keys install-credential: %v", err)
	}
	for _, u := range unitsLoadingCredential {
		dir := filepath.Join(*systemdDir, u+".d")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return g.errorf("keys install-credential: %v", err)
		}
		conf := "# Written by kioskctl keys install-credential: the key that seals the kiosk's device keys\n" +
			"# (keys.protector systemd-creds), decrypted by systemd for the service only.\n" +
			"[Service]\nLoadCredentialEncrypted=" + protector.CredentialName + ":" + *file + "\n"
		if err := os.WriteFile(filepath.Join(dir, protector.CredentialName+".conf"), []byte(conf), 0o644); err != nil {
			return g.errorf("keys install-credential: %v", err)
		}
	}
	fmt.Fprintf(g.stdout, "credential written to %s (encrypted by systemd-creds) and loaded by %s\n"+
		"next: set keys.protector to \"systemd-creds\" (or leave \"auto\" on a kiosk without a TPM), then\n"+
		"  systemctl daemon-reload && systemctl restart kiosk-agent-session\n"+
		"back up %s with the data folder: without it the queued jobs cannot be opened\n",
		*file, strings.Join(unitsLoadingCredential, " and "), *file)
	return exitOK
}

// keysReport is kioskctl keys status --json.
type keysReport struct {
	offline.KeyStatus
	// Configured is keys.protector; Resolved what it means on this machine, and Why.
	Configured string `json:"configured"`
	Resolved   string `json:"resolved"`
	Why        string `json:"why"`
	// Created is false when the data folder has no keys yet.
	Created bool `json:"created"`
}

func keysStatus(g *globals, dir string, o protector.Options, asJSON bool) int {
	st, err := offline.ReadKeyStatus(dir)
	created := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return g.errorf("keys status: %v", err)
	}
	if created {
		o.Sealed = st.Protector
	}
	kind, why := protector.Resolve(o)
	rep := keysReport{KeyStatus: st, Configured: o.Kind, Resolved: kind, Why: why, Created: created}
	if asJSON {
		if err := queueJSON(g.stdout, rep); err != nil {
			return g.errorf("keys status: %v", err)
		}
		return exitOK
	}
	if !created {
		fmt.Fprintf(g.stdout, "no device keys in %s yet: the kiosk makes them at its first start, with %s (%s)\n", dir, kind, why)
		return exitOK
	}
	fmt.Fprintf(g.stdout, "protector:   %s\nfingerprint: %s\nkek id:      %s\nfile:        %s\nconfigured:  keys.protector %s -> %s (%s)\n",
		st.Protector, st.Fingerprint, st.KEKID, st.File, o.Kind, kind, why)
	switch {
	case st.Protector == offline.ProtectorFile && kind != protector.KindFile:
		fmt.Fprintf(g.stdout, "the plain key moves to %s at the kiosk's next start\n", kind)
	case st.Protector == offline.ProtectorFile:
		fmt.Fprintf(g.stdout, "WARNING: the device keys are in a plain file, not protected against disk theft\n")
	}
	return exitOK
}

// Package protector keeps the kiosk's device keys off the disk in clear: a stolen
// kiosk, a stolen disk or a careless backup of the data folder then reveals no
// customer. offline.Open takes a Protector (offline.Options.Protector) and stores
// only what it sealed, in device.sealed beside queue.db.
//
// # Kinds (the config's keys.protector)
//
//   - tpm2: the secret is sealed in a TPM 2.0 data object (github.com/google/go-tpm)
//     under the storage root key (SRK) of the owner hierarchy. The SRK is the TCG's
//     ECC P-256 SRK template, created again at each Seal and Unseal from the TPM's
//     owner seed (CreatePrimary is deterministic) and flushed after: nothing is
//     persisted in the TPM and no persistent handle is taken. The sealed object's
//     private area is encrypted and integrity-protected under that SRK, so it loads
//     on no other TPM, nor on this one once cleared (ErrWrongMachine). The secret
//     crosses the bus only encrypted (a salted session with parameter encryption).
//     The TPM is a device (keys.tpm_path, default /dev/tpmrm0, the kernel's resource
//     manager; the service user needs group tss) or "unix:PATH", the socket of a
//     software TPM (swtpm socket --tpm2 --server type=unixio,path=PATH): the raw TPM
//     command stream, one connection per operation.
//   - PCR 7 (optional, keys.tpm_bind_pcr7, off by default): the object is sealed with
//     a PolicyPCR on PCR 7 of the SHA-256 bank, the Secure Boot state. Turning Secure
//     Boot off, or changing its keys (db, dbx, KEK, PK), then refuses to unseal
//     (ErrPolicy) until the old state is back. Firmware updates that do not touch
//     Secure Boot leave PCR 7 alone.
//   - systemd-creds: the secret is encrypted (AES-256-GCM) with a 32-byte key that
//     systemd hands the service in $CREDENTIALS_DIRECTORY/kiosk-agent-kek, decrypted
//     from the credential of LoadCredentialEncrypted= (made by kioskctl keys
//     install-credential with systemd-creds encrypt, bound to the host key and the
//     TPM when there is one).
//   - file: no protector (Open returns nil): offline keeps the plain device.key.
//   - auto: tpm2 when a TPM answers at keys.tpm_path, else systemd-creds when the
//     credential is loaded, else file; but never another kind than the one the data
//     folder's keys are already sealed with (Options.Sealed).
//
// keys.require_hardware refuses file, whether set or reached by auto
// (ErrHardwareRequired).
//
// # Use
//
//	p, err := protector.Open(protector.Options{Kind: "auto", Sealed: sealedKind})
//	// p is nil for the plain file
//	q, err := offline.Open(dir, offline.Options{Protector: p, ...})
//
// A Protector seals at most MaxSecret bytes (a TPM's sealed object holds 128). Its
// errors say what to do and never hold the secret.
package protector

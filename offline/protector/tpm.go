package protector

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpm2/transport/linuxtpm"
)

// tpmProtector seals under a storage root key (SRK) of the TPM's owner hierarchy.
// The SRK is the TCG's ECC P-256 SRK template, created again from the owner seed at
// each start (CreatePrimary is deterministic): nothing is persisted in the TPM, no
// persistent handle is taken from other users of the TPM, and a cleared TPM (a new
// owner seed) or another TPM gives another SRK, under which the sealed object does
// not load.
//
// The TPM is opened for each Seal and Unseal and closed after: a kiosk unseals once
// at start, and a software TPM's socket serves one client at a time.
type tpmProtector struct {
	mu     sync.Mutex
	t      transport.TPMCloser // open during a Seal or Unseal only
	path   string
	pcr7   bool
	closed bool
}

// pcr7Selection is PCR 7 (Secure Boot policy) of the SHA-256 bank.
var pcr7Selection = tpm2.TPMLPCRSelection{PCRSelections: []tpm2.TPMSPCRSelection{
	{Hash: tpm2.TPMAlgSHA256, PCRSelect: tpm2.PCClientCompatible.PCRs(7)},
}}

// OpenTPM2 opens the TPM at path (a device, or "unix:PATH" of a software TPM's
// socket) and checks that it answers. bindPCR7 seals new material to PCR 7.
func OpenTPM2(path string, bindPCR7 bool) (Protector, error) {
	t, err := openTPM(path)
	if err != nil {
		return nil, fmt.Errorf("%w: opening the TPM at %s: %v; check that the kiosk's user is in group tss and /dev/tpmrm0 exists (or set keys.tpm_path)", ErrUnavailable, path, err)
	}
	err = probe(t)
	t.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: the TPM at %s does not answer: %v", ErrUnavailable, path, err)
	}
	return &tpmProtector{path: path, pcr7: bindPCR7}, nil
}

// connect opens the TPM for one operation; the caller holds p.mu and calls the
// returned function when done.
func (p *tpmProtector) connect(what string) (func(), error) {
	if p.closed {
		return nil, fmt.Errorf("%s: the key protector is closed", what)
	}
	t, err := openTPM(p.path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: opening the TPM at %s: %v", what, ErrUnavailable, p.path, err)
	}
	p.t = t
	return func() { p.t.Close(); p.t = nil }, nil
}

func openTPM(path string) (transport.TPMCloser, error) {
	if sock, ok := strings.CutPrefix(path, "unix:"); ok {
		c, err := net.DialTimeout("unix", sock, 5*time.Second)
		if err != nil {
			return nil, err
		}
		return &streamTPM{c: c}, nil
	}
	return linuxtpm.Open(path)
}

// probe asks the TPM for 8 random bytes: the cheapest command that any TPM 2.0
// answers once started.
func probe(t transport.TPM) error {
	_, err := tpm2.GetRandom{BytesRequested: 8}.Execute(t)
	return err
}

// streamTPM speaks the raw TPM 2.0 command stream over one connection, as swtpm's
// "--server type=unixio" socket does: a command, then a response whose header
// (tag, size, code: 10 bytes) gives its length.
type streamTPM struct {
	c net.Conn
}

const maxTPMResponse = 64 << 10

func (s *streamTPM) Send(cmd []byte) ([]byte, error) {
	if err := s.c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := s.c.Write(cmd); err != nil {
		return nil, fmt.Errorf("sending to the TPM: %w", err)
	}
	hdr := make([]byte, 10)
	if _, err := io.ReadFull(s.c, hdr); err != nil {
		return nil, fmt.Errorf("reading the TPM's answer: %w", err)
	}
	size := binary.BigEndian.Uint32(hdr[2:6])
	if size < 10 || size > maxTPMResponse {
		return nil, fmt.Errorf("the TPM's answer claims %d bytes", size)
	}
	rsp := make([]byte, size)
	copy(rsp, hdr)
	if _, err := io.ReadFull(s.c, rsp[10:]); err != nil {
		return nil, fmt.Errorf("reading the TPM's answer: %w", err)
	}
	return rsp, nil
}

func (s *streamTPM) Close() error { return s.c.Close() }

func (p *tpmProtector) Name() string { return KindTPM2 }

func (p *tpmProtector) Describe() string {
	d := "TPM 2.0 at " + p.path
	if p.pcr7 {
		d += ", sealed to the Secure Boot state (PCR 7)"
	}
	return d
}

func (p *tpmProtector) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return nil
}

// tpmSealed is what Seal returns: the sealed data object's public and private
// areas (the private area is encrypted by the TPM under the SRK's seed and only
// loads under that SRK) and the policy it was sealed with.
type tpmSealed struct {
	Format  string `json:"format"`
	PCR7    bool   `json:"pcr7,omitempty"`
	Public  []byte `json:"public"`
	Private []byte `json:"private"`
}

const tpmSealedFormat = "kiosk-agent tpm2 sealed object v1"

type srk struct {
	handle tpm2.TPMHandle
	name   tpm2.TPM2BName
	pub    tpm2.TPMTPublic
}

func (p *tpmProtector) createSRK() (*srk, error) {
	rsp, err := tpm2.CreatePrimary{
		PrimaryHandle: tpm2.TPMRHOwner,
		InPublic:      tpm2.New2B(tpm2.ECCSRKTemplate),
	}.Execute(p.t)
	if err != nil {
		if errors.Is(err, tpm2.TPMRCBadAuth) || errors.Is(err, tpm2.TPMRCAuthFail) {
			return nil, fmt.Errorf("%w: the TPM's owner hierarchy has a password; the kiosk needs the default empty owner authorization", ErrUnavailable)
		}
		return nil, fmt.Errorf("creating the storage root key: %w", err)
	}
	pub, err := rsp.OutPublic.Contents()
	if err != nil {
		p.flush(rsp.ObjectHandle)
		return nil, fmt.Errorf("reading the storage root key: %w", err)
	}
	return &srk{handle: rsp.ObjectHandle, name: rsp.Name, pub: *pub}, nil
}

func (p *tpmProtector) flush(h tpm2.TPMHandle) {
	_, _ = tpm2.FlushContext{FlushHandle: h}.Execute(p.t)
}

// session is a salted HMAC (or policy) session on the SRK that encrypts the
// command's or the response's first parameter, so the secret never crosses the bus
// to the TPM in clear.
func (s *srk) session(dir tpm2.AuthOption) tpm2.Session {
	return tpm2.HMAC(tpm2.TPMAlgSHA256, 16, dir, tpm2.Salted(s.handle, s.pub))
}

func (p *tpmProtector) pcr7Digest() ([]byte, error) {
	rsp, err := tpm2.PCRRead{PCRSelectionIn: pcr7Selection}.Execute(p.t)
	if err != nil {
		return nil, fmt.Errorf("reading PCR 7: %w", err)
	}
	if len(rsp.PCRValues.Digests) != 1 {
		return nil, errors.New("reading PCR 7: the TPM has no SHA-256 bank for PCR 7")
	}
	h := sha256.Sum256(rsp.PCRValues.Digests[0].Buffer)
	return h[:], nil
}

func (p *tpmProtector) Seal(secret []byte) ([]byte, error) {
	if len(secret) > MaxSecret {
		return nil, fmt.Errorf("sealing: %d bytes is more than %d", len(secret), MaxSecret)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	done, err := p.connect("sealing")
	if err != nil {
		return nil, err
	}
	defer done()
	s, err := p.createSRK()
	if err != nil {
		return nil, fmt.Errorf("sealing in the TPM: %w", err)
	}
	defer p.flush(s.handle)
	tmpl := tpm2.TPMTPublic{
		Type:    tpm2.TPMAlgKeyedHash,
		NameAlg: tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{
			FixedTPM:     true,
			FixedParent:  true,
			UserWithAuth: !p.pcr7,
			NoDA:         true,
		},
		Parameters: tpm2.NewTPMUPublicParms(tpm2.TPMAlgKeyedHash, &tpm2.TPMSKeyedHashParms{
			Scheme: tpm2.TPMTKeyedHashScheme{Scheme: tpm2.TPMAlgNull},
		}),
	}
	if p.pcr7 {
		d, err := p.pcr7Digest()
		if err != nil {
			return nil, fmt.Errorf("sealing in the TPM: %w", err)
		}
		calc, err := tpm2.NewPolicyCalculator(tpm2.TPMAlgSHA256)
		if err != nil {
			return nil, err
		}
		if err := (tpm2.PolicyPCR{PcrDigest: tpm2.TPM2BDigest{Buffer: d}, Pcrs: pcr7Selection}).Update(calc); err != nil {
			return nil, err
		}
		tmpl.AuthPolicy = tpm2.TPM2BDigest{Buffer: calc.Hash().Digest}
	}
	rsp, err := tpm2.Create{
		ParentHandle: tpm2.AuthHandle{Handle: s.handle, Name: s.name, Auth: s.session(tpm2.AESEncryption(128, tpm2.EncryptIn))},
		InSensitive: tpm2.TPM2BSensitiveCreate{Sensitive: &tpm2.TPMSSensitiveCreate{
			Data: tpm2.NewTPMUSensitiveCreate(&tpm2.TPM2BSensitiveData{Buffer: secret}),
		}},
		InPublic: tpm2.New2B(tmpl),
	}.Execute(p.t)
	if err != nil {
		return nil, fmt.Errorf("sealing in the TPM: %w", err)
	}
	return json.Marshal(tpmSealed{
		Format:  tpmSealedFormat,
		PCR7:    p.pcr7,
		Public:  tpm2.Marshal(rsp.OutPublic),
		Private: tpm2.Marshal(rsp.OutPrivate),
	})
}

func (p *tpmProtector) Unseal(sealed []byte) ([]byte, error) {
	var ts tpmSealed
	if err := json.Unmarshal(sealed, &ts); err != nil || ts.Format != tpmSealedFormat {
		return nil, fmt.Errorf("%w: the sealed keys are not a TPM sealed object of this program", ErrWrongMachine)
	}
	pub, err := tpm2.Unmarshal[tpm2.TPM2BPublic](ts.Public)
	if err != nil {
		return nil, fmt.Errorf("%w: the sealed object's public area does not decode", ErrWrongMachine)
	}
	priv, err := tpm2.Unmarshal[tpm2.TPM2BPrivate](ts.Private)
	if err != nil {
		return nil, fmt.Errorf("%w: the sealed object's private area does not decode", ErrWrongMachine)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	done, err := p.connect("unsealing")
	if err != nil {
		return nil, err
	}
	defer done()
	s, err := p.createSRK()
	if err != nil {
		return nil, fmt.Errorf("unsealing in the TPM: %w", err)
	}
	defer p.flush(s.handle)
	ld, err := tpm2.Load{
		ParentHandle: tpm2.AuthHandle{Handle: s.handle, Name: s.name, Auth: tpm2.PasswordAuth(nil)},
		InPrivate:    *priv,
		InPublic:     *pub,
	}.Execute(p.t)
	if err != nil {
		if errors.Is(err, tpm2.TPMRCIntegrity) || errors.Is(err, tpm2.TPMRCValue) || errors.Is(err, tpm2.TPMRCSize) {
			return nil, fmt.Errorf("%w: the TPM at %s did not seal them (another kiosk's TPM, a cleared TPM or a replaced mainboard): %v", ErrWrongMachine, p.path, err)
		}
		return nil, fmt.Errorf("unsealing in the TPM: loading the sealed object: %w", err)
	}
	defer p.flush(ld.ObjectHandle)
	var auth tpm2.Session
	if ts.PCR7 {
		auth = tpm2.Policy(tpm2.TPMAlgSHA256, 16, func(t transport.TPM, h tpm2.TPMISHPolicy, _ tpm2.TPM2BNonce) error {
			_, err := tpm2.PolicyPCR{PolicySession: h, Pcrs: pcr7Selection}.Execute(t)
			return err
		}, tpm2.AESEncryption(128, tpm2.EncryptOut), tpm2.Salted(s.handle, s.pub))
	} else {
		auth = s.session(tpm2.AESEncryption(128, tpm2.EncryptOut))
	}
	rsp, err := tpm2.Unseal{ItemHandle: tpm2.AuthHandle{Handle: ld.ObjectHandle, Name: ld.Name, Auth: auth}}.Execute(p.t)
	if err != nil {
		if errors.Is(err, tpm2.TPMRCPolicyFail) || errors.Is(err, tpm2.TPMRCPCRChanged) {
			return nil, fmt.Errorf("%w (%v); put the previous Secure Boot settings back to open the queue and let it drain before changing them (docs/operations.md)", ErrPolicy, err)
		}
		return nil, fmt.Errorf("unsealing in the TPM: %w", err)
	}
	return rsp.OutData.Buffer, nil
}

package offline

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PIN rules.
const (
	MinPINLength = 6
	MaxPINLength = 12
)

// ErrWeakPIN: the PIN breaks a rule of ValidatePIN. The wrapped message says which.
var ErrWeakPIN = errors.New("PIN refused")

// ValidatePIN checks a new PIN: 6 to 12 digits (ASCII 0-9), and none of the patterns a
// stranger tries first, since five guesses are all anyone gets before a lock: one digit
// (111111) or all but one the same (000001, 200000); digits in a constant step (123456,
// 890123, 135791, five of six: 135790); numbers counted out (246810, 102030); a short
// group repeated (121212, 123123); lines of the keypad (147258, 159753, 789456,
// 123654, 111000) or pairs along one (112233, 142536); a mirror (123321); a date
// (DDMMYY, MMDDYY, YYMMDD, and DDMMYYYY, MMDDYYYY, YYYYMMDD, 1940 to 2039); and a short
// list of common PINs. The error is a *WeakPINError (ErrWeakPIN) whose Rule names the
// rule and whose Text says it in English or French.
func ValidatePIN(pin string) error {
	if len(pin) < MinPINLength || len(pin) > MaxPINLength {
		return &WeakPINError{Rule: PINRuleLength}
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return &WeakPINError{Rule: PINRuleDigits}
		}
	}
	if r := weakPINRule(pin); r != pinRuleNone {
		return &WeakPINError{Rule: r}
	}
	return nil
}

// PINParams are the argon2id parameters of a PIN hash. They are stored with each
// hash, so changing DefaultPINParams affects new hashes (and old ones at their next
// successful sign-in) without breaking the old ones.
type PINParams struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32
	Threads   uint8
	KeyLen    uint32 // bytes of hash
	SaltLen   uint32 // bytes of random salt
}

// DefaultPINParams follow RFC 9106's second recommended option (64 MiB, 3 passes,
// 4 lanes): about a quarter of a second on a kiosk-class CPU, once per sign-in.
var DefaultPINParams = PINParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 4, KeyLen: 32, SaltLen: 16}

func (p PINParams) withDefaults() PINParams {
	d := DefaultPINParams
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.MemoryKiB == 0 {
		p.MemoryKiB = d.MemoryKiB
	}
	if p.Threads == 0 {
		p.Threads = d.Threads
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	if p.MemoryKiB < 8*uint32(p.Threads) { // argon2's own minimum
		p.MemoryKiB = 8 * uint32(p.Threads)
	}
	return p
}

// hashPIN returns the PHC string of pin under p with a fresh salt:
// $argon2id$v=19$m=MEM,t=TIME,p=THREADS$SALT$HASH (unpadded standard base64).
func hashPIN(pin string, p PINParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hashing PIN: drawing a salt: %w", err)
	}
	h := argon2.IDKey([]byte(pin), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(h)), nil
}

// pinHash is a parsed PHC string.
type pinHash struct {
	params     PINParams
	salt, hash []byte
}

func parsePINHash(s string) (pinHash, error) {
	var ph pinHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return ph, errors.New("stored PIN hash is not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return ph, fmt.Errorf("stored PIN hash has argon2 version %q, want %d", parts[2], argon2.Version)
	}
	p := &ph.params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return ph, fmt.Errorf("stored PIN hash parameters %q: %w", parts[3], err)
	}
	var err error
	if ph.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return ph, fmt.Errorf("stored PIN hash salt: %w", err)
	}
	if ph.hash, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil {
		return ph, fmt.Errorf("stored PIN hash: %w", err)
	}
	if p.Time == 0 || p.Threads == 0 || len(ph.hash) < 16 || len(ph.salt) < 8 {
		return ph, errors.New("stored PIN hash has unusable parameters")
	}
	p.KeyLen, p.SaltLen = uint32(len(ph.hash)), uint32(len(ph.salt))
	return ph, nil
}

// verify reports whether pin matches, comparing in constant time.
func (ph pinHash) verify(pin string) bool {
	h := argon2.IDKey([]byte(pin), ph.salt, ph.params.Time, ph.params.MemoryKiB, ph.params.Threads, uint32(len(ph.hash)))
	return subtle.ConstantTimeCompare(h, ph.hash) == 1
}

package job

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewID returns a new job id: "k-", the time now in UTC to the second, and 8 random hex
// digits, e.g. k-20261129T231500Z-9f86d081. Ids sort by creation time and satisfy
// ValidID; two made in the same second differ with probability 1 - 2^-32. Pass the
// injected clock's Now.
func NewID(now time.Time) string {
	var b [4]byte
	rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return "k-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

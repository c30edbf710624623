package mrz

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Fields are what a zone says of a document and its holder: what EncodeTD1 writes.
type Fields struct {
	DocumentCode   string // "I", "ID", "AC"…: 1 or 2 letters
	IssuingState   string // ICAO 3-letter code
	DocumentNumber string // at most 9 letters and digits (the longer form is not written)
	OptionalData   string // line 1's optional data (at most 15), may be empty
	BirthDate      time.Time
	Sex            string // "F", "M" or "" (written '<')
	ExpiryDate     time.Time
	Nationality    string // ICAO 3-letter code
	Surname        string // letters, spaces and hyphens (written '<'); cut to fit
	GivenNames     string
}

// ErrEncode is returned (wrapped) when a field cannot be written in a zone.
var ErrEncode = errors.New("mrz: field cannot be written")

// EncodeTD1 writes the three 30-character lines of an ID-1 card's zone (ICAO 9303 part 5)
// with every check digit and the composite digit computed; Parse reads them back Valid.
// Letters are upper-cased; spaces, hyphens and apostrophes in names become '<'; a name
// too long for line 3 is cut (the given names first).
func EncodeTD1(f Fields) ([]string, error) {
	code, err := zoneText(f.DocumentCode, 2, false)
	if err != nil || code == "" {
		return nil, fmt.Errorf("%w: document code %q (1 or 2 letters)", ErrEncode, f.DocumentCode)
	}
	state, err := zoneText(f.IssuingState, 3, false)
	if err != nil || len(state) != 3 {
		return nil, fmt.Errorf("%w: issuing state %q (3 letters)", ErrEncode, f.IssuingState)
	}
	nat, err := zoneText(f.Nationality, 3, false)
	if err != nil || len(nat) != 3 {
		return nil, fmt.Errorf("%w: nationality %q (3 letters)", ErrEncode, f.Nationality)
	}
	num, err := zoneText(f.DocumentNumber, 9, false)
	if err != nil || num == "" {
		return nil, fmt.Errorf("%w: document number (1 to 9 letters and digits)", ErrEncode)
	}
	opt, err := zoneText(f.OptionalData, 15, false)
	if err != nil {
		return nil, fmt.Errorf("%w: optional data (at most 15 letters and digits)", ErrEncode)
	}
	if f.BirthDate.IsZero() || f.ExpiryDate.IsZero() {
		return nil, fmt.Errorf("%w: birth and expiry dates are needed", ErrEncode)
	}
	sx := "<"
	switch strings.ToUpper(f.Sex) {
	case "F", "M":
		sx = strings.ToUpper(f.Sex)
	case "", "X", "<":
	default:
		return nil, fmt.Errorf("%w: sex %q (F, M or empty)", ErrEncode, f.Sex)
	}
	sur, err := zoneText(f.Surname, 30, true)
	if err != nil || sur == "" {
		return nil, fmt.Errorf("%w: surname %q (letters, spaces, hyphens)", ErrEncode, f.Surname)
	}
	given, err := zoneText(f.GivenNames, 30, true)
	if err != nil {
		return nil, fmt.Errorf("%w: given names %q (letters, spaces, hyphens)", ErrEncode, f.GivenNames)
	}
	pad := func(s string, n int) string { return s + strings.Repeat("<", n-len(s)) }
	digit := func(s string) string { return string(rune('0' + CheckDigit(s))) }

	num9 := pad(num, 9)
	l1 := pad(code, 2) + state + num9 + digit(num9) + pad(opt, 15)
	birth, expiry := f.BirthDate.Format("060102"), f.ExpiryDate.Format("060102")
	l2 := birth + digit(birth) + sx + expiry + digit(expiry) + nat + strings.Repeat("<", 11)
	l2 += digit(td1Composite([][]byte{[]byte(l1), []byte(l2 + "<")}))
	name := sur
	if given != "" {
		name += "<<" + given
	}
	if len(name) > 30 {
		name = name[:30]
	}
	l3 := pad(name, 30)
	return []string{l1, l2, l3}, nil
}

// zoneText upper-cases s and checks it holds only the zone's letters and digits (and,
// for a name, spaces, hyphens and apostrophes, written '<'); at most n characters
// (names are cut to n instead).
func zoneText(s string, n int, name bool) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(strings.TrimSpace(s)) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9' && !name:
			b.WriteRune(r)
		case name && (r == ' ' || r == '-' || r == '\''):
			b.WriteByte('<')
		default:
			return "", fmt.Errorf("%q is not written in a zone", r)
		}
	}
	out := b.String()
	if len(out) > n {
		if !name {
			return "", fmt.Errorf("longer than %d", n)
		}
		out = out[:n]
	}
	return out, nil
}

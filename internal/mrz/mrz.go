package mrz

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Format is the layout of a machine readable zone (ICAO 9303 parts 4, 5 and 6).
type Format string

const (
	TD1 Format = "TD1" // ID-1 card: 3 lines of 30 characters
	TD2 Format = "TD2" // ID-2 card or visa: 2 lines of 36
	TD3 Format = "TD3" // passport data page: 2 lines of 44
)

// Field names, stable: they appear in Check.Field, Document.Repaired and kioskctl's JSON.
const (
	FieldDocumentNumber = "document_number"
	FieldBirthDate      = "birth_date"
	FieldExpiryDate     = "expiry_date"
	FieldPersonalNumber = "personal_number"
	FieldComposite      = "composite"
	// Fields without a check digit that hold letters only: a digit read there is turned
	// into its letter look-alike (a digit cannot stand there), and named in Repaired.
	FieldDocumentCode = "document_code"
	FieldIssuingState = "issuing_state"
	FieldNationality  = "nationality"
	FieldName         = "name"
)

// letters turns the digits of lines[line][start:end] into their letter look-alikes
// (0→O, 1→I, 2→Z, 5→S, 6→G, 8→B) and reports whether it changed anything.
func letters(lines [][]byte, line, start, end int) bool {
	changed := false
	for i := start; i < end; i++ {
		if alts, ok := toLetter[lines[line][i]]; ok {
			lines[line][i] = alts[0]
			changed = true
		}
	}
	return changed
}

// letterFields normalizes the letters-only fields of a zone (see FieldName).
func letterFields(d *Document, lines [][]byte, spans []span) {
	for _, sp := range spans {
		if letters(lines, sp.line, sp.start, sp.end) {
			d.Repaired = append(d.Repaired, sp.name)
		}
	}
}

type span = struct {
	name             string
	line, start, end int
}

// ErrFormat is returned (wrapped) when the lines are not a TD1, TD2 or TD3 zone.
var ErrFormat = errors.New("mrz: not a TD1, TD2 or TD3 zone")

// Check is one check digit of the zone: the digit printed and the one computed from the
// field (after any repair).
type Check struct {
	Field string `json:"field"`
	Want  byte   `json:"-"`
	Got   byte   `json:"-"`
	OK    bool   `json:"ok"`
}

// Date is a YYMMDD date of the zone with its century resolved; Raw keeps the six
// characters as read (Valid is false when they are not a calendar date).
type Date struct {
	Raw   string    `json:"-"`
	Time  time.Time `json:"-"`
	Valid bool      `json:"valid"`
}

// Document is a parsed zone. The document number is personal data: print it only
// through Masked (the review screen is the one place that shows it whole).
type Document struct {
	Format         Format
	DocumentCode   string // "P", "I", "ID", "AC"… with fillers removed
	IssuingState   string // ICAO 3-letter code (D for Germany is "D", fillers removed)
	Surname        string
	GivenNames     string
	DocumentNumber string
	Nationality    string
	BirthDate      Date
	Sex            string // "F", "M" or "X" (< reads as X)
	ExpiryDate     Date
	OptionalData   string // TD1 line 1 and 2 optional data, TD2 optional data, TD3 personal number
	Checks         []Check
	// Repaired names the check-digited fields whose OCR confusions (0/O, 1/I, 5/S, 8/B,
	// 2/Z, 6/G) were repaired: a repair is kept only when the check digits then hold.
	Repaired []string
	// Lines are the zone's lines after repair.
	Lines []string
}

// Valid reports whether every check digit, the composite included, holds.
func (d *Document) Valid() bool {
	if len(d.Checks) == 0 {
		return false
	}
	for _, c := range d.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// FailedChecks lists the fields whose check digit does not hold.
func (d *Document) FailedChecks() []string {
	var out []string
	for _, c := range d.Checks {
		if !c.OK {
			out = append(out, c.Field)
		}
	}
	return out
}

// Expired reports whether the document's expiry date is before the given day. A zone
// whose expiry date cannot be read is not called expired.
func (d *Document) Expired(now time.Time) bool {
	if !d.ExpiryDate.Valid {
		return false
	}
	y, m, day := now.Date()
	today := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	return d.ExpiryDate.Time.Before(today)
}

// MaskedNumber is the document number with all but its last two characters hidden.
func (d *Document) MaskedNumber() string { return Mask(d.DocumentNumber) }

// Mask hides all but the last two characters of s ("•••••••7C"); strings of two
// characters or fewer are hidden whole.
func Mask(s string) string {
	if len(s) <= 2 {
		return strings.Repeat("•", len(s))
	}
	return strings.Repeat("•", len(s)-2) + s[len(s)-2:]
}

// CheckDigit computes the ICAO 9303 check digit of s: weights 7, 3, 1 repeated; digits
// count their value, A–Z count 10–35, the filler '<' counts 0. It returns -1 when s holds
// a character outside the zone's alphabet.
func CheckDigit(s string) int {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		v := charValue(s[i])
		if v < 0 {
			return -1
		}
		sum += v * weights[i%3]
	}
	return sum % 10
}

func charValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c == '<':
		return 0
	}
	return -1
}

// digitOK reports whether the printed check digit c equals want. A check digit over an
// empty (all-filler) optional field may be printed as '<' for 0.
func digitOK(c byte, want int) bool {
	if want < 0 {
		return false
	}
	if c == '<' {
		return want == 0
	}
	return c >= '0' && c <= '9' && int(c-'0') == want
}

// Normalize cleans OCR output into zone lines: upper case, spaces removed, the usual
// look-alikes of the filler ('«', '‹', 'K' runs are left alone) mapped to '<', empty lines
// dropped. It does not guess at characters: Parse repairs only under the check digits.
func Normalize(lines []string) []string {
	var out []string
	for _, l := range lines {
		var b strings.Builder
		for _, r := range strings.ToUpper(l) {
			switch {
			case r == ' ' || r == '\t' || r == '\r':
			case r == '«' || r == '‹' || r == '≤' || r == '＜':
				b.WriteByte('<')
			case r < 128:
				b.WriteRune(r)
			default:
				b.WriteByte('?')
			}
		}
		if b.Len() > 0 {
			out = append(out, b.String())
		}
	}
	return out
}

// Parse reads a zone from its lines (as Normalize leaves them) and checks every check
// digit. OCR confusions in the check-digited fields are repaired where, and only where,
// the field's check digit then holds. An error is returned only when the lines are not a
// zone at all; a zone with failing check digits is returned with Valid() false.
func Parse(lines []string) (*Document, error) {
	lines = Normalize(lines)
	switch {
	case len(lines) == 3 && allLen(lines, 30):
		return parseTD1(lines), nil
	case len(lines) == 2 && allLen(lines, 36):
		return parseTwoLines(lines, TD2), nil
	case len(lines) == 2 && allLen(lines, 44):
		return parseTwoLines(lines, TD3), nil
	}
	lens := make([]string, len(lines))
	for i, l := range lines {
		lens[i] = fmt.Sprint(len(l))
	}
	return nil, fmt.Errorf("%w: %d lines of %s characters (want 3×30, 2×36 or 2×44)", ErrFormat, len(lines), strings.Join(lens, ", "))
}

func allLen(lines []string, n int) bool {
	for _, l := range lines {
		if len(l) != n {
			return false
		}
	}
	return true
}

// kind is what a position of the zone may hold.
type kind int

const (
	alnum kind = iota // letters, digits or filler (document number, optional data)
	digit             // digits only (dates, check digits)
)

// toDigit and toLetter are the OCR confusions the repair may undo.
var toDigit = map[byte]byte{'O': '0', 'D': '0', 'Q': '0', 'I': '1', 'L': '1', 'Z': '2', 'S': '5', 'G': '6', 'B': '8'}
var toLetter = map[byte][]byte{'0': {'O', 'D', 'Q'}, '1': {'I', 'L'}, '2': {'Z'}, '5': {'S'}, '6': {'G'}, '8': {'B'}}

// field is a check-digited field of a zone: line, [start, end) and its check digit's
// position.
type field struct {
	name       string
	line       int
	start, end int
	check      int // position of the check digit on the same line
	kind       kind
}

// repairField makes the field and its check digit hold if a repair of OCR confusions
// can: digit fields take the digit look-alikes of letters; alphanumeric fields try the
// letter/digit swaps of each confusable character (at most 2^10 combinations); the check
// digit itself is read as a digit. It returns whether the field was changed.
func repairField(lines [][]byte, f field, composite func([][]byte) string, compositePos [2]int) bool {
	l := lines[f.line]
	orig := string(l[f.start:f.end])
	origCheck := l[f.check]
	if digitOK(origCheck, CheckDigit(orig)) && (f.kind != digit || allDigits(orig)) {
		return false
	}
	checks := []byte{origCheck}
	if d, ok := toDigit[origCheck]; ok {
		checks = append(checks, d)
	}
	var candidates []string
	switch f.kind {
	case digit:
		b := []byte(orig)
		for i, c := range b {
			if d, ok := toDigit[c]; ok {
				b[i] = d
			}
		}
		candidates = []string{string(b)}
	case alnum:
		var pos []int
		for i := 0; i < len(orig); i++ {
			c := orig[i]
			if _, ok := toDigit[c]; ok {
				pos = append(pos, i)
			} else if _, ok := toLetter[c]; ok {
				pos = append(pos, i)
			}
		}
		if len(pos) > 10 {
			pos = pos[:10]
		}
		candidates = alternatives(orig, pos)
	}
	// Of the readings whose check digit holds, the ones with the fewest changes are kept
	// (an OCR confuses few characters of a field); the composite digit then tells them
	// apart. The repair must be unique: two readings that both hold are a guess.
	type reading struct {
		s       string
		ck      byte
		changes int
	}
	var holds []reading
	fewest := -1
	for _, c := range candidates {
		for _, ck := range checks {
			if c == orig && ck == origCheck {
				continue
			}
			if !digitOK(ck, CheckDigit(c)) {
				continue
			}
			n := changes(orig, c)
			if ck != origCheck {
				n++
			}
			if fewest < 0 || n < fewest {
				holds, fewest = holds[:0], n
			}
			if n == fewest {
				holds = append(holds, reading{c, ck, n})
			}
		}
	}
	if len(holds) > 1 && composite != nil {
		var kept []reading
		for _, r := range holds {
			copy(l[f.start:f.end], r.s)
			l[f.check] = r.ck
			if digitOK(lines[compositePos[0]][compositePos[1]], CheckDigit(composite(lines))) {
				kept = append(kept, r)
			}
		}
		copy(l[f.start:f.end], orig)
		l[f.check] = origCheck
		holds = kept
	}
	if len(holds) != 1 {
		return false
	}
	copy(l[f.start:f.end], holds[0].s)
	l[f.check] = holds[0].ck
	return true
}

func changes(a, b string) int {
	n := 0
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// alternatives lists every reading of s where each position in pos is either as read or
// its confusion (digit↔letter); the reading as read comes first.
func alternatives(s string, pos []int) []string {
	out := []string{s}
	for _, p := range pos {
		var next []string
		for _, a := range out {
			next = append(next, a)
			c := a[p]
			var alts []byte
			if d, ok := toDigit[c]; ok {
				alts = append(alts, d)
			}
			alts = append(alts, toLetter[c]...)
			for _, alt := range alts {
				b := []byte(a)
				b[p] = alt
				next = append(next, string(b))
			}
		}
		out = next
	}
	return out
}

func toBytes(lines []string) [][]byte {
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out
}

func toStrings(lines [][]byte) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = string(l)
	}
	return out
}

// trim removes the fillers at the end and turns inner fillers into spaces.
func trim(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.TrimRight(s, "<"), "<", " "))
}

// names splits the name field: surname, then given names after "<<".
func names(s string) (surname, given string) {
	s = strings.TrimRight(s, "<")
	if i := strings.Index(s, "<<"); i >= 0 {
		return trim(s[:i]), trim(s[i+2:])
	}
	return trim(s), ""
}

func sex(c byte) string {
	switch c {
	case 'F', 'M':
		return string(c)
	}
	return "X"
}

// date resolves a YYMMDD date. Birth dates are in the past (the century that puts them
// at or before now); expiry dates within 50 years after now's century choice.
func date(raw string, birth bool, now time.Time) Date {
	d := Date{Raw: raw}
	if len(raw) != 6 {
		return d
	}
	var yy, mm, dd int
	if _, err := fmt.Sscanf(raw, "%02d%02d%02d", &yy, &mm, &dd); err != nil {
		return d
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return d
		}
	}
	year := 2000 + yy
	if birth && year > now.Year() {
		year -= 100
	}
	if !birth && year > now.Year()+50 {
		year -= 100
	}
	t := time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != mm || t.Day() != dd {
		return d
	}
	d.Time, d.Valid = t, true
	return d
}

// now is the clock of date resolution; tests may pin it.
var now = time.Now

func finish(d *Document, lines [][]byte, fields []field, composite func([][]byte) string, compositePos [2]int) {
	// Repair the digit fields first (one reading each), then the alphanumeric ones,
	// whose several readings the composite digit may tell apart; then the composite's own
	// digit.
	for _, k := range []kind{digit, alnum} {
		for _, f := range fields {
			if f.kind == k && repairField(lines, f, composite, compositePos) {
				d.Repaired = append(d.Repaired, f.name)
			}
		}
	}
	for _, f := range fields {
		l := lines[f.line]
		d.Checks = append(d.Checks, Check{Field: f.name, Want: l[f.check],
			Got: byte('0' + max(CheckDigit(string(l[f.start:f.end])), 0)),
			OK:  digitOK(l[f.check], CheckDigit(string(l[f.start:f.end])))})
	}
	if composite != nil {
		c := lines[compositePos[0]][compositePos[1]]
		if d2, ok := toDigit[c]; ok && !digitOK(c, CheckDigit(composite(lines))) && digitOK(d2, CheckDigit(composite(lines))) {
			lines[compositePos[0]][compositePos[1]] = d2
			d.Repaired = append(d.Repaired, FieldComposite)
			c = d2
		}
		want := CheckDigit(composite(lines))
		d.Checks = append(d.Checks, Check{Field: FieldComposite, Want: c, Got: byte('0' + max(want, 0)), OK: digitOK(c, want)})
	}
	d.Lines = toStrings(lines)
}

// parseTwoLines parses the two-line formats, TD3 (passport: 44 characters a line) and
// TD2 (36), whose fields stand at the same places but the name and the optional data,
// which run to the line's end: its last character is the composite check digit, and
// TD3's optional data (the personal number) has a check digit of its own before it.
func parseTwoLines(in []string, format Format) *Document {
	n := len(in[0]) // 44 or 36
	lines := toBytes(in)
	fields := []field{
		{FieldDocumentNumber, 1, 0, 9, 9, alnum},
		{FieldBirthDate, 1, 13, 19, 19, digit},
		{FieldExpiryDate, 1, 21, 27, 27, digit},
	}
	optEnd := n - 1 // the optional data ends at the composite
	if format == TD3 {
		optEnd = n - 2 // and at the personal number's check digit
		fields = append(fields, field{FieldPersonalNumber, 1, 28, optEnd, optEnd, alnum})
	}
	d := &Document{Format: format}
	letterFields(d, lines, []span{{FieldDocumentCode, 0, 0, 2}, {FieldIssuingState, 0, 2, 5}, {FieldName, 0, 5, n}, {FieldNationality, 1, 10, 13}})
	finish(d, lines, fields, func(l [][]byte) string {
		s := string(l[1])
		return s[0:10] + s[13:20] + s[21:n-1]
	}, [2]int{1, n - 1})
	l1, l2 := d.Lines[0], d.Lines[1]
	d.DocumentCode = trim(l1[0:2])
	d.IssuingState = trim(l1[2:5])
	d.Surname, d.GivenNames = names(l1[5:n])
	d.DocumentNumber = trim(l2[0:9])
	d.Nationality = trim(l2[10:13])
	d.BirthDate = date(l2[13:19], true, now())
	d.Sex = sex(l2[20])
	d.ExpiryDate = date(l2[21:27], false, now())
	d.OptionalData = trim(l2[28:optEnd])
	return d
}

func parseTD1(in []string) *Document {
	lines := toBytes(in)
	// A document number longer than 9 characters: its check digit position holds '<'
	// and the number goes on in the optional data, ended by its check digit.
	numEnd, numCheck := 9, 14
	long := in[0][14] == '<' && in[0][15] != '<'
	if long {
		rest := in[0][15:30]
		if i := strings.IndexByte(rest, '<'); i > 0 {
			numEnd, numCheck = 15+i-1, 15+i-1
		} else {
			long = false
		}
	}
	var fields []field
	if long {
		// The number is line 1 [5,14) + [15, numEnd); its check digit is at numEnd.
		fields = append(fields, field{FieldDocumentNumber, 0, 5, numEnd, numCheck, alnum})
	} else {
		fields = append(fields, field{FieldDocumentNumber, 0, 5, 14, 14, alnum})
	}
	fields = append(fields,
		field{FieldBirthDate, 1, 0, 6, 6, digit},
		field{FieldExpiryDate, 1, 8, 14, 14, digit},
	)
	d := &Document{Format: TD1}
	letterFields(d, lines, []span{{FieldDocumentCode, 0, 0, 2}, {FieldIssuingState, 0, 2, 5}, {FieldNationality, 1, 15, 18}, {FieldName, 2, 0, 30}})
	if long {
		// The check digit covers the number without the '<' at position 14.
		f := fields[0]
		l := lines[0]
		num := string(l[5:14]) + string(l[15:f.end])
		ok := digitOK(l[f.check], CheckDigit(num))
		fields = fields[1:]
		finish(d, lines, fields, td1Composite, [2]int{1, 29})
		d.Checks = append([]Check{{Field: FieldDocumentNumber, Want: l[f.check], OK: ok}}, d.Checks...)
		d.DocumentNumber = num
	} else {
		finish(d, lines, fields, td1Composite, [2]int{1, 29})
		d.DocumentNumber = trim(d.Lines[0][5:14])
	}
	l1, l2, l3 := d.Lines[0], d.Lines[1], d.Lines[2]
	d.DocumentCode = trim(l1[0:2])
	d.IssuingState = trim(l1[2:5])
	d.BirthDate = date(l2[0:6], true, now())
	d.Sex = sex(l2[7])
	d.ExpiryDate = date(l2[8:14], false, now())
	d.Nationality = trim(l2[15:18])
	if long {
		d.OptionalData = trim(l2[18:29])
	} else {
		d.OptionalData = strings.TrimSpace(trim(l1[15:30]) + " " + trim(l2[18:29]))
	}
	d.Surname, d.GivenNames = names(l3)
	return d
}

func td1Composite(l [][]byte) string {
	a, b := string(l[0]), string(l[1])
	return a[5:30] + b[0:7] + b[8:15] + b[18:29]
}

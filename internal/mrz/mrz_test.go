package mrz

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// The specimens of ICAO Doc 9303 (parts 4, 5 and 6): the fictional Utopia documents of
// Anna Maria Eriksson.
var (
	specTD3 = []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}
	specTD1 = []string{
		"I<UTOD231458907<<<<<<<<<<<<<<<",
		"7408122F1204159UTO<<<<<<<<<<<6",
		"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
	}
	specTD2 = []string{
		"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
		"D231458907UTO7408122F1204159<<<<<<<6",
	}
)

func pin(t *testing.T, day string) {
	t.Helper()
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		t.Fatal(err)
	}
	old := now
	now = func() time.Time { return d }
	t.Cleanup(func() { now = old })
}

func TestCheckDigitICAOValues(t *testing.T) {
	// Values printed on the ICAO specimens, and the worked example of part 3 (4.9).
	for s, want := range map[string]int{
		"L898902C3": 6, "740812": 2, "120415": 9, "ZE184226B<<<<<": 1,
		"D23145890": 7, "520727": 3, "<<<<<<": 0,
	} {
		if got := CheckDigit(s); got != want {
			t.Errorf("CheckDigit(%q) = %d, want %d", s, got, want)
		}
	}
	if CheckDigit("AB-1") != -1 {
		t.Error("a character outside the alphabet must give -1")
	}
}

func TestParseSpecimens(t *testing.T) {
	pin(t, "2026-12-08")
	for _, tc := range []struct {
		lines  []string
		format Format
		code   string
		number string
		opt    string
	}{
		{specTD3, TD3, "P", "L898902C3", "ZE184226B"},
		{specTD1, TD1, "I", "D23145890", ""},
		{specTD2, TD2, "I", "D23145890", ""},
	} {
		d, err := Parse(tc.lines)
		if err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		if d.Format != tc.format || !d.Valid() || len(d.Repaired) != 0 {
			t.Errorf("%s: format %s valid %v repaired %v failed %v", tc.format, d.Format, d.Valid(), d.Repaired, d.FailedChecks())
		}
		if d.DocumentCode != tc.code || d.IssuingState != "UTO" || d.Nationality != "UTO" ||
			d.Surname != "ERIKSSON" || d.GivenNames != "ANNA MARIA" || d.Sex != "F" ||
			d.DocumentNumber != tc.number || d.OptionalData != tc.opt {
			t.Errorf("%s: fields %+v", tc.format, d)
		}
		if !d.BirthDate.Valid || d.BirthDate.Time.Format("2006-01-02") != "1974-08-12" {
			t.Errorf("%s: birth %+v", tc.format, d.BirthDate)
		}
		if !d.ExpiryDate.Valid || d.ExpiryDate.Time.Format("2006-01-02") != "2012-04-15" {
			t.Errorf("%s: expiry %+v", tc.format, d.ExpiryDate)
		}
		if !d.Expired(now()) {
			t.Errorf("%s: a 2012 expiry is expired in 2026", tc.format)
		}
		wantChecks := 4
		if tc.format != TD3 {
			wantChecks = 3
		}
		if len(d.Checks) != wantChecks+1 { // the fields and the composite
			t.Errorf("%s: %d checks", tc.format, len(d.Checks))
		}
	}
}

func TestRepairOnlyWhereCheckDigitsHold(t *testing.T) {
	pin(t, "2026-12-08")
	replace := func(lines []string, line, pos int, c byte) []string {
		out := append([]string(nil), lines...)
		b := []byte(out[line])
		b[pos] = c
		out[line] = string(b)
		return out
	}
	for _, tc := range []struct {
		name    string
		lines   []string
		repair  string
		valid   bool
		numWant string
	}{
		// Letters read in a date: the digit look-alike makes the check digit hold.
		{"TD3 birth O for 0", replace(specTD3, 1, 15, 'O'), FieldBirthDate, true, "L898902C3"},
		{"TD3 expiry S for 5", replace(replace(specTD3, 1, 26, 'S'), 1, 21, 'I'), FieldExpiryDate, true, "L898902C3"},
		{"TD3 check digit B for 8? no: Z for 2", replace(specTD3, 1, 19, 'Z'), FieldBirthDate, true, "L898902C3"},
		// A digit read as a letter in the document number: 8 read B at position 3.
		{"TD3 number 0 as O", replace(specTD3, 1, 5, 'O'), FieldDocumentNumber, true, "L898902C3"},
		// 8 read as B at position 1: two readings hold (L898902C3 and LB9B902C3: the
		// composite cannot tell them apart, its weights line up with the field's), so
		// nothing is guessed.
		{"TD3 number 8 as B ambiguous", replace(specTD3, 1, 1, 'B'), "", false, ""},
		// The C of the number read as... a letter with no look-alike stays wrong.
		{"TD3 number C as X", replace(specTD3, 1, 7, 'X'), "", false, ""},
		{"TD1 number 5 as S", replace(specTD1, 0, 10, 'S'), FieldDocumentNumber, true, "D23145890"},
		{"TD2 expiry 0 as O", replace(specTD2, 1, 23, 'O'), FieldExpiryDate, true, "D23145890"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.lines)
			if err != nil {
				t.Fatal(err)
			}
			if d.Valid() != tc.valid {
				t.Fatalf("valid %v, want %v (failed %v, repaired %v)", d.Valid(), tc.valid, d.FailedChecks(), d.Repaired)
			}
			if tc.repair != "" && (len(d.Repaired) != 1 || d.Repaired[0] != tc.repair) {
				t.Errorf("repaired %v, want [%s]", d.Repaired, tc.repair)
			}
			if tc.repair == "" && len(d.Repaired) != 0 {
				t.Errorf("repaired %v with no reading that holds", d.Repaired)
			}
			if tc.valid && d.DocumentNumber != tc.numWant {
				t.Errorf("number %q", d.DocumentNumber)
			}
		})
	}
}

func TestLettersOnlyFields(t *testing.T) {
	// The OCR read the nationality's O as 0 and the name's I as 1: letters-only fields.
	lines := []string{strings.Replace(specTD3[0], "ERIKSSON", "ER1KSSON", 1), strings.Replace(specTD3[1], "UTO", "UT0", 1)}
	d, err := Parse(lines)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Valid() || d.Nationality != "UTO" || d.Surname != "ERIKSSON" {
		t.Fatalf("valid %v nationality %q surname %q", d.Valid(), d.Nationality, d.Surname)
	}
	if strings.Join(d.Repaired, ",") != FieldName+","+FieldNationality {
		t.Errorf("repaired %v", d.Repaired)
	}
}

func TestNoRepairOfAWrongDigit(t *testing.T) {
	// A wrong digit (7 for 1 in the birth date) has no look-alike repair: the zone stays
	// invalid and names the field; the composite fails too.
	lines := append([]string(nil), specTD3...)
	b := []byte(lines[1])
	b[18] = '7'
	lines[1] = string(b)
	d, err := Parse(lines)
	if err != nil {
		t.Fatal(err)
	}
	if d.Valid() || len(d.Repaired) != 0 {
		t.Fatalf("valid %v repaired %v", d.Valid(), d.Repaired)
	}
	failed := strings.Join(d.FailedChecks(), ",")
	if failed != FieldBirthDate+","+FieldComposite {
		t.Errorf("failed %s", failed)
	}
}

func TestNotAZone(t *testing.T) {
	for _, lines := range [][]string{nil, {"HELLO"}, {specTD3[0], specTD3[1][:40]}, {specTD1[0], specTD1[1]}} {
		if _, err := Parse(lines); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: err %v", lines, err)
		}
	}
}

func TestNormalizeOCRText(t *testing.T) {
	l2 := specTD3[1][:4] + " " + specTD3[1][4:20] + "  " + specTD3[1][20:]
	d, err := Parse([]string{"", " p<utoeriksson<<anna<maria«<<<<<<<<<<<<<<<<<< ", l2, ""})
	if err == nil && d.Valid() {
		return
	}
	// Lower case, a '«' and spaces inserted: Normalize removes them.
	t.Fatalf("normalized specimen: err %v doc %+v", err, d)
}

func TestTD1LongDocumentNumber(t *testing.T) {
	pin(t, "2026-12-08")
	// A 12-character number: 9 in place, '<' in the check digit's place, the last 3 and
	// their check digit in the optional data.
	num := "D23145890734"
	ck := byte('0' + CheckDigit(num))
	l1 := "I<UTO" + num[:9] + "<" + num[9:] + string(ck) + "<"
	l1 += strings.Repeat("<", 30-len(l1))
	l2 := "7408122F1204159UTO<<<<<<<<<<<"
	comp := CheckDigit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
	l2 = l2[:29] + string(rune('0'+comp))
	d, err := Parse([]string{l1, l2, specTD1[2]})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Valid() || d.DocumentNumber != num {
		t.Fatalf("valid %v number %q failed %v", d.Valid(), d.DocumentNumber, d.FailedChecks())
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"L898902C3": "•••••••C3", "AB": "••", "": ""} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q", in, got)
		}
	}
}

func TestDates(t *testing.T) {
	pin(t, "2026-12-08")
	if d := date("991231", true, now()); !d.Valid || d.Time.Year() != 1999 {
		t.Errorf("birth 99: %+v", d)
	}
	if d := date("250101", true, now()); !d.Valid || d.Time.Year() != 2025 {
		t.Errorf("birth 25: %+v", d)
	}
	if d := date("300101", false, now()); !d.Valid || d.Time.Year() != 2030 {
		t.Errorf("expiry 30: %+v", d)
	}
	if d := date("740231", true, now()); d.Valid {
		t.Errorf("31 February accepted: %+v", d)
	}
}

// The two-line formats' optional data runs to the composite: TD2's (7 characters, no
// check digit of its own) is read whole and the composite covers it; TD3's personal
// number stops at its check digit.
func TestTwoLineOptionalData(t *testing.T) {
	pin(t, "2026-12-08")
	l2 := []byte(specTD2[1])
	copy(l2[28:35], "AB12CD3")
	l2[35] = byte('0' + CheckDigit(string(l2[0:10])+string(l2[13:20])+string(l2[21:35])))
	d, err := Parse([]string{specTD2[0], string(l2)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != TD2 || !d.Valid() || d.OptionalData != "AB12CD3" {
		t.Errorf("TD2: format %s valid %v (failed %v) optional data %q, want AB12CD3", d.Format, d.Valid(), d.FailedChecks(), d.OptionalData)
	}
	for _, c := range d.Checks {
		if c.Field == FieldPersonalNumber {
			t.Error("TD2 has no personal number check digit")
		}
	}
	l2[32] = 'X' // the composite no longer holds
	if d, err := Parse([]string{specTD2[0], string(l2)}); err != nil || d.Valid() {
		t.Errorf("TD2 with its optional data changed: valid %v, %v", d != nil && d.Valid(), err)
	}
	d, err = Parse(specTD3)
	if err != nil {
		t.Fatal(err)
	}
	if d.OptionalData != "ZE184226B" || !slices.ContainsFunc(d.Checks, func(c Check) bool { return c.Field == FieldPersonalNumber && c.OK }) {
		t.Errorf("TD3: optional data %q, checks %+v", d.OptionalData, d.Checks)
	}
}

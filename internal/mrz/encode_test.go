package mrz

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The ICAO 9303 part 5 specimen, written from its fields, is the specimen's zone.
func TestEncodeTD1GivesTheSpecimen(t *testing.T) {
	got, err := EncodeTD1(Fields{DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890",
		BirthDate: day(t, "1974-08-12"), Sex: "F", ExpiryDate: day(t, "2012-04-15"), Nationality: "UTO",
		Surname: "Eriksson", GivenNames: "Anna Maria"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, specTD1) {
		t.Errorf("EncodeTD1 =\n%q\nwant\n%q", got, specTD1)
	}
}

func TestEncodeTD1ParsesBackValid(t *testing.T) {
	pin(t, "2026-12-08")
	f := Fields{DocumentCode: "ID", IssuingState: "UTO", DocumentNumber: "X7Q40B51", OptionalData: "AB12",
		BirthDate: day(t, "1988-02-29"), Sex: "M", ExpiryDate: day(t, "2031-11-30"), Nationality: "UTO",
		Surname: "Van der Berg-Smith", GivenNames: "Jean Luc Pierre Alexandre Maximilien"}
	lines, err := EncodeTD1(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if len(l) != 30 {
			t.Fatalf("line %q is %d characters, want 30", l, len(l))
		}
	}
	d, err := Parse(lines)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Valid() || len(d.Repaired) != 0 {
		t.Fatalf("parsed back: valid %v, failed %v, repaired %v", d.Valid(), d.FailedChecks(), d.Repaired)
	}
	if d.DocumentNumber != "X7Q40B51" || d.Surname != "VAN DER BERG SMITH" || d.Sex != "M" ||
		!d.BirthDate.Time.Equal(f.BirthDate) || !d.ExpiryDate.Time.Equal(f.ExpiryDate) || d.DocumentCode != "ID" {
		t.Errorf("parsed back %+v", d)
	}
	// a wrong digit anywhere in the composite's span fails a check
	bad := slices.Clone(lines)
	bad[1] = bad[1][:3] + "7" + bad[1][4:]
	if bad[1] == lines[1] {
		bad[1] = bad[1][:3] + "8" + bad[1][4:]
	}
	if d, _ := Parse(bad); d.Valid() {
		t.Error("a changed birth date still valid")
	}
}

func TestEncodeTD1RefusesWhatAZoneCannotHold(t *testing.T) {
	ok := Fields{DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890",
		BirthDate: day(t, "1974-08-12"), Sex: "F", ExpiryDate: day(t, "2032-04-15"), Nationality: "UTO", Surname: "Eriksson"}
	for name, change := range map[string]func(*Fields){
		"number too long":   func(f *Fields) { f.DocumentNumber = "D231458901" },
		"number with a dot": func(f *Fields) { f.DocumentNumber = "D2314.89" },
		"accent in name":    func(f *Fields) { f.Surname = "Éric" },
		"state of 2":        func(f *Fields) { f.IssuingState = "UT" },
		"no birth date":     func(f *Fields) { f.BirthDate = time.Time{} },
		"sex Q":             func(f *Fields) { f.Sex = "Q" },
		"no surname":        func(f *Fields) { f.Surname = "" },
	} {
		f := ok
		change(&f)
		if _, err := EncodeTD1(f); !errors.Is(err, ErrEncode) {
			t.Errorf("%s: err %v, want ErrEncode", name, err)
		}
	}
	if _, err := EncodeTD1(ok); err != nil {
		t.Errorf("the valid fields: %v", err)
	}
}

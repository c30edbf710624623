// Package mrz reads the machine readable zone of a travel or identity document by ICAO
// Doc 9303 (8th edition): TD1 (ID-1 cards, 3 lines of 30 characters, part 5), TD2 (2×36,
// part 6) and TD3 (passport data pages, 2×44, part 4). It is a leaf: the standard library
// only, so the UI may show what it parsed.
//
// Parse takes the zone's lines as an OCR reads them (Normalize cleans case, spaces and
// the filler's look-alikes), splits the fields, resolves the YYMMDD dates' century and
// checks every check digit (weights 7-3-1; A–Z = 10–35; '<' = 0) and the composite digit.
// OCR confusions (0/O, 1/I, 2/Z, 5/S, 6/G, 8/B) are repaired only in the check-digited
// fields and only where the check digits then hold: a digit field takes the digit
// look-alikes of letters; an alphanumeric field (the document number, the optional data)
// tries each confusable character both ways, and a repair is kept only when exactly one
// reading holds (the composite digit breaks ties). The fields that may hold letters only
// (document code, issuing state, nationality, names) take the letter look-alike of a
// digit read there: a digit cannot stand there. Document.Repaired names what was
// repaired; Valid reports whether every digit holds.
//
// EncodeTD1 writes an ID-1 card's zone from its fields with every check digit computed
// (the synthetic cards of the tests and benchmarks, capture/card/cardtest).
//
// The document number is personal data: print it with Mask / Document.MaskedNumber
// everywhere but the review screen, and never log it.
//
//	doc, err := mrz.Parse(lines)
//	if err != nil { /* not a zone: mrz.ErrFormat */ }
//	if !doc.Valid() { /* doc.FailedChecks() */ }
//	if doc.Expired(time.Now()) { /* a warning on review */ }
package mrz

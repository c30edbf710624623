package cardtest_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/capture/card/cardtest"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/inferencetest"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/mrz"
)

// These tests read the synthetic cards with the real engine and OCR (an external test
// package: cardtest itself links neither, as capture links no engine).

func TestMain(m *testing.M) { inferencetest.Main(m) }

func photo(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "photos", name)
}

func ocrReader(t *testing.T) *ocr.Reader { return inferencetest.OCR(t) }

// customerCard draws customer c's card (its portrait cropped around the stored face box).
func customerCard(t *testing.T, c cardtest.Customer) *image.RGBA {
	t.Helper()
	out, err := cardtest.CustomerCard(photo(""), c)
	if err != nil {
		t.Fatal(err)
	}
	if d := os.Getenv("CARDTEST_OUT"); d != "" { // to look at the cards
		fh, err := os.Create(filepath.Join(d, c.Identity+".png"))
		if err == nil {
			png.Encode(fh, out)
			fh.Close()
		}
	}
	return out
}

// The face boxes stored with the customers (the cards are drawn without an engine) are
// the ones the engine finds in the portraits.
func TestCustomersFaceBoxes(t *testing.T) {
	e := inferencetest.Get(t)
	for _, c := range cardtest.Customers {
		img, err := inference.DecodeFile(photo(c.Portrait))
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.Analyze(img, inference.AnalyzeOptions{Still: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Faces) != 1 {
			t.Errorf("%s: %d faces, want 1", c.Portrait, len(a.Faces))
			continue
		}
		fb := a.Faces[0].Box
		got := image.Rect(int(fb.X1), int(fb.Y1), int(fb.X2), int(fb.Y2))
		in := got.Intersect(c.Holder.Face)
		union := got.Dx()*got.Dy() + c.Holder.Face.Dx()*c.Holder.Face.Dy() - in.Dx()*in.Dy()
		if iou := float64(in.Dx()*in.Dy()) / float64(union); iou < 0.85 {
			t.Errorf("%s: stored face %v, the engine finds %v (IoU %.2f)", c.Portrait, c.Holder.Face, got, iou)
		}
	}
}

// Every demo customer's card: ID-1's aspect, one face found on it (the portrait's), and
// its zone read back by the OCR as the TD1 zone the holder's fields make, every check
// digit holding without a repair under a check digit.
func TestIDCardReadsBack(t *testing.T) {
	r := ocrReader(t)
	e := inferencetest.Get(t)
	for _, c := range cardtest.Customers {
		t.Run(c.Identity, func(t *testing.T) {
			img := customerCard(t, c)
			if got := float64(img.Bounds().Dx()) / float64(img.Bounds().Dy()); got < card.AspectID1-0.01 || got > card.AspectID1+0.01 {
				t.Errorf("aspect %.3f, want ID-1's %.3f", got, card.AspectID1)
			}
			want, err := c.Holder.Zone()
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.ReadMRZ(img)
			if err != nil {
				t.Fatalf("ReadMRZ: %v", err)
			}
			d := res.Doc
			if !d.Valid() {
				t.Errorf("check digits failed: %v", d.FailedChecks())
			}
			// Go Mono's O may read as 0 in the letters-only fields (normalized, not a
			// repair under a check digit); the check-digited fields must read as printed
			for _, f := range d.Repaired {
				switch f {
				case mrz.FieldIssuingState, mrz.FieldNationality, mrz.FieldName, mrz.FieldDocumentCode:
				default:
					t.Errorf("the OCR needed a check-digit repair of %s", f)
				}
			}
			if !slices.Equal(d.Lines, want) {
				t.Errorf("zone read differs from the one printed (lines %d, format %s)", len(d.Lines), d.Format)
			}
			if len(d.Checks) != 4 { // number, birth, expiry, composite
				t.Errorf("%d check digits, want 4", len(d.Checks))
			}
			a, err := e.Analyze(img, inference.AnalyzeOptions{Still: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Faces) != 1 {
				t.Fatalf("%d faces on the card, want 1", len(a.Faces))
			}
			// the face lies in the portrait's part of the card (its left third)
			if fb := a.Faces[0].Box; fb.X2 > float64(img.Bounds().Dx())/3 {
				t.Errorf("face at %v, not in the portrait", fb)
			}
		})
	}
}

// A card on the desk is found as an ID-1 card, and its flattened image reads the same
// zone.
func TestIDCardOnTheDeskIsFoundAsID1(t *testing.T) {
	c := cardtest.Customers[0]
	img := customerCard(t, c)
	s := cardtest.Scene{W: 1280, H: 720, Seed: 3, Light: 1, Corners: cardtest.PlacedAspect(640, 360, 900, card.AspectID1, 4, 0)}
	f := card.Find(s.Render(img))
	if !f.Found || f.Class != card.ClassID1 {
		t.Fatalf("found %v, class %q (aspect %.2f), want an ID-1 card", f.Found, f.Class, f.Aspect)
	}
	flat := card.Flatten(s.Render(img), f, 1012)
	res, err := ocrReader(t).ReadMRZ(flat)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := c.Holder.Zone()
	if !res.Doc.Valid() || !slices.Equal(res.Doc.Lines, want) {
		t.Errorf("flattened card's zone: valid %v, failed %v, same as printed %v", res.Doc.Valid(), res.Doc.FailedChecks(), slices.Equal(res.Doc.Lines, want))
	}
}

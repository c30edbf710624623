package cardtest

import (
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"time"
)

// Customer is a demo customer: an identity of testdata/photos/manifest.csv, the photo
// printed on the customer's synthetic ID-1 card (Portrait, a file of testdata/photos)
// and the fictional holder it names. The identity's other photos are the customer's
// selfies: a card and a selfie of one customer are a matching pair.
type Customer struct {
	Identity string // manifest.csv's identity
	Portrait string // the photo on the card
	Holder   Holder // Face: the engine's face box in Portrait (TestCustomersFaceBoxes holds it)
}

// CustomerCard draws customer c's card from the portrait in the folder photos
// (testdata/photos). The portraits are decoded as they are stored (their EXIF
// orientation is none or 1).
func CustomerCard(photos string, c Customer) (*image.RGBA, error) {
	path := filepath.Join(photos, c.Portrait)
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return IDCard(img, c.Holder)
}

// CustomerOf is the customer of an identity; false when there is none.
func CustomerOf(identity string) (Customer, bool) {
	for _, c := range Customers {
		if c.Identity == identity {
			return c, true
		}
	}
	return Customer{}, false
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Customers are the demo customers, one per identity of the licensed photos with at
// least two photos (customer A is deepface_A, whose card shows dfA_img5.jpg).
var Customers = []Customer{
	{"deepface_A", "dfA_img5.jpg", Holder{Surname: "Marchetti", GivenNames: "Lena Sofia", Sex: "F",
		BirthDate: date("1985-06-04"), ExpiryDate: date("2031-03-17"), DocumentNumber: "UA4821073", Face: image.Rect(81, 96, 274, 357), Seed: 1}},
	{"deepface_B", "dfB_img3.jpg", Holder{Surname: "Okonkwo-Hale", GivenNames: "Rachel", Sex: "F",
		BirthDate: date("1979-02-11"), ExpiryDate: date("2029-09-30"), DocumentNumber: "UB0937165", Face: image.Rect(467, 318, 1100, 1268), Seed: 2}},
	{"deepface_C", "dfC_img20.jpg", Holder{Surname: "Lindqvist", GivenNames: "Marcus Elias", Sex: "M",
		BirthDate: date("1990-11-23"), ExpiryDate: date("2033-01-08"), DocumentNumber: "UC5518840", Face: image.Rect(308, 90, 587, 487), Seed: 3}},
	{"obama", "obama_1.jpg", Holder{Surname: "Adeyemi", GivenNames: "Samuel Tunde", Sex: "M",
		BirthDate: date("1961-08-04"), ExpiryDate: date("2030-05-21"), DocumentNumber: "UD2290451", Face: image.Rect(371, 84, 607, 421), Seed: 4}},
	{"biden", "biden_2.jpg", Holder{Surname: "Fairbairn", GivenNames: "Joseph Robert", Sex: "M",
		BirthDate: date("1952-11-20"), ExpiryDate: date("2028-12-02"), DocumentNumber: "UE7703318", Face: image.Rect(436, 141, 869, 777), Seed: 5}},
	{"alex_lacamoire", "alex_lacamoire_1.jpg", Holder{Surname: "Castellanos", GivenNames: "Alejandro", Sex: "M",
		BirthDate: date("1975-03-29"), ExpiryDate: date("2032-07-14"), DocumentNumber: "UF6142987", Face: image.Rect(295, 125, 591, 564), Seed: 6}},
}

package cardtest

import "time"

// Customer is a demo customer: an identity of testdata/photos/manifest.csv, the photo
// printed on the customer's synthetic ID-1 card (Portrait, a file of testdata/photos)
// and the fictional holder it names. The identity's other photos are the customer's
// selfies: a card and a selfie of one customer are a matching pair.
type Customer struct {
	Identity string // manifest.csv's identity
	Portrait string // the photo on the card
	Holder   Holder // Face is left zero: the caller finds it (cardtest links no engine)
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
		BirthDate: date("1985-06-04"), ExpiryDate: date("2031-03-17"), DocumentNumber: "UA4821073", Seed: 1}},
	{"deepface_B", "dfB_img3.jpg", Holder{Surname: "Okonkwo-Hale", GivenNames: "Rachel", Sex: "F",
		BirthDate: date("1979-02-11"), ExpiryDate: date("2029-09-30"), DocumentNumber: "UB0937165", Seed: 2}},
	{"deepface_C", "dfC_img20.jpg", Holder{Surname: "Lindqvist", GivenNames: "Marcus Elias", Sex: "M",
		BirthDate: date("1990-11-23"), ExpiryDate: date("2033-01-08"), DocumentNumber: "UC5518840", Seed: 3}},
	{"obama", "obama_1.jpg", Holder{Surname: "Adeyemi", GivenNames: "Samuel Tunde", Sex: "M",
		BirthDate: date("1961-08-04"), ExpiryDate: date("2030-05-21"), DocumentNumber: "UD2290451", Seed: 4}},
	{"biden", "biden_2.jpg", Holder{Surname: "Fairbairn", GivenNames: "Joseph Robert", Sex: "M",
		BirthDate: date("1952-11-20"), ExpiryDate: date("2028-12-02"), DocumentNumber: "UE7703318", Seed: 5}},
	{"alex_lacamoire", "alex_lacamoire_1.jpg", Holder{Surname: "Castellanos", GivenNames: "Alejandro", Sex: "M",
		BirthDate: date("1975-03-29"), ExpiryDate: date("2032-07-14"), DocumentNumber: "UF6142987", Seed: 6}},
}

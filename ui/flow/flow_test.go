package flow

import (
	"errors"
	"testing"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// run applies events from Start and fails on the first refused one.
func run(t *testing.T, events ...Event) State {
	t.Helper()
	s := Start()
	for i, e := range events {
		var err error
		if s, err = Next(s, e); err != nil {
			t.Fatalf("event %d (%v): %v", i, e.Kind, err)
		}
	}
	return s
}

var (
	agree    = Event{Kind: Agree}
	doc      = Event{Kind: CustomerDone, Source: job.Document}
	captured = Event{Kind: Captured}
	back     = Event{Kind: Back}
	seal     = Event{Kind: Seal}
	again    = Event{Kind: Again}
	edit     = Event{Kind: Edit, Step: Customer}
	photo    = Event{Kind: CustomerDone, Source: job.IDPhoto}
)

func retake(s Step) Event { return Event{Kind: Retake, Step: s} }

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []Event
		step   Step
		has    []Step // capture steps that must be kept
		sealed bool
	}{
		{"start", nil, Consent, nil, false},
		{"consent", []Event{agree}, Customer, nil, false},
		{"whole enrollment", []Event{agree, doc, captured, captured, captured}, Review, Captures, false},
		{"sealed", []Event{agree, doc, captured, captured, captured, seal}, Result, Captures, true},
		{"next customer", []Event{agree, doc, captured, captured, captured, seal, {Kind: NextCustomer}}, Consent, nil, false},
		{"back from consent leaves", []Event{back}, Closed, nil, false},
		{"back from customer", []Event{agree, back}, Consent, nil, false},
		{"back from comparison", []Event{agree, doc, back}, Customer, nil, false},
		{"back from selfie keeps the comparison", []Event{agree, doc, captured, back}, Comparison, []Step{Comparison}, false},
		{"back from liveness shows the selfie kept", []Event{agree, doc, captured, captured, back}, Selfie, []Step{Comparison, Selfie}, false},
		{"again takes the selfie anew", []Event{agree, doc, captured, captured, back, again}, Selfie, []Step{Comparison}, false},
		{"the kept selfie goes on to liveness", []Event{agree, doc, captured, captured, back, captured}, Liveness, []Step{Comparison, Selfie}, false},
		{"back from review keeps liveness", []Event{agree, doc, captured, captured, captured, back}, Liveness, Captures, false},
		{"back through every step and on again", []Event{agree, doc, captured, captured, captured, back, back, back, back, doc}, Review, Captures, false},
		{"edit the customer from review", []Event{agree, doc, captured, captured, captured, edit}, Customer, Captures, false},
		{"the changed customer returns to review", []Event{agree, doc, captured, captured, captured, edit, doc}, Review, Captures, false},
		{"back from the customer edit returns to review", []Event{agree, doc, captured, captured, captured, edit, back}, Review, Captures, false},
		{"a new source from review takes the comparison", []Event{agree, doc, captured, captured, captured, edit, photo}, Comparison, []Step{Selfie, Liveness}, false},
		{"the new comparison returns to review", []Event{agree, doc, captured, captured, captured, edit, photo, captured}, Review, Captures, false},
		{"retake selfie keeps the rest", []Event{agree, doc, captured, captured, captured, retake(Selfie)}, Selfie, Captures, false},
		{"retaken selfie returns to review", []Event{agree, doc, captured, captured, captured, retake(Selfie), captured}, Review, Captures, false},
		{"back from a retake returns to review", []Event{agree, doc, captured, captured, captured, retake(Comparison), back}, Review, Captures, false},
		{"retaken comparison returns to review", []Event{agree, doc, captured, captured, captured, retake(Comparison), captured}, Review, Captures, false},
		{"cancel drops everything", []Event{agree, doc, captured, captured, {Kind: Cancel}}, Closed, nil, false},
		{"same source keeps the comparison", []Event{agree, doc, captured, back, back, doc}, Comparison, []Step{Comparison}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.events...)
			if s.Step != tc.step {
				t.Errorf("step %v, want %v", s.Step, tc.step)
			}
			want := map[Step]bool{}
			for _, h := range tc.has {
				want[h] = true
			}
			for _, c := range Captures {
				if s.Has(c) != want[c] {
					t.Errorf("Has(%v) = %v, want %v", c, s.Has(c), want[c])
				}
			}
			if s.Sealed != tc.sealed {
				t.Errorf("Sealed = %v", s.Sealed)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []Event // accepted
		bad    Event
	}{
		{"capture before consent", nil, captured},
		{"seal at consent", nil, seal},
		{"customer without a source", []Event{agree}, Event{Kind: CustomerDone}},
		{"customer with a bad source", []Event{agree}, Event{Kind: CustomerDone, Source: "SCAN"}},
		{"seal before review", []Event{agree, doc, captured}, seal},
		{"retake outside review", []Event{agree, doc, captured}, retake(Comparison)},
		{"retake a non-capture step", []Event{agree, doc, captured, captured, captured}, retake(Customer)},
		{"back after sealing", []Event{agree, doc, captured, captured, captured, seal}, back},
		{"cancel after sealing", []Event{agree, doc, captured, captured, captured, seal}, Event{Kind: Cancel}},
		{"agree twice", []Event{agree}, agree},
		{"next customer before sealing", []Event{agree, doc, captured, captured, captured}, Event{Kind: NextCustomer}},
		{"edit a capture step", []Event{agree, doc, captured, captured, captured}, Event{Kind: Edit, Step: Selfie}},
		{"edit outside review", []Event{agree, doc}, edit},
		{"again at review", []Event{agree, doc, captured, captured, captured}, again},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := run(t, tc.events...)
			n, err := Next(s, tc.bad)
			if !errors.Is(err, ErrNotAllowed) {
				t.Fatalf("err = %v, want ErrNotAllowed", err)
			}
			if n != s {
				t.Errorf("a refused event changed the state: %+v → %+v", s, n)
			}
		})
	}
}

// A source changed on the customer screen drops the comparison image taken before.
func TestNewSourceDropsComparison(t *testing.T) {
	s := run(t, agree, doc, captured, back)
	// At Comparison again after Back from Selfie: the comparison is kept until Again.
	if !s.Has(Comparison) {
		t.Fatal("back to the comparison step dropped its image")
	}
	s = run(t, agree, doc, captured, captured, captured, retake(Comparison), back)
	if !s.Has(Comparison) {
		t.Fatal("back from a retake dropped the comparison")
	}
	// A direct test of the source rule: a state at Customer holding a DOCUMENT
	// comparison, asked for ID_PHOTO.
	c := State{Step: Customer, Consented: true, Source: job.Document}
	c.has[Comparison] = true
	n, err := Next(c, Event{Kind: CustomerDone, Source: job.IDPhoto})
	if err != nil {
		t.Fatal(err)
	}
	if n.Has(Comparison) || n.Source != job.IDPhoto {
		t.Fatalf("new source: Has(Comparison)=%v Source=%v", n.Has(Comparison), n.Source)
	}
	n, _ = Next(c, Event{Kind: CustomerDone, Source: job.Document})
	if !n.Has(Comparison) {
		t.Fatal("the same source dropped the comparison")
	}
}

func TestNames(t *testing.T) {
	if Selfie.String() != "selfie" || Step(99).String() != "step(99)" || Retake.String() != "retake" {
		t.Fatal("names")
	}
}

// Package flow is the enrollment wizard as a pure state machine: which step is shown,
// what has been captured, and where each event leads. It knows nothing of Fyne, cameras
// or images; package ui keeps the customer's images in memory beside a State and drops
// the images of a step whose Has turns false.
//
// The steps, in order: Consent → Customer → Comparison (the document scan, the ID photo
// import or the portrait, by State.Source) → Selfie → Liveness → Review → Result. Every
// step before Result can go Back (Consent goes back out of the wizard: Closed); going
// back keeps what a step took: a capture step whose images are kept (Has) is shown
// taken, Captured goes on with them and Again drops them to take them anew, so Back
// from the head movements shows the selfie, it does not run the captures round again.
// Customer, with every capture kept, goes straight to Review. Review can send the
// agent to Retake one capture step, or Edit the Customer step, which then return
// straight to Review (Back from either returns to Review with what was there before;
// a new comparison source on the customer step takes the comparison image anew, then
// returns to Review).
// Cancel leaves the wizard from any step before Result, dropping everything. Seal is
// allowed only from Review with every capture done; after it, only NextCustomer (a fresh
// State at Consent).
//
// Next never changes its argument; an event a step does not accept returns the state
// unchanged and an error wrapping ErrNotAllowed.
package flow

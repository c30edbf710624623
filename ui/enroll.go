package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/smartselfie/kiosk-agent/internal/codes"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// This file declares what the enrollment wizard needs from the rest of the kiosk: a
// LiveCamera per capture step, the capture procedures (Enrollment.Capture over the newest
// frames the wizard hands it), the ID photo import, the prechecks, sealing and the
// result. internal/app's Enrollments is the real service (over internal/enroll, the
// app's cameras, the queue and the sync engine's events), which internal/kioskui (enroll.go)
// adapts to Enrollment; ui/fake implements it over the vendored photos.
//
// The vocabulary is the leaves' so that ui links neither capture (libjpeg-turbo) nor the
// face engine: Problem and Prompt are internal/codes' types, capture's too; comparison
// types and prechecks are internal/job's.

// CaptureKind is what a capture step takes (internal/codes).
type CaptureKind = codes.CaptureKind

// The capture kinds (see internal/codes).
const (
	CaptureDocument = codes.CaptureDocument // the ID document, by capture.Document
	CapturePortrait = codes.CapturePortrait // a portrait taken by the agent, by capture.Selfie
	CaptureSelfie   = codes.CaptureSelfie   // the selfie, by capture.Selfie
	CaptureLiveness = codes.CaptureLiveness // the liveness frames, by capture.LivenessSequence
)

// Problem is a capture problem code (internal/codes, capture.Problem's type).
type Problem = codes.Problem

// The problem codes (see internal/codes).
const (
	ProblemNoFace            = codes.ProblemNoFace
	ProblemManyFaces         = codes.ProblemManyFaces
	ProblemTooSmall          = codes.ProblemTooSmall
	ProblemTooClose          = codes.ProblemTooClose
	ProblemOffCentre         = codes.ProblemOffCentre
	ProblemEyesTooClose      = codes.ProblemEyesTooClose
	ProblemPose              = codes.ProblemPose
	ProblemTooDark           = codes.ProblemTooDark
	ProblemOverExposed       = codes.ProblemOverExposed
	ProblemBlurred           = codes.ProblemBlurred
	ProblemNotLive           = codes.ProblemNotLive
	ProblemPromptNotFollowed = codes.ProblemPromptNotFollowed
	ProblemMoving            = codes.ProblemMoving
)

// Prompt is what the customer is asked to do for one liveness frame (internal/codes,
// capture.Prompt's type; the customer's own left and right).
type Prompt = codes.Prompt

// The prompts (see internal/codes).
const (
	PromptStraight = codes.PromptStraight
	PromptLeft     = codes.PromptLeft
	PromptRight    = codes.PromptRight
	PromptUp       = codes.PromptUp
	PromptDown     = codes.PromptDown
)

// Box is a face box in pixels of the frame it was found in (codes.Box: capture.Box too).
type Box = codes.Box

// Frame is one camera picture. Its Image belongs to whoever received it.
type Frame struct {
	Image *image.RGBA
	// Time is when the frame arrived (the wizard's clock); Seq counts the camera's frames.
	Time time.Time
	Seq  uint64
}

// LiveCamera is a live camera for one step. The wizard's preview loop calls Next at the
// camera's own rate, from one goroutine.
type LiveCamera interface {
	// Next waits for the camera's next picture and writes it into dst when dst has its
	// size (otherwise into a new image), and returns the image written. After a camera
	// failure Next returns an error once (ErrCameraDisconnected when it was unplugged);
	// the next call waits for the camera to come back (capture/v4l2 reopens it), until
	// ctx ends.
	Next(ctx context.Context, dst *image.RGBA) (*image.RGBA, error)
	// Close releases the camera.
	Close() error
}

// ErrCameraDisconnected is returned by LiveCamera.Next when the camera was unplugged
// (capture.ErrUnplugged).
var ErrCameraDisconnected = errors.New("camera disconnected")

// NoCameraError is Enrollment.OpenCamera's error when the camera a step needs is not
// there at all.
type NoCameraError struct {
	Role   CameraRole
	Device string // what the configuration names (e.g. /dev/video2), "" when unset
	Err    error
}

func (e *NoCameraError) Error() string {
	role := "selfie"
	if e.Role == CameraDocument {
		role = "document"
	}
	return fmt.Sprintf("opening the %s camera %q: %v", role, e.Device, e.Err)
}

func (e *NoCameraError) Unwrap() error { return e.Err }

// Frames are the newest frames of the step's camera, as the wizard hands them to a
// capture procedure: Next waits for the next frame that arrives after the call and
// returns a copy the caller keeps; the frames that arrive while the caller analyses
// are not given to it (the preview shows them). internal/enroll adapts it to
// capture.Source (capture.FrameFromImage).
type Frames interface {
	Next(ctx context.Context) (Frame, error)
}

// Guidance is the analysis of one frame, as the capture procedure's verdict hook gives
// it (capture.Verdict): OK, or the problems in the judge's order. The wizard shows one
// instruction at a time (the first problem it has words for).
type Guidance struct {
	OK       bool
	Problems []Problem
	// Face is the largest face found (nil: none).
	Face *Box
	// Card is the card's outline found on a document frame, when the document step
	// looks for the card (config capture.document_card_gates); nil when it does not, or
	// when no card was found. CardProblems are the card's failed gates in capture/card's
	// order: the first is the one instruction the agent sees.
	Card         *CardOutline
	CardProblems []CardProblem
}

// CardProblem is the code of a failed card gate on a document frame: capture/card's
// Problem, whose values these are (internal/messages has each sentence as card.<code>).
type CardProblem string

// The card's problems, in capture/card's order (the first is the instruction).
const (
	CardNoDocument CardProblem = "no_document"  // no card in the frame
	CardOutOfFrame CardProblem = "out_of_frame" // partly out of the frame
	CardTooFar     CardProblem = "too_far"      // too small in the frame
	CardOffCentre  CardProblem = "off_centre"   // near the frame's border
	CardTilted     CardProblem = "tilted"       // turned, or seen at an angle
	CardTooDark    CardProblem = "too_dark"
	CardGlare      CardProblem = "glare"
	CardBlurred    CardProblem = "blurred"
	CardMoving     CardProblem = "moving" // moves between frames
)

// CardProblems lists the card's problems in order.
var CardProblems = []CardProblem{CardNoDocument, CardOutOfFrame, CardTooFar, CardOffCentre, CardTilted,
	CardTooDark, CardGlare, CardBlurred, CardMoving}

// CardPoint is a point of the frame as fractions of its width (X) and height (Y): 0,0
// the top-left corner, 1,1 the bottom-right, whatever the frame's size.
type CardPoint struct{ X, Y float64 }

// CardOutline is the card's four corners on the frame: top-left, top-right,
// bottom-right, bottom-left as the card is shown.
type CardOutline [4]CardPoint

// CaptureHooks are called by Enrollment.Capture from its goroutine.
type CaptureHooks struct {
	// Guidance is called after each frame is judged.
	Guidance func(Guidance)
	// Prompt is called when liveness frame i (0-based) of n is asked for.
	Prompt func(i, n int, p Prompt)
}

// Shot is an image a step kept.
type Shot struct {
	Image image.Image
	// Face is the largest face in Image (nil: none found or not looked for).
	Face *Box
	// Prompt is what the customer was asked (liveness frames).
	Prompt Prompt
	// Origin is how the image was taken: job.OriginAuto when a capture procedure kept
	// it, job.OriginManual for "Take it now", job.OriginImport for an imported file. The
	// comparison image's is sealed as the job's CaptureOrigin.
	Origin job.CaptureOrigin
}

// CaptureError is Enrollment.Capture's error when the step ended without its images:
// the problems of the last frame judged and, for liveness, the prompt not answered.
type CaptureError struct {
	Prompt   Prompt
	Problems []Problem
	Err      error
}

func (e *CaptureError) Error() string {
	return fmt.Sprintf("capture failed (prompt %q, problems %v): %v", e.Prompt, e.Problems, e.Err)
}

func (e *CaptureError) Unwrap() error { return e.Err }

// ImportFile is an image the agent may import as the ID photo.
type ImportFile struct {
	Path  string
	Name  string // shown: the file's name
	Where string // shown: the folder or the USB stick's label
}

// Draft is an enrollment in memory, before it is sealed.
type Draft struct {
	JobID          string
	UserID         string
	ComparisonType job.ComparisonType
	AllowNewEnroll bool
	Operator       Operator
	Comparison     Shot
	Selfie         Shot
	Liveness       []Shot
}

// DocumentRead is what the prechecks read from the document's machine readable zone,
// for the review screen only. Number is personal data: the review shows it in full (the
// agent compares it with the document in hand); no other screen shows it, and nothing
// logs or keeps it (the job's record keeps the type and the issuing country only).
type DocumentRead struct {
	// Valid reports whether every check digit of the zone holds; the other fields are
	// set only then.
	Valid bool
	// Number is the document number.
	Number string
	// Type is the document code ("P", "ID", "I"...), IssuingState the issuing state's
	// ICAO code ("UTO", "FRA"...).
	Type, IssuingState string
	// Expiry is the expiry date (zero when unread); Expired reports whether it is past
	// on the day of the prechecks.
	Expiry  time.Time
	Expired bool
}

// SealRequest is a draft to seal with its prechecks. When Prechecks.OK is false,
// Prechecks.Forced is set and Supervisor is the supervisor who allowed it (recorded in
// the audit log).
type SealRequest struct {
	Draft      Draft
	Prechecks  job.Prechecks
	Supervisor *Operator
}

// Outcome is the API's answer for a job: a result code (0840, ...) or an error code
// (2209, ...).
type Outcome struct {
	ResultCode string
	ErrorCode  string
}

// ErrOffline is returned by Enrollment.WaitResult at once when the kiosk knows the API
// cannot be reached: the job waits in the queue.
var ErrOffline = errors.New("the compare API cannot be reached")

// Enrollment is the kiosk's enrollment service as the wizard uses it.
type Enrollment interface {
	// OpenCamera opens the camera for a capture kind: the document camera for
	// CaptureDocument (the selfie camera when there is none), the selfie camera
	// otherwise. A missing camera is a *NoCameraError.
	OpenCamera(kind CaptureKind) (LiveCamera, error)
	// Capture runs the capture procedure of kind over frames until it has its images
	// (one Shot, or the liveness frames in order), calling hooks as it goes. A step that
	// ends without its images returns a *CaptureError; ctx's end returns ctx.Err().
	Capture(ctx context.Context, kind CaptureKind, frames Frames, hooks CaptureHooks) ([]Shot, error)
	// Imports lists the images in the import folder and on USB sticks, a bounded list
	// (200 at most). It may take long (a slow or crowded stick): the wizard calls it off
	// the UI goroutine, and ctx ends when the operator leaves the screen.
	Imports(ctx context.Context) ([]ImportFile, error)
	// ImportComparison reads an ID photo (within internal/imagelimit's bounds) and finds
	// its face.
	ImportComparison(path string) (Shot, error)
	// TakeNow makes the comparison image of a frame the agent kept by hand ("Take it
	// now") on the step of kind: for the document, the card flattened when one is found
	// on the frame (otherwise the frame as it is); and its largest face (Shot.Face).
	TakeNow(ctx context.Context, kind CaptureKind, frame image.Image) (Shot, error)
	// Prechecks runs the on-device checks of the draft (internal/precheck).
	Prechecks(ctx context.Context, d Draft) (job.Prechecks, error)
	// ReadDocument reads the machine readable zone of a document image now (Deps.
	// CustomerIDFromDocument: the customer's id from the document number); nil when no
	// zone was found. It may take a second: the wizard calls it off the UI goroutine.
	ReadDocument(ctx context.Context, img image.Image) (*DocumentRead, error)
	// DocumentRead is what the last Prechecks of job jobID read from its document's
	// machine readable zone, for the review screen; nil when nothing was read (not a
	// document, no zone, no OCR models). It is kept in memory only, until Seal.
	DocumentRead(jobID string) *DocumentRead
	// Seal encodes the draft (capture.EncodeJob), seals it into the queue and forgets
	// its images.
	Seal(ctx context.Context, r SealRequest) error
	// WaitResult waits for the API's answer about a sealed job until ctx ends; it may
	// return ErrOffline at once.
	WaitResult(ctx context.Context, jobID string) (Outcome, error)
}

// WizardObserver, when the Enrollment implements it too, is told every move of the
// enrollment wizard (the kiosk's metrics): from "" when a customer starts, between
// ui/flow's step names, and to "closed" when the wizard is left; sealed once the job is
// in the queue. It is called on Fyne's goroutine and must not block.
type WizardObserver interface {
	WizardMoved(from, to string, sealed bool)
}

package ui

import (
	"strings"
	"time"
	"unicode"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// This file turns the wizard's codes (capture problems, prompts, prechecks) into words:
// internal/messages' sentences (Msg, with a literal code or a literal prefix) and the
// screens' own (T, a literal key), so that the translation test finds each.

// problemOrder is the order in which the wizard picks the ONE instruction it shows:
// what blocks everything else first. A face that does not look live comes right after
// the face count: a printed photo or a screen is judged with other gates failed too
// (the engine finds the bundled printed photo's head turned), and no light or pose
// advice makes a photo live, so the customer is told to face the camera themself.
var problemOrder = []Problem{
	ProblemManyFaces, ProblemNoFace, ProblemNotLive, ProblemTooDark, ProblemOverExposed, ProblemTooSmall,
	ProblemTooClose, ProblemOffCentre, ProblemPose, ProblemMoving, ProblemBlurred,
	ProblemEyesTooClose, ProblemPromptNotFollowed,
}

// firstProblem is the problem of ps to tell first ("" when none has words).
func firstProblem(ps []Problem) Problem {
	for _, o := range problemOrder {
		for _, p := range ps {
			if p == o {
				return p
			}
		}
	}
	return ""
}

// InstructionText is the one instruction for a frame judged for kind: the customer's
// words for the selfie, the portrait and liveness ("guidance." + the problem's code), the
// agent's for the document: the card's first problem ("card." + code) when the step
// judges the card, else the face's ("guidance.document." + code, "guidance.moving" for a
// document that moves or is blurred). prompt is the liveness prompt shown ("" otherwise).
func InstructionText(kind CaptureKind, g Guidance, prompt Prompt) string {
	if g.OK {
		if kind == CaptureLiveness {
			return T("guide.good-liveness")
		}
		return T("guide.good")
	}
	p := firstProblem(g.Problems)
	if kind == CaptureDocument {
		// The card's gates first, in their order: the card must be there, whole, near,
		// straight, lit and sharp before its face is worth judging.
		if len(g.CardProblems) > 0 {
			return Msg("card." + string(g.CardProblems[0]))
		}
		switch p {
		case ProblemNoFace, ProblemManyFaces:
			return Msg("guidance.document." + string(ProblemNoFace))
		case ProblemTooSmall, ProblemEyesTooClose:
			return Msg("guidance.document." + string(ProblemTooSmall))
		case ProblemBlurred, ProblemMoving:
			return Msg("guidance." + string(ProblemMoving))
		case ProblemOverExposed:
			return Msg("guidance.document." + string(ProblemOverExposed))
		case ProblemTooDark:
			return Msg("guidance.document." + string(ProblemTooDark))
		}
		return T("guide.doc.show")
	}
	switch p {
	case "":
		return T("guide.wait")
	case ProblemPromptNotFollowed:
		return PromptText(prompt)
	case ProblemMoving: // a document's problem: for a face, "hold still"
		p = ProblemBlurred
	}
	return Msg("guidance." + string(p))
}

// PromptText is a liveness prompt in the customer's words ("prompt." + its code; looking
// straight for no prompt).
func PromptText(p Prompt) string {
	switch p {
	case PromptLeft, PromptRight, PromptUp, PromptDown:
		return Msg("prompt." + string(p))
	}
	return Msg("prompt." + string(PromptStraight))
}

// CaptureFailedText says why a capture step ended without its images.
func CaptureFailedText(kind CaptureKind, e *CaptureError) string {
	if kind == CaptureLiveness {
		if firstProblem(e.Problems) == ProblemPromptNotFollowed || len(e.Problems) == 0 {
			switch e.Prompt {
			case PromptLeft:
				return T("liveness.failed.left")
			case PromptRight:
				return T("liveness.failed.right")
			case PromptUp:
				return T("liveness.failed.up")
			case PromptDown:
				return T("liveness.failed.down")
			}
			return T("liveness.failed.straight")
		}
		return Tf("liveness.failed.other", map[string]any{"Reason": InstructionText(CaptureSelfie, Guidance{Problems: e.Problems}, "")})
	}
	return Tf("capture.failed", map[string]any{"Reason": InstructionText(kind, Guidance{Problems: e.Problems}, "")})
}

// CheckKind is one line of the review's traffic lights.
type CheckKind uint8

// The review's checks, in the order shown.
const (
	CheckOneFace CheckKind = iota + 1
	CheckQuality
	CheckPassiveLiveness
	CheckSamePerson
	CheckMatch
	CheckNotSamePicture
)

// Checks lists the review's checks in order.
var Checks = []CheckKind{CheckOneFace, CheckQuality, CheckPassiveLiveness, CheckSamePerson, CheckMatch, CheckNotSamePicture}

// Light is a traffic light's colour.
type Light uint8

// The lights.
const (
	LightGreen Light = iota + 1
	LightAmber       // not checked
	LightRed
)

// The precheck problem codes (internal/precheck's: the engine's gate and liveness codes,
// and the pair's) and the image names of job.PrecheckProblem.
const (
	pcNoFace            = "no_face"
	pcSeveralFaces      = "several_faces"
	pcTooSmall          = "face_too_small"
	pcEyesTooClose      = "eyes_too_close"
	pcTooClose          = "face_too_close"
	pcOffCentre         = "face_off_centre"
	pcHeadPose          = "head_pose"
	pcTooDark           = "too_dark"
	pcOverExposed       = "over_exposed"
	pcBlurred           = "blurred"
	pcNotLive           = "not_live"
	pcDifferentPerson   = "different_person"
	pcIdenticalFrames   = "identical_frames"
	pcNoHeadMovement    = "no_head_movement"
	pcNoFrames          = "no_frames"
	pcPromptNotFollowed = "prompt_not_followed"
	pcNoMatch           = "no_match"
	pcIdentical         = "identical"

	imgSelfie     = "selfie"
	imgComparison = "comparison"
	imgLiveness   = "liveness"
)

// checkOf is the review line of a precheck problem code (internal/precheck's codes:
// the engine's gate and liveness codes, no_match, identical).
func checkOf(code string) CheckKind {
	switch code {
	case pcNoFace, pcSeveralFaces:
		return CheckOneFace
	case pcNotLive:
		return CheckPassiveLiveness
	case pcDifferentPerson, pcIdenticalFrames, pcNoHeadMovement, pcNoFrames, pcPromptNotFollowed:
		return CheckSamePerson
	case pcNoMatch:
		return CheckMatch
	case pcIdentical:
		return CheckNotSamePicture
	}
	return CheckQuality
}

// CheckLine is one traffic light of the review and its sentence.
type CheckLine struct {
	Check CheckKind
	Light Light
	Text  string
}

// CheckLines reads prechecks as the review's traffic lights: each check green with
// its sentence, or red with the sentence of its first problem, or amber when it was not
// made (the checks did not run, or the pair could not be compared).
func CheckLines(pc job.Prechecks) []CheckLine {
	out := make([]CheckLine, 0, len(Checks))
	for _, c := range Checks {
		l := CheckLine{Check: c, Light: LightGreen, Text: checkOKText(c)}
		if !pc.Ran {
			l.Light, l.Text = LightAmber, T("check.not-run")
		} else if (c == CheckMatch && pc.Match == nil) || (c == CheckNotSamePicture && pc.Identical == nil) {
			l.Light, l.Text = LightAmber, T("check.not-compared")
		}
		for _, p := range pc.Problems {
			if checkOf(p.Code) == c {
				l.Light, l.Text = LightRed, precheckText(p)
				break
			}
		}
		out = append(out, l)
	}
	return out
}

func checkOKText(c CheckKind) string {
	switch c {
	case CheckOneFace:
		return T("check.one-face.ok")
	case CheckQuality:
		return T("check.quality.ok")
	case CheckPassiveLiveness:
		return T("check.live.ok")
	case CheckSamePerson:
		return T("check.same-person.ok")
	case CheckMatch:
		return T("check.match.ok")
	case CheckNotSamePicture:
		return T("check.not-identical.ok")
	}
	return ""
}

// precheckText is a failed precheck in words (internal/messages' "precheck." sentence
// of its code): after the image's name, but for the pair's codes and a comparison image
// without a face, whose sentences name their images (precheck.MessageCode's rule).
func precheckText(p job.PrecheckProblem) string {
	switch {
	case p.Code == pcNoMatch || p.Code == pcIdentical:
		return Msg("precheck." + p.Code)
	case p.Code == pcNoFace && p.Image == imgComparison:
		return Msg("precheck.comparison_no_face")
	}
	what := T("pc.other")
	if hasMsg("precheck." + p.Code) {
		what = Msg("precheck." + p.Code)
	}
	return imageName(p.Image) + " " + afterLabel(what)
}

// imageName names the image of a precheck problem ("selfie", "comparison",
// "liveness[3]", "liveness", "pair").
func imageName(img string) string {
	switch {
	case img == imgSelfie:
		return T("pc.image.selfie")
	case img == imgComparison:
		return T("pc.image.comparison")
	case strings.HasPrefix(img, imgLiveness):
		return T("pc.image.liveness")
	}
	return T("pc.image.pair")
}

// afterLabel is sentence s written after a label ("Selfie: no face found."): its first
// letter in lower case, unless the second is a capital too (an acronym).
func afterLabel(s string) string {
	r := []rune(s)
	if len(r) < 2 || unicode.IsUpper(r[1]) {
		return s
	}
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// The "document read" precheck's warning codes (internal/precheck's).
const (
	pcDocumentExpired = "document_expired"
	pcDocumentUnread  = "document_unread"
)

// DocumentNotes are the review's warnings about the document (job.Prechecks.Warnings:
// an expired document, a zone not found), each a sentence the review shows after a
// warning sign and the word "Warning". An expired document's sentence gives the expiry
// date when dr has it.
func DocumentNotes(pc job.Prechecks, dr *DocumentRead) []string {
	var out []string
	for _, p := range pc.Warnings {
		switch p.Code {
		case pcDocumentExpired:
			if dr != nil && !dr.Expiry.IsZero() {
				out = append(out, Msg("precheck.document_expired", "Date", dateText(dr.Expiry)))
			} else {
				out = append(out, T("review.doc-expired"))
			}
		case pcDocumentUnread:
			out = append(out, Msg("precheck.document_unread"))
		default:
			out = append(out, precheckText(p))
		}
	}
	return out
}

// dateText is a day as the agent reads it: 2012-04-15 in English, 15/04/2012 in
// French (the translations' date.layout, a Go time layout).
func dateText(t time.Time) string {
	return t.Format(T("date.layout"))
}

// documentNumber is the document number as the review shows it, in full, with the
// document's type and issuing state ("L898902C3 · P · UTO"); "" when the zone was not
// read or a check digit failed. It is personal data: the review is the one screen
// that shows it.
func documentNumber(dr *DocumentRead) string {
	if dr == nil || !dr.Valid || dr.Number == "" {
		return ""
	}
	parts := []string{dr.Number}
	for _, s := range []string{dr.Type, dr.IssuingState} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

// OutcomeText is the result screen's words for the API's answer.
func OutcomeText(o Outcome) string {
	if o.ErrorCode != "" {
		return ErrorText(o.ErrorCode)
	}
	return ResultText(o.ResultCode)
}

// SourceText names a comparison image source.
func SourceText(t job.ComparisonType) string {
	switch t {
	case job.Document:
		return T("source.document")
	case job.IDPhoto:
		return T("source.id-photo")
	case job.Portrait:
		return T("source.portrait")
	}
	return string(t)
}

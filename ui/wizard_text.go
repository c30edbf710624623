package ui

import (
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// This file turns the wizard's codes (capture problems, prompts, prechecks) into words.
// Every key is a literal so that the translation test finds it.

// problemOrder is the order in which the wizard picks the ONE instruction it shows:
// what blocks everything else first.
var problemOrder = []Problem{
	ProblemManyFaces, ProblemNoFace, ProblemTooDark, ProblemOverExposed, ProblemTooSmall,
	ProblemTooClose, ProblemOffCentre, ProblemPose, ProblemMoving, ProblemBlurred,
	ProblemEyesTooClose, ProblemNotLive, ProblemPromptNotFollowed,
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
// words for the selfie, the portrait and liveness, the agent's for the document.
// prompt is the liveness prompt shown ("" otherwise).
func InstructionText(kind CaptureKind, g Guidance, prompt Prompt) string {
	if g.OK {
		if kind == CaptureLiveness {
			return T("guide.good-liveness")
		}
		return T("guide.good")
	}
	p := firstProblem(g.Problems)
	if kind == CaptureDocument {
		switch p {
		case ProblemNoFace, ProblemManyFaces:
			return T("guide.doc.no-face")
		case ProblemTooSmall, ProblemEyesTooClose:
			return T("guide.doc.too-small")
		case ProblemBlurred, ProblemMoving:
			return T("guide.doc.still")
		case ProblemOverExposed:
			return T("guide.doc.glare")
		case ProblemTooDark:
			return T("guide.doc.dark")
		}
		return T("guide.doc.show")
	}
	switch p {
	case ProblemManyFaces:
		return T("guide.one-person")
	case ProblemNoFace:
		return T("guide.no-face")
	case ProblemTooDark:
		return T("guide.more-light")
	case ProblemOverExposed:
		return T("guide.less-light")
	case ProblemTooSmall, ProblemEyesTooClose:
		return T("guide.closer")
	case ProblemTooClose:
		return T("guide.further")
	case ProblemOffCentre:
		return T("guide.centre")
	case ProblemPose:
		return T("guide.straight")
	case ProblemBlurred, ProblemMoving:
		return T("guide.still")
	case ProblemNotLive:
		return T("guide.not-live")
	case ProblemPromptNotFollowed:
		return PromptText(prompt)
	}
	return T("guide.wait")
}

// PromptText is a liveness prompt in the customer's words.
func PromptText(p Prompt) string {
	switch p {
	case PromptLeft:
		return T("prompt.left")
	case PromptRight:
		return T("prompt.right")
	case PromptUp:
		return T("prompt.up")
	case PromptDown:
		return T("prompt.down")
	}
	return T("prompt.straight")
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

// precheckText is a failed precheck in words, naming the image.
func precheckText(p job.PrecheckProblem) string {
	var what string
	switch p.Code {
	case pcNoFace:
		what = T("pc.no_face")
	case pcSeveralFaces:
		what = T("pc.several_faces")
	case pcTooSmall, pcEyesTooClose:
		what = T("pc.face_too_small")
	case pcTooClose:
		what = T("pc.face_too_close")
	case pcOffCentre:
		what = T("pc.face_off_centre")
	case pcHeadPose:
		what = T("pc.head_pose")
	case pcTooDark:
		what = T("pc.too_dark")
	case pcOverExposed:
		what = T("pc.over_exposed")
	case pcBlurred:
		what = T("pc.blurred")
	case pcNotLive:
		what = T("pc.not_live")
	case pcDifferentPerson:
		what = T("pc.different_person")
	case pcIdenticalFrames:
		what = T("pc.identical_frames")
	case pcNoHeadMovement, pcNoFrames, pcPromptNotFollowed:
		what = T("pc.no_head_movement")
	case pcNoMatch:
		return T("pc.no_match")
	case pcIdentical:
		return T("pc.identical")
	default:
		what = T("pc.other")
	}
	return imageName(p.Image) + " " + what
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

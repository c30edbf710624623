// Package gates holds the thresholds of the face-analysis engine (quality gates,
// liveness, match, active-liveness prompts) with their defaults and validation. It is a
// leaf package, so the config can carry them without linking the engine, its models or
// ONNX Runtime; package inference re-exports them as inference.Thresholds.
package gates

import (
	"errors"
	"fmt"
)

// Thresholds are the quality-gate, liveness and match limits. They live in the kiosk's
// config file (section "inference", which is this type); a zero field means "use the
// default".
type Thresholds struct {
	// DetectScore is the detector confidence a face needs (YuNet cls·obj).
	DetectScore float64 `json:"detect_score"`
	// MinFaceArea and MaxFaceArea bound the face box's share of the image area
	// (the vendor's SDKs use 10–30% of the frame).
	MinFaceArea float64 `json:"min_face_area"`
	MaxFaceArea float64 `json:"max_face_area"`
	// MaxOffCentre is how far the face centre may be from the image centre, as a
	// fraction of the image width (horizontally) or height (vertically).
	MaxOffCentre float64 `json:"max_off_centre"`
	// MinInterEyePx is the least distance between the eyes, in pixels of the image.
	MinInterEyePx float64 `json:"min_inter_eye_px"`
	// MaxYaw, MaxPitch and MaxRoll bound the head pose in degrees (15, 30, 30).
	MaxYaw   float64 `json:"max_yaw"`
	MaxPitch float64 `json:"max_pitch"`
	MaxRoll  float64 `json:"max_roll"`
	// MinLuminance is the least mean luminance (0..255) of the face (50).
	MinLuminance float64 `json:"min_luminance"`
	// MaxLuminance is the highest mean luminance of the face before it counts as
	// over-exposed; MaxSaturated is the highest share of face pixels at ≥ 250.
	MaxLuminance float64 `json:"max_luminance"`
	MaxSaturated float64 `json:"max_saturated"`
	// MinSharpness is the least variance of the Laplacian of the face, measured on the
	// face box scaled to 128x128 grey pixels.
	MinSharpness float64 `json:"min_sharpness"`
	// Liveness is the least passive-liveness score (mean probability of "real" of the
	// two MiniFASNet models) for a live verdict.
	Liveness float64 `json:"liveness"`
	// Match is the least cosine similarity of two embeddings for a match.
	Match float64 `json:"match"`
	// TurnYaw and TurnPitch are the head turns (degrees) an active-liveness prompt
	// (left/right, up/down) asks for.
	TurnYaw   float64 `json:"turn_yaw"`
	TurnPitch float64 `json:"turn_pitch"`
	// StillMaxSide caps the longer side (pixels) at which stills are run through the
	// dynamic detector.
	StillMaxSide int `json:"still_max_side"`
}

// Default returns the defaults.
//
// Match (0.42): MobileFaceNet cosines on the shared test photos (largest face, stills
// detector, landmarks refined and five alignments averaged: inference/refine.go), as
// TestMatchPairs measures them: 15 same-person pairs, min 0.525, median 0.772; 175
// different-person pairs, max 0.307, median 0.025 (one plain alignment gave 0.482 and
// 0.306; PROVENANCE.md measured 0.491 and 0.338 with another pipeline). 0.42
// sits in that gap, a little nearer the same-person side, as a false match (accepting
// an impostor) costs more than a retake. With so few photos it is a starting point,
// not a measured operating point.
// Liveness (0.5): mean probability of "real" of the two models (TestPassiveLiveness):
// the live photos score 0.78–1.00 except the retouched dfA_img5 (0.08 on frames, 0.49 on
// stills: a known false reject), the spoof print 0.17–0.27 and the document specimen
// 0.12–0.28.
// MinSharpness (25): the face photos measure 88 (document specimen) to 4084; a strong
// blur brings a face to about 3 (TestQualityGates, TestPhotosLightAndSharpness).
func Default() Thresholds {
	return Thresholds{
		DetectScore:   0.5,
		MinFaceArea:   0.10,
		MaxFaceArea:   0.30,
		MaxOffCentre:  0.25,
		MinInterEyePx: 40,
		MaxYaw:        15,
		MaxPitch:      30,
		MaxRoll:       30,
		MinLuminance:  50,
		MaxLuminance:  225,
		MaxSaturated:  0.25,
		MinSharpness:  25,
		Liveness:      0.5,
		Match:         0.42,
		TurnYaw:       20,
		TurnPitch:     12,
		StillMaxSide:  640,
	}
}

// WithDefaults returns t with every zero field set to its default.
func (t Thresholds) WithDefaults() Thresholds {
	d := Default()
	f := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	f(&t.DetectScore, d.DetectScore)
	f(&t.MinFaceArea, d.MinFaceArea)
	f(&t.MaxFaceArea, d.MaxFaceArea)
	f(&t.MaxOffCentre, d.MaxOffCentre)
	f(&t.MinInterEyePx, d.MinInterEyePx)
	f(&t.MaxYaw, d.MaxYaw)
	f(&t.MaxPitch, d.MaxPitch)
	f(&t.MaxRoll, d.MaxRoll)
	f(&t.MinLuminance, d.MinLuminance)
	f(&t.MaxLuminance, d.MaxLuminance)
	f(&t.MaxSaturated, d.MaxSaturated)
	f(&t.MinSharpness, d.MinSharpness)
	f(&t.Liveness, d.Liveness)
	f(&t.Match, d.Match)
	f(&t.TurnYaw, d.TurnYaw)
	f(&t.TurnPitch, d.TurnPitch)
	if t.StillMaxSide == 0 {
		t.StillMaxSide = d.StillMaxSide
	}
	return t
}

// Validate reports every out-of-range threshold at once (zero fields are fine: they
// mean the default).
func (t Thresholds) Validate() error {
	var errs []error
	unit := func(name string, v float64) {
		if v < 0 || v > 1 {
			errs = append(errs, fmt.Errorf("inference.%s = %g: must be between 0 and 1", name, v))
		}
	}
	unit("detect_score", t.DetectScore)
	unit("min_face_area", t.MinFaceArea)
	unit("max_face_area", t.MaxFaceArea)
	unit("max_off_centre", t.MaxOffCentre)
	unit("max_saturated", t.MaxSaturated)
	unit("liveness", t.Liveness)
	if t.Match < -1 || t.Match > 1 {
		errs = append(errs, fmt.Errorf("inference.match = %g: must be between -1 and 1", t.Match))
	}
	if t.MinFaceArea != 0 && t.MaxFaceArea != 0 && t.MinFaceArea >= t.MaxFaceArea {
		errs = append(errs, fmt.Errorf("inference.min_face_area (%g) must be below max_face_area (%g)", t.MinFaceArea, t.MaxFaceArea))
	}
	for name, v := range map[string]float64{"max_yaw": t.MaxYaw, "max_pitch": t.MaxPitch, "max_roll": t.MaxRoll, "turn_yaw": t.TurnYaw, "turn_pitch": t.TurnPitch} {
		if v < 0 || v > 90 {
			errs = append(errs, fmt.Errorf("inference.%s = %g: must be between 0 and 90 degrees", name, v))
		}
	}
	for name, v := range map[string]float64{"min_luminance": t.MinLuminance, "max_luminance": t.MaxLuminance} {
		if v < 0 || v > 255 {
			errs = append(errs, fmt.Errorf("inference.%s = %g: must be between 0 and 255", name, v))
		}
	}
	if t.MinInterEyePx < 0 || t.MinInterEyePx > 2000 {
		errs = append(errs, fmt.Errorf("inference.min_inter_eye_px = %g: must be between 0 and 2000 pixels", t.MinInterEyePx))
	}
	if t.MinSharpness < 0 || t.MinSharpness > 100000 {
		errs = append(errs, fmt.Errorf("inference.min_sharpness = %g: must be between 0 and 100000 (the face photos measure 88 to 4084)", t.MinSharpness))
	}
	if t.MinLuminance != 0 && t.MaxLuminance != 0 && t.MinLuminance >= t.MaxLuminance {
		errs = append(errs, fmt.Errorf("inference.min_luminance (%g) must be below max_luminance (%g)", t.MinLuminance, t.MaxLuminance))
	}
	if t.StillMaxSide != 0 && (t.StillMaxSide < 160 || t.StillMaxSide > 4096) {
		errs = append(errs, fmt.Errorf("inference.still_max_side = %d: must be between 160 and 4096", t.StillMaxSide))
	}
	return errors.Join(errs...)
}

package card

import "math"

// Problem is the stable code of a failed card gate; internal/messages has its sentence as
// card.<code> (the one instruction the agent sees).
type Problem string

// The problems, in the order Gates.Check reports them: the first is the instruction.
const (
	ProblemNoDocument Problem = "no_document"  // no card in the frame
	ProblemOutOfFrame Problem = "out_of_frame" // the card is partly out of the frame
	ProblemTooFar     Problem = "too_far"      // the card fills too little of the frame
	ProblemOffCentre  Problem = "off_centre"   // the card is near the frame's border
	ProblemTilted     Problem = "tilted"       // turned in the frame or seen at an angle
	ProblemTooDark    Problem = "too_dark"
	ProblemGlare      Problem = "glare"   // glare on the card, its portrait or its MRZ
	ProblemBlurred    Problem = "blurred" // the card is not sharp
	ProblemMoving     Problem = "moving"  // the card moves between frames (Tracker)
)

// Gates are the limits a frame's card must hold to be kept.
type Gates struct {
	MinFill      float64 // the card's share of the frame
	MaxOffCentre float64 // see Finding.OffCentre
	MaxRotation  float64 // degrees
	MaxSkew      float64 // see Finding.Skew
	MinLight     float64 // the card's mean grey
	MaxGlare     float64 // share of the card's pixels at or above GlareLevel
	MaxGlareZone float64 // the same on the portrait's zone and on the MRZ's
	MinSharpness float64 // variance of the Laplacian on the card
	MaxMove      float64 // between two frames, the corners' largest move over the frame's diagonal
	StableFrames int     // frames in a row that hold every gate before the capture
}

// DefaultGates are the limits a kiosk uses unless its config says otherwise. The labels
// of testdata/docset follow them: after a change, run go run ./scripts/docset and commit
// its manifest.csv (go test ./scripts/docset says when it is stale).
func DefaultGates() Gates {
	return Gates{
		MinFill:      0.20,
		MaxOffCentre: 0.35,
		MaxRotation:  12,
		MaxSkew:      0.12,
		MinLight:     70,
		MaxGlare:     0.04,
		MaxGlareZone: 0.01,
		// 400, not 120: on testdata/docset's 1280x720 stills a card blurred by two box
		// passes measures 19–255 and passed at 120 (recall 0.29); sharp cards measure
		// 7472 and more, one pass 608–669 (scripts/bench.d/card.sh, docs/benchmarks.md)
		MinSharpness: 400,
		MaxMove:      0.01,
		StableFrames: 3,
	}
}

// Check is the problems of one finding, in the order of the constants (moving is the
// Tracker's).
func (g Gates) Check(f Finding) []Problem {
	if !f.Found {
		return []Problem{ProblemNoDocument}
	}
	var p []Problem
	if f.Clipped {
		p = append(p, ProblemOutOfFrame)
	}
	if f.Fill < g.MinFill {
		p = append(p, ProblemTooFar)
	}
	if f.OffCentre > g.MaxOffCentre {
		p = append(p, ProblemOffCentre)
	}
	if math.Abs(f.Rotation) > g.MaxRotation || f.Skew > g.MaxSkew {
		p = append(p, ProblemTilted)
	}
	if f.Light < g.MinLight {
		p = append(p, ProblemTooDark)
	}
	if f.Glare > g.MaxGlare || f.GlareFace > g.MaxGlareZone || f.GlareMRZ > g.MaxGlareZone {
		p = append(p, ProblemGlare)
	}
	if f.Sharpness < g.MinSharpness {
		p = append(p, ProblemBlurred)
	}
	return p
}

// Tracker follows the card over consecutive frames of one document step.
type Tracker struct {
	Gates Gates
	prev  Finding
	run   int     // frames in a row that hold every gate
	best  float64 // the sharpest of the run
}

// Verdict is the Tracker's answer for one frame.
type Verdict struct {
	Problems []Problem // empty when the frame holds every gate
	Run      int       // frames in a row (this one included) that hold every gate
	Sharpest bool      // this frame is the sharpest of the current run: keep it
	Ready    bool      // the run reached Gates.StableFrames: capture (the sharpest kept)
}

// Add judges the next frame's finding.
func (t *Tracker) Add(f Finding) Verdict {
	p := t.Gates.Check(f)
	if f.Found && t.prev.Found && t.prev.Width == f.Width && t.prev.Height == f.Height {
		diag := math.Hypot(float64(f.Width), float64(f.Height))
		move := 0.0
		for i := range f.Corners {
			move = math.Max(move, dist(f.Corners[i], t.prev.Corners[i]))
		}
		if move/diag > t.Gates.MaxMove {
			p = append(p, ProblemMoving)
		}
	} else if f.Found {
		p = append(p, ProblemMoving) // the first sight of the card: not yet known still
	}
	t.prev = f
	if len(p) > 0 {
		t.run, t.best = 0, 0
		return Verdict{Problems: p}
	}
	t.run++
	v := Verdict{Run: t.run}
	if f.Sharpness > t.best {
		t.best = f.Sharpness
		v.Sharpest = true
	}
	n := t.Gates.StableFrames
	if n < 1 {
		n = 1
	}
	v.Ready = t.run >= n
	return v
}

// Reset forgets the frames seen (a new document step).
func (t *Tracker) Reset() { t.prev, t.run, t.best = Finding{}, 0, 0 }

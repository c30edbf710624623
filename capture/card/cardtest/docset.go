package cardtest

import (
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"image"
	"io"
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/smartselfie/kiosk-agent/capture/card"
)

// The labelled document set (testdata/docset, written by `go run ./scripts/docset`):
// every specimen (the Utopia passport page and the demo customers' ID-1 cards) on
// backgrounds, at distances, turns, perspectives, blur levels, light, with glare spots
// on the card, the portrait or the zone, partly out of the frame, and frames without a
// card. Previews (640x480) are for the gates; stills (1280x720, what the capture keeps)
// for the zone's read and the match. Each frame's labels come from its scene, with the
// gates' limits: the truth the gates are scored against.

// SpecimenTD3 names the passport specimen in the set; an ID-1 card is "id1_" + its
// customer's identity.
const SpecimenTD3 = "utopia_td3"

// Specimens are the set's specimens, the passport first.
func Specimens() []string {
	out := []string{SpecimenTD3}
	for _, c := range Customers {
		out = append(out, "id1_"+c.Identity)
	}
	return out
}

// LoadSpecimen draws a specimen of the set from the photos of the folder photos.
func LoadSpecimen(photos, name string) (*image.RGBA, error) {
	if name == SpecimenTD3 {
		return Specimen(filepath.Join(photos, "id_specimen_utopia_passport_td3.jpg"))
	}
	c, ok := CustomerOf(strings.TrimPrefix(name, "id1_"))
	if !ok || !strings.HasPrefix(name, "id1_") {
		return nil, fmt.Errorf("cardtest: no specimen %q (want %s)", name, strings.Join(Specimens(), ", "))
	}
	return CustomerCard(photos, c)
}

// SpecimenIdentity is the identity (testdata/photos/manifest.csv) whose face a specimen
// shows.
func SpecimenIdentity(name string) string {
	if name == SpecimenTD3 {
		return "id_specimen_anna_maria_eriksson"
	}
	return strings.TrimPrefix(name, "id1_")
}

func specimenAspect(name string) float64 {
	if name == SpecimenTD3 {
		return card.AspectPassport
	}
	return card.AspectID1
}

// Frame kinds.
const (
	KindPreview = "preview" // 640x480: what the gates see on every frame
	KindStill   = "still"   // 1280x720: the frame the capture keeps; the zone is read on it
)

// Glare places, in the card's own zones.
const (
	GlareNone     = ""
	GlareCard     = "card"     // on the card away from the portrait and the zone
	GlarePortrait = "portrait" // on the portrait
	GlareMRZ      = "mrz"      // on the machine readable zone
)

// Frame is one labelled frame of the set.
type Frame struct {
	File     string // name in the set's folder
	Kind     string
	Specimen string // "" when there is no card
	Seed     int64
	// the card's placement (Placed): centre, width in pixels, degrees, perspective
	CX, CY, CardW, Rotation, Perspective float64
	Light                                float64
	Blur                                 int
	Background                           Background
	GlareOn                              string
	GlareX, GlareY, GlareR               float64
	Labels                               []card.Problem // the problems its scene makes true, in the gates' order
}

// Scene is the frame's scene.
func (f Frame) Scene() Scene {
	s := Scene{W: 640, H: 480, Seed: f.Seed, Light: f.Light, Blur: f.Blur, Background: f.Background}
	if f.Kind == KindStill {
		s.W, s.H = 1280, 720
	}
	if f.Specimen != "" {
		s.Corners = PlacedAspect(f.CX, f.CY, f.CardW, specimenAspect(f.Specimen), f.Rotation, f.Perspective)
	}
	if f.GlareOn != GlareNone {
		s.Glare = []Glare{{X: f.GlareX, Y: f.GlareY, R: f.GlareR}}
	}
	return s
}

// FoundRight reports whether a finding is the frame's card: each corner within 2 % of
// the frame's diagonal of the scene's. A frame without a card has none to find.
func (f Frame) FoundRight(fd card.Finding) bool {
	if !fd.Found || f.Specimen == "" {
		return false
	}
	want := f.Scene().Corners
	diag := math.Hypot(float64(fd.Width), float64(fd.Height))
	for i := range want {
		if math.Hypot(fd.Corners[i].X-want[i].X, fd.Corners[i].Y-want[i].Y) > 0.02*diag {
			return false
		}
	}
	return true
}

// Has reports whether the frame is labelled with p.
func (f Frame) Has(p card.Problem) bool { return slices.Contains(f.Labels, p) }

// LabelOrder is the gates' order of the labels (the manifest's columns).
var LabelOrder = []card.Problem{card.ProblemNoDocument, card.ProblemOutOfFrame, card.ProblemTooFar, card.ProblemOffCentre,
	card.ProblemTilted, card.ProblemTooDark, card.ProblemGlare, card.ProblemBlurred}

// DocSet builds the set's frames and labels, the same on every run: per specimen 40
// previews (good, far, turned, seen at an angle, dark, blurred, glare on the card, glare
// on the portrait or the zone, partly out of the frame, mixed or without a card) and 9
// stills (good, turned, mild and strong blur, dim, glare on the zone and on the
// portrait, at an angle, farther). cards draws each specimen (LoadSpecimen); it is used
// for the labels that depend on the card's pixels (dark, glare).
func DocSet(cards map[string]*image.RGBA, g card.Gates) ([]Frame, error) {
	var out []Frame
	for si, sp := range Specimens() {
		c, ok := cards[sp]
		if !ok {
			return nil, fmt.Errorf("cardtest: specimen %s not drawn", sp)
		}
		h := fnv.New64a()
		h.Write([]byte(sp))
		rng := rand.New(rand.NewSource(int64(h.Sum64() & 0x7fffffffffff)))
		for i := 0; i < 40; i++ {
			f := preview(rng, sp, i)
			f.Seed = int64(si*1000 + i)
			f.File = fmt.Sprintf("%s_p%02d.jpg", sp, i)
			f.Labels = labels(f, c, g)
			out = append(out, f)
		}
		for i := 0; i < 9; i++ {
			f := still(rng, sp, si, i)
			f.Seed = int64(si*1000 + 500 + i)
			f.File = fmt.Sprintf("%s_s%d.jpg", sp, i)
			f.Labels = labels(f, c, g)
			out = append(out, f)
		}
	}
	return out, nil
}

func between(rng *rand.Rand, a, b float64) float64 { return a + rng.Float64()*(b-a) }

// round keeps the manifest short and its numbers exact (the scene is drawn from the
// rounded values): v to the nearest 1/per.
func round(v float64, per float64) float64 { return math.Round(v*per) / per }

func preview(rng *rand.Rand, sp string, i int) Frame {
	const W, H = 640.0, 480.0
	// each case (i % 10) on the four backgrounds in turn
	f := Frame{Kind: KindPreview, Specimen: sp, Light: 1, Background: Background((i + i/10) % 4),
		CX: W/2 + between(rng, -20, 20), CY: H/2 + between(rng, -15, 15), CardW: between(rng, 380, 520)}
	f.Rotation = between(rng, -4, 4)
	switch i % 10 {
	case 0: // good
	case 1: // far
		f.CardW = between(rng, 150, 250)
	case 2: // turned
		f.Rotation = between(rng, 15, 30) * float64(1-2*rng.Intn(2))
	case 3: // seen at an angle
		f.Perspective = between(rng, 0.14, 0.3)
	case 4: // dark
		f.Light = between(rng, 0.18, 0.34)
	case 5: // blurred
		f.Blur = 2 + rng.Intn(3)
	case 6: // glare on the card, away from the portrait and the zone
		f.GlareOn, f.GlareX, f.GlareY, f.GlareR = GlareCard, between(rng, 0.55, 0.85), between(rng, 0.25, 0.55), between(rng, 0.12, 0.18)
	case 7: // glare on the portrait or the zone, small
		if rng.Intn(2) == 0 {
			f.GlareOn, f.GlareX, f.GlareY = GlarePortrait, between(rng, 0.15, 0.26), between(rng, 0.35, 0.6)
		} else {
			f.GlareOn, f.GlareX, f.GlareY = GlareMRZ, between(rng, 0.2, 0.8), between(rng, 0.8, 0.88)
		}
		f.GlareR = between(rng, 0.04, 0.08)
	case 8: // partly out of the frame: pushed off one side
		switch rng.Intn(4) {
		case 0:
			f.CX = between(rng, 40, 140)
		case 1:
			f.CX = W - between(rng, 40, 140)
		case 2:
			f.CY = between(rng, 40, 100)
		default:
			f.CY = H - between(rng, 40, 100)
		}
	case 9: // mixed, or no card (one in two)
		if i%20 == 9 {
			f.Specimen = ""
			f.CX, f.CY, f.CardW, f.Rotation = 0, 0, 0, 0
			break
		}
		f.CardW = between(rng, 200, 540)
		f.CX = W/2 + between(rng, -1, 1)*W*0.22
		f.CY = H/2 + between(rng, -1, 1)*H*0.22
		f.Rotation = between(rng, -20, 20)
		f.Perspective = between(rng, 0, 0.2)
		if rng.Intn(3) == 0 {
			f.Light = between(rng, 0.2, 0.6)
		}
		if rng.Intn(3) == 0 {
			f.Blur = 1 + rng.Intn(3)
		}
		if rng.Intn(3) == 0 {
			f.GlareOn, f.GlareX, f.GlareY, f.GlareR = GlareCard, between(rng, 0.1, 0.9), between(rng, 0.1, 0.9), between(rng, 0.05, 0.15)
		}
	}
	return tidy(f)
}

func still(rng *rand.Rand, sp string, si, i int) Frame {
	const W, H = 1280.0, 720.0
	// each case on a different background from one specimen to the next
	f := Frame{Kind: KindStill, Specimen: sp, Light: 1, Background: Background((i + si) % 4),
		CX: W/2 + between(rng, -30, 30), CY: H/2 + between(rng, -20, 20), CardW: between(rng, 800, 900)}
	f.Rotation = between(rng, -3, 3)
	switch i {
	case 0: // good
	case 1: // turned a little, within the gate
		f.Rotation = between(rng, 6, 10)
		f.CardW = between(rng, 720, 780)
	case 2: // mild blur (one pass: not labelled blurred)
		f.Blur = 1
	case 3: // blurred
		f.Blur = 2
	case 4: // dim, not dark
		f.Light = between(rng, 0.45, 0.6)
	case 5: // glare on the zone
		f.GlareOn, f.GlareX, f.GlareY, f.GlareR = GlareMRZ, between(rng, 0.3, 0.7), 0.84, between(rng, 0.05, 0.07)
	case 6: // glare on the portrait
		f.GlareOn, f.GlareX, f.GlareY, f.GlareR = GlarePortrait, 0.2, between(rng, 0.4, 0.55), between(rng, 0.05, 0.07)
	case 7: // at an angle, within the gate
		f.Perspective = between(rng, 0.06, 0.1)
	case 8: // farther
		f.CardW = between(rng, 560, 680)
	}
	return tidy(f)
}

func tidy(f Frame) Frame {
	f.CX, f.CY, f.CardW = round(f.CX, 2), round(f.CY, 2), round(f.CardW, 2)
	f.Rotation, f.Perspective, f.Light = round(f.Rotation, 10), round(f.Perspective, 1000), round(f.Light, 100)
	f.GlareX, f.GlareY, f.GlareR = round(f.GlareX, 1000), round(f.GlareY, 1000), round(f.GlareR, 1000)
	return f
}

// The card's zones the gates measure glare on (capture/card's measureCard), in the
// card's own coordinates (0..1).
var (
	zoneCard     = [4]float64{0.04, 0.96, 0.04, 0.96}
	zonePortrait = [4]float64{0.05, 0.36, 0.2, 0.8}
	zoneMRZ      = [4]float64{0.04, 0.96, 0.72, 0.96}
)

// labels are the problems a frame's scene makes true: the shape's from the true corners
// and the gates' limits; too dark from the card's true mean grey in the scene's light;
// glare from the share of the card (of its portrait's zone, of its zone) the spot
// saturates (at card.GlareLevel) before blur; blurred from the blur (two passes or more).
func labels(f Frame, c *image.RGBA, g card.Gates) []card.Problem {
	truth := map[card.Problem]bool{}
	s := f.Scene()
	if f.Specimen == "" {
		return []card.Problem{card.ProblemNoDocument}
	}
	W, H := float64(s.W), float64(s.H)
	q := s.Corners
	for _, p := range q {
		if p.X < 0 || p.Y < 0 || p.X >= W || p.Y >= H {
			truth[card.ProblemOutOfFrame] = true
		}
	}
	if q.Area()/(W*H) < g.MinFill {
		truth[card.ProblemTooFar] = true
	}
	ce := q.Centre()
	if math.Max(math.Abs(ce.X-W/2)/(W/2), math.Abs(ce.Y-H/2)/(H/2)) > g.MaxOffCentre {
		truth[card.ProblemOffCentre] = true
	}
	if math.Abs(f.Rotation) > g.MaxRotation || f.Perspective/(1-f.Perspective) > g.MaxSkew {
		truth[card.ProblemTilted] = true
	}
	mean, hot := cardLight(c, s)
	if mean < g.MinLight {
		truth[card.ProblemTooDark] = true
	}
	if hot[0] > g.MaxGlare || hot[1] > g.MaxGlareZone || hot[2] > g.MaxGlareZone {
		truth[card.ProblemGlare] = true
	}
	if f.Blur >= 2 {
		truth[card.ProblemBlurred] = true
	}
	var out []card.Problem
	for _, p := range LabelOrder {
		if truth[p] {
			out = append(out, p)
		}
	}
	return out
}

// cardLight is the card's mean grey in the scene (inside the gates' 4 % margin) and the
// shares of its card, portrait and zone areas at or above card.GlareLevel, from the
// card's pixels as Render lights them (before blur), sampled on a 200-column grid.
func cardLight(c *image.RGBA, s Scene) (float64, [3]float64) {
	light := s.Light
	if light == 0 {
		light = 1
	}
	cw, ch := float64(c.Bounds().Dx()), float64(c.Bounds().Dy())
	const cols = 200
	rows := int(cols * ch / cw)
	var sum float64
	var n int
	var hot, tot [3]int
	in := func(z [4]float64, u, v float64) bool { return u >= z[0] && u < z[1] && v >= z[2] && v < z[3] }
	for j := 0; j < rows; j++ {
		for i := 0; i < cols; i++ {
			u, v := (float64(i)+0.5)/cols, (float64(j)+0.5)/float64(rows)
			if !in(zoneCard, u, v) {
				continue
			}
			r, g, b := cardPixel(c, s, u*cw, v*ch)
			y := (0.299*r + 0.587*g + 0.114*b) * light
			sum += math.Min(y, 255)
			n++
			h := y >= card.GlareLevel
			for k, z := range [3][4]float64{zoneCard, zonePortrait, zoneMRZ} {
				if in(z, u, v) {
					tot[k]++
					if h {
						hot[k]++
					}
				}
			}
		}
	}
	var share [3]float64
	for k := range share {
		if tot[k] > 0 {
			share[k] = float64(hot[k]) / float64(tot[k])
		}
	}
	return sum / float64(max(n, 1)), share
}

// Frames are read from and written to the manifest (manifest.csv of the set's folder).

var manifestHead = []string{"file", "kind", "specimen", "identity", "seed", "width", "height", "background",
	"card_cx", "card_cy", "card_width", "rotation", "perspective", "light", "blur", "glare_on", "glare_x", "glare_y", "glare_r"}

// WriteManifest writes the frames as CSV: the scene's values, then one 0/1 column per
// label (LabelOrder).
func WriteManifest(w io.Writer, frames []Frame) error {
	cw := csv.NewWriter(w)
	head := slices.Clone(manifestHead)
	for _, p := range LabelOrder {
		head = append(head, string(p))
	}
	cw.Write(head)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, f := range frames {
		s := f.Scene()
		id := ""
		if f.Specimen != "" {
			id = SpecimenIdentity(f.Specimen)
		}
		row := []string{f.File, f.Kind, f.Specimen, id, strconv.FormatInt(f.Seed, 10), strconv.Itoa(s.W), strconv.Itoa(s.H),
			f.Background.String(), num(f.CX), num(f.CY), num(f.CardW), num(f.Rotation), num(f.Perspective), num(f.Light),
			strconv.Itoa(f.Blur), f.GlareOn, num(f.GlareX), num(f.GlareY), num(f.GlareR)}
		for _, p := range LabelOrder {
			row = append(row, map[bool]string{true: "1", false: "0"}[f.Has(p)])
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// ReadManifest reads the frames of a manifest WriteManifest wrote.
func ReadManifest(r io.Reader) ([]Frame, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cardtest: manifest: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) != len(manifestHead)+len(LabelOrder) || rows[0][0] != "file" {
		return nil, fmt.Errorf("cardtest: manifest: not the document set's header (regenerate it: go run ./scripts/docset)")
	}
	var out []Frame
	for i, row := range rows[1:] {
		bad := func(col string, err error) error {
			return fmt.Errorf("cardtest: manifest line %d: %s: %v (regenerate it: go run ./scripts/docset)", i+2, col, err)
		}
		fl := func(k int) float64 {
			if err != nil {
				return 0
			}
			var v float64
			v, err = strconv.ParseFloat(row[k], 64)
			if err != nil {
				err = bad(manifestHead[k], err)
			}
			return v
		}
		f := Frame{File: row[0], Kind: row[1], Specimen: row[2]}
		if f.Kind != KindPreview && f.Kind != KindStill {
			return nil, bad("kind", fmt.Errorf("%q", f.Kind))
		}
		if filepath.Base(f.File) != f.File || !strings.HasSuffix(f.File, ".jpg") {
			return nil, bad("file", fmt.Errorf("%q is not a file name of the set", f.File))
		}
		f.Seed = int64(fl(4))
		if f.Background, err = ParseBackground(row[7]); err != nil {
			return nil, bad("background", err)
		}
		f.CX, f.CY, f.CardW, f.Rotation, f.Perspective, f.Light = fl(8), fl(9), fl(10), fl(11), fl(12), fl(13)
		f.Blur = int(fl(14))
		f.GlareOn = row[15]
		f.GlareX, f.GlareY, f.GlareR = fl(16), fl(17), fl(18)
		if err != nil {
			return nil, err
		}
		for k, p := range LabelOrder {
			if row[len(manifestHead)+k] == "1" {
				f.Labels = append(f.Labels, p)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

package fake

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // the vendored photos
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/job"
	"github.com/smartselfie/kiosk-agent/internal/testkit/testimages"
	"github.com/smartselfie/kiosk-agent/ui"
)

// This file is a fake enrollment service over the vendored photos (testdata/photos):
// its cameras show a photo (the document camera a card with a photo on it) at a steady
// rate, its capture procedures play a script of guidance over the frames the wizard
// hands them, and its prechecks read the photos' manifest: a "spoof" selfie fails
// passive liveness, two identities do not match, the same file twice is identical.
// It does no face analysis: face boxes are where the photo is placed.

// FrameSize is the fake cameras' picture size.
const FrameSize = 640

// Scenario says what the fake does.
type Scenario struct {
	// Selfie is the photo in front of the selfie camera (default obama_1.jpg), Document
	// the photo on the card in front of the document camera (default obama_2.jpg).
	Selfie, Document string
	// LivenessFailures is how many liveness sequences fail (the head does not turn to
	// the left as asked) before one succeeds.
	LivenessFailures int
	// DisconnectAtPrompt unplugs the selfie camera when liveness prompt n (1-based) of
	// the first sequence that gets there is shown; Reconnect plugs it back.
	DisconnectAtPrompt int
	// NoCamera lists the cameras that are not there at all.
	NoCamera []ui.CameraRole
	// Offline makes WaitResult return ui.ErrOffline; Late makes it wait until its
	// context ends.
	Offline, Late bool
	// Answer, when set, is the API's answer; otherwise 0840 when the prechecks matched,
	// 0941 when the pictures were identical, 0841 otherwise.
	Answer *ui.Outcome
	// Hold keeps the capture of this kind running for ever at guidance step HoldAt
	// (0-based) of its script, or at liveness prompt HoldAt (screenshots use it).
	Hold   ui.CaptureKind
	HoldAt int
	// Interval is the time between two camera frames (0: 1/30 s).
	Interval time.Duration
	// Cost is how long judging one frame takes (0: none).
	Cost time.Duration
	// Still: every frame is the same picture (no sway), so that a screenshot does not
	// depend on which frame was on screen.
	Still bool
	// CardTilt turns the ID card in front of the document camera by so many degrees
	// (clockwise): the card's outline in the guidance turns with it, and the card's
	// first problem is then "tilted" until the script's good frames.
	CardTilt float64
	// DocumentExpired: the prechecks of a document warn that it has expired
	// (document_expired), and its reading says so.
	DocumentExpired bool
	// DocumentUnread: ReadDocument finds no zone on the document.
	DocumentUnread bool
	// Dark: the selfie camera's room is dim (its picture at a third of its light), as
	// the selfie script's "too dark" guidance says: a screenshot held there shows it.
	Dark bool
}

// Enrollment is the fake ui.Enrollment.
type Enrollment struct {
	// Clock paces the cameras and the analysis cost (nil: clock.Real).
	Clock clock.Clock
	// Queue, when set, gets the sealed jobs and their answers.
	Queue *Queue
	// Imports are the files offered for the ID photo import (default: two photos).
	ImportFiles []ui.ImportFile

	mu        sync.Mutex
	sc        Scenario
	photos    map[string]*image.RGBA // camera pictures by photo (and "card:" photo)
	seen      map[*image.RGBA]string // frame → photo, for the prechecks
	seenOrder []*image.RGBA
	imported  map[image.Image]string
	failures  int
	unplugged bool
	unplugAt  int // the prompt still to unplug at (0: done)
	replug    chan struct{}
	mirror    bool
	sealed    []ui.SealRequest
	checked   map[string]bool // the jobs whose prechecks read a document
	opened    map[ui.CaptureKind]int
	captured  map[ui.CaptureKind][]ui.Shot
	moves     []string
}

// WizardMoved records the wizard's moves (ui.WizardObserver) as "from>to" with "+sealed"
// when the job is in the queue.
func (e *Enrollment) WizardMoved(from, to string, sealed bool) {
	m := from + ">" + to
	if sealed {
		m += "+sealed"
	}
	e.mu.Lock()
	e.moves = append(e.moves, m)
	e.mu.Unlock()
}

// Moves are the wizard's moves WizardMoved recorded, in order.
func (e *Enrollment) Moves() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.moves...)
}

// Captured are the shots each Capture of kind returned, in order.
func (e *Enrollment) Captured(kind ui.CaptureKind) []ui.Shot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]ui.Shot(nil), e.captured[kind]...)
}

func (e *Enrollment) capturedShots(kind ui.CaptureKind, shots []ui.Shot) []ui.Shot {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.captured[kind] = append(e.captured[kind], shots...)
	return shots
}

// Opened is how many cameras were opened for kind.
func (e *Enrollment) Opened(kind ui.CaptureKind) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opened[kind]
}

// SealedRequests are the requests sealed, in order.
func (e *Enrollment) SealedRequests() []ui.SealRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]ui.SealRequest(nil), e.sealed...)
}

// NewEnrollment is a fake enrollment service playing sc.
func NewEnrollment(c clock.Clock, sc Scenario) *Enrollment {
	if c == nil {
		c = clock.Real{}
	}
	e := &Enrollment{Clock: c, photos: map[string]*image.RGBA{}, seen: map[*image.RGBA]string{},
		imported: map[image.Image]string{}, replug: make(chan struct{}), opened: map[ui.CaptureKind]int{},
		captured: map[ui.CaptureKind][]ui.Shot{}, checked: map[string]bool{}}
	e.SetScenario(sc)
	e.ImportFiles = []ui.ImportFile{
		{Path: testimages.Path("obama_3.jpg"), Name: "id-photo-obama.jpg", Where: "USB KINGSTON"},
		{Path: testimages.Path("biden_1.jpg"), Name: "id-photo-biden.jpg", Where: "USB KINGSTON"},
	}
	return e
}

// SetScenario changes the scenario (e.g. another selfie for a retake).
func (e *Enrollment) SetScenario(sc Scenario) {
	if sc.Selfie == "" {
		sc.Selfie = "obama_1.jpg"
	}
	if sc.Document == "" {
		sc.Document = "obama_2.jpg"
	}
	if sc.Interval <= 0 {
		sc.Interval = time.Second / 30
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sc = sc
	e.unplugAt = sc.DisconnectAtPrompt
}

func (e *Enrollment) scenario() Scenario {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sc
}

// Disconnect unplugs the selfie camera: its next Next returns ui.ErrCameraDisconnected
// and the ones after wait for Reconnect.
func (e *Enrollment) Disconnect() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.unplugged = true
}

// Reconnect plugs the camera back.
func (e *Enrollment) Reconnect() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.unplugged {
		e.unplugged = false
		close(e.replug)
		e.replug = make(chan struct{})
	}
}

// OpenCamera opens the camera of kind (the document camera for CaptureDocument).
func (e *Enrollment) OpenCamera(kind ui.CaptureKind) (ui.LiveCamera, error) {
	sc := e.scenario()
	role := ui.CameraSelfie
	if kind == ui.CaptureDocument {
		role = ui.CameraDocument
	}
	for _, r := range sc.NoCamera {
		if r == role {
			dev := "/dev/video0"
			if role == ui.CameraDocument {
				dev = "/dev/video2"
			}
			return nil, &ui.NoCameraError{Role: role, Device: dev, Err: errors.New("no such device")}
		}
	}
	photo := sc.Selfie
	if kind == ui.CaptureDocument {
		photo = cardPhoto(sc)
	} else if sc.Dark {
		photo = "dark:" + photo
	}
	pic, err := e.picture(photo)
	if err != nil {
		return nil, fmt.Errorf("opening the fake camera: %w", err)
	}
	e.mu.Lock()
	e.opened[kind]++
	e.mu.Unlock()
	return &camera{e: e, photo: photo, pic: pic, selfie: role == ui.CameraSelfie, interval: sc.Interval}, nil
}

// camera shows a photo with a little movement, at the scenario's interval.
type camera struct {
	e        *Enrollment
	photo    string
	pic      *image.RGBA
	selfie   bool
	interval time.Duration
	n        int
	told     bool // the unplug was reported
}

func (c *camera) Next(ctx context.Context, dst *image.RGBA) (*image.RGBA, error) {
	if err := clock.Sleep(ctx, c.e.Clock, c.interval); err != nil {
		return nil, err
	}
	for c.selfie {
		c.e.mu.Lock()
		unplugged, replug := c.e.unplugged, c.e.replug
		c.e.mu.Unlock()
		if !unplugged {
			c.told = false
			break
		}
		if !c.told {
			c.told = true
			return nil, fmt.Errorf("reading the fake camera: %w", ui.ErrCameraDisconnected)
		}
		select {
		case <-replug:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if dst == nil || dst.Rect != c.pic.Rect {
		dst = image.NewRGBA(c.pic.Rect)
	}
	c.n++
	c.e.mu.Lock()
	mirror := c.e.mirror && c.selfie
	still := c.e.sc.Still
	c.e.mu.Unlock()
	// A slow sway of a few pixels: the customer is alive.
	dx := int(3 * math.Sin(float64(c.n)/6))
	if still {
		dx = 0
	}
	w := c.pic.Rect.Dx()
	for y := 0; y < c.pic.Rect.Dy(); y++ {
		src := c.pic.Pix[y*c.pic.Stride : y*c.pic.Stride+w*4]
		row := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for x := 0; x < w; x++ {
			sx := min(max(x+dx, 0), w-1)
			if mirror {
				sx = w - 1 - sx
			}
			copy(row[x*4:x*4+4], src[sx*4:sx*4+4])
		}
	}
	return dst, nil
}

func (c *camera) Close() error { return nil }

// picture is the camera picture of a photo ("card:NAME" puts it on an ID card).
func (e *Enrollment) picture(name string) (*image.RGBA, error) {
	e.mu.Lock()
	p, ok := e.photos[name]
	e.mu.Unlock()
	if ok {
		return p, nil
	}
	var err error
	if dim, ok := cutPrefix(name, "dark:"); ok {
		if p, err = e.picture(dim); err == nil {
			p = darken(p)
		}
	} else if card, ok := cutPrefix(name, "card:"); ok {
		tilt := 0.0
		if at := strings.IndexByte(card, '@'); at >= 0 {
			tilt, _ = strconv.ParseFloat(card[at+1:], 64)
			card = card[:at]
		}
		p, err = cardPicture(card, tilt)
	} else {
		var img image.Image
		if img, err = loadPhoto(name); err == nil {
			p = cover(zoom(img), FrameSize, FrameSize*3/4)
		}
	}
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.photos[name] = p
	e.mu.Unlock()
	return p, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// loadPhoto decodes a vendored photo, upright by the manifest's EXIF orientation.
func loadPhoto(name string) (image.Image, error) {
	f, err := os.Open(testimages.Path(name))
	if err != nil {
		return nil, fmt.Errorf("opening test photo: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decoding test photo %s: %w", name, err)
	}
	if m, err := manifest(); err == nil && m[name].orientation == 6 {
		img = rotate90(img)
	}
	return img, nil
}

// rotate90 turns img a quarter turn clockwise (EXIF orientation 6).
func rotate90(img image.Image) image.Image {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(b.Max.Y-1-y, x-b.Min.X, img.At(x, y))
		}
	}
	return dst
}

// zoom crops a portrait photo to its upper middle, where the face is, as a selfie
// camera at arm's length would see it.
func zoom(img image.Image) image.Image {
	b := img.Bounds()
	w := b.Dx() * 5 / 8
	h := w * 3 / 4
	if h > b.Dy() {
		return img
	}
	x0 := b.Min.X + (b.Dx()-w)/2
	y0 := b.Min.Y + max(0, min(b.Dy()-h, b.Dy()*26/100-h/2))
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(image.Rect(x0, y0, x0+w, y0+h))
	}
	return img
}

// cover scales img to fill w x h, cropping what overflows (the top kept: faces).
func cover(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	s := math.Max(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	cw, ch := int(float64(w)/s), int(float64(h)/s)
	x0 := b.Min.X + (b.Dx()-cw)/2
	y0 := b.Min.Y + (b.Dy()-ch)/4
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Rect, img, image.Rect(x0, y0, x0+cw, y0+ch), draw.Src, nil)
	return dst
}

// The ID card's place in the document camera's picture: 80% of the width, ID-1 shape,
// and the photo's place on it.
var (
	cardRect  = image.Rect(64, 78, 576, 402)
	photoRect = image.Rect(90, 130, 230, 310)
)

// cardPhoto is the name of the document camera's picture in scenario sc.
func cardPhoto(sc Scenario) string {
	if sc.CardTilt != 0 {
		return "card:" + sc.Document + "@" + strconv.FormatFloat(sc.CardTilt, 'f', -1, 64)
	}
	return "card:" + sc.Document
}

// cardPicture is a desk with an ID card holding the photo, turned tilt degrees
// clockwise about its centre.
func cardPicture(photo string, tilt float64) (*image.RGBA, error) {
	img, err := loadPhoto(photo)
	if err != nil {
		return nil, err
	}
	dst := image.NewRGBA(image.Rect(0, 0, FrameSize, FrameSize*3/4))
	fill(dst, dst.Rect, color.RGBA{0x5a, 0x44, 0x34, 0xff})
	fill(dst, cardRect, color.RGBA{0xe4, 0xec, 0xf2, 0xff})
	fill(dst, image.Rect(cardRect.Min.X, cardRect.Min.Y, cardRect.Max.X, cardRect.Min.Y+36), color.RGBA{0x2a, 0x5c, 0x8c, 0xff})
	p := cover(img, photoRect.Dx(), photoRect.Dy())
	draw.Draw(dst, photoRect, p, image.Point{}, draw.Src)
	for i := 0; i < 6; i++ { // the card's text lines
		y := 140 + i*28
		fill(dst, image.Rect(256, y, 256+200+(i*37)%90, y+10), color.RGBA{0x70, 0x78, 0x84, 0xff})
	}
	fill(dst, image.Rect(cardRect.Min.X+20, 360, cardRect.Max.X-20, 368), color.RGBA{0x90, 0x98, 0xa0, 0xff})
	fill(dst, image.Rect(cardRect.Min.X+20, 376, cardRect.Max.X-20, 384), color.RGBA{0x90, 0x98, 0xa0, 0xff})
	if tilt == 0 {
		return dst, nil
	}
	// Turned: each pixel of the picture shows the straight card's pixel it came from
	// (the inverse turn), the desk around it.
	out := image.NewRGBA(dst.Rect)
	fill(out, out.Rect, color.RGBA{0x5a, 0x44, 0x34, 0xff})
	sin, cos := math.Sincos(-tilt * math.Pi / 180)
	cx, cy := float64(cardRect.Min.X+cardRect.Max.X)/2, float64(cardRect.Min.Y+cardRect.Max.Y)/2
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			sx, sy := int(math.Floor(cx+dx*cos-dy*sin)), int(math.Floor(cy+dx*sin+dy*cos))
			if image.Pt(sx, sy).In(cardRect) {
				copy(out.Pix[out.PixOffset(x, y):out.PixOffset(x, y)+4], dst.Pix[dst.PixOffset(sx, sy):dst.PixOffset(sx, sy)+4])
			}
		}
	}
	return out, nil
}

// CardOutline is the fake card's outline in the document camera's picture, turned tilt
// degrees clockwise about its centre, as fractions of the picture.
func CardOutline(tilt float64) *ui.CardOutline {
	sin, cos := math.Sincos(tilt * math.Pi / 180)
	cx, cy := float64(cardRect.Min.X+cardRect.Max.X)/2, float64(cardRect.Min.Y+cardRect.Max.Y)/2
	corners := [4]image.Point{cardRect.Min, {cardRect.Max.X, cardRect.Min.Y}, cardRect.Max, {cardRect.Min.X, cardRect.Max.Y}}
	var q ui.CardOutline
	for i, c := range corners {
		dx, dy := float64(c.X)-cx, float64(c.Y)-cy
		q[i] = ui.CardPoint{X: (cx + dx*cos - dy*sin) / FrameSize, Y: (cy + dx*sin + dy*cos) / (FrameSize * 3 / 4)}
	}
	return &q
}

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(dst, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

// The face boxes of the fake pictures.
var (
	selfieFace = ui.Box{X1: 0.33 * FrameSize, Y1: 0.12 * FrameSize * 3 / 4, X2: 0.67 * FrameSize, Y2: 0.72 * FrameSize * 3 / 4}
	cardFace   = ui.Box{X1: float64(photoRect.Min.X + 20), Y1: float64(photoRect.Min.Y + 20), X2: float64(photoRect.Max.X - 20), Y2: float64(photoRect.Max.Y - 40)}
)

// documentScript is the document step's guidance in scenario sc: no card, then the card
// with a problem (glare, or tilted when the card is turned), then moving, then good.
func documentScript(sc Scenario) []ui.Guidance {
	q := CardOutline(sc.CardTilt)
	adjust := ui.CardGlare
	if sc.CardTilt != 0 {
		adjust = ui.CardTilted
	}
	return []ui.Guidance{
		{Problems: []ui.Problem{ui.ProblemNoFace}, CardProblems: []ui.CardProblem{ui.CardNoDocument}},
		{Problems: []ui.Problem{ui.ProblemTooSmall}, Face: &cardFace, Card: q, CardProblems: []ui.CardProblem{adjust}},
		{Problems: []ui.Problem{ui.ProblemMoving}, Face: &cardFace, Card: q, CardProblems: []ui.CardProblem{ui.CardMoving}},
		{OK: true, Face: &cardFace, Card: q}, {OK: true, Face: &cardFace, Card: q}, {OK: true, Face: &cardFace, Card: q},
	}
}

// scripts are the guidance each capture plays, one frame each, before it keeps a shot
// (the document's: documentScript).
var scripts = map[ui.CaptureKind][]ui.Guidance{
	ui.CapturePortrait: {
		{Problems: []ui.Problem{ui.ProblemTooSmall}, Face: &selfieFace},
		{OK: true, Face: &selfieFace}, {OK: true, Face: &selfieFace}, {OK: true, Face: &selfieFace},
	},
	ui.CaptureSelfie: {
		{Problems: []ui.Problem{ui.ProblemNoFace}},
		{Problems: []ui.Problem{ui.ProblemTooSmall, ui.ProblemTooDark}, Face: &selfieFace},
		{Problems: []ui.Problem{ui.ProblemPose}, Face: &selfieFace},
		{OK: true, Face: &selfieFace}, {OK: true, Face: &selfieFace}, {OK: true, Face: &selfieFace},
	},
}

// Prompts are the fake liveness sequence's prompts (capture.DefaultPrompts).
var Prompts = []ui.Prompt{ui.PromptStraight, ui.PromptLeft, ui.PromptRight, ui.PromptStraight,
	ui.PromptLeft, ui.PromptRight, ui.PromptStraight, ui.PromptStraight}

// Capture plays the kind's script over the frames it is handed.
func (e *Enrollment) Capture(ctx context.Context, kind ui.CaptureKind, frames ui.Frames, h ui.CaptureHooks) ([]ui.Shot, error) {
	sc := e.scenario()
	photo := sc.Selfie
	if kind == ui.CaptureDocument {
		photo = cardPhoto(sc)
	}
	judge := func(g ui.Guidance) (ui.Frame, error) {
		f, err := frames.Next(ctx)
		if err != nil {
			return f, err
		}
		e.remember(f.Image, photo)
		if sc.Cost > 0 {
			if err := clock.Sleep(ctx, e.Clock, sc.Cost); err != nil {
				return f, err
			}
		}
		if h.Guidance != nil {
			h.Guidance(g)
		}
		return f, nil
	}
	if kind == ui.CaptureLiveness {
		return e.liveness(ctx, sc, judge, h)
	}
	script := scripts[kind]
	if kind == ui.CaptureDocument {
		script = documentScript(sc)
	}
	var last ui.Frame
	for i := 0; ; i++ {
		if sc.Hold == kind && i >= sc.HoldAt {
			i = min(sc.HoldAt, len(script)-1)
		}
		g := script[min(i, len(script)-1)]
		f, err := judge(g)
		if err != nil {
			return nil, err
		}
		last = f
		if i >= len(script)-1 && sc.Hold != kind {
			break
		}
	}
	g := script[len(script)-1]
	shot := ui.Shot{Image: last.Image, Face: g.Face, Origin: job.OriginAuto}
	if kind == ui.CaptureDocument {
		shot = e.flatten(last.Image, photo)
		shot.Origin = job.OriginAuto
	}
	return e.capturedShots(kind, []ui.Shot{shot}), nil
}

// flatten is the fake's flattened card: the card's rectangle of a document frame (a
// turned card's too: the fake does not warp), its face where the photo is on it.
func (e *Enrollment) flatten(img image.Image, photo string) ui.Shot {
	rgba, ok := img.(*image.RGBA)
	if !ok || !cardRect.In(rgba.Rect) {
		return ui.Shot{Image: img, Face: &cardFace}
	}
	flat := cloneRGBA(rgba.SubImage(cardRect).(*image.RGBA))
	e.remember(flat, photo)
	face := cardFace
	face.X1, face.X2 = face.X1-float64(cardRect.Min.X), face.X2-float64(cardRect.Min.X)
	face.Y1, face.Y2 = face.Y1-float64(cardRect.Min.Y), face.Y2-float64(cardRect.Min.Y)
	return ui.Shot{Image: flat, Face: &face}
}

// cloneRGBA copies img into a new image whose bounds start at 0,0.
func cloneRGBA(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
	draw.Draw(out, out.Rect, img, img.Rect.Min, draw.Src)
	return out
}

// TakeNow is the frame kept by hand: a document frame flattened to the fake card (the
// frame shows the card whenever the document camera is on), another frame as it is.
func (e *Enrollment) TakeNow(ctx context.Context, kind ui.CaptureKind, frame image.Image) (ui.Shot, error) {
	if kind != ui.CaptureDocument {
		return ui.Shot{Image: frame, Face: &selfieFace}, nil
	}
	return e.flatten(frame, cardPhoto(e.scenario())), nil
}

func (e *Enrollment) liveness(ctx context.Context, sc Scenario, judge func(ui.Guidance) (ui.Frame, error), h ui.CaptureHooks) ([]ui.Shot, error) {
	e.mu.Lock()
	fail := e.failures < sc.LivenessFailures
	e.failures++
	e.mu.Unlock()
	defer e.setMirror(false)
	n := len(Prompts)
	var shots []ui.Shot
	for i, p := range Prompts {
		if h.Prompt != nil {
			h.Prompt(i, n, p)
		}
		e.mu.Lock()
		if e.unplugAt == i+1 {
			e.unplugAt = 0
			e.unplugged = true
		}
		e.mu.Unlock()
		if fail && p == ui.PromptLeft {
			for k := 0; k < 3; k++ {
				if _, err := judge(ui.Guidance{Problems: []ui.Problem{ui.ProblemPromptNotFollowed}, Face: &selfieFace}); err != nil {
					return nil, err
				}
			}
			return nil, &ui.CaptureError{Prompt: p, Problems: []ui.Problem{ui.ProblemPromptNotFollowed},
				Err: errors.New("no acceptable frame in time")}
		}
		if _, err := judge(ui.Guidance{Problems: []ui.Problem{ui.ProblemPromptNotFollowed}, Face: &selfieFace}); err != nil {
			return nil, err
		}
		e.setMirror(p == ui.PromptRight)
		for !fail && sc.Hold == ui.CaptureLiveness && i == sc.HoldAt {
			if _, err := judge(ui.Guidance{Problems: []ui.Problem{ui.ProblemPromptNotFollowed}, Face: &selfieFace}); err != nil {
				return nil, err
			}
		}
		f, err := judge(ui.Guidance{OK: true, Face: &selfieFace})
		if err != nil {
			return nil, err
		}
		shots = append(shots, ui.Shot{Image: f.Image, Face: &selfieFace, Prompt: p})
	}
	return e.capturedShots(ui.CaptureLiveness, shots), nil
}

func (e *Enrollment) setMirror(m bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mirror = m
}

// remember records which photo a frame shows (the last 256 frames).
func (e *Enrollment) remember(img *image.RGBA, photo string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seen[img] = photo
	e.seenOrder = append(e.seenOrder, img)
	if len(e.seenOrder) > 256 {
		delete(e.seen, e.seenOrder[0])
		e.seenOrder = e.seenOrder[1:]
	}
}

// Imports returns ImportFiles.
func (e *Enrollment) Imports(context.Context) ([]ui.ImportFile, error) {
	return append([]ui.ImportFile(nil), e.ImportFiles...), nil
}

// ImportComparison decodes a photo; its face box is the photo's middle.
func (e *Enrollment) ImportComparison(path string) (ui.Shot, error) {
	name := filepath.Base(path)
	img, err := loadPhoto(name)
	if err != nil {
		return ui.Shot{}, fmt.Errorf("importing the ID photo: %w", err)
	}
	b := img.Bounds()
	face := ui.Box{X1: float64(b.Dx()) * 0.25, Y1: float64(b.Dy()) * 0.1, X2: float64(b.Dx()) * 0.75, Y2: float64(b.Dy()) * 0.7}
	e.mu.Lock()
	e.imported[img] = name
	e.mu.Unlock()
	return ui.Shot{Image: img, Face: &face, Origin: job.OriginImport}, nil
}

// photoOf is the photo a shot shows ("" when unknown).
func (e *Enrollment) photoOf(s ui.Shot) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if rgba, ok := s.Image.(*image.RGBA); ok {
		if p, ok := e.seen[rgba]; ok {
			p, _ = cutPrefix(p, "card:")
			return p
		}
	}
	return e.imported[s.Image]
}

// Prechecks reads the manifest: a spoof selfie is not live, two identities do not
// match, the same photo twice is identical.
func (e *Enrollment) Prechecks(ctx context.Context, d ui.Draft) (job.Prechecks, error) {
	m, err := manifest()
	if err != nil {
		return job.Prechecks{}, err
	}
	selfie, comp := m[e.photoOf(d.Selfie)], m[e.photoOf(d.Comparison)]
	pc := job.Prechecks{Ran: true}
	add := func(img, code, msg string) {
		pc.Problems = append(pc.Problems, job.PrecheckProblem{Image: img, Code: code, Message: msg})
	}
	if selfie.category == "spoof" {
		add("selfie", "not_live", "The selfie looks like a photo of a photo or of a screen.")
	}
	match := selfie.identity != "" && selfie.identity == comp.identity
	same := selfie.file != "" && selfie.file == comp.file
	sim := 0.08
	if match {
		sim = 0.71
	}
	pc.Similarity, pc.Match, pc.Identical = &sim, &match, &same
	if !match {
		add("pair", "no_match", fmt.Sprintf("The selfie does not match the comparison image (similarity %.2f, needs 0.42).", sim))
	}
	if same {
		add("pair", "identical", "The selfie and the comparison image are the same picture.")
	}
	pc.OK = len(pc.Problems) == 0
	if d.ComparisonType == job.Document {
		if e.scenario().DocumentExpired {
			pc.Warnings = append(pc.Warnings, job.PrecheckProblem{Image: "comparison", Code: "document_expired",
				Message: "The document expired on " + SpecimenExpiry.Format(time.DateOnly) + ": check whether the bank accepts it."})
		}
		e.mu.Lock()
		e.checked[d.JobID] = true
		e.mu.Unlock()
	}
	return pc, nil
}

// The fake document's zone as the prechecks read it: ICAO 9303's specimen passport.
var (
	SpecimenNumber = "L898902C3"
	SpecimenExpiry = time.Date(2012, 4, 15, 0, 0, 0, 0, time.UTC)
)

// ReadDocument reads the specimen's zone on a frame of the fake card (none when the
// scenario says DocumentUnread, or on a picture that is not the card's).
func (e *Enrollment) ReadDocument(ctx context.Context, img image.Image) (*ui.DocumentRead, error) {
	if e.scenario().DocumentUnread {
		return nil, nil
	}
	rgba, _ := img.(*image.RGBA)
	e.mu.Lock()
	_, card := cutPrefix(e.seen[rgba], "card:")
	e.mu.Unlock()
	if !card {
		return nil, nil
	}
	expired := e.scenario().DocumentExpired
	expiry := SpecimenExpiry
	if !expired {
		expiry = time.Date(2034, 4, 15, 0, 0, 0, 0, time.UTC)
	}
	return &ui.DocumentRead{Valid: true, Number: SpecimenNumber, Type: "P", IssuingState: "UTO", Expiry: expiry, Expired: expired}, nil
}

// DocumentRead is the specimen's reading after the prechecks of a document job (nil
// before, for another comparison image and once the job is sealed): expired when the
// scenario says so.
func (e *Enrollment) DocumentRead(jobID string) *ui.DocumentRead {
	e.mu.Lock()
	ok := e.checked[jobID]
	expired := e.sc.DocumentExpired
	e.mu.Unlock()
	if !ok {
		return nil
	}
	expiry := SpecimenExpiry
	if !expired {
		expiry = time.Date(2034, 4, 15, 0, 0, 0, 0, time.UTC)
	}
	return &ui.DocumentRead{Valid: true, Number: SpecimenNumber, Type: "P", IssuingState: "UTO", Expiry: expiry, Expired: expired}
}

// Seal records the request and queues the job.
func (e *Enrollment) Seal(ctx context.Context, r ui.SealRequest) error {
	if r.Prechecks.Ran && !r.Prechecks.OK && (!r.Prechecks.Forced || r.Supervisor == nil) {
		return errors.New("sealing a job that failed its prechecks needs a supervisor")
	}
	e.mu.Lock()
	e.sealed = append(e.sealed, r)
	delete(e.checked, r.Draft.JobID) // the reading is forgotten with the images
	e.mu.Unlock()
	if e.Queue != nil {
		e.Queue.Add(ui.Job{ID: r.Draft.JobID, Created: e.Clock.Now(), State: ui.JobQueued})
	}
	return nil
}

// WaitResult answers by the scenario.
func (e *Enrollment) WaitResult(ctx context.Context, id string) (ui.Outcome, error) {
	sc := e.scenario()
	if sc.Offline {
		return ui.Outcome{}, ui.ErrOffline
	}
	if sc.Late {
		<-ctx.Done()
		return ui.Outcome{}, ctx.Err()
	}
	var o ui.Outcome
	e.mu.Lock()
	for _, r := range e.sealed {
		if r.Draft.JobID != id {
			continue
		}
		pc := r.Prechecks
		switch {
		case pc.Identical != nil && *pc.Identical:
			o.ResultCode = "0941"
		case pc.Match != nil && *pc.Match:
			o.ResultCode = "0840"
		default:
			o.ResultCode = "0841"
		}
	}
	e.mu.Unlock()
	if sc.Answer != nil {
		o = *sc.Answer
	}
	if o == (ui.Outcome{}) {
		return o, fmt.Errorf("waiting for job %s: not sealed", id)
	}
	if e.Queue != nil {
		e.Queue.SetOutcome(id, o)
	}
	return o, nil
}

// photoInfo is one row of the photos' manifest.
type photoInfo struct {
	file, identity, category string
	orientation              int
}

var (
	manifestOnce sync.Once
	manifestRows map[string]photoInfo
	manifestErr  error
)

func manifest() (map[string]photoInfo, error) {
	manifestOnce.Do(func() {
		f, err := os.Open(filepath.Join(testimages.Dir(), "manifest.csv"))
		if err != nil {
			manifestErr = fmt.Errorf("reading the photos' manifest: %w", err)
			return
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			manifestErr = fmt.Errorf("reading the photos' manifest: %w", err)
			return
		}
		manifestRows = map[string]photoInfo{}
		for _, r := range rows[1:] {
			o, _ := strconv.Atoi(r[4])
			manifestRows[r[0]] = photoInfo{file: r[0], identity: r[1], category: r[3], orientation: o}
		}
	})
	return manifestRows, manifestErr
}

// CardSize is the size of the fake card in the document camera's picture: the size of
// its flattened image.
func CardSize() image.Point { return cardRect.Size() }

// darken is a copy of p at a third of its light (a dim room).
func darken(p *image.RGBA) *image.RGBA {
	out := cloneRGBA(p)
	for i := range out.Pix {
		if i%4 != 3 {
			out.Pix[i] /= 3
		}
	}
	return out
}

package ocr

import (
	"errors"
	"fmt"
	"image"
	"sort"
	"strings"

	"github.com/smartselfie/kiosk-agent/internal/mrz"
)

// MRZAlphabet is what a machine readable zone may hold.
const MRZAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

// ErrNoMRZ is returned (wrapped) when no machine readable zone is found in the image.
var ErrNoMRZ = errors.New("no machine readable zone found")

// MRZResult is what ReadMRZ found. Lines holds the zone as read (personal data: never
// log it); Doc is the parsed zone (check Doc.Valid()).
type MRZResult struct {
	Doc   *mrz.Document
	Lines []Line
}

// ReadMRZ finds the machine readable zone in img (the flattened card, or a document
// photo; the zone is the block of long lines nearest the bottom), reads it with the MRZ
// alphabet only and parses it by ICAO 9303. An error wrapping ErrNoMRZ means no zone.
//
// On a flattened card the zone's lines are at a known place: they are found by a
// projection of the dark pixels at the bottom (no detector) and only the recognizer
// runs on them. When that finds no lines, or their reading does not hold every check
// digit, the text detector looks for the zone in the bottom 45 % of the image, then in
// the whole image (a photo of a document on a desk, a page with a margin).
func (r *Reader) ReadMRZ(img image.Image) (*MRZResult, error) {
	var fast *MRZResult
	if boxes := zoneLines(img); boxes != nil {
		res, err := r.readBoxes(img, boxes)
		if err == nil && res.Doc.Valid() {
			return res, nil
		}
		if err != nil && !errors.Is(err, ErrNoMRZ) {
			return nil, err
		}
		fast = res // read, a check digit failing: the detector may read it better
	}
	res, err := r.readDetected(img)
	if err != nil && errors.Is(err, ErrNoMRZ) && fast != nil {
		return fast, nil
	}
	return res, err
}

// readDetected is the zone found by the text detector. Detection costs in proportion to
// the area: the bottom 45 % first (the zone is in the bottom part of every TD1, TD2 and
// TD3 document), the whole image only when the band holds no zone.
func (r *Reader) readDetected(img image.Image) (*MRZResult, error) {
	b := img.Bounds()
	band := image.Rect(b.Min.X, b.Max.Y-b.Dy()*45/100, b.Max.X, b.Max.Y)
	res, err := r.readMRZIn(img, band)
	if err != nil && errors.Is(err, ErrNoMRZ) {
		res, err = r.readMRZIn(img, b)
	}
	return res, err
}

type subImager interface {
	SubImage(image.Rectangle) image.Image
}

func (r *Reader) readMRZIn(img image.Image, area image.Rectangle) (*MRZResult, error) {
	sub := img
	if si, ok := img.(subImager); ok && area != img.Bounds() {
		sub = si.SubImage(area)
	}
	boxes, err := r.Detect(sub)
	if err != nil {
		return nil, err
	}
	return r.readBoxes(img, boxes)
}

// readBoxes recognizes the long thin boxes of img and parses the zone they make.
func (r *Reader) readBoxes(img image.Image, boxes []image.Rectangle) (*MRZResult, error) {
	b := img.Bounds()
	var lines []Line
	for _, box := range boxes {
		// An MRZ line is long and thin and spans most of the document's width.
		if box.Dx() < 8*box.Dy() || box.Dx() < b.Dx()*2/5 {
			continue
		}
		l, err := r.Recognize(img, box, MRZAlphabet)
		if err != nil {
			return nil, err
		}
		if len(l.Text) >= 24 && strings.Contains(l.Text, "<") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return nil, fmt.Errorf("ocr: %w (%d long text lines)", ErrNoMRZ, len(lines))
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].Box.Min.Y < lines[j].Box.Min.Y })
	// The zone is the last 3 lines if they read as 30 characters each (TD1), else the
	// last 2 (TD2, TD3).
	try := func(group []Line, n int) *mrz.Document {
		text := make([]string, len(group))
		for i, l := range group {
			text[i] = FitLength(l.Text, n)
		}
		d, err := mrz.Parse(text)
		if err != nil {
			return nil
		}
		return d
	}
	var best *MRZResult
	for _, cand := range []struct{ lines, n int }{{3, 30}, {2, 44}, {2, 36}} {
		if len(lines) < cand.lines {
			continue
		}
		group := lines[len(lines)-cand.lines:]
		if !near(group, cand.n) {
			continue
		}
		if d := try(group, cand.n); d != nil {
			res := &MRZResult{Doc: d, Lines: group}
			if d.Valid() {
				return res, nil
			}
			if best == nil {
				best = res
			}
		}
	}
	if best != nil {
		return best, nil
	}
	return nil, fmt.Errorf("ocr: %w (lines of %s characters)", ErrNoMRZ, lengths(lines))
}

func near(group []Line, n int) bool {
	for _, l := range group {
		if d := len(l.Text) - n; d < -4 || d > 4 {
			return false
		}
	}
	return true
}

func lengths(lines []Line) string {
	s := make([]string, len(lines))
	for i, l := range lines {
		s[i] = fmt.Sprint(len(l.Text))
	}
	return strings.Join(s, ", ")
}

// FitLength brings a line read with a few fillers too many or too few (an OCR's usual
// slip on a run of '<') to n characters, by adding or removing fillers in the line's
// longest run of '<'. A line more than 4 characters off is returned as it is.
func FitLength(s string, n int) string {
	d := n - len(s)
	if d == 0 || d > 4 || d < -4 {
		return s
	}
	start, best := -1, 0
	for i := 0; i < len(s); {
		if s[i] != '<' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '<' {
			j++
		}
		if j-i > best {
			start, best = i, j-i
		}
		i = j
	}
	if start < 0 || (d < 0 && best < -d) {
		return s
	}
	if d > 0 {
		return s[:start] + strings.Repeat("<", d) + s[start:]
	}
	return s[:start] + s[start-d:]
}

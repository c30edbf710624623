package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/capture/card"
	"github.com/smartselfie/kiosk-agent/inference"
	"github.com/smartselfie/kiosk-agent/inference/ocr"
	"github.com/smartselfie/kiosk-agent/internal/messages"
	"github.com/smartselfie/kiosk-agent/internal/mrz"
)

func init() {
	register(&command{name: "document", summary: "judge ID document images: the card (corners, fill, class, sharpness, glare), the face on it and the machine readable zone (check digits, expiry)", run: runDocument})
}

// The problem codes of `kioskctl document` (stable; sentences in internal/messages as
// document.<code>).
const (
	docNoFace     = "no_face"
	docMRZMissing = "mrz_missing"
	docMRZInvalid = "mrz_invalid"
	docExpired    = "expired"
	// the card's gates (capture/card's problems, the same codes)
	docNoDocument = string(card.ProblemNoDocument)
	docOutOfFrame = string(card.ProblemOutOfFrame)
	docTooFar     = string(card.ProblemTooFar)
	docOffCentre  = string(card.ProblemOffCentre)
	docTilted     = string(card.ProblemTilted)
	docTooDark    = string(card.ProblemTooDark)
	docGlare      = string(card.ProblemGlare)
	docBlurred    = string(card.ProblemBlurred)
)

// flatMaxWidth bounds the flattened card the faces and the zone are read on.
const flatMaxWidth = 1600

// documentCard is the card found in the image (capture/card): where, how it fills the
// frame, its class, and the measures its gates judge.
type documentCard struct {
	Corners       card.Quad  `json:"corners"`
	Fill          float64    `json:"fill"`
	Aspect        float64    `json:"aspect"`
	Class         card.Class `json:"class"`
	OffCentre     float64    `json:"off_centre"`
	Rotation      float64    `json:"rotation"`
	Skew          float64    `json:"skew"`
	Clipped       bool       `json:"clipped"`
	Sharpness     float64    `json:"sharpness"`
	Glare         float64    `json:"glare"`
	GlarePortrait float64    `json:"glare_portrait"`
	GlareMRZ      float64    `json:"glare_mrz"`
	Light         float64    `json:"light"`
	FlatWidth     int        `json:"flat_width"`
	FlatHeight    int        `json:"flat_height"`
}

// documentMRZ is the zone as kioskctl prints it: no name, no birth date, and the
// document number masked (personal data).
type documentMRZ struct {
	Format         string      `json:"format"`
	DocumentCode   string      `json:"document_code"`
	IssuingState   string      `json:"issuing_state"`
	Nationality    string      `json:"nationality"`
	DocumentNumber string      `json:"document_number_masked"`
	ExpiryDate     string      `json:"expiry_date,omitempty"`
	Expired        bool        `json:"expired"`
	Valid          bool        `json:"valid"`
	Checks         []mrz.Check `json:"checks"`
	Repaired       []string    `json:"repaired"`
}

type documentProblem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type documentResult struct {
	Image    string            `json:"image"`
	Width    int               `json:"width"`
	Height   int               `json:"height"`
	Card     *documentCard     `json:"card"`
	Faces    int               `json:"faces"` // 0 with --faces=false
	MRZ      *documentMRZ      `json:"mrz"`
	Problems []documentProblem `json:"problems"`
}

func runDocument(g *globals, args []string) int {
	fs := g.newFlagSet("document", "[--json] [--faces=false] [--ocr-models DIR] IMAGE...")
	asJSON := fs.Bool("json", false, "print one JSON object per image (one per line)")
	faces := fs.Bool("faces", true, "look for the holder's face on each image (off: the zone only)")
	models := fs.String("ocr-models", "", "the OCR models' folder (default: $KIOSK_OCR_MODELS, ocr/ beside kioskctl, /usr/lib/kiosk-agent/ocr)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	var e *inference.Engine
	if *faces {
		var err error
		if e, err = inferenceEngine(g); err != nil {
			return g.errorf("document: %v", err)
		}
		defer e.Close()
	}
	r, err := ocr.Open(ocr.Options{ModelsDir: *models}) // on the runtime the engine started
	if err != nil {
		return g.errorf("document: %v", err)
	}
	defer r.Close()
	now := time.Now()
	if g.clk != nil {
		now = g.clk.Now()
	}
	status := exitOK
	for _, path := range fs.Args() {
		img, err := inference.DecodeFile(path)
		if err != nil {
			status = g.errorf("document: %v", err)
			continue
		}
		res := documentResult{Image: path, Width: img.Bounds().Dx(), Height: img.Bounds().Dy(), Problems: []documentProblem{}}
		// the card, its gates; the faces and the zone are read on it flattened when found
		f := card.Find(img)
		for _, p := range card.DefaultGates().Check(f) {
			res.problem(string(p))
		}
		read := img
		if f.Found {
			flat := card.Flatten(img, f, flatMaxWidth)
			res.Card = &documentCard{Corners: f.Corners, Fill: f.Fill, Aspect: f.Aspect, Class: f.Class,
				OffCentre: f.OffCentre, Rotation: f.Rotation, Skew: f.Skew, Clipped: f.Clipped,
				Sharpness: f.Sharpness, Glare: f.Glare, GlarePortrait: f.GlareFace, GlareMRZ: f.GlareMRZ,
				Light: f.Light, FlatWidth: flat.Bounds().Dx(), FlatHeight: flat.Bounds().Dy()}
			read = flat
		}
		if e != nil {
			a, err := e.Analyze(read, inference.AnalyzeOptions{Still: true})
			if err != nil {
				status = g.errorf("document: %s: %v", path, err)
				continue
			}
			res.Faces = len(a.Faces)
			if res.Faces == 0 {
				res.problem(docNoFace)
			}
		}
		zone, err := r.ReadMRZ(read)
		if errors.Is(err, ocr.ErrNoMRZ) && read != img {
			zone, err = r.ReadMRZ(img) // a card found wrongly must not hide the zone
		}
		switch {
		case errors.Is(err, ocr.ErrNoMRZ):
			res.problem(docMRZMissing)
		case err != nil:
			status = g.errorf("document: %s: %v", path, err)
			continue
		default:
			res.MRZ = toDocumentMRZ(zone.Doc, now)
			if !zone.Doc.Valid() {
				res.problem(docMRZInvalid, "Fields", strings.Join(zone.Doc.FailedChecks(), ", "))
			}
			if res.MRZ.Expired {
				res.problem(docExpired, "Date", res.MRZ.ExpiryDate)
			}
		}
		if *asJSON {
			b, err := json.Marshal(res)
			if err != nil {
				return g.errorf("document: %s: encoding JSON: %v", path, err)
			}
			fmt.Fprintf(g.stdout, "%s\n", b)
			continue
		}
		printDocument(g.stdout, res)
	}
	return status
}

func (r *documentResult) problem(code string, args ...any) {
	r.Problems = append(r.Problems, documentProblem{Code: code, Message: messages.Text("en", "document."+code, args...)})
}

func toDocumentMRZ(d *mrz.Document, now time.Time) *documentMRZ {
	m := &documentMRZ{Format: string(d.Format), DocumentCode: d.DocumentCode, IssuingState: d.IssuingState,
		Nationality: d.Nationality, DocumentNumber: d.MaskedNumber(), Expired: d.Expired(now),
		Valid: d.Valid(), Checks: d.Checks, Repaired: d.Repaired}
	if d.ExpiryDate.Valid {
		m.ExpiryDate = d.ExpiryDate.Time.Format("2006-01-02")
	}
	if m.Repaired == nil {
		m.Repaired = []string{}
	}
	return m
}

func printDocument(w io.Writer, r documentResult) {
	fmt.Fprintf(w, "%s: %dx%d, %d face(s)\n", r.Image, r.Width, r.Height, r.Faces)
	if c := r.Card; c != nil {
		class := string(c.Class)
		if class == "" {
			class = "unknown format"
		}
		fmt.Fprintf(w, "  card %s (aspect %.2f): fills %.0f%%, turned %.1f°, skew %.2f, sharpness %.0f, glare %.1f%% (portrait %.1f%%, MRZ %.1f%%), light %.0f; flattened %dx%d\n",
			class, c.Aspect, 100*c.Fill, c.Rotation, c.Skew, c.Sharpness, 100*c.Glare, 100*c.GlarePortrait, 100*c.GlareMRZ, c.Light, c.FlatWidth, c.FlatHeight)
	}
	if m := r.MRZ; m != nil {
		word := "check digits hold"
		if !m.Valid {
			word = "check digits FAIL"
		}
		fmt.Fprintf(w, "  MRZ %s: %s, issued by %s, nationality %s, number %s, expires %s; %s", m.Format,
			m.DocumentCode, m.IssuingState, m.Nationality, m.DocumentNumber, m.ExpiryDate, word)
		if len(m.Repaired) > 0 {
			fmt.Fprintf(w, " (repaired: %s)", strings.Join(m.Repaired, ", "))
		}
		fmt.Fprintln(w)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s: %s\n", p.Code, p.Message)
	}
}

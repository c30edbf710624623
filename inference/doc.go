// Package inference is the kiosk's on-device face analysis: it decodes images, finds
// faces and their 5 landmarks (YuNet), estimates head pose, applies the quality gates,
// judges passive liveness (MiniFASNet ensemble), computes face embeddings (MobileFaceNet)
// and compares them, checks whether two images are one and the same, and judges an
// active-liveness frame sequence.
//
// Use: Open an Engine once (it loads ONNX Runtime and the models and creates every
// session), DecodeImage/DecodeFile the inputs (EXIF-upright, transparency on white,
// at most MaxImageSide pixels), then Analyze (frames: fixed 320x320 detector; stills:
// AnalyzeOptions.Still), Compare, Embed+Similarity, Identical, ActiveLiveness, and Close.
//
// Decoding is bounded whatever the file claims (internal/imagelimit): DecodeFile reads
// at most MaxFileBytes (64 MiB; /dev/zero and FIFOs included, ReadImageFile alone for
// the bytes); DecodeImage reads the header first and refuses, before allocating the
// image, more than MaxDecodePixels (36 megapixels: a 7360x4912 camera photo, an A4
// page at 600 dpi) or a decode whose estimated memory is over MaxDecodeBytes (192 MiB;
// progressive and CMYK JPEGs and 16-bit PNGs cost more a pixel, so they are refused
// smaller: about 21 MP for a progressive 4:4:4 JPEG, 12 for CMYK, 5 for progressive
// CMYK, 12 for a 16-bit PNG). One decode thus holds at most 256 MiB; measured peaks
// are at most about 150 MiB (scripts/bench.d/decode.sh). Refusals wrap
// ErrImageTooLarge and are *imagelimit.TooLargeError with the figures.
//
// Pre- and post-processing are pure Go and follow inference/models/PROVENANCE.md; JPEGs
// are decoded by libjpeg-turbo (internal/jpegturbo, cgo; image/jpeg as the fallback); the
// models run through inference/onnx. Frames are sampled straight from their pixel
// slices (*image.YCbCr planes, *image.RGBA), never through At, and buffers are reused.
// An Engine is safe for concurrent use: its sessions are pooled (Options.Workers).
//
// Caveats:
//   - Head pose comes from 5 landmarks only: a rough estimate (about ±5° of yaw on
//     stills, more on 320x320 frames), good for gates and prompts, not for measurement.
//   - Passive liveness is a heuristic signal: it false-rejects some heavily retouched
//     portraits (dfA_img5.jpg in the test photos), and a photo of an ID document looks
//     like a print attack, as it is one.
//   - The match threshold was chosen on the 22 vendored photos; see DefaultThresholds.
//   - Images are never logged.
package inference

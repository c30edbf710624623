// Package inference is the kiosk's on-device face analysis: it decodes images, finds
// faces and their 5 landmarks (YuNet), estimates head pose, applies the quality gates,
// judges passive liveness (MiniFASNet ensemble), computes face embeddings (MobileFaceNet)
// and compares them, checks whether two images are one and the same, and judges an
// active-liveness frame sequence.
//
// Pre- and post-processing are pure Go and follow inference/models/PROVENANCE.md; the
// models run through inference/onnx. An Engine is safe for concurrent use: its sessions
// are pooled (Options.Workers).
//
// Caveats:
//   - Head pose comes from 5 landmarks only: a rough estimate (a few degrees), good for
//     gates and prompts, not for measurement.
//   - Passive liveness is a heuristic signal: it false-rejects some heavily retouched
//     portraits (dfA_img5.jpg in the test photos) and a photo of an ID document looks
//     like a print attack, as it is one.
//   - The match threshold was chosen on 22 shared photos; see DefaultThresholds.
//   - Images are never logged.
package inference

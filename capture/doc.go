// Package capture turns cameras and image files into the images an enrollment job
// needs: the selfie, the liveness sequence and the document.
//
// A Source yields Frames. A Frame owns its pixels: sources copy out of driver buffers
// at once, so a Frame stays valid after the next one arrives. Frames come as RGB,
// YUYV (4:2:2) or MJPEG; Frame.Image converts any of them (YUYV with integer math,
// MJPEG including webcam frames that omit their Huffman tables; an MJPEG frame over
// internal/imagelimit's bounds, 36 megapixels or a 192 MiB decode, is refused from its
// header). A live preview converts each frame once, into a buffer it reuses
// (Frame.ImageInto), and hands the pixels back to a procedure as an RGBA frame
// (FrameFromRGBA), which Image shares instead of converting: one conversion per frame
// for the preview and the judge (Conversions counts them).
//
// The procedures Selfie, LivenessSequence and Document read a Source and ask a Judge
// (declared here, so capture does not import the UI) for a verdict on each frame.
// internal/precheck adapts the face engine to Judge; the verdict types (Verdict, Problem,
// Pose, Prompt) are capture's own, so capture links no inference code. Time comes from
// internal/clock, so the procedures are tested with the fake clock. Each procedure's
// OnFrame option (a FrameFunc) receives every frame it reads with the latest Guidance
// (the converted image, the verdict, the problem codes that stop the frame being kept,
// the liveness prompt), for a live preview; nothing is copied for it, and the callback
// must neither modify the frame's data nor block (see FrameFunc for the ownership).
// Everything the UI says is a stable code that internal/messages turns into a sentence:
// the verdicts' Problems ("guidance."), the Prompts ("prompt.") and ErrorCode of an
// error ("capture.").
//
// Document with DocumentOptions.Card (config capture.document_card_gates) also finds the
// card in each frame (capture/card) and counts a frame only when the card holds every
// card gate and is still by its corners; Guidance then carries the card (its corners for
// an outline) and its problems ("card."); the shot kept is the sharpest card of the run,
// flattened to its true aspect (Shot.Card holds the finding, Shot.Frame the raw frame),
// and its Verdict is the judge's on the flattened card (the face box in its pixels; a
// card on which the judge finds no face is not kept).
//
// Encode scales an image to a longest side (SelfieMaxSide, LivenessMaxSide,
// ComparisonMaxSide) and encodes it as baseline JPEG without EXIF or other metadata;
// EncodeJob does the whole job within MaxJobBytes (300 KB), lowering the JPEG quality of
// the liveness frames first, then the comparison image's, then the selfie's. Its result
// is a job.Job (internal/job) holding the images (the comparison image, e.g. the
// captured document, is the job's Comparison), for the caller to complete and seal.
//
// Caveat: the encoded job's images are smaller and re-encoded, so the selfie-vs-comparison
// similarity differs from that of the full-size images: on the test photos by at most
// 0.0069, and TestJobSizeAndMatch fails above 0.02 or if the match decision changes (the
// engine's match embedding refines the landmarks for this; figures in docs/testing.md).
//
// Camera sources live in capture/v4l2 (the only importer of go4vl); capture/replay is a
// Source over image files.
package capture

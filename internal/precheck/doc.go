// Package precheck is where capture and inference meet, and the one precheck policy.
//
// EngineJudge adapts the face analysis engine (package inference) to the capture
// procedures' Judge, translating the engine's analysis into capture's own verdict
// vocabulary (faces, the largest face's box and head pose, the failed gates as stable
// codes, the liveness prompts the pose answers).
//
// Check judges a whole job's images (Decode) into a Report: the selfie's quality gates and
// passive liveness, the largest face of the selfie and of the comparison image, their
// similarity against Thresholds.Match, whether they are the same picture, and the
// engine's active-liveness check of the liveness images (no prompts: head movement
// across them). Report.Prechecks is the kiosk's reading (job.Prechecks, with the codes
// CodeNoMatch and CodeIdentical for the pair beside the engine's Problem codes); Run is
// Decode, Check and Prechecks together, for kioskctl enroll and internal/enroll. The
// compare sandbox (sync/sandbox EngineAnalyzer) reads the same Report as API result
// codes, so the sandbox judges exactly as the kiosk does.
//
// "Document read" is a precheck of its own for a DOCUMENT comparison image: the caller
// reads the zone with ReadDocument (inference/ocr, parsed by internal/mrz) and sets
// Report.Document. A failed check digit (CodeMRZInvalid) is a problem; no zone
// (CodeDocumentUnread: an ID card's portrait side often has none, its zone is on the
// back) and an expired document (CodeDocumentExpired) are warnings
// (job.Prechecks.Warnings), which do not fail the checks. DocumentRead.Record is what
// the job's local record keeps (format, document type, issuing country; never the
// number, which no message of this package carries).
//
// Capture declares the Judge interface and the verdict types, so the camera packages
// link neither ONNX Runtime nor the models; only what builds a real judge (the kiosk
// app, kioskctl) imports this package.
//
// EngineJudge's gates by kind:
//   - KindSelfie: every quality gate of the engine (and passive liveness when Liveness).
//   - KindLiveness: one face and no problem other than the head pose; the verdict lists
//     the prompts the pose answers by the engine's turn thresholds (Thresholds.TurnYaw,
//     TurnPitch, and the straight-pose limits), which the procedure checks.
//   - KindDocument: the still detector; at least one face, not blurred, not too dark or
//     over-exposed (a document's face is small and off-centre by nature).
package precheck

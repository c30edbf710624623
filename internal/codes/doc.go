// Package codes is the vocabulary that the parts and the screens share, written once: a
// leaf (the standard library only) that ui may import without linking capture, the
// face engine or the queue.
//
//   - Problem: the stable code of a failed capture gate (capture.Problem is this type;
//     the face engine's gate codes are the same strings, internal/precheck checks it).
//   - Prompt: what the customer is asked for one liveness frame (capture.Prompt).
//   - State: where a job is in its life (offline.State; the queue owns the transitions).
//   - CaptureKind: what a step of the enrollment wizard takes (ui and internal/app).
//   - Box: a face box in pixels (capture.Box, ui.Box: the preview draws what the judge found).
//
// capture, offline and ui name these types and constants under their own names
// (capture.ProblemNoFace is codes.ProblemNoFace): one type, one value each, so no
// conversion and no test of equality is needed between them.
package codes

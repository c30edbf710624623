// Package onnx is the kiosk agent's only door to ONNX Runtime (github.com/yalue/onnxruntime_go).
//
// Its one job: find the runtime library (FindLibrary), start one runtime environment per
// process (Init), and run models through sessions whose tensors are allocated once and
// reused (Session), or whose shapes change from call to call (DynamicSession).
//
// Caveats:
//   - Init loads a C library into the process; it can only be done once, with one path.
//     Calling it again with the same path is a no-op; with another path it is an error.
//   - A Session holds a small pool of runtime sessions, each with its own input and output
//     tensors, so concurrent callers never share buffers; callers beyond the pool size wait.
//     The slices handed out by Session.Do are only valid inside the callback; so are the
//     outputs DynamicSession.RunFunc hands out (Run returns copies).
//   - Close frees the C memory; it waits for runs in progress to finish.
package onnx

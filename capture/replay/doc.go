// Package replay is a capture.Source over image files or a folder of them, played at a
// chosen rate: the kiosk's demo mode, tests and benchmarks without a camera.
//
// The images are decoded once, at Open, into RGB frames; Next hands out a copy of the
// next one (a Frame owns its pixels), stamped with the clock's time and a sequence
// number, and waits on the clock so that frames come at Options.FPS. Files are read and
// checked within internal/imagelimit's bounds (at most 64 MiB, 36 megapixels, and a
// decode of at most 192 MiB) before they are decoded.
package replay

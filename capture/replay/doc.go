// Package replay is a capture.Source over image files or a folder of them, played at a
// chosen rate: the kiosk's demo mode, tests and benchmarks without a camera.
//
// A folder is not trusted. Open lists its regular .jpg, .jpeg and .png files (at most
// MaxFiles, reading at most MaxEntries entries; FIFOs, devices, links and folders left
// out) and checks each file's header within internal/imagelimit's bounds (at most 64
// MiB, 36 megapixels, a decode of at most 192 MiB) from its first bytes, opening it with
// imagelimit.OpenRegular (O_NONBLOCK|O_NOFOLLOW, then fstat: a FIFO named a.jpg neither
// blocks nor passes). Nothing is decoded at Open: each image is decoded when first shown,
// scaled to Options.MaxSide (DefaultMaxSide, 1920, when 0), and the frames are held
// within HeldBytes (48 MiB, at least the last one): a folder of small photos is decoded
// once, a folder of 16 MB photos is decoded again as it loops, a few frames held (one
// decode in flight: imagelimit's 256 MiB at most). Next hands out a copy of the next
// frame (a Frame owns its pixels), stamped with the clock's time and a sequence number,
// and waits on the clock so that frames come at Options.FPS. A file that became unreadable
// after Open (or a FIFO) fails that Next with its reason.
package replay

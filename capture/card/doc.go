// Package card finds an identity document in a camera frame and judges whether the frame
// is good enough to keep, in pure Go (no model, no cgo), fast enough for every preview
// frame (the goal is 5 ms at 640x480; `make bench` measures it).
//
// Find reads a frame: the grey frame downscaled to about 320 pixels wide, its edges
// (Sobel magnitude of the luma plus twice that of the chroma 2G-R-B, over a fixed
// threshold: a tinted card on a grey counter of its own grey has its outline in the
// chroma), less a grid's lines (long thin lines running to the frame's border, three or
// more each way, as a tiled counter's grout: their edges across them are dropped, those
// next to the card's outline kept as bridges that join its contour), the edge pixels'
// 8-connected contours, each contour's convex hull reduced to the quadrilateral that
// keeps the most of its area, and the largest quadrilateral whose four sides lie on
// edges (a side on the frame's border counts: the card is then partly out of the frame;
// three or four sides along the border are the picture's own frame, not a card). The card is
// then sampled through the quadrilateral's homography, flattened to its own aspect
// (Flatten gives the same warp at full size), and judged on the flattened pixels:
// sharpness (variance of the Laplacian on the card, not only on the face), glare (the
// share of near-saturated pixels on the card, on the portrait's zone and on the machine
// readable zone), light (the card's mean grey); and on the quadrilateral: fill (its
// share of the frame), centring, tilt (rotation in the frame and perspective: opposite
// sides of unequal length), the class by aspect ratio (ID-1 85.6x54 mm; TD3 125x88 mm and
// TD2 105x74 mm have the same aspect, 1.42, and are told apart by their MRZ, not here).
//
// A Finder does the same with its buffers kept from one frame to the next: a camera loop
// keeps one and judges its frames without allocating (Find borrows one from a pool). On
// an *image.RGBA frame the grey is read from the pixels directly, every other image type
// through At (slower, the same answer).
//
// Gates turns a Finding into Problems, stable codes ordered so that the first is the one
// instruction the agent needs now (messages card.<code> in internal/messages). A Tracker
// adds stability over consecutive frames (the corners move less than a share of the
// frame's diagonal) and says when every gate has held for N frames, and which frame of
// that run is the sharpest.
package card

// Package jpegturbo decodes JPEG images with libjpeg-turbo's TurboJPEG API (cgo), several
// times faster than image/jpeg, straight into the image types that capture (MJPEG
// frames) and inference (stills) sample without conversion: *image.YCbCr for YCbCr JPEGs subsampled
// 4:2:0, 4:2:2 or 4:4:4 (the planes as stored, no colour conversion), *image.RGBA for
// RGB JPEGs and the other subsamplings (4:4:0, 4:1:1), *image.Gray for greyscale.
//
// Use: Decode(data, Options{ReduceTo: 2048}) decodes a huge image at 1/2, 1/4 or 1/8 of
// its size (libjpeg's DCT scaling, nearly free), never below ReduceTo on the longer side;
// the caller finishes the scaling. DecodeHeader reads the size without decoding.
//
// Errors wrap ErrCorrupt (libjpeg's message included; warnings such as a truncated file
// stop the decode rather than grey-filling the rest) or ErrUnsupported (CMYK/YCCK
// JPEGs, subsamplings TurboJPEG cannot name): a caller may hand those to image/jpeg.
//
// Caveats:
//   - Needs cgo and libturbojpeg (Debian: libturbojpeg0-dev to build, libturbojpeg0 at
//     run time); the binary links libturbojpeg.so.0 dynamically.
//   - EXIF orientation is not applied. Sizes are limited only by Options.MaxPixels,
//     checked on the header before anything is allocated. A progressive JPEG still costs libjpeg
//     a whole-image coefficient buffer (about 2 bytes per sample) even when scaled.
//   - Pixels differ from image/jpeg's by IDCT rounding (a level or two).
package jpegturbo

// Package imagelimit bounds what reading and decoding an image file may cost, whatever
// the file claims: every image the agent reads from a file or a request (kioskctl's
// flags, photos imported from a USB stick, the replay source, the sandbox's uploads)
// goes through it before a decoder allocates anything.
//
// The bound, per image:
//   - the file: at most MaxFileBytes (64 MiB); ReadFile reads at most one byte more,
//     from a regular file, /dev/zero or a FIFO alike;
//   - the image: at most MaxPixels (36 megapixels) declared in its header;
//   - the decode: at most MaxDecodeBytes (192 MiB) of memory, estimated from the header
//     (ReadHeader) for the decoder that will run: TurboDecodeBytes for libjpeg-turbo
//     (a progressive JPEG needs a whole-image coefficient buffer even when scaled
//     down), GoDecodeBytes for image/jpeg and image/png (CMYK JPEGs, files libjpeg-turbo
//     refuses, PNGs, 16-bit PNGs at 8 bytes a pixel). The caller adds what its own
//     conversions cost and calls Header.CheckMemory.
//
// So a decode holds at most MaxFileBytes + MaxDecodeBytes (256 MiB) at once. The
// largest accepted image by kind (the refusal's message gives the figure of a file):
// a baseline colour JPEG, 36 MP; progressive 4:2:0, 36 MP; progressive 4:4:4, about
// 21; CMYK, about 12 (progressive, about 5); an 8-bit RGB PNG, 36 MP; with alpha,
// about 16; 16-bit, about 12. Measured (scripts/bench.d/decode.sh, peak RSS growth):
// 25 MiB for a 36 MP baseline JPEG, 117 MiB progressive, 105 MiB for a 12 MP CMYK JPEG,
// 133 MiB for a 5.2 MP progressive CMYK one, 150 MiB for a 12 MP 16-bit PNG; the
// bombs of issue 13 (10000x10000 progressive CMYK and YCbCr JPEGs, a 16-bit PNG) are
// refused in a few milliseconds with no growth.
//
// Refusals are *TooLargeError, which errors.Is matches with ErrTooLarge; the message
// names the size, the kind of file and what to do.
package imagelimit

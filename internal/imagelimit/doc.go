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
// So a decode holds at most MaxFileBytes + MaxDecodeBytes (256 MiB) at once. Which
// images fit: any baseline colour JPEG up to 36 MP; a progressive 4:2:0 JPEG up to
// about 36 MP, 4:4:4 about 21; a CMYK JPEG about 12 MP (progressive about 5); an
// 8-bit RGB PNG 36 MP, RGBA about 18, 16-bit about 12 (the exact figure of a
// caller's path is in its refusal's message).
//
// Refusals are *TooLargeError, which errors.Is matches with ErrTooLarge; the message
// names the size, the kind of file and what to do.
package imagelimit

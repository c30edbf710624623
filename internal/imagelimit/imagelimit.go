package imagelimit

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// The limits. See the package doc for how a decode stays within MaxDecodeBytes.
const (
	// MaxPixels is the largest image (width·height) decoded at all: 36 megapixels, a
	// 7360x4912 camera photo or an A4 page scanned at 600 dpi (4960x7016). The kiosk's
	// cameras give at most 8.3 megapixels (4K) and an ID document scanned at 600 dpi
	// about 6.
	MaxPixels = 36_000_000
	// MaxDecodeBytes is the memory a decode may need (decoder buffers, the decoded
	// image and its conversions), estimated from the header before anything is
	// allocated: 192 MiB.
	MaxDecodeBytes = 192 << 20
	// MaxFileBytes is the largest image file read: 64 MiB.
	MaxFileBytes = 64 << 20
)

// ErrTooLarge means an image file or the image it declares is over a limit; the error
// is a *TooLargeError.
var ErrTooLarge = errors.New("image too large")

// ErrFolder means ReadFile was given a folder.
var ErrFolder = errors.New("it is a folder, not a file")

// Units of TooLargeError.
const (
	UnitPixels = "pixels"            // the image's declared pixels over MaxPixels
	UnitMemory = "bytes of memory"   // the decode's estimated memory over MaxDecodeBytes
	UnitFile   = "bytes of the file" // the file over MaxFileBytes
)

// TooLargeError says which limit an image is over. errors.Is(err, ErrTooLarge) holds.
type TooLargeError struct {
	Width, Height int    // the declared size (0 for a file over its limit)
	Kind          string // what the file is, e.g. "progressive CMYK JPEG"
	Need, Limit   int64  // in Unit
	Unit          string
}

func (e *TooLargeError) Error() string {
	switch e.Unit {
	case UnitFile:
		return fmt.Sprintf("the file is larger than %d MiB, far more than a photo needs; give a JPEG or PNG photo: %v", e.Limit>>20, ErrTooLarge)
	case UnitPixels:
		return fmt.Sprintf("a %dx%d %s has %.1f megapixels, more than the %.0f allowed; scale it down first: %v",
			e.Width, e.Height, e.Kind, float64(e.Need)/1e6, float64(e.Limit)/1e6, ErrTooLarge)
	}
	most := float64(e.Width) * float64(e.Height) * float64(e.Limit) / float64(e.Need) / 1e6
	return fmt.Sprintf("a %dx%d %s would need about %d MiB to decode, more than the %d MiB allowed; "+
		"scale it down to at most %.1f megapixels, or save it as a baseline colour JPEG: %v",
		e.Width, e.Height, e.Kind, e.Need>>20, e.Limit>>20, most, ErrTooLarge)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// ReadFile reads a whole file of at most max bytes (max ≤ 0: MaxFileBytes). It reads
// at most max+1 bytes whatever the file is (a regular file, /dev/zero, a FIFO), and
// refuses a longer file with a *TooLargeError and a folder with ErrFolder.
func ReadFile(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = MaxFileBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("reading %s: %w", path, ErrFolder)
	}
	size := st.Size()
	if st.Mode().IsRegular() && size > max {
		return nil, fmt.Errorf("reading %s: %w", path, &TooLargeError{Kind: "file", Need: size, Limit: max, Unit: UnitFile})
	}
	var data []byte
	if st.Mode().IsRegular() {
		data = make([]byte, 0, size+1) // one read past the size sees a file that grew
	}
	data, err = readAll(io.LimitReader(f, max+1), data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("reading %s: %w", path, &TooLargeError{Kind: "file", Need: int64(len(data)), Limit: max, Unit: UnitFile})
	}
	return data, nil
}

// readAll is io.ReadAll into buf's spare capacity.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	if cap(buf) == 0 {
		buf = make([]byte, 0, 512)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

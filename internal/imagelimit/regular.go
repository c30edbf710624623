package imagelimit

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// ErrNotRegular means a file that was to be read from a folder nobody vouches for (a
// USB stick, a replay folder) is not a regular file: a FIFO, a device, a socket, a
// folder or a symbolic link. Such a file could block the reader for ever (a FIFO with
// no writer), never end (a device) or lead elsewhere (a link).
var ErrNotRegular = errors.New("not a regular file (a FIFO, a device, a link or a folder): only photo files are read")

// OpenRegular opens path for reading without following a symbolic link and without
// blocking (O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC: a FIFO with no writer, or a
// device, opens at once), then checks with fstat that what was opened is a regular file
// (ErrNotRegular otherwise) of at most max bytes (max ≤ 0: MaxFileBytes; a
// *TooLargeError otherwise). The caller closes the file.
func OpenRegular(path string, max int64) (*os.File, error) {
	if max <= 0 {
		max = MaxFileBytes
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, &os.PathError{Op: "open", Path: path, Err: err})
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	}
	if st.Size > max {
		unix.Close(fd)
		return nil, fmt.Errorf("reading %s: %w", path, &TooLargeError{Kind: "file", Need: st.Size, Limit: max, Unit: UnitFile})
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadRegular reads a whole regular file of at most max bytes (max ≤ 0: MaxFileBytes)
// opened by OpenRegular: never a FIFO, a device or a link, and never more than max+1
// bytes even when the file grows while it is read.
func ReadRegular(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = MaxFileBytes
	}
	f, err := OpenRegular(path, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, path, max)
}

// ReadRegularPrefix reads at most n bytes from the start of a regular file of at most
// max bytes (OpenRegular), and the file's size.
func ReadRegularPrefix(path string, n, max int64) ([]byte, int64, error) {
	f, err := OpenRegular(path, max)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	b, err := readAll(io.LimitReader(f, n), make([]byte, 0, min(n, st.Size()+1)))
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, st.Size(), nil
}

func readLimited(f *os.File, path string, max int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	data, err := readAll(io.LimitReader(f, max+1), make([]byte, 0, st.Size()+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("reading %s: %w", path, &TooLargeError{Kind: "file", Need: int64(len(data)), Limit: max, Unit: UnitFile})
	}
	return data, nil
}

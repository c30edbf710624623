package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the replayed files
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/internal/clock"
	"github.com/smartselfie/kiosk-agent/internal/imagelimit"
)

// ErrNoImages means the paths held no image files.
var ErrNoImages = errors.New("no image files (.jpg, .jpeg, .png) to replay")

// ErrTooManyFiles means a folder holds more images (or entries) than a replay camera takes.
var ErrTooManyFiles = errors.New("too many files for a replay camera")

// The bounds of a replay camera: what a folder may hold, and what the source holds in
// memory whatever the folder holds.
const (
	// MaxFiles is the most images a replay source takes.
	MaxFiles = 500
	// MaxEntries is the most folder entries (of any kind) read to find them.
	MaxEntries = 10000
	// DefaultMaxSide is the longest side of Open's frames when Options.MaxSide is 0: a
	// camera's largest frame (1920x1080), not a 36-megapixel photo's.
	DefaultMaxSide = 1920
	// HeldBytes bounds the decoded frames a Source keeps (at least the last one):
	// a folder of small photos is decoded once; a folder of large ones is decoded again
	// as it loops, a few frames held.
	HeldBytes = 48 << 20
	// headerBytes is how much of each file Open reads to check its header.
	headerBytes = 256 << 10
)

// Options configure Open. The zero value is usable.
type Options struct {
	// FPS is the frame rate (0 → 15; negative → as fast as Next is called).
	FPS float64
	// Once makes Next fail with capture.ErrClosed after the last image instead of looping.
	Once bool
	// MaxSide scales images larger than this down (0 → DefaultMaxSide for Open, no
	// scaling for FromImages; negative → no scaling).
	MaxSide int
	Clock   clock.Clock // nil → clock.Real{}
}

// Source replays images: files decoded when first shown and held within HeldBytes, or
// images given in memory. It is not safe for concurrent use.
type Source struct {
	names  []string
	imgs   []image.Image // FromImages: the images themselves
	held   map[int]capture.Frame
	order  []int // held frames, oldest first
	bytes  int
	o      Options
	c      clock.Clock
	next   int
	seq    uint64
	due    time.Time
	closed bool
}

// Files lists the image files named by paths: files as they are, and the regular .jpg,
// .jpeg and .png files of folders in name order (what Open replays), at most MaxFiles,
// reading at most MaxEntries entries of each folder. A folder's FIFOs, devices, links
// and sub-folders are left out.
func Files(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("opening replay source: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		names, err := folderImages(p)
		if err != nil {
			return nil, fmt.Errorf("opening replay source: %w", err)
		}
		files = append(files, names...)
		if len(files) > MaxFiles {
			return nil, fmt.Errorf("opening replay source %s: more than %d images: %w; keep the photos the camera should show", p, MaxFiles, ErrTooManyFiles)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("opening replay source %v: %w", paths, ErrNoImages)
	}
	return files, nil
}

// folderImages reads dir's entries in batches, at most MaxEntries, and returns its
// regular image files in name order.
func folderImages(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	seen := 0
	for {
		ents, err := f.ReadDir(256)
		seen += len(ents)
		if seen > MaxEntries {
			return nil, fmt.Errorf("%s holds more than %d entries: %w", dir, MaxEntries, ErrTooManyFiles)
		}
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".jpeg", ".png":
				if e.Type().IsRegular() {
					names = append(names, filepath.Join(dir, e.Name()))
				}
			}
		}
		if len(names) > MaxFiles {
			return nil, fmt.Errorf("%s holds more than %d images: %w", dir, MaxFiles, ErrTooManyFiles)
		}
		if errors.Is(err, io.EOF) || len(ents) == 0 {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	return names, nil
}

// Open checks the image files named by paths (files, or folders whose regular
// .jpg/.jpeg/.png files are taken in name order; see Files): each is opened without
// following a link or blocking (imagelimit.OpenRegular) and its header checked against
// internal/imagelimit's bounds, so a bomb, a FIFO or a file that is no image is refused
// here. The images are decoded when first shown, and a few frames held (HeldBytes).
func Open(paths []string, o Options) (*Source, error) {
	files, err := Files(paths)
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		if err := checkFile(name); err != nil {
			return nil, fmt.Errorf("opening replay source: %w", err)
		}
	}
	if o.MaxSide == 0 {
		o.MaxSide = DefaultMaxSide
	}
	return newSource(files, nil, o), nil
}

// FromImages is a Source over images already in memory.
func FromImages(imgs []image.Image, o Options) (*Source, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("opening replay source: %w", ErrNoImages)
	}
	names := make([]string, len(imgs))
	for i := range imgs {
		names[i] = fmt.Sprintf("image %d", i)
	}
	return newSource(names, imgs, o), nil
}

func newSource(names []string, imgs []image.Image, o Options) *Source {
	s := &Source{names: names, imgs: imgs, o: o, c: o.Clock, held: map[int]capture.Frame{}}
	if s.c == nil {
		s.c = clock.Real{}
	}
	return s
}

// checkFile refuses a file that is not a regular file, or whose header is not an
// image's or declares more than imagelimit allows, reading only its first bytes.
func checkFile(name string) error {
	data, size, err := imagelimit.ReadRegularPrefix(name, headerBytes, imagelimit.MaxFileBytes)
	if err != nil {
		return err
	}
	h, err := imagelimit.ReadHeader(data)
	if err != nil && size > int64(len(data)) {
		// The header lies further in (a large EXIF block): read the whole file once.
		if data, err = imagelimit.ReadRegular(name, imagelimit.MaxFileBytes); err != nil {
			return err
		}
		h, err = imagelimit.ReadHeader(data)
	}
	if err == nil {
		err = h.CheckPixels()
	}
	if err == nil {
		err = h.CheckMemory(h.GoDecodeBytes())
	}
	if err != nil {
		return fmt.Errorf("decoding %s: %w", filepath.Base(name), err)
	}
	return nil
}

// decodeFile reads and decodes an image file within internal/imagelimit's bounds: a
// regular file (imagelimit.ReadRegular) of at most MaxFileBytes, and the header
// checked (MaxPixels, and the memory the standard library's decoder would need,
// MaxDecodeBytes) before anything is decoded.
func decodeFile(name string) (image.Image, error) {
	data, err := imagelimit.ReadRegular(name, imagelimit.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	h, err := imagelimit.ReadHeader(data)
	if err == nil {
		err = h.CheckPixels()
	}
	if err == nil {
		err = h.CheckMemory(h.GoDecodeBytes())
	}
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", filepath.Base(name), err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", filepath.Base(name), err)
	}
	return img, nil
}

// frame returns image i as a frame: held, or decoded (and scaled) now and held, the
// oldest held frames let go beyond HeldBytes.
func (s *Source) frame(i int) (capture.Frame, error) {
	if f, ok := s.held[i]; ok {
		return f, nil
	}
	var img image.Image
	if s.imgs != nil {
		img = s.imgs[i]
	} else {
		var err error
		if img, err = decodeFile(s.names[i]); err != nil {
			return capture.Frame{}, fmt.Errorf("replay: %w", err)
		}
	}
	f := capture.FrameFromImage(capture.Scale(img, s.o.MaxSide), time.Time{}, 0)
	for len(s.order) > 0 && s.bytes+len(f.Data) > HeldBytes {
		old := s.order[0]
		s.order = s.order[1:]
		s.bytes -= len(s.held[old].Data)
		delete(s.held, old)
	}
	s.held[i] = f
	s.order = append(s.order, i)
	s.bytes += len(f.Data)
	return f, nil
}

// Len is the number of images replayed.
func (s *Source) Len() int { return len(s.names) }

// Held is the number of decoded frames the source holds now.
func (s *Source) Held() int { return len(s.held) }

// Next waits for the next frame time and returns a copy of the next image.
func (s *Source) Next(ctx context.Context) (capture.Frame, error) {
	if s.closed {
		return capture.Frame{}, capture.ErrClosed
	}
	if s.o.Once && s.next >= len(s.names) {
		return capture.Frame{}, fmt.Errorf("replay: all %d images played: %w", len(s.names), capture.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return capture.Frame{}, err
	}
	fps := s.o.FPS
	if fps == 0 {
		fps = 15
	}
	if fps > 0 {
		now := s.c.Now()
		if s.due.IsZero() {
			s.due = now
		}
		if wait := s.due.Sub(now); wait > 0 {
			if err := clock.Sleep(ctx, s.c, wait); err != nil {
				return capture.Frame{}, err
			}
		}
		period := time.Duration(float64(time.Second) / fps)
		s.due = s.due.Add(period)
		if now := s.c.Now(); s.due.Before(now.Add(-period)) {
			s.due = now // fell behind by more than a frame: do not burst
		}
	}
	src, err := s.frame(s.next % len(s.names))
	if err != nil {
		return capture.Frame{}, err
	}
	s.next++
	s.seq++
	f := src
	f.Data = slices.Clone(src.Data)
	f.Time = s.c.Now()
	f.Seq = s.seq
	return f, nil
}

// Close ends the source.
func (s *Source) Close() error {
	s.closed = true
	s.held, s.order, s.bytes, s.imgs = nil, nil, 0, nil
	return nil
}

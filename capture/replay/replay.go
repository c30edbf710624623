package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the replayed files
	_ "image/png"
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

// Options configure Open. The zero value is usable.
type Options struct {
	// FPS is the frame rate (0 → 15; negative → as fast as Next is called).
	FPS float64
	// Once makes Next fail with capture.ErrClosed after the last image instead of looping.
	Once bool
	// MaxSide scales images larger than this down (0 → no scaling).
	MaxSide int
	Clock   clock.Clock // nil → clock.Real{}
}

// Source replays decoded images. It is not safe for concurrent use.
type Source struct {
	frames []capture.Frame
	names  []string
	o      Options
	c      clock.Clock
	next   int
	seq    uint64
	due    time.Time
	closed bool
}

// Files lists the image files named by paths: files as they are, and the .jpg, .jpeg and
// .png files of folders in name order (what Open replays).
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
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("opening replay source: %w", err)
		}
		var names []string
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".jpeg", ".png":
				if !e.IsDir() {
					names = append(names, filepath.Join(p, e.Name()))
				}
			}
		}
		slices.Sort(names)
		files = append(files, names...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("opening replay source %v: %w", paths, ErrNoImages)
	}
	return files, nil
}

// Open decodes the image files named by paths (files, or folders whose .jpg/.jpeg/.png
// files are taken in name order).
func Open(paths []string, o Options) (*Source, error) {
	files, err := Files(paths)
	if err != nil {
		return nil, err
	}
	s := &Source{o: o, c: o.Clock}
	if s.c == nil {
		s.c = clock.Real{}
	}
	for _, name := range files {
		img, err := decodeFile(name)
		if err != nil {
			return nil, fmt.Errorf("opening replay source: %w", err)
		}
		s.frames = append(s.frames, capture.FrameFromImage(capture.Scale(img, o.MaxSide), time.Time{}, 0))
		s.names = append(s.names, name)
	}
	return s, nil
}

// FromImages is a Source over images already in memory.
func FromImages(imgs []image.Image, o Options) (*Source, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("opening replay source: %w", ErrNoImages)
	}
	s := &Source{o: o, c: o.Clock}
	if s.c == nil {
		s.c = clock.Real{}
	}
	for i, img := range imgs {
		s.frames = append(s.frames, capture.FrameFromImage(capture.Scale(img, o.MaxSide), time.Time{}, 0))
		s.names = append(s.names, fmt.Sprintf("image %d", i))
	}
	return s, nil
}

// decodeFile reads and decodes an image file within internal/imagelimit's bounds: at
// most MaxFileBytes read, and the header checked (MaxPixels, and the memory the
// standard library's decoder would need, MaxDecodeBytes) before anything is decoded.
func decodeFile(name string) (image.Image, error) {
	data, err := imagelimit.ReadFile(name, imagelimit.MaxFileBytes)
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

// Len is the number of images replayed.
func (s *Source) Len() int { return len(s.frames) }

// Next waits for the next frame time and returns a copy of the next image.
func (s *Source) Next(ctx context.Context) (capture.Frame, error) {
	if s.closed {
		return capture.Frame{}, capture.ErrClosed
	}
	if s.o.Once && s.next >= len(s.frames) {
		return capture.Frame{}, fmt.Errorf("replay: all %d images played: %w", len(s.frames), capture.ErrClosed)
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
	src := s.frames[s.next%len(s.frames)]
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
	return nil
}

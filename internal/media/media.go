package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits of a Scan when Options leave them zero.
const (
	DefaultMax        = 200
	DefaultDepth      = 2
	DefaultMaxEntries = 20000
)

// ErrCapped says Scan stopped at a limit: the list holds what was found until then.
var ErrCapped = errors.New("more files than listed")

// File is an image file found by Scan.
type File struct {
	Path string
	Name string // the file's name
	Dir  string // the name of the folder holding it
}

// Options bound a Scan. The zero value takes the defaults.
type Options struct {
	Max        int // files listed (DefaultMax)
	Depth      int // folder levels below each root (DefaultDepth)
	MaxEntries int // entries looked at, of every kind, over all roots (DefaultMaxEntries)
}

// Scan lists the regular image files of roots (see the package doc). A root that does
// not exist is skipped. Folders are read in batches, so a folder of a million entries
// costs no more than MaxEntries of them; each root's files come in path order. It returns
// what it found with ErrCapped when it stopped at a limit, or with ctx's error when ctx
// ended; an error of its own only when nothing was found and a root could not be read.
func Scan(ctx context.Context, roots []string, o Options) ([]File, error) {
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Depth <= 0 {
		o.Depth = DefaultDepth
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	w := &walker{ctx: ctx, o: o, seen: map[string]bool{}}
	var errs []error
	var stop error
	for _, root := range roots {
		if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		from := len(w.out)
		err := w.walk(root, 0)
		slices.SortFunc(w.out[from:], func(a, b File) int { return strings.Compare(a.Path, b.Path) })
		if errors.Is(err, ErrCapped) || errors.Is(err, ctx.Err()) && ctx.Err() != nil {
			stop = err
			break
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if stop != nil {
		return w.out, stop
	}
	if len(w.out) == 0 && len(errs) > 0 {
		return nil, fmt.Errorf("listing the ID photos: %w", errors.Join(errs...))
	}
	return w.out, nil
}

type walker struct {
	ctx     context.Context
	o       Options
	out     []File
	seen    map[string]bool
	entries int
}

// walk lists dir's images and walks its folders down to o.Depth. Only an error of the
// root (depth 0), ErrCapped and the context's end come back; a folder below that
// cannot be read is skipped.
func (w *walker) walk(dir string, depth int) error {
	f, err := os.Open(dir)
	if err != nil {
		if depth == 0 {
			return err
		}
		return nil
	}
	defer f.Close()
	for {
		ents, rerr := f.ReadDir(256)
		for _, e := range ents {
			if err := w.ctx.Err(); err != nil {
				return err
			}
			w.entries++
			if w.entries > w.o.MaxEntries {
				return ErrCapped
			}
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			path := filepath.Join(dir, name)
			if e.IsDir() { // a link to a folder is not followed: its type is a link
				if depth+1 <= w.o.Depth {
					if err := w.walk(path, depth+1); err != nil {
						return err
					}
				}
				continue
			}
			switch strings.ToLower(filepath.Ext(name)) {
			case ".jpg", ".jpeg", ".png":
			default:
				continue
			}
			if !e.Type().IsRegular() || w.seen[path] {
				continue
			}
			if len(w.out) >= w.o.Max {
				return ErrCapped
			}
			w.seen[path] = true
			w.out = append(w.out, File{Path: path, Name: name, Dir: filepath.Base(dir)})
		}
		if len(ents) == 0 || rerr != nil {
			if rerr != nil && !errors.Is(rerr, io.EOF) && depth == 0 {
				return rerr
			}
			return nil
		}
	}
}

// System is where RemovableMounts reads the machine: the mount table and sysfs. The
// zero value reads this machine's (/proc/self/mountinfo, /sys).
type System struct {
	MountInfo string // default /proc/self/mountinfo
	Sys       string // default /sys
}

// RemovableMounts lists the mount points whose block device is removable (see the
// package doc), in the mount table's order. The root file system and /boot are never
// listed, whatever their device.
func (s System) RemovableMounts() []string {
	mi, sys := s.MountInfo, s.Sys
	if mi == "" {
		mi = "/proc/self/mountinfo"
	}
	if sys == "" {
		sys = "/sys"
	}
	f, err := os.Open(mi)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		dev, point := fields[2], unescape(fields[4])
		if point == "/" || point == "/boot" || strings.HasPrefix(point, "/boot/") || seen[point] {
			continue
		}
		if removableDevice(sys, dev) {
			seen[point] = true
			out = append(out, point)
		}
	}
	return out
}

// removableDevice reports whether the block device MAJ:MIN sits on a USB bus or its
// disk (the device, or for a partition its parent) has removable set to 1.
func removableDevice(sys, dev string) bool {
	link := filepath.Join(sys, "dev", "block", dev)
	real, err := filepath.EvalSymlinks(link)
	if err != nil {
		return false // not a block device (tmpfs, proc, a network file system)
	}
	if strings.Contains(real, "/usb") {
		return true
	}
	for _, d := range []string{real, filepath.Dir(real)} {
		if b, err := os.ReadFile(filepath.Join(d, "removable")); err == nil {
			return strings.TrimSpace(string(b)) == "1"
		}
	}
	return false
}

// unescape undoes the mount table's octal escapes (a space is \040).
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

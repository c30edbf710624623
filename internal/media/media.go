package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
// not exist is skipped. It returns what it found with ErrCapped when it stopped at a
// limit, or with ctx's error when ctx ended; an error of its own only when nothing was
// found and a root could not be read.
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
	var out []File
	seen := map[string]bool{}
	var errs []error
	entries := 0
	var stop error
	for _, root := range roots {
		if stop != nil {
			break
		}
		if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if cerr := ctx.Err(); cerr != nil {
				stop = cerr
				return fs.SkipAll
			}
			if err != nil {
				if path == root {
					return err
				}
				return nil // an unreadable folder below: skip it
			}
			entries++
			if entries > o.MaxEntries {
				stop = ErrCapped
				return fs.SkipAll
			}
			if path == root {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				rel, _ := filepath.Rel(root, path)
				if strings.Count(rel, string(filepath.Separator)) >= o.Depth {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".jpg", ".jpeg", ".png":
			default:
				return nil
			}
			if !d.Type().IsRegular() || seen[path] {
				return nil
			}
			if len(out) >= o.Max {
				stop = ErrCapped
				return fs.SkipAll
			}
			seen[path] = true
			out = append(out, File{Path: path, Name: d.Name(), Dir: filepath.Base(filepath.Dir(path))})
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if stop != nil {
		return out, stop
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, fmt.Errorf("listing the ID photos: %w", errors.Join(errs...))
	}
	return out, nil
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

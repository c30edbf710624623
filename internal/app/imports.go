package app

import (
	"context"
	"errors"
	"slices"

	"github.com/smartselfie/kiosk-agent/internal/media"
)

// maxImports bounds the files Imports lists (a stick full of photos).
const maxImports = 200

// ImportFile is an image the wizard may import as the ID photo.
type ImportFile struct {
	Path  string
	Name  string // the file's name
	Where string // the folder it is in (on a stick: its label, the mount point's name)
}

// Imports lists the .jpg, .jpeg and .png files of the import folders (ui.import_dirs)
// and of the mounted removable media (media.System.RemovableMounts: decided by the
// block device, not the file system), in each folder and down to two levels below it,
// hidden files and folders left out: media.Scan, which stops at maxImports files and
// when ctx ends (the wizard runs it off the UI goroutine).
func (e *Enrollments) Imports(ctx context.Context) ([]ImportFile, error) {
	roots := append(slices.Clone(e.a.Settings().ImportDirs), e.removable()...)
	files, err := media.Scan(ctx, roots, media.Options{Max: maxImports})
	if err != nil && !errors.Is(err, media.ErrCapped) {
		return nil, err
	}
	out := make([]ImportFile, 0, len(files))
	for _, f := range files {
		out = append(out, ImportFile{Path: f.Path, Name: f.Name, Where: f.Dir})
	}
	return out, nil
}

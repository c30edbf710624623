package replay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// The folders of a scripted replay camera (OpenScripted).
const (
	DocumentDir = "document" // the ID document's photos (optional)
	SelfieDir   = "selfie"   // the selfie camera's photos
	LivenessDir = "liveness" // one photo per liveness frame, in name order
)

// Scripted is the camera of a whole enrollment made of photos, for tests, demos and
// training: a source per camera over the folders of OpenScripted, and the liveness
// settings (Apply) that make the liveness camera follow the prompts.
type Scripted struct {
	// Document is the document camera; nil when dir has no document folder (the
	// comparison image is then imported).
	Document capture.Source
	// Selfie is the customer's camera; Liveness shows one photo per liveness prompt.
	Selfie, Liveness capture.Source
	live             *followed
}

// OpenScripted opens dir's folders as cameras: dir/selfie (looped), dir/document (looped;
// optional, else Document is nil and the comparison image must be imported) and
// dir/liveness, job.MinLiveness to job.MaxLiveness photos, shown one per prompt. o is
// each source's replay options (zero: 15 fps, looping).
func OpenScripted(dir string, o Options) (*Scripted, error) {
	r := &Scripted{}
	var err error
	if r.Selfie, err = Open([]string{filepath.Join(dir, SelfieDir)}, o); err != nil {
		return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
	}
	if _, serr := os.Stat(filepath.Join(dir, DocumentDir)); serr == nil {
		if r.Document, err = Open([]string{filepath.Join(dir, DocumentDir)}, o); err != nil {
			return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
		}
	}
	files, err := Files([]string{filepath.Join(dir, LivenessDir)})
	if err != nil {
		return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
	}
	if n := len(files); n < job.MinLiveness || n > job.MaxLiveness {
		return nil, fmt.Errorf("opening the replay camera %s: %s holds %d photos; put %d to %d, one per liveness frame",
			dir, LivenessDir, n, job.MinLiveness, job.MaxLiveness)
	}
	r.live = &followed{}
	for _, f := range files {
		s, err := Open([]string{f}, o)
		if err != nil {
			return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
		}
		r.live.srcs = append(r.live.srcs, s)
	}
	r.Liveness = r.live
	return r, nil
}

// Apply sets the liveness sequence o for the replay: one frame per liveness photo, no
// prompt to answer (photos cannot turn a head; the prechecks still want the head to move
// across them), and the liveness camera moved on to photo i when prompt i is shown. The
// liveness camera may be read from another goroutine than the procedure's (a live
// preview that hands frames on): a frame read across the change is read again, but one
// already handed on may still reach the procedure after the prompt; such a reader
// drops the first frame it hands on after each prompt.
func (r *Scripted) Apply(o *capture.LivenessOptions) {
	o.Frames = len(r.live.srcs)
	o.Prompts = []capture.Prompt{capture.PromptAny}
	prev := o.OnPrompt
	o.OnPrompt = func(i int, p capture.Prompt) {
		r.live.cur.Store(int64(i))
		if prev != nil {
			prev(i, p)
		}
	}
}

// Close closes every source.
func (r *Scripted) Close() error {
	var errs []error
	for _, s := range []capture.Source{r.Selfie, r.Document, r.Liveness} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// followed shows photo cur, as a customer who follows prompt cur. The procedure's
// prompt hook moves cur while a live preview may be reading the camera.
type followed struct {
	srcs []*Source
	cur  atomic.Int64
}

// Next returns a frame of the current photo: a frame read while the prompt changed is
// read again, so no frame of the previous photo comes after the change.
func (f *followed) Next(ctx context.Context) (capture.Frame, error) {
	for {
		cur := f.cur.Load()
		fr, err := f.srcs[min(int(cur), len(f.srcs)-1)].Next(ctx)
		if err != nil || f.cur.Load() == cur {
			return fr, err
		}
	}
}

func (f *followed) Close() error {
	for _, s := range f.srcs {
		s.Close()
	}
	return nil
}

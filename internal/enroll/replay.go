package enroll

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smartselfie/kiosk-agent/capture"
	"github.com/smartselfie/kiosk-agent/capture/replay"
	"github.com/smartselfie/kiosk-agent/internal/job"
)

// The folders of a replay camera (OpenReplay).
const (
	ReplayDocument = "document" // the ID document's photos (optional)
	ReplaySelfie   = "selfie"   // the selfie camera's photos
	ReplayLiveness = "liveness" // one photo per liveness frame, in name order
)

// Replay is a camera made of photos, for tests, demos and training: Cameras over the
// folders of OpenReplay, and the liveness settings that make the liveness camera follow
// the prompts.
type Replay struct {
	Cameras
	live *followed
}

// OpenReplay opens dir's folders as cameras: dir/selfie (looped), dir/document (looped;
// optional, else Cameras.Document is nil and the comparison image must be imported) and
// dir/liveness, job.MinLiveness to job.MaxLiveness photos, shown one per prompt. o is
// each source's replay options (zero: 15 fps, looping).
func OpenReplay(dir string, o replay.Options) (*Replay, error) {
	r := &Replay{}
	var err error
	if r.Selfie, err = replay.Open([]string{filepath.Join(dir, ReplaySelfie)}, o); err != nil {
		return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
	}
	if _, serr := os.Stat(filepath.Join(dir, ReplayDocument)); serr == nil {
		if r.Document, err = replay.Open([]string{filepath.Join(dir, ReplayDocument)}, o); err != nil {
			return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
		}
	}
	files, err := replay.Files([]string{filepath.Join(dir, ReplayLiveness)})
	if err != nil {
		return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
	}
	if n := len(files); n < job.MinLiveness || n > job.MaxLiveness {
		return nil, fmt.Errorf("opening the replay camera %s: %s holds %d photos; put %d to %d, one per liveness frame",
			dir, ReplayLiveness, n, job.MinLiveness, job.MaxLiveness)
	}
	r.live = &followed{}
	for _, f := range files {
		s, err := replay.Open([]string{f}, o)
		if err != nil {
			return nil, fmt.Errorf("opening the replay camera %s: %w", dir, err)
		}
		r.live.srcs = append(r.live.srcs, s)
	}
	r.Liveness = r.live
	return r, nil
}

// Apply sets o's liveness sequence for the replay: one frame per liveness photo, no
// prompt to answer (photos cannot turn a head; the prechecks still want the head to move
// across them), and the liveness camera moved on to photo i when prompt i is shown.
func (r *Replay) Apply(o *Options) {
	o.Liveness.Frames = len(r.live.srcs)
	o.Liveness.Prompts = []capture.Prompt{capture.PromptAny}
	prev := o.Liveness.OnPrompt
	o.Liveness.OnPrompt = func(i int, p capture.Prompt) {
		r.live.cur = i
		if prev != nil {
			prev(i, p)
		}
	}
}

// Close closes every source.
func (r *Replay) Close() error {
	var errs []error
	for _, s := range []capture.Source{r.Selfie, r.Document, r.Liveness} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// followed shows photo cur, as a customer who follows prompt cur.
type followed struct {
	srcs []*replay.Source
	cur  int
}

func (f *followed) Next(ctx context.Context) (capture.Frame, error) {
	return f.srcs[min(f.cur, len(f.srcs)-1)].Next(ctx)
}

func (f *followed) Close() error {
	for _, s := range f.srcs {
		s.Close()
	}
	return nil
}

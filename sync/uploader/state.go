package uploader

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Persisted is what the engine remembers across restarts: the halt (so a restarted kiosk
// or a new `kioskctl sync` does not send again with a configuration the server refused)
// and the last success and error (for status).
type Persisted struct {
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Connectivity is online, offline or unknown, as last seen.
	Connectivity string    `json:"connectivity,omitempty"`
	ConnectedAt  time.Time `json:"connected_at,omitzero"` // when the API last answered
	Halt         *Halt     `json:"halt,omitempty"`
}

// StateStore keeps Persisted. A nil StateStore in Options keeps it in memory only.
type StateStore interface {
	Load() (Persisted, error)
	// Save stores p; durable is set when p changes a halt, which must survive a crash.
	Save(p Persisted, durable bool) error
}

// FileState is a StateStore in one small JSON file (written to a temporary file and
// renamed over the old one). A missing file loads as the zero Persisted.
type FileState struct {
	Path string
}

// Load reads the file.
func (f FileState) Load() (Persisted, error) {
	var p Persisted
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("reading sync state: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Persisted{}, fmt.Errorf("reading sync state %s: %w (delete the file to start afresh)", f.Path, err)
	}
	return p, nil
}

// Save writes the file atomically; with durable it is synced to disk before the rename.
func (f FileState) Save(p Persisted, durable bool) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".sync-state-*")
	if err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("saving sync state: %w", err)
	}
	if durable {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return fmt.Errorf("saving sync state: %w", err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	return nil
}

type memState struct{ p Persisted }

func (m *memState) Load() (Persisted, error)       { return m.p, nil }
func (m *memState) Save(p Persisted, _ bool) error { m.p = p; return nil }

// StateFile is the name of the sync state file in the data dir (FileState).
const StateFile = "sync-state.json"

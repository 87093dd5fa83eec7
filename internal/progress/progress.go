// Package progress keeps which exercises a person has finished in
// etcdlab learn: one small JSON file per user, under the XDG state
// directory. A damaged file is reported in one line and started afresh;
// it never stops the lab.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// version is the file format this package writes and reads.
const version = 1

// file is the progress file as stored.
type file struct {
	Version int `json:"version"`
	// Done maps an exercise's ID to when it was first finished.
	Done map[string]time.Time `json:"done"`
}

// Path returns where the progress file lives:
// $XDG_STATE_HOME/etcdlab/progress.json, else ~/.local/state/etcdlab/ as
// the XDG base directory spec says, else the user's config dir
// (os.UserConfigDir) where there is no home.
func Path() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "etcdlab", "progress.json"), nil
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".local", "state", "etcdlab", "progress.json"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot tell where to keep progress: set XDG_STATE_HOME (%v)", err)
	}
	return filepath.Join(d, "etcdlab", "progress.json"), nil
}

// DamagedError says that a progress file could not be read as progress
// and was started afresh.
type DamagedError struct {
	Path string
	Err  error
}

// Error says what was wrong, in one line.
func (e *DamagedError) Error() string {
	return fmt.Sprintf("progress file %s was damaged (%v); it starts afresh", e.Path, e.Err)
}

// Unwrap returns the reason.
func (e *DamagedError) Unwrap() error { return e.Err }

// Store is one person's progress. It is safe for concurrent use.
type Store struct {
	path string
	mu   sync.Mutex
	done map[string]time.Time
}

// Open reads the progress file at path; a missing file is no progress yet.
// A damaged file is reset: Open returns an empty store that will
// overwrite it, and a *DamagedError to report. Any other error (a file
// that cannot be read) is returned with a nil store.
func Open(path string) (*Store, error) {
	s := &Store{path: path, done: map[string]time.Time{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read progress: %v", err)
	}
	var f file
	err = json.Unmarshal(b, &f)
	switch {
	case err != nil:
		return s, s.reset(err)
	case f.Version != version:
		return s, s.reset(fmt.Errorf("format version %d, this etcdlab writes %d", f.Version, version))
	}
	for id, at := range f.Done {
		s.done[id] = at
	}
	return s, nil
}

// reset removes a damaged file and returns the error that reports it.
func (s *Store) reset(why error) error {
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("progress file %s is damaged (%v) and cannot be removed: %v", s.path, why, err)
	}
	return &DamagedError{Path: s.path, Err: why}
}

// Path returns the file the store reads and writes.
func (s *Store) Path() string { return s.path }

// Done reports whether the exercise id was finished.
func (s *Store) Done(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.done[id]
	return ok
}

// Finished returns the IDs of the finished exercises, sorted.
func (s *Store) Finished() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.done))
	for id := range s.done {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Mark records the exercise id as finished and saves the file at once, so
// that leaving the lab loses nothing.
func (s *Store) Mark(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.done[id]; ok {
		return nil
	}
	s.done[id] = time.Now().UTC().Truncate(time.Second)
	return s.saveLocked()
}

// saveLocked writes the file whole through a temporary file in the same
// directory, so that a crash leaves the old file or the new one.
func (s *Store) saveLocked() error {
	b, err := json.MarshalIndent(file{Version: version, Done: s.done}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot save progress: %v", err)
	}
	tmp, err := os.CreateTemp(dir, ".progress-*.json")
	if err != nil {
		return fmt.Errorf("cannot save progress: %v", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), s.path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot save progress to %s: %v", s.path, werr)
	}
	return nil
}

// Reset forgets every finished exercise and removes the file.
func (s *Store) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = map[string]time.Time{}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot clear progress: %v", err)
	}
	return nil
}

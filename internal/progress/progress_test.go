package progress

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/internal/testutil"
)

func TestPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", dir)
	if p, err := Path(); err != nil || p != filepath.Join(dir, "etcdlab", "progress.json") {
		t.Errorf("with XDG_STATE_HOME: %q %v", p, err)
	}
	home := t.TempDir()
	t.Setenv("XDG_STATE_HOME", "relative/is/ignored")
	t.Setenv("HOME", home)
	if p, err := Path(); err != nil || p != filepath.Join(home, ".local", "state", "etcdlab", "progress.json") {
		t.Errorf("without XDG_STATE_HOME: %q %v", p, err)
	}
}

// TestSurvivesReopen marks exercises done, then opens the file again as a
// second run of etcdlab learn would.
func TestSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "etcdlab", "progress.json")
	s, err := Open(path)
	if err != nil || len(s.Finished()) != 0 {
		t.Fatalf("a missing file: %v %v", s.Finished(), err)
	}
	for _, id := range []string{"02-b", "01-a", "02-b"} {
		if err := s.Mark(id); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(again.Finished(), " "); got != "01-a 02-b" || !again.Done("01-a") || again.Done("03-c") {
		t.Errorf("after reopening: %q", got)
	}
	if err := again.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Reset left the file: %v", err)
	}
	if s, _ := Open(path); len(s.Finished()) != 0 {
		t.Errorf("after Reset: %v", s.Finished())
	}
}

// TestDamaged opens damaged files: each is reported in one line and
// started afresh, and the next Mark writes a good file.
func TestDamaged(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"not json", "{\"version\": 1, \"done\": {", "unexpected end of JSON input"},
		{"binary", "\x00\xff\x10", "invalid character"},
		{"other version", `{"version": 7, "done": {}}`, "format version 7"},
		{"wrong shape", `{"version": 1, "done": ["01-a"]}`, "cannot unmarshal array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "progress.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path)
			var damaged *DamagedError
			if !errors.As(err, &damaged) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Open: %v, want a one-line DamagedError with %q", err, tc.want)
			}
			if s == nil || len(s.Finished()) != 0 {
				t.Fatalf("a damaged file must give an empty store, got %v", s)
			}
			if err := s.Mark("01-a"); err != nil {
				t.Fatal(err)
			}
			if again, err := Open(path); err != nil || !again.Done("01-a") {
				t.Errorf("after Mark: %v %v", again, err)
			}
		})
	}
}

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

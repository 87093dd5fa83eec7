package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/internal/progress"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/scripts"
)

// TestLearnProgress checks learn's progress without the dashboard: --list
// shows what a previous run recorded, a damaged file is reported in one
// line and started afresh, and --reset clears it.
func TestLearnProgress(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	path := filepath.Join(state, "etcdlab", "progress.json")
	exs, err := lab.LoadExercises(scripts.Exercises, "exercises")
	if err != nil {
		t.Fatal(err)
	}
	of := func(done int) string { return fmt.Sprintf("%d of %d done", done, len(exs)) }

	code, out, errOut := execute("learn", "--list")
	if code != ExitOK || errOut != "" || !strings.Contains(out, of(0)) || !strings.Contains(out, "  01-crash-the-leader") {
		t.Fatalf("a first run: exit %d\n%s%s", code, out, errOut)
	}

	s, err := progress.Open(path) // as the dashboard does when an exercise is done
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Mark("01-crash-the-leader"); err != nil {
		t.Fatal(err)
	}
	code, out, _ = execute("learn", "--list")
	if code != ExitOK || !strings.Contains(out, "✓ 01-crash-the-leader") || !strings.Contains(out, of(1)+"; progress in "+path) {
		t.Fatalf("after a restart: exit %d\n%s", code, out)
	}

	if err := os.WriteFile(path, []byte(`{"version": 1, "done": {"01-crash`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = execute("learn", "--list")
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if code != ExitOK || len(lines) != 1 || !strings.Contains(errOut, "etcdlab: progress file "+path+" was damaged (unexpected end of JSON input); it starts afresh") {
		t.Fatalf("a damaged file: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, of(0)) {
		t.Errorf("a damaged file counts nothing done:\n%s", out)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the damaged file is still there: %v", err)
	}

	s, _ = progress.Open(path)
	s.Mark("02-lose-and-regain-quorum")
	code, out, _ = execute("learn", "--reset")
	if code != ExitOK || !strings.Contains(out, "progress cleared") {
		t.Fatalf("--reset: exit %d\n%s", code, out)
	}
	if _, out, _ = execute("learn", "--list"); !strings.Contains(out, of(0)) {
		t.Errorf("after --reset:\n%s", out)
	}
}

// TestLearnBadFlags checks that learn's flags are refused in one line
// before anything starts.
func TestLearnBadFlags(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"learn", "now"}, `unexpected argument "now"`},
		{[]string{"learn", "--base-port", "70000"}, "--base-port 70000 is out of range"},
		{[]string{"learn", "--election-timeout", "100"}, "--election-timeout 100 with --heartbeat-interval 100 is invalid"},
		{[]string{"learn", "--command-timeout", "0s"}, "--command-timeout 0s must be positive"},
	} {
		code, _, errOut := execute(tc.args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

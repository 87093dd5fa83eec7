package scripts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// playHeadless plays s on a fresh cluster as etcdlab run does and returns
// its transcript and error.
func playHeadless(t *testing.T, s *lab.Script) (string, error) {
	t.Helper()
	var (
		out    strings.Builder
		played error
	)
	ports.Launch(t, cluster.IsPortInUse, func(base int) error {
		out.Reset()
		cfg := lab.Config{Cluster: cluster.Config{Members: s.Members, BasePort: base, DataDir: t.TempDir(), LogFile: "-"}}
		played = lab.RunFile(context.Background(), cfg, s, &out)
		if cluster.IsPortInUse(played) {
			return played
		}
		return nil
	})
	return out.String(), played
}

// TestExercises plays every bundled exercise headless: each task done by
// its solution lines, each check holding within the usual wait deadline.
func TestExercises(t *testing.T) {
	exs, err := lab.LoadExercises(Exercises, "exercises")
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) < 8 {
		t.Fatalf("%d bundled exercises, want at least 8", len(exs))
	}
	for _, ex := range exs {
		t.Run(ex.ID, func(t *testing.T) {
			if ex.Script.Members == 0 || ex.Script.Title == "" || ex.Script.About == "" {
				t.Fatalf("%s needs members N, a title and what it teaches (its first comment lines)", ex.ID)
			}
			for _, task := range ex.Script.Tasks {
				if len(task.Hints) == 0 || len(task.Explain) == 0 {
					t.Errorf("task %d (line %d) needs a hint and an explanation", task.Number, task.Line)
				}
			}
			out, err := playHeadless(t, ex.Script)
			if err != nil {
				t.Fatalf("%v\ntranscript:\n%s", err, out)
			}
			if !strings.Contains(out, fmt.Sprintf("%d tasks done by their solutions", len(ex.Script.Tasks))) {
				t.Fatalf("no PASS line:\n%s", out)
			}
			if testing.Verbose() {
				t.Log("\n" + out)
			}
		})
	}
}

// TestWrongSolution plays the first exercise with a solution that crashes
// a follower instead of the leader: the run fails at the task's check and
// names the task's line.
func TestWrongSolution(t *testing.T) {
	b, err := Exercises.ReadFile("exercises/01-crash-the-leader.lab")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for old, wrong := range map[string]string{
		"solution kill etcd2":  "solution kill etcd3",
		"wait role etcd2 down": "wait role etcd2 down --timeout 2s",
	} {
		if !strings.Contains(src, old) {
			t.Fatalf("the exercise no longer has %q", old)
		}
		src = strings.Replace(src, old, wrong, 1)
	}
	s, errs := lab.ParseScript(src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	task := s.Tasks[0]
	out, err := playHeadless(t, s)
	var fail *lab.FailError
	if !errors.As(err, &fail) {
		t.Fatalf("want a FailError, got %v\n%s", err, out)
	}
	want := fmt.Sprintf("task 1 (line %d) is not done by its solution", task.Line)
	if fail.Line != task.Check[0].Line || !strings.Contains(fail.Reason, want) || !strings.Contains(fail.Reason, "etcd2") {
		t.Fatalf("got %q, want line %d and %q", err, task.Check[0].Line, want)
	}
}

// TestReadmeExercise plays the complete small exercise README shows
// instructors, so that the example stays one that works.
func TestReadmeExercise(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "A complete\nsmall exercise:\n\n```\n")
	src, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md no longer shows a complete small exercise")
	}
	s, errs := lab.ParseScript(src)
	if len(errs) > 0 || len(s.Tasks) != 2 || s.Title != "Crash the leader" {
		t.Fatalf("README's exercise: %v, %d tasks, title %q", errs, len(s.Tasks), s.Title)
	}
	if out, err := playHeadless(t, s); err != nil {
		t.Fatalf("%v\ntranscript:\n%s", err, out)
	}
}

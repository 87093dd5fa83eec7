package lab

import (
	"strings"
	"testing"
)

func TestParseTaskLines(t *testing.T) {
	checkParses(t, []parseCase{
		{"task", "task Crash the leader's member # not a comment", "task", []string{"Crash the leader's member # not a comment"}, nil},
		{"task quoted", `task "Kill two"`, "task", []string{"Kill two"}, nil},
		{"hint", "hint kill NAME crashes a member", "hint", []string{"kill NAME crashes a member"}, nil},
		{"hint alone", "hint", "hint", nil, nil},
		{"explain", "explain etcd's leader steps down", "explain", []string{"etcd's leader steps down"}, nil},
		{"solution alone", "solution", "solution", nil, nil},
		{"solution run", "solution --run", "solution", nil, map[string]string{"run": "true"}},
		{"solution command", `solution put k "a b" --endpoint etcd2`, "solution", []string{`put k 'a b' --endpoint etcd2`}, nil},
		{"solution wait", "solution wait new-leader", "solution", []string{"wait new-leader"}, nil},
	})
	c, err := Parse(`solution put k "a b" --endpoint etcd2`)
	if err != nil || c.Inner == nil || c.Inner.Name != "put" || c.Inner.Args[1] != "a b" || c.Inner.Flags["endpoint"] != "etcd2" {
		t.Fatalf("solution's command = %+v, %v", c.Inner, err)
	}
	checkParseErrors(t, []parseError{
		{"task nothing", "task", "task takes 1 argument: task TEXT"},
		{"explain nothing", "explain", "explain takes 1 argument"},
		{"solution expect", "solution expect leader", `not "expect": the check (wait or expect) follows the solution lines`},
		{"solution task", "solution task again", `not "task"`},
		{"solution bad command", "solution put k", "solution: put takes 2 arguments"},
		{"solution unknown flag", "solution --now", "solution has no flag --now"},
		{"expect kills op", "expect kills < 2", "expect kills <= N, or expect kills == N"},
		{"expect kills count", "expect kills <= two", `"two" is not a count`},
		{"expect first-killed role", "expect first-killed gone", `"gone" is not a role`},
		{"expect tolerates", "expect tolerates", "expect tolerates takes a number"},
		{"expect voters count", "expect voters -1", `"-1" is not a count`},
		{"expect stale-read", "expect stale-read etcd1", "expect stale-read NAME KEY"},
		{"expect link rule", "expect link etcd1 etcd2 slow", "expect link etcd1 etcd3 cut (or delay, loss, none)"},
		{"expect link self", "expect link etcd1 etcd1 cut", "etcd1 -> etcd1 is no link"},
		{"expect unknown-writes op", "expect unknown-writes > 1", "expect unknown-writes >= N, or == N"},
		{"expect unknown-writes count", "expect unknown-writes >= some", `"some" is not a count`},
		{"expect write-took op", "expect write-took etcd1 > 1s", "expect write-took etcd3 >= 1s"},
		{"expect write-took duration", "expect write-took etcd1 >= soon", `"soon" is not a duration`},
	})
}

// exerciseFile is a small exercise with a setup line between two tasks.
const exerciseFile = `# Crash the leader
# How a cluster replaces
# a leader that crashed.
members 3
wait leader
move-leader etcd1
task Find the leader and crash it.
hint The member table says who leads.
hint kill NAME crashes a member.
solution kill etcd1
wait role etcd1 down
wait new-leader
explain The followers elect a new leader
explain after their election timeout.
say setup for the next task
task Bring it back.
solution restart etcd1
expect role etcd1 follower
`

func TestParseExercise(t *testing.T) {
	s, errs := ParseScript(exerciseFile)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if s.Title != "Crash the leader" || s.About != "How a cluster replaces a leader that crashed." || s.Members != 3 {
		t.Errorf("title %q, about %q, members %d", s.Title, s.About, s.Members)
	}
	if len(s.Tasks) != 2 {
		t.Fatalf("%d tasks, want 2", len(s.Tasks))
	}
	one, two := s.Tasks[0], s.Tasks[1]
	if one.Line != 7 || one.Number != 1 || one.Of != 2 || one.Text != "Find the leader and crash it." {
		t.Errorf("task 1 = %+v", one)
	}
	if len(one.Hints) != 2 || len(one.Solution) != 1 || one.Solution[0].Name != "kill" || one.Solution[0].Line != 10 {
		t.Errorf("task 1 hints %q, solution %+v", one.Hints, one.Solution)
	}
	if len(one.Check) != 2 || one.Check[1].Text != "wait new-leader" || one.Explanation() != "The followers elect a new leader after their election timeout." {
		t.Errorf("task 1 check %+v, explanation %q", one.Check, one.Explanation())
	}
	if len(two.Check) != 1 || len(two.Explain) != 0 || two.Number != 2 {
		t.Errorf("task 2 = %+v", two)
	}
	for _, c := range s.Commands {
		inTask := c.Line >= 7 && c.Line <= 14 || c.Line >= 16
		if (c.Task != nil) != inTask {
			t.Errorf("line %d %q: task %v", c.Line, c.Text, c.Task)
		}
		if c.IsCheck() != (c.Line == 11 || c.Line == 12 || c.Line == 18) {
			t.Errorf("line %d %q: IsCheck %v", c.Line, c.Text, c.IsCheck())
		}
	}
	if s.Commands[0].Text != "wait leader" || s.Commands[0].Task != nil {
		t.Errorf("a wait before any task is a plain line: %+v", s.Commands[0])
	}
}

func TestParseExerciseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"no solution", "members 3\ntask Kill one.\nhint kill NAME\nwait no-quorum\n", 2, "task has no solution"},
		{"no check", "members 3\ntask Kill one.\nsolution kill etcd1\n", 2, "task has no check"},
		{"no check before next task", "task A\nsolution kill etcd1\ntask B\nsolution kill etcd2\nwait no-quorum\n", 1, "task has no check"},
		{"hint outside", "members 3\nhint kill NAME\n", 2, "hint must follow a task line"},
		{"solution outside", "solution kill etcd1\n", 1, "solution must follow a task line"},
		{"solution after check", "task A\nsolution kill etcd1\nwait no-quorum\nsolution kill etcd2\n", 4, "solution after the task's check"},
		{"hint after explain", "task A\nsolution kill etcd1\nwait no-quorum\nexplain why\nhint late\n", 5, "hint after the task's check"},
		{"explain outside", "put k v\nexplain why\n", 2, "explain must follow a task's check"},
		{"explain before check", "task A\nsolution kill etcd1\nexplain why\nwait no-quorum\n", 3, "explain must follow a task's check"},
		{"line inside", "task A\nsay what\nsolution kill etcd1\nwait no-quorum\n", 2, "say cannot come between a task and its check"},
		{"hint without text", "task A\nhint\nsolution kill etcd1\nwait no-quorum\n", 2, "hint needs its text"},
		{"solution without command", "task A\nsolution\nwait no-quorum\n", 2, "solution needs the command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := ParseScript(tc.src)
			for _, err := range errs {
				if le, ok := err.(*LineError); ok && le.Line == tc.line && strings.Contains(err.Error(), tc.want) {
					if strings.Contains(err.Error(), "\n") {
						t.Errorf("error of several lines: %q", err)
					}
					return
				}
			}
			t.Fatalf("errors %v, want line %d: %q", errs, tc.line, tc.want)
		})
	}
}

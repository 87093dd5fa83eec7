package lab

import (
	"context"
	"strings"
	"testing"
)

// playTask parses src, runs its lines up to its first task's check as
// etcdlab run does (the task line, hints and solutions), and returns the
// task with the lab.
func playTask(t *testing.T, l *Lab, src string) *Task {
	t.Helper()
	s, errs := ParseScript(src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, c := range s.Commands {
		if c.IsCheck() {
			return c.Task
		}
		if r := l.Exec(context.Background(), c); Fails(c, r) {
			t.Fatalf("line %d %s: %v", c.Line, c.Text, r.Err)
		}
	}
	t.Fatal("no check")
	return nil
}

// try runs Try on a check line given as text.
func try(t *testing.T, l *Lab, line string) (bool, Result) {
	t.Helper()
	c, err := Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	return l.Try(context.Background(), c)
}

// TestExerciseAtThePrompt checks hint and solution at the prompt against
// the task under way, and the conditions that count what the student did.
func TestExerciseAtThePrompt(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	if r := exec(t, l, "hint"); r.Err == nil || !strings.Contains(r.Err.Error(), "no task is under way") {
		t.Fatalf("hint with no task: %v", r.Err)
	}
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd1")
	must(t, l, "kill etcd3") // before any task: not counted by kills or first-killed
	task := playTask(t, l, "task Lose quorum.\nhint Quorum is 2 of 3.\nsolution kill etcd2\nwait no-quorum\nexpect kills <= 1\n")
	if task.Number != 1 || task.Of != 1 {
		t.Fatalf("task %+v", task)
	}
	for i, want := range []string{"hint 1 of 1: Quorum is 2 of 3.", "task 1 has no more hints"} {
		if r := must(t, l, "hint"); !strings.HasPrefix(r.Text(), want) {
			t.Errorf("hint %d: %q, want %q", i+1, r.Text(), want)
		}
	}
	if r := must(t, l, "solution"); !strings.Contains(r.Text(), "  kill etcd2\ntype solution --run") {
		t.Errorf("solution shows %q", r.Text())
	}
	for _, tc := range []struct {
		line string
		held bool
		want string
	}{
		{"wait no-quorum", true, "no quorum: 1 of 3 voters reachable"},
		{"expect kills <= 1", true, "1 member killed or stopped since the task began (etcd2)"},
		{"expect kills == 0", false, "but 1 member went down since the task began (etcd2)"},
		{"expect first-killed down", true, "etcd2, the first member killed, is down"},
		{"expect first-killed follower", false, "etcd2, the first member killed, to be follower, but it is down"},
		{"expect voters 3", true, "3 voting members, quorum 2"},
		{"expect tolerates 0", false, "it has no quorum"},
		{"wait quorum", false, "not yet: NO QUORUM"},
	} {
		held, r := try(t, l, tc.line)
		if held != tc.held || !strings.Contains(r.Text(), tc.want) {
			t.Errorf("%s: held %v %q, want %v %q", tc.line, held, r.Text(), tc.held, tc.want)
		}
	}
	must(t, l, "restart etcd2")
	must(t, l, "wait quorum")
	if held, r := try(t, l, "expect first-killed down"); held || !strings.Contains(r.Text(), "it is follower") {
		t.Errorf("first-killed after its restart: %v %q", held, r.Text())
	}
	if held, r := try(t, l, "expect tolerates 0"); !held {
		t.Errorf("tolerates 0 with 2 of 3 up: %q", r.Text())
	}
}

// TestExerciseTaskNewLeader checks that wait new-leader in a task's check
// counts from the term the task began in, so that an election finished
// before the check is tried still counts; and that the task is done once
// its last check line holds, after which new-leader counts from now again.
func TestExerciseTaskNewLeader(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd1")
	task := playTask(t, l, "task Crash the leader.\nsolution kill etcd1\nwait new-leader\n")
	must(t, l, "wait leader")
	held, r := l.Try(context.Background(), task.Check[0])
	if !held || !strings.Contains(r.Text(), "new leader") {
		t.Fatalf("new-leader after the election: %v %q", held, r.Text())
	}
	if r := exec(t, l, "wait new-leader --timeout 1500ms"); r.Err == nil {
		t.Errorf("after the task, wait new-leader counts from now: %q", r.Text())
	}
}

// TestExpectStaleRead checks stale-read against a member cut off while the
// majority writes, and after it caught up.
func TestExpectStaleRead(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd2")
	must(t, l, "put color blue")
	// A follower may apply an acknowledged put a little later: that alone
	// is a stale read. A linearizable read through etcd1 waits until it has.
	must(t, l, "expect get color --endpoint etcd1 == blue")
	if r := exec(t, l, "expect stale-read etcd1 color"); r.Err == nil || !strings.Contains(r.Err.Error(), "it serves the current color=blue") {
		t.Fatalf("before the cut: %v", r.Text())
	}
	must(t, l, "isolate etcd1")
	must(t, l, "put color green --endpoint etcd2")
	r := must(t, l, "expect stale-read etcd1 color")
	if !strings.Contains(r.Text(), "etcd1 serves color=blue") || !strings.Contains(r.Text(), "the cluster color=green") {
		t.Errorf("stale read: %q", r.Text())
	}
	if r := exec(t, l, "expect stale-read etcd2 color"); r.Err == nil || !strings.Contains(r.Err.Error(), "no leader other than etcd2") {
		t.Errorf("stale-read on the leader: %v", r.Text())
	}
	if r := exec(t, l, "expect stale-read etcd9 color"); r.Err == nil || !strings.Contains(r.Err.Error(), `no member named "etcd9"`) {
		t.Errorf("stale-read on no member: %v", r.Text())
	}
}

// TestWriteConditions checks link, unknown-writes and write-took against a
// delayed and a cut link on real members, both when they hold and when
// they do not.
func TestWriteConditions(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd1")
	for line, want := range map[string]string{
		"expect unknown-writes >= 1":     "but 0 writes ended with an unknown outcome since the lab started",
		"expect write-took etcd3 >= 1ms": "no write through etcd3 succeeded since the lab started",
		"expect link etcd1 etcd3 delay":  "expected etcd1 -> etcd3 to have a delay, but it has no rule",
		"expect link etcd9 etcd3 none":   `no member named "etcd9"`,
	} {
		if r := exec(t, l, line); r.Err == nil || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("%s: %v, want %q", line, r.Text(), want)
		}
	}
	must(t, l, "expect link etcd1 etcd3 none")

	// etcd3 applies a put only once etcd1's append reaches it, 300ms late.
	must(t, l, "delay etcd1 etcd3 300ms")
	must(t, l, "expect link etcd1 etcd3 delay")
	must(t, l, "put a 1 --endpoint etcd3")
	r := must(t, l, "expect write-took etcd3 >= 300ms")
	if !strings.Contains(r.Text(), `"put a 1 --endpoint etcd3" through etcd3 took`) {
		t.Errorf("write-took: %q", r.Text())
	}
	if r := exec(t, l, "expect write-took etcd3 < 300ms"); r.Err == nil {
		t.Errorf("write-took < 300ms behind a 300ms delay: %q", r.Text())
	}

	// Cut one way, etcd3 forwards the put to etcd1 and never hears back.
	must(t, l, "heal")
	must(t, l, "cut etcd3 etcd1")
	must(t, l, "expect link etcd3 etcd1 cut")
	if r := exec(t, l, "put b 1 --endpoint etcd3"); r.Err == nil {
		t.Fatalf("a put through etcd3 cut from its leader: %q", r.Text())
	}
	r = must(t, l, "expect unknown-writes == 1")
	if !strings.Contains(r.Text(), "put b 1 --endpoint etcd3") {
		t.Errorf("unknown-writes: %q", r.Text())
	}
	must(t, l, "heal")
	must(t, l, "expect get b --endpoint etcd1 ==")
}

package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/lab"
)

// TestCoachSteps walks the player through an exercise without a cluster:
// hints and solutions are never queued, a check line is waited for instead
// of queued, an expect that does not hold sends the check back to its first
// line, a task done moves past its explanation, and a --timeout stops it.
func TestCoachSteps(t *testing.T) {
	src := "members 3\nput a 1\ntask One.\nhint h1\nsolution kill etcd1\nwait no-quorum\nexpect kills <= 1\nexplain e1\nexplain e2\nput b 2\ntask Two.\nsolution restart etcd1\nwait quorum --timeout 2s\n"
	s, errs := lab.ParseScript(src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	st := DefaultStyles()
	p := player{styles: &st, script: s, coach: newCoach(&st, nil), width: 100}
	run := func(want string) {
		t.Helper()
		c, ok := p.take()
		if !ok || c.Text != want {
			t.Fatalf("take = %v %v, want %q", c, ok, want)
		}
		r := lab.Result{}
		if c.Name == "task" {
			r.Lines = []string{"task"}
		}
		p.heard(c, r)
		p.done(c, r)
	}
	run("put a 1")
	run("task One.")
	if c, ok := p.take(); ok || p.waitingCheck() == nil || p.waitingCheck().Text != "wait no-quorum" {
		t.Fatalf("at the check: take %v %v, waiting for %v", c, ok, p.waitingCheck())
	}
	one := s.Tasks[0]
	if p.checked(checkMsg{cmd: one.Check[0], held: true, res: lab.Result{Lines: []string{"no quorum"}}}) != nil || p.waitingCheck() != one.Check[1] {
		t.Fatal("the first check line held: the second is next")
	}
	p.checked(checkMsg{cmd: one.Check[1], res: lab.Result{Err: errors.New("expected kills <= 1, but 2")}})
	if p.waitingCheck() != one.Check[0] || p.coach.why != "expected kills <= 1, but 2" {
		t.Fatalf("an expect that fails sends the check back: waiting for %v, %q", p.waitingCheck(), p.coach.why)
	}
	p.checked(checkMsg{cmd: one.Check[0], held: true, res: lab.Result{Lines: []string{"no quorum"}}})
	if v := p.view(); !strings.Contains(v, "⧗ kills <= 1: expected kills <= 1, but 2") {
		t.Errorf("the bar must say what stands in the way while the check goes round again:\n%s", v)
	}
	if done := p.checked(checkMsg{cmd: one.Check[1], held: true, res: lab.Result{Lines: []string{"passed: 1 member"}}}); done != one {
		t.Fatalf("the last check line held: task %v done", done)
	}
	if p.coach.last != "e1 e2" || p.coach.done != 1 {
		t.Errorf("explanation %q, done %d", p.coach.last, p.coach.done)
	}
	run("put b 2")
	run("task Two.")
	p.take()
	t0 := time.Now()
	p.timedOut(t0)
	p.timedOut(t0.Add(time.Second))
	if p.stopped != "" {
		t.Fatalf("stopped before its timeout: %s", p.stopped)
	}
	p.timedOut(t0.Add(3 * time.Second))
	if !strings.Contains(p.stopped, "line 13: task 2 not done within 2s") {
		t.Errorf("after its timeout: %q", p.stopped)
	}
	if v := p.view(); !strings.Contains(v, "exercise stopped at line 13") {
		t.Errorf("view:\n%s", v)
	}
}

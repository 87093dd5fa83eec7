package lab

import (
	"context"
	"errors"
	"fmt"
)

// taskCommands are the lines of an exercise: the task the student is
// given, its hints and solution, and the explanation shown once it is done.
// At the prompt, hint and solution alone ask for the current task's.
var taskCommands = map[string]spec{
	"task": {usage: "task TEXT", summary: "exercise files: give the student a task; the wait and expect lines after its solution check it",
		minArgs: 1, maxArgs: 1, run: (*Lab).task},
	"hint": {usage: "hint [TEXT]", summary: "show the current task's next hint; in an exercise file, after a task: a hint shown on request",
		minArgs: 0, maxArgs: 1, run: (*Lab).hint},
	"solution": {usage: "solution [--run] | solution CMD", summary: "show the current task's solution, or run it with --run; in an exercise file, after a task: a line that does the task",
		minArgs: 0, maxArgs: 0, bools: []string{"run"}, run: (*Lab).solution},
	"explain": {usage: "explain TEXT", summary: "exercise files: after a task's check, what etcd did and why, shown once the task is done",
		minArgs: 1, maxArgs: 1, run: (*Lab).explainLine},
}

// notInSolution are the commands a solution line cannot run: the lines of
// an exercise itself, and the checks, which follow the solution.
var notInSolution = []string{"task", "hint", "solution", "explain", "members", "help", "expect", "say"}

// parseSolution parses "solution CMD": the command a task expects.
func parseSolution(c *Command, rest []string) error {
	if contains(notInSolution, rest[0]) {
		return fmt.Errorf("a solution line runs a command that does the task, not %q: the check (wait or expect) follows the solution lines", rest[0])
	}
	inner, err := parseWords(rest)
	if err != nil {
		return fmt.Errorf("solution: %v", err)
	}
	inner.Text = joinWords(rest)
	c.Inner, c.Args = inner, []string{inner.Text}
	return nil
}

// errNoTask is what hint and solution say at the prompt when no exercise
// is being played.
var errNoTask = errors.New("no task is under way: hints and solutions belong to an exercise (etcdlab learn, or etcdlab --script FILE)")

func (l *Lab) task(_ context.Context, c *Command) Result {
	if c.Task == nil {
		return Result{Err: errors.New("task belongs in an exercise file, followed by its solution and check (see README, Exercises)")}
	}
	l.ex.begin(l.c, c.Task)
	return Result{Lines: []string{fmt.Sprintf("task %d of %d", c.Task.Number, c.Task.Of)}}
}

// hint shows nothing for a hint line of a file: the file holds it for the
// student. Alone, it shows the current task's next hint.
func (l *Lab) hint(_ context.Context, c *Command) Result {
	if len(c.Args) > 0 {
		if c.Task == nil {
			return Result{Err: errors.New("hint TEXT belongs in an exercise file, after its task; type hint alone for the current task's next hint")}
		}
		return Result{}
	}
	t, n, err := l.ex.nextHint()
	if err != nil {
		return Result{Err: err}
	}
	if n > len(t.Hints) {
		return Result{Lines: []string{fmt.Sprintf("task %d has no more hints: type solution to see its solution", t.Number)}}
	}
	return Result{Lines: []string{fmt.Sprintf("hint %d of %d: %s", n, len(t.Hints), t.Hints[n-1])}}
}

// solution runs a solution line of a file. Alone, it shows the current
// task's solution lines; with --run, it runs them.
func (l *Lab) solution(ctx context.Context, c *Command) Result {
	if c.Inner != nil {
		return l.Exec(ctx, c.Inner)
	}
	t, err := l.ex.current()
	if err != nil {
		return Result{Err: err}
	}
	if !c.Bool("run") {
		out := []string{fmt.Sprintf("the solution of task %d:", t.Number)}
		for _, s := range t.Solution {
			out = append(out, "  "+s.Text)
		}
		return Result{Lines: append(out, "type solution --run to run it")}
	}
	var out []string
	for _, s := range t.Solution {
		out = append(out, "> "+s.Text)
		r := l.Exec(ctx, s)
		if r.Err != nil {
			r.Err = fmt.Errorf("%s: %v", s.Text, r.Err)
			if Fails(s, r) {
				return Result{Lines: out, Err: r.Err}
			}
			out = append(out, "  error: "+r.Err.Error())
			continue
		}
		for _, line := range r.Lines {
			out = append(out, "  "+line)
		}
	}
	return Result{Lines: out}
}

// explainLine shows nothing: the line itself is the explanation, which a
// transcript prints as it runs and the dashboard shows once the task is
// done.
func (l *Lab) explainLine(_ context.Context, c *Command) Result {
	if c.Task == nil {
		return Result{Err: errors.New("explain belongs in an exercise file, after a task's check")}
	}
	return Result{}
}

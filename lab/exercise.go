package lab

import (
	"errors"
	"fmt"
	"strings"
)

// Task is one task of an exercise, as a file writes it:
//
//	task TEXT          what the student is asked to do
//	hint TEXT          zero or more, shown one at a time on request
//	solution CMD       one or more: what the task expects
//	wait ... | expect  one or more: the check, which holds once it is done
//	explain TEXT       zero or more: what etcd did and why
//
// Headless, the solution lines run and the check keeps the usual wait
// deadline; in the dashboard the student does the task and the check is
// waited for without one.
type Task struct {
	// Line is the task line's number in the file.
	Line int
	// Text is what the student is asked to do.
	Text string
	// Number counts the tasks of the file from 1; Of is how many it has.
	Number, Of int
	Hints      []string
	// Solution holds the commands of the solution lines.
	Solution []*Command
	// Check holds the wait and expect lines that say the task is done.
	Check []*Command
	// Explain holds the explain lines.
	Explain []string
}

// IsCheck reports whether c is a line of its task's check.
func (c *Command) IsCheck() bool {
	if c.Task == nil {
		return false
	}
	for _, k := range c.Task.Check {
		if k == c {
			return true
		}
	}
	return false
}

// lastCheck reports whether c is the last line of its task's check.
func (c *Command) lastCheck() bool {
	return c.Task != nil && len(c.Task.Check) > 0 && c.Task.Check[len(c.Task.Check)-1] == c
}

// phase is where a line of an exercise file stands relative to a task.
type phase int

const (
	outside    phase = iota // not in a task: an ordinary scenario line
	asking                  // after a task line: its hints and solutions
	checking                // its wait and expect lines
	explaining              // its explain lines
)

// tasks groups the task, hint, solution, check and explain lines of a
// script into Tasks, setting each line's Task, and returns every misplaced
// line as a LineError.
func tasks(cmds []*Command) ([]*Task, []error) {
	var (
		out  []*Task
		errs []error
		cur  *Task
		at   = outside
	)
	bad := func(c *Command, format string, a ...any) {
		errs = append(errs, &LineError{Line: c.Line, Err: fmt.Errorf(format, a...)})
	}
	end := func() {
		if cur != nil && len(cur.Solution) == 0 {
			errs = append(errs, &LineError{Line: cur.Line, Err: errors.New("task has no solution: add solution CMD lines that do the task, so that etcdlab run can check the exercise")})
		}
		if cur != nil && len(cur.Check) == 0 {
			errs = append(errs, &LineError{Line: cur.Line, Err: errors.New("task has no check: after its solution lines, add the wait or expect lines that hold once the task is done")})
		}
		cur, at = nil, outside
	}
	for _, c := range cmds {
		switch {
		case c.Name == "task":
			end()
			cur, at = &Task{Line: c.Line, Text: c.Args[0]}, asking
			out = append(out, cur)
		case c.Name == "hint" || c.Name == "solution":
			switch {
			case at == outside:
				bad(c, "%s must follow a task line: task TEXT, then its hints and solutions, then its check", c.Name)
				continue
			case at != asking:
				bad(c, "%s after the task's check: hints and solutions go between the task line and its first wait or expect", c.Name)
				continue
			case c.Name == "hint" && len(c.Args) == 0:
				bad(c, "hint needs its text in an exercise file: hint TEXT")
			case c.Name == "solution" && c.Inner == nil:
				bad(c, "solution needs the command that does the task: solution CMD, e.g. solution kill etcd1")
			case c.Name == "hint":
				cur.Hints = append(cur.Hints, c.Args[0])
			default:
				c.Inner.Line = c.Line
				cur.Solution = append(cur.Solution, c.Inner)
			}
		case c.Name == "wait" || c.Name == "expect":
			if at != asking && at != checking {
				end()
				continue
			}
			cur.Check, at = append(cur.Check, c), checking
		case c.Name == "explain":
			if at != checking && at != explaining {
				bad(c, "explain must follow a task's check (its wait or expect lines)")
				continue
			}
			cur.Explain, at = append(cur.Explain, c.Args[0]), explaining
		default:
			if at == asking {
				bad(c, "%s cannot come between a task and its check: only hint and solution lines can; move it before the task line or after the check", c.Name)
				continue
			}
			end()
			continue
		}
		c.Task = cur
	}
	end()
	for i, t := range out {
		t.Number, t.Of = i+1, len(out)
	}
	return out, errs
}

// header returns the title and the description of a file: its first
// comment line, and the comment lines right after it joined into one.
func header(src string) (title, about string) {
	var lines []string
	for _, l := range strings.Split(src, "\n") {
		t, ok := strings.CutPrefix(strings.TrimSpace(l), "#")
		if !ok {
			break
		}
		lines = append(lines, strings.TrimSpace(t))
	}
	if len(lines) == 0 {
		return "", ""
	}
	return lines[0], strings.TrimSpace(strings.Join(lines[1:], " "))
}

// Explanation returns a task's explain lines as one paragraph.
func (t *Task) Explanation() string { return strings.Join(t.Explain, " ") }

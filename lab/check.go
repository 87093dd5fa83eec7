package lab

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// checkPoll is how often a task's check is tried again headless.
const checkPoll = 100 * time.Millisecond

// Try checks a line of a task's check once, without waiting: a wait's
// state against the cluster as it is now, or an expect's condition. It
// reports whether it holds, with the result to show: the state reached,
// or why it does not hold yet. When the task's last check line holds, the
// task is done. The dashboard tries a check on each status sample, so
// that it never blocks the commands the student types meanwhile; may do
// I/O (an expect reads etcd), so call it from a tea.Cmd.
func (l *Lab) Try(ctx context.Context, c *Command) (held bool, r Result) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			held, r = false, Result{Err: fmt.Errorf("internal error checking %q: %v (please report it)", c.Text, p)}
		}
		r.Took = time.Since(start)
		if held && c.lastCheck() {
			l.ex.finish(c.Task)
		}
	}()
	switch c.Name {
	case "wait":
		if c.Args[0] == "role" {
			if _, err := l.memberName(c.Args[1]); err != nil {
				return false, Result{Err: err}
			}
		}
		st := l.c.Status()
		if ok, text := waitHolds(st, c.Args, l.ex.fromTerm(st.Term)); ok {
			return true, Result{Lines: []string{text}}
		}
		return false, Result{Err: fmt.Errorf("not yet %s: %s", strings.Join(c.Args, " "), Health(st))}
	case "expect":
		res := l.Exec(ctx, c)
		return res.Err == nil, res
	}
	return false, Result{Err: fmt.Errorf("%q is not a check: a task is checked by wait and expect lines", c.Text)}
}

// await tries a check line until it holds, within the deadline a wait
// has headless: its --timeout, else DefaultWaitTimeout. An expect gets
// the same, so that a check of something that takes time to happen (a
// lease expiring) reads the same in a file as in the dashboard.
func (l *Lab) await(ctx context.Context, c *Command) Result {
	timeout := DefaultWaitTimeout
	if v, ok := c.Flag("timeout"); ok {
		timeout, _ = time.ParseDuration(v)
	}
	start := time.Now()
	for {
		held, r := l.Try(ctx, c)
		switch {
		case held && c.Name == "wait":
			r.Lines[0] = fmt.Sprintf("%s after %s", r.Lines[0], kit.Round(time.Since(start)))
			fallthrough
		case held:
			r.Took = time.Since(start)
			return r
		case time.Since(start) >= timeout:
			r.Err = fmt.Errorf("%v (still so after %s)", r.Err, timeout)
			r.Took = time.Since(start)
			return r
		}
		if !kit.Sleep(ctx, checkPoll) {
			return Result{Err: fmt.Errorf("%s interrupted", c.Text), Took: time.Since(start)}
		}
	}
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
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
		from := l.ex.fromTerm(leaderTerm(st))
		ok, text := waitHolds(st, c.Args, from)
		if ok {
			return true, Result{Lines: []string{text}}
		}
		return false, Result{Err: errors.New("not yet: " + notYet(st, c.Args, from, text))}
	case "expect":
		res := l.Exec(ctx, c)
		return res.Err == nil, res
	}
	return false, Result{Err: fmt.Errorf("%q is not a check: a task is checked by wait and expect lines", c.Text)}
}

// notYet says where the cluster stands on a wait's condition that does
// not hold yet.
func notYet(st cluster.Status, args []string, from uint64, text string) string {
	switch {
	case args[0] == "role":
		return text
	case args[0] == "new-leader" && st.Leader != "":
		return fmt.Sprintf("%s leads in term %d, not above term %d", st.Leader, leaderTerm(st), from)
	case args[0] == "new-leader" || args[0] == "leader":
		return "no leader"
	}
	return Health(st)
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
		case time.Since(start) >= timeout && c.Name == "wait":
			r.Err = fmt.Errorf("%s: %v, after %s", c.Text, r.Err, timeout)
			r.Took = time.Since(start)
			return r
		case time.Since(start) >= timeout:
			r.Err = fmt.Errorf("%v, after %s", r.Err, timeout)
			r.Took = time.Since(start)
			return r
		}
		if !kit.Sleep(ctx, checkPoll) {
			return Result{Err: fmt.Errorf("%s interrupted", c.Text), Took: time.Since(start)}
		}
	}
}

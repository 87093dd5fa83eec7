package lab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

func (l *Lab) wait(ctx context.Context, c *Command) Result {
	timeout := DefaultWaitTimeout
	if v, ok := c.Flag("timeout"); ok {
		timeout, _ = time.ParseDuration(v)
	}
	want := strings.Join(c.Args, " ")
	if c.Args[0] == "role" || c.Args[0] == "caught-up" {
		if _, err := l.memberName(c.Args[1]); err != nil {
			return Result{Err: err}
		}
	}
	start := time.Now()
	fromTerm := l.ex.fromTerm(leaderTerm(l.c.Status()))
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		st := l.c.Status()
		if ok, text := waitHolds(st, c.Args, fromTerm); ok {
			return Result{Lines: []string{fmt.Sprintf("%s after %s", text, kit.Round(time.Since(start)))}}
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return Result{Err: fmt.Errorf("wait %s: not reached within %s (%s)", want, timeout, Health(l.c.Status()))}
		case <-ctx.Done():
			return Result{Err: fmt.Errorf("wait %s interrupted", want)}
		}
	}
}

func waitHolds(st cluster.Status, args []string, fromTerm uint64) (bool, string) {
	switch args[0] {
	case "role":
		m, _ := st.Member(args[1])
		role := roleWord(m)
		want, _ := parseRoles(args[2])
		return contains(want, role), roleSays(args[1], role)
	case "leader":
		return st.Leader != "", fmt.Sprintf("leader %s in term %d", st.Leader, st.Term)
	case "new-leader":
		t := leaderTerm(st)
		return st.Leader != "" && t > fromTerm, fmt.Sprintf("new leader %s in term %d (was term %d)", st.Leader, t, fromTerm)
	case "caught-up":
		// Revision is etcd's own (KV().Rev()): the member applied every
		// write any member applied.
		m, _ := st.Member(args[1])
		return m.State.Running() && m.Revision == st.Revision, fmt.Sprintf("%s caught up: it applied revision %d, the highest of any member", args[1], m.Revision)
	case "quorum":
		return st.HasQuorum && st.Leader != "", fmt.Sprintf("quorum: %d of %d voters reachable, leader %s", st.Reachable, st.Voters, st.Leader)
	case "no-quorum":
		return !st.HasQuorum, fmt.Sprintf("no quorum: %d of %d voters reachable, %d needed", st.Reachable, st.Voters, st.Quorum)
	}
	return false, ""
}

func (l *Lab) expect(ctx context.Context, c *Command) Result {
	e := c.Expect
	st := l.c.Status()
	switch e.Kind {
	case "leader":
		if e.Member != "" {
			if _, err := l.memberName(e.Member); err != nil {
				return Result{Err: err}
			}
		}
		switch {
		case st.Leader == "":
			return Result{Err: errors.New("expected a leader, but the cluster has none")}
		case e.Member != "" && st.Leader != e.Member:
			return Result{Err: fmt.Errorf("expected leader %s, but the leader is %s", e.Member, st.Leader)}
		}
		return Result{Lines: []string{fmt.Sprintf("passed: leader is %s (term %d)", st.Leader, st.Term)}}
	case "role":
		m, ok := st.Member(e.Member)
		if !ok {
			_, err := l.memberName(e.Member)
			return Result{Err: err}
		}
		role := roleWord(m)
		if !contains(e.Want, role) {
			return Result{Err: fmt.Errorf("expected %s to be %s, but it is %s (%s)", e.Member, strings.Join(e.Want, " or "), role, m.State)}
		}
		return Result{Lines: []string{"passed: " + roleSays(e.Member, role)}}
	case "quorum":
		if !st.HasQuorum {
			return Result{Err: fmt.Errorf("expected quorum, but %d of %d voters are reachable and %d are needed", st.Reachable, st.Voters, st.Quorum)}
		}
		return Result{Lines: []string{"passed: " + Health(st)}}
	case "no-quorum":
		if st.HasQuorum {
			return Result{Err: fmt.Errorf("expected no quorum, but %d of %d voters are reachable and %d are needed", st.Reachable, st.Voters, st.Quorum)}
		}
		return Result{Lines: []string{"passed: " + Health(st)}}
	case "ok", "fail", "unknown", "equals":
		return l.expectCmd(ctx, e)
	}
	if x, ok := moreExpects[e.Kind]; ok {
		return x.run(l, ctx, e)
	}
	return Result{Err: fmt.Errorf("unknown expectation %q", e.Kind)}
}

// expectCmd runs the command of expect ok, fail, unknown or CMD == WORD...
// and judges its result, which names the member that served it.
func (l *Lab) expectCmd(ctx context.Context, e *Expectation) Result {
	r := l.Exec(ctx, e.Cmd)
	out := judge(e, r)
	out.Via = r.Via
	return out
}

// judge says whether a command's result r meets expectation e.
func judge(e *Expectation, r Result) Result {
	var u *OutcomeUnknownError
	switch {
	case e.Kind == "ok" && r.Err != nil:
		return Result{Err: fmt.Errorf("expected %q to succeed, but: %v", e.Cmd.Text, r.Err)}
	case e.Kind == "ok":
		return Result{Lines: append([]string{"passed: " + e.Cmd.Text + " succeeded"}, r.Lines...)}
	case e.Kind == "fail" && r.Err == nil:
		return Result{Err: fmt.Errorf("expected %q to fail, but it succeeded: %s", e.Cmd.Text, kit.OneLine(r.Lines))}
	case e.Kind == "fail":
		return Result{Lines: []string{"passed: " + e.Cmd.Text + " failed as expected: " + r.Err.Error()}}
	case e.Kind == "unknown" && r.Err == nil:
		return Result{Err: fmt.Errorf("expected the outcome of %q to be unknown, but it succeeded: %s", e.Cmd.Text, kit.OneLine(r.Lines))}
	case e.Kind == "unknown" && !errors.As(r.Err, &u):
		return Result{Err: fmt.Errorf("expected the outcome of %q to be unknown, but it surely was not applied: %v", e.Cmd.Text, r.Err)}
	case e.Kind == "unknown":
		return Result{Lines: []string{"passed: " + e.Cmd.Text + ": " + r.Err.Error()}}
	case r.Err != nil:
		return Result{Err: fmt.Errorf("expected %q to return %s, but: %v", e.Cmd.Text, words(e.Want), r.Err)}
	}
	got := r.Values
	if got == nil && e.Cmd.Name != "get" && e.Cmd.Name != "del" {
		got = strings.Fields(strings.Join(r.Lines, " "))
	}
	if !equal(got, e.Want) {
		return Result{Err: fmt.Errorf("expected %q to return %s, got %s", e.Cmd.Text, words(e.Want), words(got))}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %s == %s", e.Cmd.Text, words(got))}}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func words(ws []string) string {
	if len(ws) == 0 {
		return "nothing"
	}
	return joinWords(ws)
}

func checkWait(c *Command) error {
	if c.Args[0] == "role" {
		if len(c.Args) != 3 {
			return errors.New("wait role takes a member and a role: wait role NAME " + strings.Join(roleWords, "|"))
		}
		if _, err := parseRoles(c.Args[2]); err != nil {
			return fmt.Errorf("wait role: %v", err)
		}
		return nil
	}
	if c.Args[0] == "caught-up" {
		if len(c.Args) != 2 {
			return errors.New("wait caught-up takes a member: wait caught-up NAME")
		}
		return nil
	}
	if len(c.Args) > 1 {
		return fmt.Errorf("wait %s takes no more arguments: %s", c.Args[0], waitUsage)
	}
	switch c.Args[0] {
	case "leader", "new-leader", "quorum", "no-quorum":
		return nil
	}
	return fmt.Errorf("wait for what? %q is not a state: %s", c.Args[0], waitUsage)
}

// roleWord returns a member's role as wait role and expect role name it:
// leader, follower, no-leader, learner, or down when it does not run.
func roleWord(m cluster.MemberStatus) string {
	switch {
	case !m.State.Running():
		return "down"
	case m.Role == cluster.RoleNoLeader:
		return "no-leader"
	}
	return m.Role.String()
}

// roleSays says that a member has a role, in words.
func roleSays(name, role string) string {
	if role == "no-leader" {
		return name + " knows no leader"
	}
	return name + " is " + role
}

// parseRoles reads ROLE[|ROLE...]. candidate, the word before no-leader,
// still reads as no-leader: etcd's embed API tells only that a member
// knows no leader, not that it campaigns.
func parseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, "|") {
		if r == "candidate" {
			r = "no-leader"
		}
		if !contains(roleWords, r) {
			return nil, fmt.Errorf("%q is not a role: use leader, follower, no-leader, learner or down (join alternatives with |)", r)
		}
		out = append(out, r)
	}
	return out, nil
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/etcdlab/etcdlab/lab/internal/kit"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// exerciseExpects are the conditions of expect that exercises check: what
// the student did (kills, first-killed), what the cluster tolerates, and a
// stale read. Each works outside an exercise too.
var exerciseExpects = map[string]expectSpec{
	"kills":        {usage: "kills <=|== N", parse: parseKills, run: (*Lab).expectKills},
	"first-killed": {usage: "first-killed ROLE[|ROLE]", parse: parseFirstKilled, run: (*Lab).expectFirstKilled},
	"tolerates":    {usage: "tolerates N", parse: parseCount("tolerates"), run: (*Lab).expectTolerates},
	"voters":       {usage: "voters N", parse: parseCount("voters"), run: (*Lab).expectVoters},
	"stale-read":   {usage: "stale-read NAME KEY", parse: parseStaleRead, run: (*Lab).expectStaleRead},
}

func parseKills(e *Expectation, args []string) error {
	if len(args) != 2 || (args[0] != "<=" && args[0] != "==") {
		return errors.New("expect kills compares the members killed or stopped since the task began: expect kills <= N, or expect kills == N")
	}
	if n, err := strconv.Atoi(args[1]); err != nil || n < 0 {
		return fmt.Errorf("expect kills: %q is not a count: write a whole number, e.g. expect kills <= 2", args[1])
	}
	e.Want = args
	return nil
}

func parseFirstKilled(e *Expectation, args []string) error {
	if len(args) != 1 {
		return errors.New("expect first-killed takes a role: expect first-killed down (or leader|follower|no-leader|learner, joined with |)")
	}
	roles, err := parseRoles(args[0])
	if err != nil {
		return fmt.Errorf("expect first-killed: %v", err)
	}
	e.Want = roles
	return nil
}

func parseCount(name string) func(e *Expectation, args []string) error {
	return func(e *Expectation, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("expect %s takes a number: expect %s N", name, name)
		}
		if n, err := strconv.Atoi(args[0]); err != nil || n < 0 {
			return fmt.Errorf("expect %s: %q is not a count: write a whole number, e.g. expect %s 1", name, args[0], name)
		}
		e.Want = args
		return nil
	}
}

func parseStaleRead(e *Expectation, args []string) error {
	if len(args) != 2 {
		return errors.New("expect stale-read takes a member and a key: expect stale-read NAME KEY")
	}
	e.Member, e.Want = args[0], args[1:]
	return nil
}

func (l *Lab) expectKills(_ context.Context, e *Expectation) Result {
	want, _ := strconv.Atoi(e.Want[1])
	got := l.ex.killsSince()
	n := len(got)
	if (e.Want[0] == "<=" && n > want) || (e.Want[0] == "==" && n != want) {
		return Result{Err: fmt.Errorf("expected kills %s %d, but %d member%s went down since the task began (%s)", e.Want[0], want, n, kit.Plural(n), words(got))}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %d member%s killed or stopped since the task began (%s)", n, kit.Plural(n), words(got))}}
}

func (l *Lab) expectFirstKilled(_ context.Context, e *Expectation) Result {
	name, err := l.ex.firstKilled()
	if err != nil {
		return Result{Err: fmt.Errorf("expected the first member killed to be %s, but %v", strings.Join(e.Want, " or "), err)}
	}
	m, ok := l.c.Status().Member(name)
	role := "removed"
	if ok {
		role = roleWord(m)
	}
	if !contains(e.Want, role) {
		return Result{Err: fmt.Errorf("expected %s, the first member killed, to be %s, but it is %s", name, strings.Join(e.Want, " or "), role)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %s, the first member killed, is %s", name, role)}}
}

func (l *Lab) expectTolerates(_ context.Context, e *Expectation) Result {
	want, _ := strconv.Atoi(e.Want[0])
	st := l.c.Status()
	if !st.HasQuorum {
		return Result{Err: fmt.Errorf("expected the cluster to tolerate %d more failure%s, but it has no quorum: %s", want, kit.Plural(want), Health(st))}
	}
	if st.Tolerates != want {
		return Result{Err: fmt.Errorf("expected the cluster to tolerate %d more failure%s, but it tolerates %d: %s", want, kit.Plural(want), st.Tolerates, Health(st))}
	}
	return Result{Lines: []string{"passed: " + Health(st)}}
}

func (l *Lab) expectVoters(_ context.Context, e *Expectation) Result {
	want, _ := strconv.Atoi(e.Want[0])
	st := l.c.Status()
	if st.Voters != want {
		return Result{Err: fmt.Errorf("expected %d voting members, but there are %d (quorum %d)", want, st.Voters, st.Quorum)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %d voting members, quorum %d", st.Voters, st.Quorum)}}
}

// expectStaleRead reads KEY on NAME with a serializable read, then through
// the leader with a linearizable one, and passes if NAME's answer is older.
// The serializable read goes first: the linearizable one then reflects at
// least every write applied anywhere before it, so any difference means
// NAME is behind.
func (l *Lab) expectStaleRead(ctx context.Context, e *Expectation) Result {
	name, key := e.Member, e.Want[0]
	if _, err := l.memberName(name); err != nil {
		return Result{Err: err}
	}
	lead := l.c.Status().Leader
	if lead == "" || lead == name {
		return Result{Err: fmt.Errorf("expected a stale read on %s, but there is no leader other than %s to read the current %s from", name, name, key)}
	}
	old, err := l.readOne(ctx, name, key, true)
	if err != nil {
		return Result{Err: fmt.Errorf("expected a stale read on %s, but its serializable read failed: %v", name, err)}
	}
	now, err := l.readOne(ctx, lead, key, false)
	if err != nil {
		return Result{Err: fmt.Errorf("expected a stale read on %s, but the linearizable read through %s failed: %v", name, lead, err)}
	}
	if old == now {
		return Result{Err: fmt.Errorf("expected a stale read on %s, but it serves the current %s", name, now)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %s serves %s (serializable), the cluster %s (linearizable, through %s)", name, old, now, lead)}}
}

// readOne reads key through one member and describes what it found, e.g.
// "color=blue (mod revision 4)" or "no color".
func (l *Lab) readOne(ctx context.Context, member, key string, serializable bool) (string, error) {
	cli, _, err := l.client(member)
	if err != nil {
		return "", err
	}
	var opts []clientv3.OpOption
	if serializable {
		opts = append(opts, clientv3.WithSerializable())
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	resp, err := cli.Get(cctx, key, opts...)
	if err != nil {
		return "", l.explain(err, member)
	}
	if len(resp.Kvs) == 0 {
		return "no " + Printable([]byte(key)), nil
	}
	kv := resp.Kvs[0]
	return fmt.Sprintf("%s=%s (mod revision %d)", Printable(kv.Key), Printable(kv.Value), kv.ModRevision), nil
}

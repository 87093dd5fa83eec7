package lab

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
)

// netCommands act on the network between members, one direction at a
// time: cut, delay and loss on a directed link, and net, which shows what
// crosses each link. FROM and TO are member names or all.
var netCommands = map[string]spec{
	"cut": {usage: "cut FROM TO", summary: "drop every Raft message FROM -> TO, one way (FROM, TO: member names or all); heal lifts it",
		minArgs: 2, maxArgs: 2, check: checkLinkArgs, run: marked((*Lab).cut)},
	"delay": {usage: "delay FROM TO D [JITTER]", summary: "hold every Raft message FROM -> TO for D ± JITTER, in order, e.g. delay etcd1 etcd3 50ms 20ms; delay FROM TO 0 removes it",
		minArgs: 3, maxArgs: 4, check: checkDelay, run: marked((*Lab).delay)},
	"loss": {usage: "loss FROM TO P%", summary: "drop P% of the Raft messages FROM -> TO at random, e.g. loss all all 20%; loss FROM TO 0% removes it",
		minArgs: 3, maxArgs: 3, check: checkLoss, run: marked((*Lab).loss)},
	"net": {usage: "net", summary: "every directed link over the last second: Raft messages, appends, bytes and drops per second, open streams, and its rule (cut, delay, loss)",
		run: (*Lab).net},
}

// netExpects are the conditions of expect about terms and the network.
var netExpects = map[string]expectSpec{
	"term":           {usage: "term NAME ==|!=|<|>|<=|>= T|NAME", parse: parseTermExpect, run: (*Lab).expectTerm},
	"term-unchanged": {usage: "term-unchanged", parse: noArgs("term-unchanged"), run: (*Lab).expectTermUnchanged},
	"delivered":      {usage: "delivered FROM TO [KIND] ==|!=|<|>|<=|>= N", parse: parseDelivered, run: (*Lab).expectDelivered},
}

// checkLinkArgs checks the FROM TO of a link command: a link needs two
// ends.
func checkLinkArgs(c *Command) error {
	if from, to := c.Args[0], c.Args[1]; from == to && from != network.All {
		return fmt.Errorf("%s: %s -> %s is no link: a member always reaches itself; name two different members, or all", c.Name, from, to)
	}
	return nil
}

func checkDelay(c *Command) error {
	if err := checkLinkArgs(c); err != nil {
		return err
	}
	for i, what := range []string{"delay", "jitter"} {
		if len(c.Args) > 2+i {
			if _, err := parseLinkDelay(what, c.Args[2+i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseLinkDelay reads a delay or a jitter: a duration from 0 to a minute.
func parseLinkDelay(what, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("delay: %s %q is not a duration: write e.g. 50ms or 1s", what, v)
	case d < 0:
		return 0, fmt.Errorf("delay: %s %s is negative: give how long each message waits, from 0 to %s", what, v, network.MaxDelay)
	case d > network.MaxDelay:
		return 0, fmt.Errorf("delay: %s %s is more than a minute: a link that slow is as good as cut (use cut FROM TO), or give up to %s", what, v, network.MaxDelay)
	}
	return d, nil
}

func checkLoss(c *Command) error {
	if err := checkLinkArgs(c); err != nil {
		return err
	}
	_, err := parsePercent(c.Args[2])
	return err
}

// parsePercent reads a loss such as 20% (the % may be left out).
func parsePercent(v string) (float64, error) {
	p, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("loss: %q is not a percentage: write e.g. 20%%", v)
	case !(p >= 0 && p <= 100):
		return 0, fmt.Errorf("loss: %s is outside 0-100%%: give the share of messages to drop, e.g. 20%%", v)
	}
	return p, nil
}

// linkEnds resolves the FROM and TO of a link command to member names or
// all.
func (l *Lab) linkEnds(c *Command) (from, to string, err error) {
	ends := [2]string{}
	for i, a := range c.Args[:2] {
		if a == network.All {
			ends[i] = a
			continue
		}
		if ends[i], err = l.memberName(a); err != nil {
			return "", "", fmt.Errorf("%v, or all", err)
		}
	}
	return ends[0], ends[1], nil
}

func (l *Lab) cut(_ context.Context, c *Command) Result {
	from, to, err := l.linkEnds(c)
	if err != nil {
		return Result{Err: err}
	}
	return done(l.c.Cut(from, to))
}

func (l *Lab) delay(_ context.Context, c *Command) Result {
	from, to, err := l.linkEnds(c)
	if err != nil {
		return Result{Err: err}
	}
	d, _ := parseLinkDelay("delay", c.Args[2])
	var jitter time.Duration
	if len(c.Args) == 4 {
		jitter, _ = parseLinkDelay("jitter", c.Args[3])
	}
	return done(l.c.Delay(from, to, d, jitter))
}

func (l *Lab) loss(_ context.Context, c *Command) Result {
	from, to, err := l.linkEnds(c)
	if err != nil {
		return Result{Err: err}
	}
	p, _ := parsePercent(c.Args[2])
	return done(l.c.Loss(from, to, p))
}

func (l *Lab) net(context.Context, *Command) Result {
	s, err := l.c.NetStats()
	if err != nil {
		return Result{Err: err}
	}
	return Result{Lines: NetTable(s)}
}

// NetTable renders every directed link's last second and its rule.
func NetTable(s cluster.NetStats) []string {
	out := []string{fmt.Sprintf("%-16s %6s %6s %8s %6s %7s  %s", "LINK", "MSG/S", "APP/S", "BYTES/S", "DROP/S", "STREAMS", "RULE")}
	for _, ls := range s.Links {
		rule := ls.Rule.String()
		if rule == "" {
			rule = "-"
		}
		if ls.LastSecond.Refused > 0 {
			rule += fmt.Sprintf(" (refused %d/s)", ls.LastSecond.Refused)
		}
		out = append(out, fmt.Sprintf("%-16s %6d %6d %8s %6d %7d  %s", ls.From+" -> "+ls.To, ls.LastSecond.Total(),
			ls.LastSecond.Messages[network.KindApp], Bytes(int64(ls.LastSecond.Bytes)), ls.LastSecond.Drops, ls.Streams, rule))
	}
	if u := s.Unattributed; len(u.Requests) > 0 {
		paths := make([]string, 0, len(u.Requests))
		for p := range u.Requests {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		parts := make([]string, len(paths))
		for i, p := range paths {
			parts[i] = fmt.Sprintf("%s %d", p, u.Requests[p])
		}
		out = append(out, fmt.Sprintf("peer requests no relay could attribute (no sender header, no member certificate), in all: %s; refused %d", strings.Join(parts, ", "), u.Refused))
	}
	return out
}

// marked runs a fault command and, if it succeeds, marks the cluster as it
// is then: expect term-unchanged and expect delivered count from there.
func marked(run func(*Lab, context.Context, *Command) Result) func(*Lab, context.Context, *Command) Result {
	return func(l *Lab, ctx context.Context, c *Command) Result {
		r := run(l, ctx, c)
		if r.Err == nil {
			l.setMark(c.Text)
		}
		return r
	}
}

// mark is the cluster as it was after the last fault command.
type mark struct {
	// command is the fault command, "" for the lab's start.
	command string
	// term is the highest Raft term any member was known to be in.
	term  uint64
	stats cluster.NetStats
}

func (l *Lab) setMark(command string) {
	m := mark{command: command, term: raftTerm(l.c.Status())}
	m.stats, _ = l.c.NetStats()
	l.markMu.Lock()
	l.mark = m
	l.markMu.Unlock()
}

func (l *Lab) lastMark() mark {
	l.markMu.Lock()
	defer l.markMu.Unlock()
	return l.mark
}

// since says from when a condition counts.
func (m mark) since() string {
	if m.command == "" {
		return "since the lab started"
	}
	return "since " + m.command
}

// memberTerm is the Raft term a member is known to be in: the term of the
// last entry it applied (etcd's Term(), which lags a new term until an
// entry of it is applied) or, if higher, the term its messages carry.
func memberTerm(m cluster.MemberStatus) uint64 { return max(m.Term, m.SentTerm) }

// leaderTerm is the Raft term of the status's leader as far as it is
// known: the term of its last applied entry or, if higher, the term of the
// messages it sends. A new leader's heartbeats carry its term before it has
// applied the first entry of it, which etcd's Term() waits for.
func leaderTerm(st cluster.Status) uint64 {
	if m, ok := st.Member(st.Leader); ok && st.Leader != "" {
		return max(st.Term, memberTerm(m))
	}
	return st.Term
}

// raftTerm is the highest Raft term any member is known to be in.
func raftTerm(st cluster.Status) uint64 {
	var t uint64
	for _, m := range st.Members {
		t = max(t, memberTerm(m))
	}
	return t
}

var compareOps = []string{"==", "!=", "<", ">", "<=", ">="}

func compare(a uint64, op string, b uint64) bool {
	switch op {
	case "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case ">":
		return a > b
	case "<=":
		return a <= b
	}
	return a >= b
}

func parseTermExpect(e *Expectation, args []string) error {
	if len(args) != 3 || !contains(compareOps, args[1]) {
		return fmt.Errorf("expect term takes a member, a comparison and a term or another member: expect term etcd3 == 2, expect term etcd3 == etcd1")
	}
	e.Member, e.Want = args[0], args[1:]
	return nil
}

func (l *Lab) expectTerm(_ context.Context, e *Expectation) Result {
	name, err := l.memberName(e.Member)
	if err != nil {
		return Result{Err: err}
	}
	st := l.c.Status()
	m, _ := st.Member(name)
	op, want := e.Want[0], e.Want[1]
	t, err := strconv.ParseUint(want, 10, 64)
	if err != nil {
		other, oerr := l.memberName(want)
		if oerr != nil {
			return Result{Err: fmt.Errorf("expect term: %q is neither a term nor a member: %v", want, oerr)}
		}
		o, _ := st.Member(other)
		t, want = memberTerm(o), fmt.Sprintf("%s's term %d", other, memberTerm(o))
	}
	got := memberTerm(m)
	if !compare(got, op, t) {
		return Result{Err: fmt.Errorf("expected %s's term %s %s, but it is %d", name, op, want, got)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %s's term is %d (%s %s)", name, got, op, want)}}
}

func (l *Lab) expectTermUnchanged(context.Context, *Expectation) Result {
	m := l.lastMark()
	st := l.c.Status()
	now := raftTerm(st)
	if now != m.term {
		who := ""
		for _, ms := range st.Members {
			if memberTerm(ms) == now {
				who = ms.Name
				break
			}
		}
		return Result{Err: fmt.Errorf("expected the term to stay %d %s, but %s is in term %d", m.term, m.since(), who, now)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: no member moved past term %d %s", now, m.since())}}
}

// parseDelivered reads FROM TO [KIND] OP N.
func parseDelivered(e *Expectation, args []string) error {
	usage := "expect delivered takes a link, an optional message kind, a comparison and a count: expect delivered etcd1 etcd3 == 0, expect delivered etcd3 all MsgPreVote > 0"
	if len(args) != 4 && len(args) != 5 {
		return fmt.Errorf("%s", usage)
	}
	op, n := args[len(args)-2], args[len(args)-1]
	if !contains(compareOps, op) {
		return fmt.Errorf("%s", usage)
	}
	if _, err := strconv.ParseUint(n, 10, 64); err != nil {
		return fmt.Errorf("expect delivered: %q is not a count: write a whole number like 0 or 10", n)
	}
	if args[0] == args[1] && args[0] != network.All {
		return fmt.Errorf("expect delivered: %s -> %s is no link: name two different members, or all", args[0], args[1])
	}
	if len(args) == 5 {
		if _, err := parseKind(args[2]); err != nil {
			return err
		}
	}
	e.Want = args
	return nil
}

// parseKind reads a Raft message kind: MsgApp, MsgHeartbeat, MsgPreVote...
// (case does not matter, Msg may be left out).
func parseKind(s string) (network.Kind, error) {
	var names []string
	for k := network.Kind(0); k < network.NumKinds; k++ {
		name := k.String()
		if strings.EqualFold(name, s) || strings.EqualFold(name, "Msg"+s) {
			return k, nil
		}
		names = append(names, name)
	}
	return 0, fmt.Errorf("expect delivered: %q is not a kind of Raft message: use one of %s", s, strings.Join(names, ", "))
}

func (l *Lab) expectDelivered(_ context.Context, e *Expectation) Result {
	c := &Command{Args: e.Want[:2]}
	from, to, err := l.linkEnds(c)
	if err != nil {
		return Result{Err: err}
	}
	kind, what := network.NumKinds, "Raft messages"
	if len(e.Want) == 5 {
		kind, _ = parseKind(e.Want[2])
		what = kind.String() + " messages"
	}
	op := e.Want[len(e.Want)-2]
	want, _ := strconv.ParseUint(e.Want[len(e.Want)-1], 10, 64)
	now, err := l.c.NetStats()
	if err != nil {
		return Result{Err: err}
	}
	m := l.lastMark()
	got := delivered(now, from, to, kind) - delivered(m.stats, from, to, kind)
	link := from + " -> " + to
	if !compare(got, op, want) {
		return Result{Err: fmt.Errorf("expected %s to deliver %s %d %s %s, but it delivered %d", link, op, want, what, m.since(), got)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %s delivered %d %s %s (%s %d)", link, got, what, m.since(), op, want)}}
}

// delivered counts the messages of kind (all kinds for NumKinds) delivered
// on the links from -> to, either of which may be all.
func delivered(s cluster.NetStats, from, to string, kind network.Kind) uint64 {
	var n uint64
	for _, ls := range s.Links {
		if (from != network.All && ls.From != from) || (to != network.All && ls.To != to) {
			continue
		}
		if kind == network.NumKinds {
			n += ls.Total.Total()
		} else {
			n += ls.Total.Messages[kind]
		}
	}
	return n
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// writeExpects are the conditions of expect about the network and about
// the writes the student sent: a link's rule, how many writes ended with an
// unknown outcome, and how long the last write through a member took. Each
// counts since the task began, or since the lab started outside a task.
var writeExpects = map[string]expectSpec{
	"link":           {usage: "link FROM TO cut|delay|loss|none", parse: parseLink, run: (*Lab).expectLink},
	"unknown-writes": {usage: "unknown-writes >=|== N", parse: parseUnknownWrites, run: (*Lab).expectUnknownWrites},
	"write-took":     {usage: "write-took NAME >=|< D", parse: parseWriteTook, run: (*Lab).expectWriteTook},
}

var linkRules = []string{"cut", "delay", "loss", "none"}

func parseLink(e *Expectation, args []string) error {
	if len(args) != 3 || !contains(linkRules, args[2]) {
		return errors.New("expect link takes two members and what the link from the first to the second has: expect link etcd1 etcd3 cut (or delay, loss, none)")
	}
	if args[0] == args[1] {
		return fmt.Errorf("expect link: %s -> %s is no link: name two different members", args[0], args[1])
	}
	e.Want = args
	return nil
}

func (l *Lab) expectLink(_ context.Context, e *Expectation) Result {
	var ends [2]string
	for i, a := range e.Want[:2] {
		n, err := l.memberName(a)
		if err != nil {
			return Result{Err: err}
		}
		ends[i] = n
	}
	want := e.Want[2]
	var rule cluster.LinkRule
	for _, r := range l.c.Status().Rules {
		if r.From == ends[0] && r.To == ends[1] {
			rule = r
		}
	}
	has := map[string]bool{"cut": rule.Cut, "delay": rule.Delay > 0 || rule.Jitter > 0, "loss": rule.Loss > 0, "none": rule.IsZero()}
	link := ends[0] + " -> " + ends[1]
	now := rule.Rule.String()
	if rule.IsZero() {
		now = "no rule"
	}
	if !has[want] {
		return Result{Err: fmt.Errorf("expected %s to have %s, but it has %s", link, ruleWord(want), now)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %s has %s", link, now)}}
}

func ruleWord(w string) string {
	if w == "none" {
		return "no rule"
	}
	return "a " + w
}

func parseUnknownWrites(e *Expectation, args []string) error {
	if len(args) != 2 || (args[0] != ">=" && args[0] != "==") {
		return errors.New("expect unknown-writes counts the writes whose outcome was unknown since the task began: expect unknown-writes >= N, or == N")
	}
	if n, err := strconv.Atoi(args[1]); err != nil || n < 0 {
		return fmt.Errorf("expect unknown-writes: %q is not a count: write a whole number, e.g. expect unknown-writes >= 1", args[1])
	}
	e.Want = args
	return nil
}

func (l *Lab) expectUnknownWrites(_ context.Context, e *Expectation) Result {
	want, _ := strconv.Atoi(e.Want[1])
	var got []string
	for _, w := range l.ex.writesSince() {
		if w.unknown {
			got = append(got, w.text)
		}
	}
	n := len(got)
	if !compare(uint64(n), e.Want[0], uint64(want)) {
		return Result{Err: fmt.Errorf("expected unknown-writes %s %d, but %d write%s ended with an unknown outcome %s", e.Want[0], want, n, kit.Plural(n), l.ex.since())}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %d write%s ended with an unknown outcome %s (%s)", n, kit.Plural(n), l.ex.since(), words(got))}}
}

func parseWriteTook(e *Expectation, args []string) error {
	if len(args) != 3 || (args[1] != ">=" && args[1] != "<") {
		return errors.New("expect write-took takes a member, >= or <, and a duration: expect write-took etcd3 >= 1s")
	}
	if err := durationValue(args[2]); err != nil {
		return fmt.Errorf("expect write-took: %v", err)
	}
	e.Member, e.Want = args[0], args[1:]
	return nil
}

// expectWriteTook checks the last write through a member that etcd
// answered, since the task began.
func (l *Lab) expectWriteTook(_ context.Context, e *Expectation) Result {
	name, err := l.memberName(e.Member)
	if err != nil {
		return Result{Err: err}
	}
	op := e.Want[0]
	d, _ := time.ParseDuration(e.Want[1])
	var last *sentWrite
	for _, w := range l.ex.writesSince() {
		if w.via == name && !w.failed {
			last = &w
		}
	}
	if last == nil {
		return Result{Err: fmt.Errorf("expected a write through %s that took %s %s, but no write through %s succeeded %s", name, op, d, name, l.ex.since())}
	}
	took := last.took.Round(time.Millisecond)
	if (op == ">=" && last.took < d) || (op == "<" && last.took >= d) {
		return Result{Err: fmt.Errorf("expected the last write through %s to take %s %s, but %q took %s", name, op, d, last.text, took)}
	}
	return Result{Lines: []string{fmt.Sprintf("passed: %q through %s took %s (%s %s)", last.text, name, took, op, d)}}
}

package lab

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/etcdlab/etcdlab/lab/workload"
)

// workloadCommands are the commands that drive the lab's workload: the
// load generator, the check of its history, and chaos.
var workloadCommands = map[string]spec{
	"load start": {usage: "load start [--clients C] [--rate R] [--keys K] [--read-ratio X] [--consistency=l|s]",
		summary: fmt.Sprintf("run a background load of puts and gets, recorded for check (default %d clients, %d ops/s, %d keys, %.1f reads); --consistency=s reads serializably, which check can catch",
			workload.DefaultClients, workload.DefaultRate, workload.DefaultKeys, workload.DefaultReadRatio),
		values: map[string]func(string) error{
			"clients":     intValue("--clients", 1, workload.MaxClients),
			"rate":        intValue("--rate", 1, workload.MaxRate),
			"keys":        intValue("--keys", 1, workload.MaxKeys),
			"read-ratio":  ratioValue,
			"consistency": consistencyValue,
		}, run: (*Lab).loadStart},
	"load stop":   {usage: "load stop", summary: "stop the load and summarize it: operations, failures, availability windows", run: (*Lab).loadStop},
	"load status": {usage: "load status", summary: "the load's last second, totals and availability windows", run: (*Lab).loadStatus},
	"check": {usage: "check [--html FILE] [--timeout D]",
		summary: "check the last load (after load stop): linearizability (porcupine), lost writes, members' revision and KV hash; --html writes porcupine's visualization",
		values:  map[string]func(string) error{"html": anyValue, "timeout": durationValue}, run: (*Lab).check},
	// chaos is the nemesis: random faults, as Jepsen injects them.
	"chaos": {usage: "chaos [--rounds N] [--seed S] [--interval D]",
		summary: fmt.Sprintf("N random faults, one every D (default %d, %s): kill, restart, isolate, one member's links cut, delayed or lossy one way (cut/delay/loss X all or all X), or heal, never more than a minority down or impaired; ends with the network healed and every member up; prints its seed for replay",
			workload.DefaultChaosRounds, workload.DefaultChaosInterval),
		values: map[string]func(string) error{
			"rounds":   intValue("--rounds", 1, workload.MaxChaosRounds),
			"seed":     seedValue,
			"interval": durationValue,
		}, run: (*Lab).chaos},
}

// workloadExpects are the conditions of expect about the last load.
var workloadExpects = map[string]expectSpec{
	"linearizable":   {usage: "linearizable", parse: noArgs("linearizable"), run: (*Lab).expectLinearizable},
	"no-lost-writes": {usage: "no-lost-writes", parse: noArgs("no-lost-writes"), run: (*Lab).expectNoLostWrites},
	"members-agree":  {usage: "members-agree", parse: noArgs("members-agree"), run: (*Lab).expectMembersAgree},
	"unavailable":    {usage: "unavailable < D", parse: parseUnavailable, run: (*Lab).expectUnavailable},
}

func intValue(flag string, lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%s must be a whole number from %d to %d, not %q", flag, lo, hi, v)
		}
		return nil
	}
}

func ratioValue(v string) error {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || x > 1 {
		return fmt.Errorf("--read-ratio must be a number from 0 to 1 (the share of reads), not %q", v)
	}
	return nil
}

func seedValue(v string) error {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("--seed must be a whole number, not %q", v)
	}
	return nil
}

func noArgs(kind string) func(*Expectation, []string) error {
	return func(_ *Expectation, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("expect %s takes no arguments", kind)
		}
		return nil
	}
}

func parseUnavailable(e *Expectation, args []string) error {
	if len(args) != 2 || args[0] != "<" {
		return errors.New("expect unavailable needs a bound: expect unavailable < 3s")
	}
	if err := durationValue(args[1]); err != nil {
		return err
	}
	e.Want = args
	return nil
}

func intFlag(c *Command, name string, def int) int {
	if v, ok := c.Flag(name); ok {
		n, _ := strconv.Atoi(v)
		return n
	}
	return def
}

func durationFlag(c *Command, name string, def time.Duration) time.Duration {
	if v, ok := c.Flag(name); ok {
		d, _ := time.ParseDuration(v)
		return d
	}
	return def
}

// result makes a command's result of a workload's lines and error.
func result(lines []string, err error) Result { return Result{Lines: lines, Err: err} }

// passed makes the result of an expectation that a workload judged.
func passed(line string, err error) Result {
	if err != nil {
		return Result{Err: err}
	}
	return Result{Lines: []string{"passed: " + line}}
}

// LoadStats returns a snapshot of the current or last load. It never waits
// on etcd, so a UI may call it on every frame.
func (l *Lab) LoadStats() workload.LoadStats { return l.work.LoadStats() }

func (l *Lab) loadStart(_ context.Context, c *Command) Result {
	ratio := workload.DefaultReadRatio
	if v, ok := c.Flag("read-ratio"); ok {
		ratio, _ = strconv.ParseFloat(v, 64)
	}
	consistency, _ := c.Flag("consistency")
	return result(l.work.StartLoad(workload.LoadConfig{
		Clients:      intFlag(c, "clients", workload.DefaultClients),
		Rate:         intFlag(c, "rate", workload.DefaultRate),
		Keys:         intFlag(c, "keys", workload.DefaultKeys),
		ReadRatio:    ratio,
		Serializable: consistency == "s",
	}))
}

func (l *Lab) loadStop(context.Context, *Command) Result   { return result(l.work.StopLoad()) }
func (l *Lab) loadStatus(context.Context, *Command) Result { return result(l.work.LoadStatus()) }

func (l *Lab) check(ctx context.Context, c *Command) Result {
	html, _ := c.Flag("html")
	return result(l.work.Check(ctx, durationFlag(c, "timeout", workload.DefaultCheckTimeout), html))
}

func (l *Lab) chaos(ctx context.Context, c *Command) Result {
	seed := rand.Int64N(1_000_000)
	if v, ok := c.Flag("seed"); ok {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	return result(l.work.Chaos(ctx, workload.ChaosConfig{
		Rounds:   intFlag(c, "rounds", workload.DefaultChaosRounds),
		Interval: durationFlag(c, "interval", workload.DefaultChaosInterval),
		Seed:     seed,
	}, host{l}))
}

func (l *Lab) expectLinearizable(ctx context.Context, _ *Expectation) Result {
	return passed(l.work.ExpectLinearizable(ctx))
}

func (l *Lab) expectNoLostWrites(ctx context.Context, _ *Expectation) Result {
	return passed(l.work.ExpectNoLostWrites(ctx))
}

func (l *Lab) expectMembersAgree(ctx context.Context, _ *Expectation) Result {
	ls, err := l.work.ExpectMembersAgree(ctx)
	if err != nil {
		return Result{Err: err}
	}
	ls[0] = "passed: " + ls[0]
	return Result{Lines: ls}
}

func (l *Lab) expectUnavailable(_ context.Context, e *Expectation) Result {
	bound, _ := time.ParseDuration(e.Want[1])
	return passed(l.work.ExpectUnavailable(bound))
}

// host is the lab as its workload sees it: where notes go, how a client
// error reads, and how chaos injects faults (as the commands of the same
// name do).
type host struct{ l *Lab }

func (h host) Note(source, text string)               { h.l.note(source, text) }
func (h host) Explain(err error, member string) error { return h.l.explain(err, member) }

func (h host) Kill(_ context.Context, name string) error    { return h.l.c.Kill(name) }
func (h host) Isolate(_ context.Context, name string) error { return h.l.c.Isolate(name) }
func (h host) Restart(ctx context.Context, name string) error {
	return h.l.restartMember(ctx, name)
}
func (h host) Heal(context.Context) error                   { return h.l.c.Heal("") }
func (h host) Cut(_ context.Context, from, to string) error { return h.l.c.Cut(from, to) }
func (h host) Delay(_ context.Context, from, to string, d, jitter time.Duration) error {
	return h.l.c.Delay(from, to, d, jitter)
}
func (h host) Loss(_ context.Context, from, to string, percent float64) error {
	return h.l.c.Loss(from, to, percent)
}

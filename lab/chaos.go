package lab

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

const (
	defaultChaosRounds   = 10
	defaultChaosInterval = time.Second
	maxChaosRounds       = 1000
)

// chaosCommands hold the nemesis: random faults, as Jepsen injects them.
var chaosCommands = map[string]spec{
	"chaos": {usage: "chaos [--rounds N] [--seed S] [--interval D]",
		summary: fmt.Sprintf("N random faults, one every D (default %d, %s): kill, restart, isolate or heal, never more than a minority down or cut off; ends with the network healed and every member up; prints its seed for replay", defaultChaosRounds, defaultChaosInterval),
		values: map[string]func(string) error{
			"rounds":   intValue("--rounds", 1, maxChaosRounds),
			"seed":     seedValue,
			"interval": durationValue,
		}, run: (*Lab).chaos},
}

func seedValue(v string) error {
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("--seed must be a whole number, not %q", v)
	}
	return nil
}

// chaosState is who chaos may hit or must repair.
type chaosState struct {
	voters   int
	healthy  []string // running and in the majority
	down     []string
	isolated []string // running but cut off from the majority
}

// chaosStateOf sorts the voters of st. A member counts as isolated while it
// is cut off from the majority.
func chaosStateOf(st cluster.Status) chaosState {
	var s chaosState
	for _, m := range st.Members {
		if m.Learner {
			continue
		}
		s.voters++
		switch {
		case !m.State.Running():
			s.down = append(s.down, m.Name)
		case st.CutOff(m.Name):
			s.isolated = append(s.isolated, m.Name)
		default:
			s.healthy = append(s.healthy, m.Name)
		}
	}
	return s
}

// move picks the next fault or repair. Faults stop at a minority of the
// voters down or isolated, so the cluster keeps its quorum throughout.
func (s chaosState) move(rng *rand.Rand) string {
	type choice struct {
		verb    string
		targets []string
	}
	var choices []choice
	if len(s.healthy) > 0 && len(s.down)+len(s.isolated) < (s.voters-1)/2 {
		choices = append(choices, choice{"kill", s.healthy}, choice{"isolate", s.healthy})
	}
	if len(s.down) > 0 {
		choices = append(choices, choice{"restart", s.down})
	}
	if len(s.isolated) > 0 {
		// Heal the whole network: healing one of two isolated members
		// would mend the link between them and leave a partial partition.
		choices = append(choices, choice{"heal", nil})
	}
	if len(choices) == 0 {
		return ""
	}
	c := choices[rng.IntN(len(choices))]
	if len(c.targets) == 0 {
		return c.verb
	}
	return c.verb + " " + c.targets[rng.IntN(len(c.targets))]
}

func (l *Lab) chaos(ctx context.Context, c *Command) Result {
	rounds := intFlag(c, "rounds", defaultChaosRounds)
	interval := defaultChaosInterval
	if v, ok := c.Flag("interval"); ok {
		interval, _ = time.ParseDuration(v)
	}
	seed := rand.Int64N(1_000_000)
	if v, ok := c.Flag("seed"); ok {
		seed, _ = strconv.ParseInt(v, 10, 64)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	first := fmt.Sprintf("seed %d; replay with: chaos --rounds %d --seed %d --interval %s", seed, rounds, seed, interval)
	l.note("chaos", first)
	out := []string{first}
	var counts struct{ faults, repairs, failed int }
	do := func(ctx context.Context, prefix, line string) {
		cmd, err := Parse(line)
		if err != nil {
			out = append(out, fmt.Sprintf("%s%s: %v", prefix, line, err))
			return
		}
		r := l.Exec(ctx, cmd)
		text := prefix + line + ": " + kit.OneLine(r.Lines)
		if r.Err != nil {
			text = prefix + line + ": error: " + r.Err.Error()
		}
		l.note("chaos", text)
		out = append(out, text)
		switch {
		case r.Err != nil:
			counts.failed++
		case strings.HasPrefix(line, "kill") || strings.HasPrefix(line, "isolate"):
			counts.faults++
		default:
			counts.repairs++
		}
	}
	began := time.Now()
	var err error
	for i := 1; i <= rounds; i++ {
		if move := chaosStateOf(l.c.Status()).move(rng); move != "" {
			do(ctx, fmt.Sprintf("round %d/%d: ", i, rounds), move)
		}
		t := time.NewTimer(time.Duration(float64(interval) / l.speed))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			err = fmt.Errorf("chaos interrupted in round %d of %d (seed %d)", i, rounds, seed)
		}
		if err != nil {
			break
		}
	}
	// Repair even after an interruption, within the commands' own deadlines.
	rctx := context.WithoutCancel(ctx)
	st := l.c.Status()
	for _, m := range st.Members {
		if len(m.Cut) > 0 {
			do(rctx, "repair: ", "heal")
			break
		}
	}
	for _, n := range chaosStateOf(st).down {
		do(rctx, "repair: ", "restart "+n)
	}
	if err != nil {
		return Result{Lines: out, Err: err}
	}
	// Each step was printed as a note when it happened; the result sums up.
	return Result{Lines: []string{first,
		fmt.Sprintf("%d faults and %d repairs in %d rounds, %d steps failed", counts.faults, counts.repairs, rounds, counts.failed),
		fmt.Sprintf("chaos over after %s: the network is healed and every member is up (seed %d)", secs(time.Since(began)), seed)}}
}

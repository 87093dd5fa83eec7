package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab/internal/kit"
)

// Defaults and limits of chaos.
const (
	DefaultChaosRounds   = 10
	DefaultChaosInterval = time.Second
	MaxChaosRounds       = 1000
)

// ChaosConfig describes a run of chaos: Rounds random faults or repairs,
// one every Interval, chosen by a generator seeded with Seed.
type ChaosConfig struct {
	Rounds   int
	Interval time.Duration
	Seed     int64
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

// move is one step of chaos: a fault or a repair of a member, or a heal of
// the whole network.
type move struct {
	verb   string // kill, isolate, restart or heal
	member string // "" for heal
}

func (m move) String() string {
	if m.member == "" {
		return m.verb
	}
	return m.verb + " " + m.member
}

// fault reports whether the move injects a fault rather than repairs one.
func (m move) fault() bool { return m.verb == "kill" || m.verb == "isolate" }

// do carries the move out.
func (m move) do(ctx context.Context, f Faults) error {
	switch m.verb {
	case "kill":
		return f.Kill(ctx, m.member)
	case "isolate":
		return f.Isolate(ctx, m.member)
	case "restart":
		return f.Restart(ctx, m.member)
	}
	return f.Heal(ctx)
}

// next picks the next fault or repair, or reports that there is none.
// Faults stop at a minority of the voters down or isolated, so the cluster
// keeps its quorum throughout.
func (s chaosState) next(rng *rand.Rand) (move, bool) {
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
		return move{}, false
	}
	c := choices[rng.IntN(len(choices))]
	if len(c.targets) == 0 {
		return move{verb: c.verb}, true
	}
	return move{verb: c.verb, member: c.targets[rng.IntN(len(c.targets))]}, true
}

// chaosRun is what one run of chaos did.
type chaosRun struct {
	w                       *Workload
	f                       Faults
	out                     []string
	faults, repairs, failed int
}

// do carries out a move and notes it as it happens.
func (c *chaosRun) do(ctx context.Context, prefix string, m move) {
	err := m.do(ctx, c.f)
	line := prefix + m.String()
	if err != nil {
		line = prefix + m.String() + ": error: " + err.Error()
	}
	c.w.h.Note("chaos", line)
	c.out = append(c.out, line)
	switch {
	case err != nil:
		c.failed++
	case m.fault():
		c.faults++
	default:
		c.repairs++
	}
}

// Chaos injects cfg.Rounds random faults and repairs through f, one every
// cfg.Interval (scaled by the speed), never more than a minority of the
// voters down or cut off. It ends with the network healed and every member
// up, also when ctx ends early. Each step is noted as it happens; the
// lines returned sum it up.
func (w *Workload) Chaos(ctx context.Context, cfg ChaosConfig, f Faults) ([]string, error) {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0))
	first := fmt.Sprintf("seed %d; replay with: chaos --rounds %d --seed %d --interval %s", cfg.Seed, cfg.Rounds, cfg.Seed, cfg.Interval)
	w.h.Note("chaos", first)
	c := &chaosRun{w: w, f: f, out: []string{first}}
	began := time.Now()
	var err error
	for i := 1; i <= cfg.Rounds && err == nil; i++ {
		if m, ok := chaosStateOf(w.t.Status()).next(rng); ok {
			c.do(ctx, fmt.Sprintf("round %d/%d: ", i, cfg.Rounds), m)
		}
		if !kit.Sleep(ctx, time.Duration(float64(cfg.Interval)/w.speed)) {
			err = fmt.Errorf("chaos interrupted in round %d of %d (seed %d)", i, cfg.Rounds, cfg.Seed)
		}
	}
	// Repair even after an interruption, within the faults' own deadlines.
	rctx := context.WithoutCancel(ctx)
	st := w.t.Status()
	for _, m := range st.Members {
		if len(m.Cut) > 0 {
			c.do(rctx, "repair: ", move{verb: "heal"})
			break
		}
	}
	for _, n := range chaosStateOf(st).down {
		c.do(rctx, "repair: ", move{verb: "restart", member: n})
	}
	if err != nil {
		return c.out, err
	}
	// Each step was noted when it happened; the result sums up.
	return []string{first,
		fmt.Sprintf("%d faults and %d repairs in %d rounds, %d steps failed", c.faults, c.repairs, cfg.Rounds, c.failed),
		fmt.Sprintf("chaos over after %s: the network is healed and every member is up (seed %d)", secs(time.Since(began)), cfg.Seed)}, nil
}

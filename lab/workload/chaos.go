package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
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
	healthy  []string // running, in the majority, its links without rules
	down     []string
	impaired []string // running but cut off, or every link from or to it has a rule
	rules    bool     // some link has a rule
}

// chaosStateOf sorts the voters of st. A member counts as impaired while
// it is cut off from the majority, or while every link from it, or every
// link to it, has a rule (cut, delay or loss): chaos's network faults
// always take one member's links in one direction, so that a rule on a
// link between two other members never makes either of them impaired.
func chaosStateOf(st cluster.Status) chaosState {
	var s chaosState
	s.rules = len(st.Rules) > 0
	from, to := map[string]int{}, map[string]int{}
	for _, r := range st.Rules {
		from[r.From]++
		to[r.To]++
	}
	others := len(st.Members) - 1
	for _, m := range st.Members {
		if m.Learner {
			continue
		}
		s.voters++
		switch {
		case !m.State.Running():
			s.down = append(s.down, m.Name)
		case st.CutOff(m.Name), others > 0 && (from[m.Name] == others || to[m.Name] == others):
			s.impaired = append(s.impaired, m.Name)
		default:
			s.healthy = append(s.healthy, m.Name)
		}
	}
	return s
}

// move is one step of chaos: a fault or a repair of a member, a rule on
// every link from or to one member, or a heal of the whole network. Its
// String is the lab command that does the same.
type move struct {
	verb   string // kill, isolate, restart, cut, delay, loss or heal
	member string // "" for heal
	// out makes a link rule take the member's links to every other
	// member; otherwise every other member's link to it.
	out       bool
	delay     time.Duration
	jitter    time.Duration
	lossShare float64
}

// link returns the FROM and TO of a link rule.
func (m move) link() (from, to string) {
	if m.out {
		return m.member, network.All
	}
	return network.All, m.member
}

func (m move) String() string {
	from, to := m.link()
	switch m.verb {
	case "heal":
		return m.verb
	case "cut":
		return fmt.Sprintf("cut %s %s", from, to)
	case "delay":
		return fmt.Sprintf("delay %s %s %s %s", from, to, m.delay, m.jitter)
	case "loss":
		return fmt.Sprintf("loss %s %s %g%%", from, to, m.lossShare)
	}
	return m.verb + " " + m.member
}

// fault reports whether the move injects a fault rather than repairs one.
func (m move) fault() bool { return m.verb != "restart" && m.verb != "heal" }

// do carries the move out.
func (m move) do(ctx context.Context, f Faults) error {
	from, to := m.link()
	switch m.verb {
	case "kill":
		return f.Kill(ctx, m.member)
	case "isolate":
		return f.Isolate(ctx, m.member)
	case "restart":
		return f.Restart(ctx, m.member)
	case "cut":
		return f.Cut(ctx, from, to)
	case "delay":
		return f.Delay(ctx, from, to, m.delay, m.jitter)
	case "loss":
		return f.Loss(ctx, from, to, m.lossShare)
	}
	return f.Heal(ctx)
}

// faultVerbs are the faults chaos picks from: a crash, an isolation, and
// one member's links made one-way cut, slow or lossy in one direction.
var faultVerbs = []string{"kill", "isolate", "cut", "delay", "loss"}

// Bounds of chaos's network faults: a delay well under the election
// timeout (1s), so that it slows writes rather than forcing elections,
// and a loss that Raft's retries outlast.
const (
	chaosMaxDelay = 200 * time.Millisecond
	chaosMaxLoss  = 50
)

// next picks the next fault or repair, or reports that there is none.
// Faults stop at a minority of the voters down or impaired, so the
// cluster keeps its quorum throughout.
func (s chaosState) next(rng *rand.Rand) (move, bool) {
	var choices []move
	if len(s.healthy) > 0 && len(s.down)+len(s.impaired) < (s.voters-1)/2 {
		for _, v := range faultVerbs {
			choices = append(choices, move{verb: v})
		}
	}
	for _, n := range s.down {
		choices = append(choices, move{verb: "restart", member: n})
	}
	if len(s.impaired) > 0 || s.rules {
		// Heal the whole network: healing one of two isolated members
		// would mend the link between them and leave a partial partition.
		choices = append(choices, move{verb: "heal"})
	}
	if len(choices) == 0 {
		return move{}, false
	}
	m := choices[rng.IntN(len(choices))]
	if m.fault() {
		m.member = s.healthy[rng.IntN(len(s.healthy))]
		m.out = rng.IntN(2) == 0
		m.delay = time.Duration(10+rng.IntN(int(chaosMaxDelay/time.Millisecond)-9)) * time.Millisecond
		m.jitter = m.delay / 2
		m.lossShare = float64(10 + rng.IntN(chaosMaxLoss-9))
	}
	return m, true
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
// cfg.Interval (scaled by the speed): crashes, isolations, and one
// member's links cut, slowed or made lossy in one direction, never more
// than a minority of the voters down or impaired. It ends with the network healed and every member
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
	if s := chaosStateOf(st); s.rules || len(s.impaired) > 0 {
		c.do(rctx, "repair: ", move{verb: "heal"})
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

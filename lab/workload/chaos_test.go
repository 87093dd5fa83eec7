package workload

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
)

// chaosModel is a cluster's members and links as chaos moves leave them.
type chaosModel struct {
	names []string
	down  map[string]bool
	rules map[network.Link]network.Rule
}

// status is the model as cluster.Status would show it.
func (c *chaosModel) status() cluster.Status {
	st := cluster.Status{Voters: len(c.names), Quorum: cluster.QuorumSize(len(c.names))}
	for _, n := range c.names {
		m := cluster.MemberStatus{Name: n, State: cluster.Up}
		if c.down[n] {
			m.State = cluster.Killed
		}
		for _, o := range c.names {
			if c.rules[network.Link{From: n, To: o}].Cut || c.rules[network.Link{From: o, To: n}].Cut {
				m.Cut = append(m.Cut, o)
			}
		}
		st.Members = append(st.Members, m)
	}
	for _, a := range c.names {
		for _, b := range c.names {
			if r, ok := c.rules[network.Link{From: a, To: b}]; ok {
				st.Rules = append(st.Rules, network.LinkRule{Link: network.Link{From: a, To: b}, Rule: r})
			}
		}
	}
	return st
}

// apply carries a move out on the model, as the cluster would.
func (c *chaosModel) apply(t *testing.T, m move) {
	from, to := m.link()
	each := func(set func(*network.Rule)) {
		for _, a := range c.names {
			for _, b := range c.names {
				if a != b && (from == network.All || from == a) && (to == network.All || to == b) {
					r := c.rules[network.Link{From: a, To: b}]
					set(&r)
					c.rules[network.Link{From: a, To: b}] = r
				}
			}
		}
	}
	switch m.verb {
	case "kill":
		c.down[m.member] = true
	case "restart":
		c.down[m.member] = false
	case "isolate":
		for _, out := range []bool{true, false} {
			m.out = out
			from, to = m.link()
			each(func(r *network.Rule) { r.Cut = true })
		}
	case "cut":
		each(func(r *network.Rule) { r.Cut = true })
	case "delay":
		if m.delay <= 0 || m.delay > chaosMaxDelay || m.jitter > m.delay {
			t.Fatalf("%s: delay out of chaos's bounds", m)
		}
		each(func(r *network.Rule) { r.Delay, r.Jitter = m.delay, m.jitter })
	case "loss":
		if m.lossShare <= 0 || m.lossShare > chaosMaxLoss {
			t.Fatalf("%s: loss out of chaos's bounds", m)
		}
		each(func(r *network.Rule) { r.Loss = m.lossShare })
	case "heal":
		if m.member != "" {
			t.Fatalf("chaos heals one member (%s): it must heal the whole network", m.member)
		}
		clear(c.rules)
	}
}

// TestChaosMovesKeepMinority plays chaos moves against a model of the
// cluster's members and links, and checks that a quorum of voters stays up
// with no rule on any link between them, that every fault can be repaired,
// and that chaos picks every kind of fault in both directions.
func TestChaosMovesKeepMinority(t *testing.T) {
	seen := map[string]bool{}
	for _, voters := range []int{1, 3, 4, 5, 7} {
		c := &chaosModel{down: map[string]bool{}, rules: map[network.Link]network.Rule{}}
		for i := 1; i <= voters; i++ {
			c.names = append(c.names, fmt.Sprintf("etcd%d", i))
		}
		rng := rand.New(rand.NewPCG(7, 0))
		for step := range 3000 {
			st := c.status()
			s := chaosStateOf(st)
			if len(s.healthy) < st.Quorum {
				t.Fatalf("%d voters, step %d: only %v healthy (down %v, impaired %v)", voters, step, s.healthy, s.down, s.impaired)
			}
			for _, a := range s.healthy {
				for _, b := range s.healthy {
					if r, ok := c.rules[network.Link{From: a, To: b}]; ok && !r.IsZero() {
						t.Fatalf("%d voters, step %d: healthy %s -> %s has rule %s", voters, step, a, b, r)
					}
				}
			}
			m, ok := s.next(rng)
			if !ok {
				if voters >= 3 {
					t.Fatalf("%d voters: no move from %+v", voters, s)
				}
				continue
			}
			seen[fmt.Sprintf("%s out=%v", m.verb, m.out)] = true
			c.apply(t, m)
		}
	}
	for _, v := range faultVerbs[2:] {
		for _, out := range []bool{true, false} {
			if k := fmt.Sprintf("%s out=%v", v, out); !seen[k] {
				t.Errorf("chaos never picked %s", k)
			}
		}
	}
}

// TestChaosMoveCommands checks that each move reads as the lab command
// that does the same.
func TestChaosMoveCommands(t *testing.T) {
	for _, tc := range []struct {
		m    move
		want string
	}{
		{move{verb: "kill", member: "etcd2"}, "kill etcd2"},
		{move{verb: "heal"}, "heal"},
		{move{verb: "cut", member: "etcd1", out: true}, "cut etcd1 all"},
		{move{verb: "cut", member: "etcd1"}, "cut all etcd1"},
		{move{verb: "delay", member: "etcd3", out: true, delay: 120e6, jitter: 60e6}, "delay etcd3 all 120ms 60ms"},
		{move{verb: "loss", member: "etcd2", lossShare: 30}, "loss all etcd2 30%"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%+v reads %q, want %q", tc.m, got, tc.want)
		}
	}
}

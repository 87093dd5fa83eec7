package cluster

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/etcdlab/etcdlab/cluster/network"
)

// The network faults act on the relays between members (package network):
// a cut drops every Raft message of a directed link (both directions for
// isolate and partition), a delay holds each for a while, a loss drops some
// at random. Relays work on whole messages, never bytes, so no stream is
// corrupt. A rule belongs to a link by member names and holds across
// restarts; Status reports who can still exchange messages with whom.

var errNotLaunched = errors.New("the cluster has not been launched")

var errDirectPeers = errors.New("the cluster runs without relays (DirectPeers): its network cannot be cut, slowed or made lossy")

// netOp runs a change of the network under opMu, then lets the monitor
// see it and emits the event that says what happened.
func (c *Cluster) netOp(change func(n *network.Network) error, kind EventKind, member string, text func() string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if c.cfg.DirectPeers {
		return errDirectPeers
	}
	if c.net == nil {
		return errNotLaunched
	}
	if err := change(c.net); err != nil {
		return err
	}
	c.pokeMonitor()
	c.emit(kind, member, text())
	return nil
}

// Isolate cuts every link between the named member and the others, both
// ways. The Partitioned event says what happened.
func (c *Cluster) Isolate(name string) error {
	return c.netOp(func(n *network.Network) error {
		if err := n.Cut(name, network.All); err != nil {
			return err
		}
		return n.Cut(network.All, name)
	}, Partitioned, name, func() string {
		return fmt.Sprintf("%s isolated: it cannot reach %s, nor they it", name, strings.Join(without(c.Names(), name), ", "))
	})
}

// Partition splits the members into the given groups: every link between
// two groups is cut both ways, every cut inside a group is lifted (delay
// and loss stay). Members named in no group join the first group. The
// Partitioned event says which group holds the majority.
func (c *Cluster) Partition(groups [][]string) error {
	if len(groups) < 2 {
		return fmt.Errorf("partition needs at least two groups, e.g. partition etcd1,etcd2 etcd3")
	}
	all := c.Names()
	group := make(map[string]int)
	for gi, g := range groups {
		for _, n := range g {
			if _, e := c.lookup(n); e != nil {
				return e
			}
			if prev, dup := group[n]; dup && prev != gi {
				return fmt.Errorf("%s is named in two groups", n)
			}
			group[n] = gi
		}
	}
	for _, n := range all {
		if _, ok := group[n]; !ok {
			group[n] = 0
			groups[0] = append(groups[0], n)
		}
	}
	return c.netOp(func(n *network.Network) error {
		for _, a := range all {
			for _, b := range all {
				if a == b {
					continue
				}
				var err error
				if group[a] != group[b] {
					err = n.Cut(a, b)
				} else {
					err = n.Mend(a, b)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	}, Partitioned, "", func() string { return c.partitionText(groups) })
}

// partitionText says how the cluster was split and which group holds the
// majority.
func (c *Cluster) partitionText(groups [][]string) string {
	st := c.Status()
	parts := make([]string, len(groups))
	majority := "no group holds a quorum: the cluster cannot write"
	for i, g := range groups {
		parts[i] = "{" + strings.Join(sortedNames(g), ",") + "}"
		voters := 0
		for _, n := range g {
			if m, ok := st.Member(n); ok && !m.Learner && m.State.Running() {
				voters++
			}
		}
		if voters >= st.Quorum {
			majority = fmt.Sprintf("%s holds the majority (%d of %d voters, quorum %d)", parts[i], voters, st.Voters, st.Quorum)
		}
	}
	return "partitioned into " + strings.Join(parts, " | ") + "; " + majority
}

// Cut drops every Raft message from one member to another, one way: the
// link back is untouched. Either name may be network.All. The Partitioned
// event says what happened.
func (c *Cluster) Cut(from, to string) error {
	return c.netOp(func(n *network.Network) error { return n.Cut(from, to) }, Partitioned, oneMember(from, to),
		func() string { return fmt.Sprintf("cut %s -> %s, one way: %s", from, to, hears(from, to)) })
}

// hears says who no longer hears whom after a cut from -> to.
func hears(from, to string) string {
	switch {
	case from == network.All && to == network.All:
		return "no member hears another"
	case from == network.All:
		return to + " hears no member; they still hear it"
	case to == network.All:
		return "no member hears " + from + "; it still hears them"
	}
	return fmt.Sprintf("%s no longer hears %s", to, from)
}

// Delay holds every Raft message from one member to another for d ±
// jitter, in order; zero removes the delay. Either name may be
// network.All. The LinkChanged event says what happened.
func (c *Cluster) Delay(from, to string, d, jitter time.Duration) error {
	return c.netOp(func(n *network.Network) error { return n.Delay(from, to, d, jitter) }, LinkChanged, oneMember(from, to),
		func() string {
			if d == 0 && jitter == 0 {
				return fmt.Sprintf("delay %s -> %s removed", from, to)
			}
			r := network.Rule{Delay: d, Jitter: jitter}
			return fmt.Sprintf("%s -> %s: every message is held %s, in order", from, to, strings.TrimPrefix(r.String(), "delay "))
		})
}

// Loss drops percent of the Raft messages from one member to another at
// random; zero removes the loss. Either name may be network.All. The
// LinkChanged event says what happened.
func (c *Cluster) Loss(from, to string, percent float64) error {
	return c.netOp(func(n *network.Network) error { return n.Loss(from, to, percent) }, LinkChanged, oneMember(from, to),
		func() string {
			if percent == 0 {
				return fmt.Sprintf("loss %s -> %s removed", from, to)
			}
			return fmt.Sprintf("%s -> %s: %g%% of messages are dropped at random", from, to, percent)
		})
}

// oneMember returns the member a link rule concerns, if it concerns one.
func oneMember(from, to string) string {
	switch {
	case from == network.All:
		return to
	case to == network.All:
		return from
	}
	return ""
}

// Heal clears every cut, delay and loss, or only those on the named
// member's links. The Healed event says what happened.
func (c *Cluster) Heal(name string) error {
	if name != "" {
		if _, err := c.lookup(name); err != nil {
			return err
		}
	}
	had := 0
	return c.netOp(func(n *network.Network) error {
		for _, r := range n.Rules() {
			if name == "" || r.From == name || r.To == name {
				had++
			}
		}
		if name == "" {
			n.HealAll()
			return nil
		}
		return n.HealMember(name)
	}, Healed, name, func() string {
		switch {
		case had == 0 && name == "":
			return "nothing to heal: no link is cut, slowed or lossy"
		case had == 0:
			return fmt.Sprintf("nothing to heal: no link of %s is cut, slowed or lossy", name)
		case name == "":
			return "network healed: every member can reach every other, without delay or loss"
		}
		return name + " healed: its links are clear of cuts, delay and loss"
	})
}

func without(names []string, drop string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if n != drop {
			out = append(out, n)
		}
	}
	return out
}

// sortedNames returns a sorted copy of names.
func sortedNames(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}

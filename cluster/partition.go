package cluster

import (
	"fmt"
	"sort"
	"strings"
)

// Partitions are made with EtcdServer.CutPeer/MendPeer on both ends of every
// cut link: the in-process switch that etcd's own integration tests use. It
// drops whole Raft messages, unlike a byte-level proxy, which corrupts
// streams. Cuts are remembered by name, so a member restarted during a
// partition comes back still cut off.

// setLinks cuts (cut=true) or mends the given links on both ends and
// records them; a link already in that state is left alone. etcd's
// transport cannot be asked twice: a member that joined keeps a rafthttp
// remote for each older member, whose Pause closes its pipeline's stop
// channel (a second Pause panics) and whose Resume starts another pipeline
// (a second Resume leaves senders that Stop waits for forever). The caller
// holds opMu.
func (c *Cluster) setLinks(links [][2]string, cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range links {
		a, _ := c.find(l[0])
		b, _ := c.find(l[1])
		if a == nil || b == nil || c.cuts[linkKey(a.name, b.name)] == cut {
			continue
		}
		if cut {
			c.cuts[linkKey(a.name, b.name)] = true
		} else {
			delete(c.cuts, linkKey(a.name, b.name))
		}
		for _, p := range [][2]*member{{a, b}, {b, a}} {
			cutLink(p[0], p[1], cut)
		}
	}
}

// cutLink cuts or mends the link from one member's end, if it runs.
func cutLink(from, to *member, cut bool) {
	if from.etcd == nil || !from.state.Running() || to.id == 0 {
		return
	}
	if cut {
		from.etcd.Server.CutPeer(to.id)
	} else {
		from.etcd.Server.MendPeer(to.id)
	}
}

// reapplyCuts cuts m's links again after m restarted with a new transport,
// on m's end only: the other ends stayed cut.
func (c *Cluster) reapplyCuts(m *member) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for k := range c.cuts {
		other := k[0]
		if other == m.name {
			other = k[1]
		} else if k[1] != m.name {
			continue
		}
		if o, _ := c.find(other); o != nil {
			cutLink(m, o, true)
		}
	}
}

// resumeRemotes mends m's cut links on its own end just before its server
// stops, if it has remotes: rafthttp's Transport.Stop stops every remote,
// and stopping one that a cut paused closes its pipeline's stop channel a
// second time, a panic that ends the process. Messages may cross the mended
// links until the server has stopped, a moment. c.mu must be held.
func (c *Cluster) resumeRemotes(m *member) {
	if !m.remotes || m.etcd == nil || m.wedged {
		return
	}
	for k := range c.cuts {
		other := k[0]
		if other == m.name {
			other = k[1]
		} else if k[1] != m.name {
			continue
		}
		if o, _ := c.find(other); o != nil && o.id != 0 {
			m.etcd.Server.MendPeer(o.id)
		}
	}
	m.remotes = false
}

// Isolate cuts every link between the named member and the others. The
// Partitioned event says what happened.
func (c *Cluster) Isolate(name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.RLock()
	_, err := c.find(name)
	others := c.names()
	c.mu.RUnlock()
	if err != nil {
		return err
	}
	var links [][2]string
	for _, o := range others {
		if o != name {
			links = append(links, [2]string{name, o})
		}
	}
	c.setLinks(links, true)
	c.pokeMonitor()
	c.emit(Partitioned, name, fmt.Sprintf("%s isolated: it cannot reach %s", name, strings.Join(without(others, name), ", ")))
	return nil
}

// Partition splits the members into the given groups: every link between
// two groups is cut, every link inside a group is mended. Members named in
// no group join the first group. The Partitioned event says which group
// holds the majority.
func (c *Cluster) Partition(groups [][]string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if len(groups) < 2 {
		return fmt.Errorf("partition needs at least two groups, e.g. partition etcd1,etcd2 etcd3")
	}
	c.mu.RLock()
	all := c.names()
	group := make(map[string]int)
	var err error
	for gi, g := range groups {
		for _, n := range g {
			if _, e := c.find(n); e != nil && err == nil {
				err = e
			}
			if prev, dup := group[n]; dup && prev != gi && err == nil {
				err = fmt.Errorf("%s is named in two groups", n)
			}
			group[n] = gi
		}
	}
	c.mu.RUnlock()
	if err != nil {
		return err
	}
	for _, n := range all {
		if _, ok := group[n]; !ok {
			group[n] = 0
			groups[0] = append(groups[0], n)
		}
	}
	var cut, mend [][2]string
	for i, a := range all {
		for _, b := range all[i+1:] {
			if group[a] != group[b] {
				cut = append(cut, [2]string{a, b})
			} else {
				mend = append(mend, [2]string{a, b})
			}
		}
	}
	c.setLinks(mend, false)
	c.setLinks(cut, true)
	c.pokeMonitor()
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
	c.emit(Partitioned, "", "partitioned into "+strings.Join(parts, " | ")+"; "+majority)
	return nil
}

// Heal mends every cut link, or only the named member's links. The Healed
// event says what happened.
func (c *Cluster) Heal(name string) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.RLock()
	if name != "" {
		if _, err := c.find(name); err != nil {
			c.mu.RUnlock()
			return err
		}
	}
	var links [][2]string
	for k := range c.cuts {
		if name == "" || k[0] == name || k[1] == name {
			links = append(links, k)
		}
	}
	c.mu.RUnlock()
	c.setLinks(links, false)
	c.pokeMonitor()
	text := "network healed: every member can reach every other"
	if name != "" {
		text = name + " healed: its links are mended"
	}
	if len(links) == 0 {
		text = "nothing to heal: no link is cut"
	}
	c.emit(Healed, name, text)
	return nil
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

func linkKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// sortedNames returns a sorted copy of names.
func sortedNames(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}

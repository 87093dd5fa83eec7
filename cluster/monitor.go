package cluster

import (
	"fmt"
	"time"

	"go.etcd.io/etcd/server/v3/etcdserver/api"
)

// Status reads every member's state in process. It is cheap enough to call
// many times a second.
func (c *Cluster) Status() Status {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.statusLocked()
}

func (c *Cluster) statusLocked() Status {
	st := Status{Time: time.Now(), Members: make([]MemberStatus, 0, len(c.members))}
	byID := make(map[uint64]string, len(c.members))
	// Who is a learner is read from the leader's membership, which knows of
	// a promotion first; a member's own view lags until it applies it.
	var view api.Cluster
	for _, m := range c.members {
		byID[uint64(m.id)] = m.name
		if m.state.Running() && m.etcd != nil && m.etcd.Server.Lead() == uint64(m.id) {
			view = m.etcd.Server.Cluster()
		}
	}
	for _, m := range c.members {
		ms := MemberStatus{
			Name:      m.name,
			ID:        uint64(m.id),
			ClientURL: m.clientURL.String(),
			PeerURL:   m.peerURL.String(),
			State:     m.state,
			Learner:   m.learner,
		}
		if m.state.Running() && m.etcd != nil {
			s := m.etcd.Server
			// Not s.IsLearner(): it panics in a member that is not (or no
			// longer) in its own membership, as during a removal.
			own := s.Cluster()
			if view != nil {
				own = view
			}
			if vm := own.Member(m.id); vm != nil {
				ms.Learner = vm.IsLearner
			}
			ms.Term = s.Term()
			ms.Lead = s.Lead()
			ms.Leader = byID[ms.Lead]
			ms.Committed = s.CommittedIndex()
			ms.Applied = s.AppliedIndex()
			ms.Revision = s.KV().Rev()
			ms.DBSize = s.Backend().Size()
			ms.Role = roleOf(ms.Learner, ms.Lead, ms.ID)
		}
		st.Members = append(st.Members, ms)
	}
	st.derive(c.netStatus(&st))
	return st
}

func (c *Cluster) pokeMonitor() {
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

// monitor samples status and turns changes of leader and quorum into events.
func (c *Cluster) monitor(prev Status) {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.SampleInterval)
	defer t.Stop()
	noLeaderAt := c.launchedAt
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.poke:
		}
		st := c.Status()
		for _, e := range changes(prev, st, &noLeaderAt) {
			c.events.publish(e)
		}
		prev = st
	}
}

// changes returns the events that lead from status prev to st: leader lost,
// elected or changed, quorum lost or regained. noLeaderAt holds when the
// cluster last lost its leader.
func changes(prev, st Status, noLeaderAt *time.Time) []Event {
	var out []Event
	switch {
	case prev.Leader != "" && st.Leader == "":
		*noLeaderAt = st.Time
		out = append(out, Event{Time: st.Time, Kind: LeaderLost, Member: prev.Leader, Term: prev.Term,
			Text: fmt.Sprintf("leader lost: %s (term %d) no longer leads", prev.Leader, prev.Term)})
	case st.Leader != "" && prev.Leader == "":
		d := st.Time.Sub(*noLeaderAt)
		out = append(out, Event{Time: st.Time, Kind: LeaderElected, Member: st.Leader, Term: st.Term, NoLeader: d,
			Text: fmt.Sprintf("%s elected leader in term %d after %s without a leader", st.Leader, st.Term, roundDur(d))})
	case st.Leader != "" && (st.Leader != prev.Leader || st.Term != prev.Term):
		out = append(out, Event{Time: st.Time, Kind: LeaderChanged, Member: st.Leader, Term: st.Term,
			Text: fmt.Sprintf("leader is now %s in term %d (was %s in term %d)", st.Leader, st.Term, prev.Leader, prev.Term)})
	}
	switch {
	case prev.HasQuorum && !st.HasQuorum:
		out = append(out, Event{Time: st.Time, Kind: QuorumLost,
			Text: fmt.Sprintf("quorum lost: %d of %d voters reachable, %d needed; writes and linearizable reads will fail", st.Reachable, st.Voters, st.Quorum)})
	case !prev.HasQuorum && st.HasQuorum:
		out = append(out, Event{Time: st.Time, Kind: QuorumRegained,
			Text: fmt.Sprintf("quorum regained: %d of %d voters reachable, %d needed", st.Reachable, st.Voters, st.Quorum)})
	}
	return out
}

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
	w := newLeaderWatch(prev, c.launchedAt)
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.poke:
		}
		st := c.Status()
		for _, e := range w.changes(prev, st) {
			c.events.publish(e)
		}
		prev = st
	}
}

// leaderWatch remembers, from one status sample to the next, which leader
// the events last reported. etcd's Term() is the term of the last entry a
// member applied, so a new leader shows the old term until it applies the
// empty entry that opens its own; that is also the moment it can commit
// writes (and serve linearizable reads). An election is reported then, with
// the leader's own term, and not at the first sample where it leads.
type leaderWatch struct {
	// reported is the leader the events last named ("" after LeaderLost),
	// term its term.
	reported string
	term     uint64
	// noLeaderAt is when the cluster last lost its leader.
	noLeaderAt time.Time
	// pending is the leader of the last sample, base the highest term any
	// member had applied before it was first seen leading: it is settled
	// once its own term is above that.
	pending string
	base    uint64
	// seen is the highest term any member has applied in the samples so far.
	seen uint64
}

// newLeaderWatch starts from the first sample, whose leader (if any) the
// caller has reported; the cluster has had no leader since noLeaderAt.
func newLeaderWatch(first Status, noLeaderAt time.Time) *leaderWatch {
	w := &leaderWatch{reported: first.Leader, term: first.Term, noLeaderAt: noLeaderAt, pending: first.Leader}
	w.see(first)
	return w
}

func (w *leaderWatch) see(st Status) {
	for _, m := range st.Members {
		w.seen = max(w.seen, m.Term)
	}
}

// changes returns the events that lead from status prev to st: leader lost,
// elected or changed, quorum lost or regained.
func (w *leaderWatch) changes(prev, st Status) []Event {
	if st.Leader != w.pending {
		w.pending, w.base = st.Leader, w.seen
	}
	settled := st.Leader != "" && (st.Leader == w.reported || st.Term > w.base)
	w.see(st)
	var leader []Event
	switch {
	case w.reported != "" && st.Leader == "":
		w.noLeaderAt = st.Time
		leader = append(leader, Event{Time: st.Time, Kind: LeaderLost, Member: w.reported, Term: w.term,
			Text: fmt.Sprintf("leader lost: %s (term %d) no longer leads", w.reported, w.term)})
		w.reported = ""
	case settled && w.reported == "":
		d := st.Time.Sub(w.noLeaderAt)
		leader = append(leader, Event{Time: st.Time, Kind: LeaderElected, Member: st.Leader, Term: st.Term, NoLeader: d,
			Text: fmt.Sprintf("%s elected leader in term %d after %s without a leader: writes commit again", st.Leader, st.Term, roundDur(d))})
		w.reported, w.term = st.Leader, st.Term
	case settled && (st.Leader != w.reported || st.Term != w.term):
		leader = append(leader, Event{Time: st.Time, Kind: LeaderChanged, Member: st.Leader, Term: st.Term,
			Text: fmt.Sprintf("leader is now %s in term %d (was %s in term %d)", st.Leader, st.Term, w.reported, w.term)})
		w.reported, w.term = st.Leader, st.Term
	}
	switch {
	case prev.HasQuorum && !st.HasQuorum:
		return append(leader, Event{Time: st.Time, Kind: QuorumLost,
			Text: fmt.Sprintf("quorum lost: %d of %d voters reachable, %d needed; writes and linearizable reads will fail", st.Reachable, st.Voters, st.Quorum)})
	case !prev.HasQuorum && st.HasQuorum:
		// Said before an election reported in the same sample.
		back := fmt.Sprintf("%d of %d voters reachable, %d needed", st.Reachable, st.Voters, st.Quorum)
		text := "a majority is back: " + back + "; an election is under way, and writes wait for its leader"
		if lead := w.reported; lead != "" && len(leader) == 0 && !st.StaleLeader(lead) {
			text = fmt.Sprintf("quorum regained: %s; %s leads, so writes commit again", back, lead)
		}
		return append([]Event{{Time: st.Time, Kind: QuorumRegained, Text: text}}, leader...)
	}
	return leader
}

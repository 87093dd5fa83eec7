package network

import (
	"sync"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/raft/v3/raftpb"
)

// etcd v3.7.3 does not expose Raft's Progress (a leader's match and next
// index per follower): EtcdServer has no method for it, and the expvar
// "raft.status" is one process-wide function that the last member started
// in the process overwrites. The relays see every MsgApp, MsgAppResp and
// MsgSnap, so they rebuild the part of a leader's view that traffic shows:
// what each follower acknowledged, what it rejected, and which snapshots
// were sent.

// Replication is a leader's view of its followers, rebuilt from the
// messages of one term.
type Replication struct {
	Leader string
	// Term is the leader's term: the view starts afresh in each term, as
	// Raft's progress does.
	Term uint64
	// LastIndex is the highest log index the leader sent in Term. It is the
	// leader's last index whenever a follower is being replicated to.
	LastIndex uint64
	// Commit is the highest commit index the leader sent in Term.
	Commit uint64
	// Followers holds every other member, in member order.
	Followers []Follower
}

// Follower is what a leader learned of one follower in its term.
type Follower struct {
	Name string
	// Match is the highest index the follower acknowledged (a MsgAppResp
	// that reached the leader), as Raft's Progress.Match.
	Match uint64
	// Acked is when the last acknowledgement arrived; zero if none did.
	Acked time.Time
	// Rejections counts MsgAppResp rejections (log mismatch).
	Rejections uint64
	// Snapshots counts MsgSnap sent; SnapshotIndex is the last one's index.
	Snapshots, SnapshotIndex uint64
	// Snapshotting is set from a MsgSnap until the follower acknowledges
	// its index.
	Snapshotting bool
}

// Lag returns how many entries the follower lacks of last.
func (f Follower) Lag(last uint64) uint64 {
	if f.Match >= last {
		return 0
	}
	return last - f.Match
}

// Campaign is the last vote request a member sent.
type Campaign struct {
	// PreVote tells a pre-candidate's MsgPreVote from a candidate's MsgVote.
	PreVote bool
	// Term is the term asked for (a pre-vote asks for its next term without
	// moving to it); Index and LogTerm describe the candidate's log.
	Term, Index, LogTerm uint64
	// At is when the relays saw it.
	At time.Time
	// Requests counts every vote request the member sent.
	Requests uint64
}

type leaderView struct {
	term, last, commit uint64
	followers          map[types.ID]*Follower
}

// tracker rebuilds Raft state from the messages relays see.
type tracker struct {
	mu      sync.Mutex
	leaders map[types.ID]*leaderView
	votes   map[types.ID]Campaign
}

func newTracker() *tracker {
	return &tracker{leaders: map[types.ID]*leaderView{}, votes: map[types.ID]Campaign{}}
}

// view returns from's view for term, starting afresh in a newer term; nil
// for an older term. The caller holds t.mu.
func (t *tracker) view(from types.ID, term uint64) *leaderView {
	v := t.leaders[from]
	if v == nil || term > v.term {
		v = &leaderView{term: term, followers: map[types.ID]*Follower{}}
		t.leaders[from] = v
	}
	if term < v.term {
		return nil
	}
	return v
}

func (v *leaderView) follower(id types.ID) *Follower {
	f := v.followers[id]
	if f == nil {
		f = &Follower{}
		v.followers[id] = f
	}
	return f
}

// sent records what a message shows of its sender, delivered or not.
func (t *tracker) sent(l *link, h header, now time.Time) {
	l.from.noteTerm(h)
	switch h.Type {
	case raftpb.MsgApp, raftpb.MsgSnap, raftpb.MsgPreVote, raftpb.MsgVote:
	default:
		return
	}
	from, to := l.from.id, l.to.id
	t.mu.Lock()
	defer t.mu.Unlock()
	switch h.Type {
	case raftpb.MsgApp:
		if v := t.view(from, h.Term); v != nil {
			v.last = max(v.last, h.lastIndex())
			v.commit = max(v.commit, h.Commit)
		}
	case raftpb.MsgSnap:
		if v := t.view(from, h.Term); v != nil {
			f := v.follower(to)
			f.Snapshots++
			f.SnapshotIndex, f.Snapshotting = h.SnapIndex, true
		}
	case raftpb.MsgPreVote, raftpb.MsgVote:
		c := t.votes[from]
		c.Requests++
		c.PreVote, c.Term, c.Index, c.LogTerm, c.At = h.Type == raftpb.MsgPreVote, h.Term, h.Index, h.LogTerm, now
		t.votes[from] = c
	}
}

// received records a message that reached its receiver.
func (t *tracker) received(l *link, h header, now time.Time) {
	if h.Type != raftpb.MsgAppResp {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.leaders[l.to.id]
	if v == nil || h.Term != v.term {
		return
	}
	f := v.follower(l.from.id)
	if h.Reject {
		f.Rejections++
		return
	}
	if h.Index > f.Match {
		f.Match = h.Index
	}
	f.Acked = now
	if f.Snapshotting && f.Match >= f.SnapshotIndex {
		f.Snapshotting = false
	}
}

func (t *tracker) forget(id types.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.leaders, id)
	delete(t.votes, id)
	for _, v := range t.leaders {
		delete(v.followers, id)
	}
}

// Replication returns the named leader's view of its followers in the
// newest term it sent appends in; ok is false if it never sent any.
func (n *Network) Replication(leader string) (Replication, bool) {
	n.mu.RLock()
	lm := n.byName(leader)
	ms := append([]*member(nil), n.members...)
	n.mu.RUnlock()
	if lm == nil {
		return Replication{}, false
	}
	t := n.progress
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.leaders[lm.id]
	if v == nil {
		return Replication{}, false
	}
	r := Replication{Leader: leader, Term: v.term, LastIndex: v.last, Commit: v.commit}
	for _, m := range ms {
		if m == lm {
			continue
		}
		f := Follower{}
		if p := v.followers[m.id]; p != nil {
			f = *p
		}
		f.Name = m.name
		r.Followers = append(r.Followers, f)
	}
	return r, true
}

// Campaign returns the last vote request (MsgPreVote or MsgVote) the named
// member sent; ok is false if it never sent one.
func (n *Network) Campaign(name string) (Campaign, bool) {
	n.mu.RLock()
	m := n.byName(name)
	n.mu.RUnlock()
	if m == nil {
		return Campaign{}, false
	}
	n.progress.mu.Lock()
	defer n.progress.mu.Unlock()
	c, ok := n.progress.votes[m.id]
	return c, ok
}

// Term returns the highest term of the Raft messages the named member sent
// through the relays, delivered or not, leaving out pre-votes and their
// answers, which ask about a term without moving to it. A member's Raft
// term is at least that: a candidate's MsgVote carries the term it moved
// to, and every other message its sender's current term. ok is false if
// the member sent no such message.
func (n *Network) Term(name string) (uint64, bool) {
	n.mu.RLock()
	m := n.byName(name)
	n.mu.RUnlock()
	if m == nil {
		return 0, false
	}
	t := m.term.Load()
	return t, t > 0
}

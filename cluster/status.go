package cluster

import (
	"strconv"
	"time"

	"github.com/etcdlab/etcdlab/cluster/network"
)

// State is the lifecycle state of a member as the lab drives it.
type State int

const (
	// Starting means the member's server runs but has not yet become ready.
	Starting State = iota
	// Up means the member is ready and serving clients.
	Up
	// Killed means the member crashed (HardStop, no leadership hand-off).
	Killed
	// Stopped means the member was stopped gracefully.
	Stopped
	// Failed means the member stopped on its own (for example a disk error).
	Failed
	// Unreachable means an attached member did not answer its status call.
	Unreachable
)

// String returns the state as the member table shows it.
func (s State) String() string {
	switch s {
	case Starting:
		return "starting"
	case Up:
		return "up"
	case Killed:
		return "killed"
	case Stopped:
		return "stopped"
	case Failed:
		return "failed"
	case Unreachable:
		return "unreachable"
	}
	return "unknown"
}

// Running reports whether the member's server is running (starting or up).
func (s State) Running() bool { return s == Starting || s == Up }

// Role is the Raft role of a member as etcd exposes it in process.
type Role int

const (
	// RoleNone is the role of a member that is not running.
	RoleNone Role = iota
	// RoleLeader is the Raft leader.
	RoleLeader
	// RoleFollower follows a known leader.
	RoleFollower
	// RoleNoLeader is a voter that knows no leader: etcd's Lead() is 0,
	// raft's lead=None. That covers a pre-candidate or candidate running an
	// election, an old leader right after its CheckQuorum step-down
	// (becomeFollower(r.Term, None)), and any follower that took a vote
	// request of a higher term (Step, becomeFollower(m.Term, None)) until
	// the new leader's first message reaches it. etcd's embed API does not
	// tell these apart.
	RoleNoLeader
	// RoleLearner is a non-voting member.
	RoleLearner
)

// String returns the role as the member table shows it.
func (r Role) String() string {
	switch r {
	case RoleLeader:
		return "leader"
	case RoleFollower:
		return "follower"
	case RoleNoLeader:
		return "no leader"
	case RoleLearner:
		return "learner"
	}
	return "-"
}

// roleOf returns the role of member self that follows lead (0 if it knows
// no leader). It is the one place a role is decided: from what the embed
// API (or Maintenance.Status) tells, a voter leads, follows, or knows no
// leader. Telling a pre-candidate or candidate from a follower that lost
// its leader needs the vote messages themselves, which only a relay on the
// peer links sees; such a role would be decided here too.
func roleOf(learner bool, lead, self uint64) Role {
	switch {
	case learner:
		return RoleLearner
	case lead == self:
		return RoleLeader
	case lead != 0:
		return RoleFollower
	}
	return RoleNoLeader
}

// MemberStatus is one member's state, read in process from its EtcdServer
// (or, when attached, from its Maintenance.Status answer). The Raft and
// storage fields are zero while the member does not run.
type MemberStatus struct {
	// Name is the member's name and ID its etcd member ID (0 until it
	// first started).
	Name string
	ID   uint64
	// ClientURL and PeerURL are the URLs it advertises.
	ClientURL string
	PeerURL   string
	// State is where the lab's lifecycle has it; Role is its Raft role.
	State State
	Role  Role
	// Learner reports a non-voting member.
	Learner bool
	// Term is its current Raft term.
	Term   uint64
	Lead   uint64 // member ID of the leader it follows, 0 if none
	Leader string // name of that leader, "" if none
	// Committed and Applied are its Raft commit and apply indexes.
	Committed uint64
	Applied   uint64
	// Revision is its key-value store's revision, DBSize the size of its
	// backend database file in bytes.
	Revision int64
	DBSize   int64
	// Cut lists the members this member cannot exchange Raft messages
	// with: a link between them is cut (or loses every message) in either
	// direction. Raft needs both: a follower keeps its leader only while
	// the leader's messages reach it, and a leader counts a follower (its
	// acknowledgements, CheckQuorum) only when the answers come back. So a
	// one-way cut cuts both ends off from each other.
	Cut []string
	// Lag is how far this follower is behind its leader's log, as the
	// relays saw the leader's appends and the follower's answers; unknown
	// for the leader itself and when attached.
	Lag Lag
	// Campaign is the last vote request (MsgPreVote or MsgVote) it sent,
	// as the relays saw it; zero if none.
	Campaign Campaign
	// SentTerm is the highest term of the Raft messages it sent, leaving
	// out pre-votes and their answers; 0 if unknown. Its Raft term is at
	// least that, while Term (the term of the last entry it applied) lags
	// until it applies an entry of the new term: a candidate's term shows
	// here first.
	SentTerm uint64
}

// Campaign is the last vote request a member sent.
type Campaign = network.Campaign

// Lag is how far a follower is behind its leader: the leader's last index
// less the highest index the follower acknowledged in the leader's term,
// or a snapshot on its way.
type Lag struct {
	// Known is set when the leader has sent appends in its term.
	Known bool
	// Entries is how many entries the follower lacks.
	Entries uint64
	// Snapshot is set while a snapshot the leader sent is not acknowledged.
	Snapshot bool
	// Unacked is set while no acknowledgement of the follower reached the
	// leader in its term: Entries then counts the leader's whole log, as
	// Raft's Progress.Match is 0, whatever the follower holds.
	Unacked bool
}

// String returns the lag as the member table shows it: "snapshot", a
// number of entries, "?" while the leader has no acknowledgement of the
// follower in its term, or "-" when unknown.
func (l Lag) String() string {
	switch {
	case !l.Known:
		return "-"
	case l.Snapshot:
		return "snapshot"
	case l.Unacked:
		return "?"
	}
	return strconv.FormatUint(l.Entries, 10)
}

// Status is a snapshot of the whole cluster and the health derived from it.
type Status struct {
	// Time is when the members were read.
	Time time.Time
	// Members holds every member in slot order (attached: by name).
	Members []MemberStatus
	// Voters is the number of voting members; learners do not count.
	Voters int
	// Running is the number of voting members whose server runs.
	Running int
	// Learners is the number of learners, LearnersRunning of those whose
	// server runs; neither counts toward quorum.
	Learners, LearnersRunning int
	// Quorum is floor(Voters/2)+1.
	Quorum int
	// Reachable is the largest number of running voters that one of them
	// can exchange Raft messages with, itself included (see
	// MemberStatus.Cut): the largest quorum a leader could hold. It is
	// Running unless links are cut; after a partition, the size of the
	// largest group. A member that can send to the others but not hear
	// them (or the reverse) is not reachable from them.
	Reachable int
	// HasQuorum reports whether that group holds a quorum.
	HasQuorum bool
	// Tolerates is how many more voter failures the cluster survives.
	Tolerates int
	// Leader is the name of the current leader ("" if none) and Term its
	// term; without a leader, Term is the highest term a member is in. Of
	// two members that both think they lead (one cut off and stale), it is
	// the one of the higher term, or, while their terms are equal because
	// the new one has not applied an entry of its own term yet, the one
	// that can reach a quorum.
	Leader string
	Term   uint64
	// Revision is the highest revision of any member's store.
	Revision int64
	// Rules holds every link between members that has a rule (cut, delay,
	// loss), in member order; none when attached.
	Rules []LinkRule
}

// LinkRule is a directed link between two members and its rule.
type LinkRule = network.LinkRule

// CutOff reports whether the named member is cut off from a quorum:
// counting itself, it can exchange Raft messages with fewer running voters
// than a quorum (MemberStatus.Cut: a one-way cut counts). Such a member
// cannot lead, and as a follower it either loses its leader and campaigns
// in vain (it cannot hear) or keeps following while its proposals and
// acknowledgements are lost (it cannot send).
func (s Status) CutOff(name string) bool {
	m, ok := s.Member(name)
	if !ok || len(m.Cut) == 0 {
		return false
	}
	cut := make(map[string]bool, len(m.Cut))
	for _, n := range m.Cut {
		cut[n] = true
	}
	reach := 0
	for _, o := range s.Members {
		if !o.Learner && o.State.Running() && !cut[o.Name] {
			reach++
		}
	}
	return reach < s.Quorum
}

// QuorumSize returns floor(n/2)+1, the number of voters a write needs.
func QuorumSize(n int) int { return n/2 + 1 }

// Member returns the status of the named member and whether it exists.
func (s Status) Member(name string) (MemberStatus, bool) {
	for _, m := range s.Members {
		if m.Name == name {
			return m, true
		}
	}
	return MemberStatus{}, false
}

// derive fills in the cluster-wide fields of s from its members and the cut links.
func (s *Status) derive(cut func(a, b string) bool) {
	s.Voters, s.Running, s.Learners, s.LearnersRunning = 0, 0, 0, 0
	var running []string
	for _, m := range s.Members {
		switch {
		case m.Learner:
			s.Learners++
			if m.State.Running() {
				s.LearnersRunning++
			}
		default:
			s.Voters++
			if m.State.Running() {
				s.Running++
				running = append(running, m.Name)
			}
		}
		if m.Revision > s.Revision {
			s.Revision = m.Revision
		}
	}
	s.Quorum = QuorumSize(s.Voters)
	var best MemberStatus
	for _, m := range s.Members {
		if m.Role != RoleLeader {
			continue
		}
		if best.Name == "" || m.Term > best.Term || (m.Term == best.Term && s.CutOff(best.Name) && !s.CutOff(m.Name)) {
			best = m
		}
	}
	s.Leader, s.Term = best.Name, best.Term
	if best.Name == "" {
		for _, m := range s.Members {
			if m.Term > s.Term {
				s.Term = m.Term
			}
		}
	}
	s.Reachable = largestStar(running, cut)
	s.HasQuorum = s.Voters > 0 && s.Reachable >= s.Quorum
	if s.HasQuorum {
		s.Tolerates = s.Reachable - s.Quorum
	} else {
		s.Tolerates = 0
	}
}

// StaleLeader reports whether the named member thinks it leads while it
// is cut off from a quorum: it cannot commit, and CheckQuorum steps it down
// 1 to 2 election timeouts after the cut.
func (s Status) StaleLeader(name string) bool {
	m, ok := s.Member(name)
	return ok && m.Role == RoleLeader && s.CutOff(name)
}

// largestStar returns the largest number of names that one of them is
// not cut from, itself included.
func largestStar(names []string, cut func(a, b string) bool) int {
	best := 0
	for _, n := range names {
		size := 0
		for _, o := range names {
			if o == n || !cut(n, o) {
				size++
			}
		}
		best = max(best, size)
	}
	return best
}

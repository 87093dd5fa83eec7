package cluster

import (
	"sync"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

const (
	// MemberStarted: a member's server started; it is not ready yet.
	MemberStarted EventKind = iota
	// MemberReady: a member's server is ready and serves clients.
	MemberReady
	// MemberKilled: Kill crashed a member.
	MemberKilled
	// MemberStopped: Stop stopped a member gracefully.
	MemberStopped
	// MemberRestarted: Restart brought a member back from its data dir.
	MemberRestarted
	// MemberFailed: a member's server stopped on its own, or etcd hit a
	// fatal error in it.
	MemberFailed
	// LeaderLost: the cluster has no leader any more.
	LeaderLost
	// LeaderElected: a cluster without a leader has one again.
	LeaderElected
	// LeaderChanged: another member leads, or the leader leads in a new term.
	LeaderChanged
	// QuorumLost: fewer voters than a quorum can reach each other.
	QuorumLost
	// QuorumRegained: a quorum of voters can reach each other again.
	QuorumRegained
	// Partitioned: Isolate, Partition or Cut cut links between members.
	Partitioned
	// Healed: Heal cleared the rules (cut, delay, loss) of links.
	Healed
	// MemberAdded: AddMember added a member to the membership.
	MemberAdded
	// MemberRemoved: RemoveMember removed a member from the membership.
	MemberRemoved
	// MemberPromoted: PromoteMember made a learner a voting member.
	MemberPromoted
	// MemberUnreachable: an attached member did not answer its status call.
	MemberUnreachable
	// MemberReachable: an unreachable attached member answers again.
	MemberReachable
	// LinkChanged: Delay or Loss set or removed a link's delay or loss.
	LinkChanged
)

var eventKindNames = [...]string{
	MemberStarted:     "started",
	MemberReady:       "ready",
	MemberKilled:      "killed",
	MemberStopped:     "stopped",
	MemberRestarted:   "restarted",
	MemberFailed:      "failed",
	LeaderLost:        "leader-lost",
	LeaderElected:     "leader-elected",
	LeaderChanged:     "leader-changed",
	QuorumLost:        "quorum-lost",
	QuorumRegained:    "quorum-regained",
	Partitioned:       "partitioned",
	Healed:            "healed",
	MemberAdded:       "member-added",
	MemberRemoved:     "member-removed",
	MemberPromoted:    "member-promoted",
	MemberUnreachable: "unreachable",
	MemberReachable:   "reachable",
	LinkChanged:       "link",
}

// String returns the kind's short name, as the event log shows it.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "event"
}

// Event is something that happened to the cluster, with a line for people.
type Event struct {
	// Time is when it happened, or when the monitor sampled it.
	Time time.Time
	// Kind says what happened.
	Kind EventKind
	// Member names the member it concerns (for the leader events, the
	// leader won or lost); it is empty when it concerns the whole cluster.
	Member string
	// Term is, for the leader events, the Raft term of the leader.
	Term uint64
	// NoLeader is, for LeaderElected, how long the cluster had no leader.
	NoLeader time.Duration
	// Text says what happened, in one line for people.
	Text string
}

// subscriberBuffer bounds how far a slow subscriber may fall behind before
// events to it are dropped rather than blocking the cluster.
const subscriberBuffer = 1024

// broadcaster fans events out to subscribers without ever blocking the sender.
type broadcaster struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

func newBroadcaster() *broadcaster {
	return &broadcaster{subs: make(map[chan Event]struct{})}
}

func (b *broadcaster) subscribe() (<-chan Event, func()) {
	ch := make(chan Event, subscriberBuffer)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			if _, ok := b.subs[ch]; ok {
				delete(b.subs, ch)
				close(ch)
			}
			b.mu.Unlock()
		})
	}
}

func (b *broadcaster) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default: // full: drop the event rather than block the sender
		}
	}
}

func (b *broadcaster) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		close(ch)
		delete(b.subs, ch)
	}
}

// Subscribe returns a stream of events and a function that ends it. The
// stream is closed by that function or by Terminate.
func (c *Cluster) Subscribe() (<-chan Event, func()) { return c.events.subscribe() }

// emit publishes an event about member that happened now.
func (c *Cluster) emit(kind EventKind, member, text string) {
	c.events.publish(Event{Time: time.Now(), Kind: kind, Member: member, Text: text})
}

// roundDur rounds d for a line people read: to 10ms above a second, to the
// millisecond above one, else to the microsecond.
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

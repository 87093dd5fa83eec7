package cluster

import (
	"sync"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

const (
	MemberStarted EventKind = iota
	MemberReady
	MemberKilled
	MemberStopped
	MemberRestarted
	MemberFailed
	LeaderLost
	LeaderElected
	LeaderChanged
	QuorumLost
	QuorumRegained
	Partitioned
	Healed
	MemberAdded
	MemberRemoved
	MemberPromoted
	MemberUnreachable
	MemberReachable
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
}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "event"
}

// Event is something that happened to the cluster, with a line for people.
type Event struct {
	Time   time.Time
	Kind   EventKind
	Member string
	Term   uint64
	// NoLeader is, for LeaderElected, how long the cluster had no leader.
	NoLeader time.Duration
	Text     string
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

func (c *Cluster) emit(kind EventKind, member, text string) {
	c.events.publish(Event{Time: time.Now(), Kind: kind, Member: member, Text: text})
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

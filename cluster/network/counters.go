package network

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// Kind groups raftpb message types for counting.
type Kind uint8

// The kinds of Raft message the relays count. KindOther holds every type
// that crosses the network but has no kind of its own (MsgTransferLeader,
// MsgForgetLeader, ...).
const (
	KindApp Kind = iota
	KindAppResp
	KindHeartbeat
	KindHeartbeatResp
	KindVote
	KindVoteResp
	KindPreVote
	KindPreVoteResp
	KindProp
	KindSnap
	KindTimeoutNow
	KindReadIndex
	KindReadIndexResp
	KindOther
	// NumKinds is the number of kinds.
	NumKinds
)

var kindNames = [NumKinds]string{
	"MsgApp", "MsgAppResp", "MsgHeartbeat", "MsgHeartbeatResp", "MsgVote", "MsgVoteResp",
	"MsgPreVote", "MsgPreVoteResp", "MsgProp", "MsgSnap", "MsgTimeoutNow", "MsgReadIndex",
	"MsgReadIndexResp", "other",
}

// String returns the raftpb name of the kind ("MsgApp"), or "other".
func (k Kind) String() string {
	if k < NumKinds {
		return kindNames[k]
	}
	return "other"
}

// KindOf returns the kind a raftpb message type is counted as.
func KindOf(t raftpb.MessageType) Kind {
	switch t {
	case raftpb.MsgApp:
		return KindApp
	case raftpb.MsgAppResp:
		return KindAppResp
	case raftpb.MsgHeartbeat:
		return KindHeartbeat
	case raftpb.MsgHeartbeatResp:
		return KindHeartbeatResp
	case raftpb.MsgVote:
		return KindVote
	case raftpb.MsgVoteResp:
		return KindVoteResp
	case raftpb.MsgPreVote:
		return KindPreVote
	case raftpb.MsgPreVoteResp:
		return KindPreVoteResp
	case raftpb.MsgProp:
		return KindProp
	case raftpb.MsgSnap:
		return KindSnap
	case raftpb.MsgTimeoutNow:
		return KindTimeoutNow
	case raftpb.MsgReadIndex:
		return KindReadIndex
	case raftpb.MsgReadIndexResp:
		return KindReadIndexResp
	}
	return KindOther
}

// Counts is what crossed one directed link, or what was stopped on it.
type Counts struct {
	// Messages counts the Raft messages delivered, by kind.
	Messages [NumKinds]uint64
	// LinkHeartbeats counts rafthttp's own stream keep-alives
	// (linkHeartbeatMessage, every ~1.7 s on an idle stream), which Raft
	// never sees.
	LinkHeartbeats uint64
	// Bytes counts the bytes delivered: stream frames, pipeline messages and
	// snapshots (with their database).
	Bytes uint64
	// Drops counts messages lost to a loss rule.
	Drops uint64
	// Refused counts what a cut stopped: pipeline and snapshot requests and
	// stream connections refused, stream messages discarded when a cut
	// closed their stream, and requests of unknown sender refused because
	// every possible sender's link was cut.
	Refused uint64
}

// Total returns the number of Raft messages delivered, of every kind.
func (c Counts) Total() uint64 {
	var t uint64
	for _, n := range c.Messages {
		t += n
	}
	return t
}

func (c *Counts) add(o *Counts) {
	for i := range c.Messages {
		c.Messages[i] += o.Messages[i]
	}
	c.LinkHeartbeats += o.LinkHeartbeats
	c.Bytes += o.Bytes
	c.Drops += o.Drops
	c.Refused += o.Refused
}

// Rates holds counts over the last second, which are also per-second
// rates.
type Rates = Counts

const (
	slotLen = 100 * time.Millisecond
	slots   = 10 // slots per second
)

// meter counts one link's traffic: totals since the start, and counts per
// 100 ms slot over the last second. Every method holds its mutex only to
// add or copy a few numbers.
type meter struct {
	mu    sync.Mutex
	total Counts
	ring  [slots + 1]slot
}

type slot struct {
	n int64 // slot number: time / slotLen
	c Counts
}

// cur returns the slot for now, cleared if it was last used longer ago
// than the ring covers. The caller holds m.mu.
func (m *meter) cur(now time.Time) *Counts {
	n := now.UnixNano() / int64(slotLen)
	s := &m.ring[n%int64(len(m.ring))]
	if s.n != n {
		*s = slot{n: n}
	}
	return &s.c
}

// message counts a delivered message of kind k (or a link heartbeat).
func (m *meter) message(now time.Time, k Kind, heartbeat bool, bytes int) {
	m.mu.Lock()
	c := m.cur(now)
	if heartbeat {
		m.total.LinkHeartbeats++
		c.LinkHeartbeats++
	} else {
		m.total.Messages[k]++
		c.Messages[k]++
	}
	m.total.Bytes += uint64(bytes)
	c.Bytes += uint64(bytes)
	m.mu.Unlock()
}

// bytes counts bytes delivered outside a message (a snapshot's database).
func (m *meter) bytes(now time.Time, n int) {
	m.mu.Lock()
	m.total.Bytes += uint64(n)
	m.cur(now).Bytes += uint64(n)
	m.mu.Unlock()
}

// drop counts a message lost to a loss rule.
func (m *meter) drop(now time.Time) {
	m.mu.Lock()
	m.total.Drops++
	m.cur(now).Drops++
	m.mu.Unlock()
}

// refuse counts n things a cut stopped.
func (m *meter) refuse(now time.Time, n int) {
	m.mu.Lock()
	m.total.Refused += uint64(n)
	m.cur(now).Refused += uint64(n)
	m.mu.Unlock()
}

// read returns the totals and the counts of the last full second: the ten
// 100 ms slots before the current one.
func (m *meter) read(now time.Time) (total, last Counts) {
	n := now.UnixNano() / int64(slotLen)
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.ring {
		if s := &m.ring[i]; s.n < n && s.n >= n-slots {
			last.add(&s.c)
		}
	}
	return m.total, last
}

// Unattributed counts requests whose sender the relays cannot tell: they
// carry no X-Server-From header (probing, /version, /members, lease
// renewals and TimeToLive) and come without a member-named client
// certificate.
type Unattributed struct {
	// Requests counts them by path: "/raft/probing", "/version",
	// "/members", "/leases", "/leases/internal", or "other".
	Requests map[string]uint64
	// Refused counts those refused because every link they could have
	// travelled was cut.
	Refused uint64
}

type unattributed struct {
	mu sync.Mutex
	c  Unattributed
}

// count counts a request (if req is set) and n refusals.
func (u *unattributed) count(req *http.Request, refused int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.c.Requests == nil {
		u.c.Requests = make(map[string]uint64)
	}
	if req != nil {
		u.c.Requests[pathClass(req.URL.Path)]++
	}
	u.c.Refused += uint64(refused)
}

func (u *unattributed) read() Unattributed {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := Unattributed{Requests: make(map[string]uint64, len(u.c.Requests)), Refused: u.c.Refused}
	for k, v := range u.c.Requests {
		out.Requests[k] = v
	}
	return out
}

func pathClass(p string) string {
	for _, c := range []string{"/raft/probing", "/version", "/leases/internal", "/leases", "/members"} {
		if strings.HasPrefix(p, c) {
			return c
		}
	}
	return "other"
}

// Stats is a copy of every link's counters at one moment.
type Stats struct {
	Time time.Time
	// Links holds every directed link, in member order.
	Links        []LinkStats
	Unattributed Unattributed
}

// LinkStats is one directed link's rule and counters.
type LinkStats struct {
	Link
	Rule Rule
	// Total counts everything since the link was made.
	Total Counts
	// LastSecond counts the last full second (ten 100 ms slots), so its
	// numbers are also rates per second.
	LastSecond Rates
	// Streams is the number of rafthttp streams that carry the link now
	// (0 to 2: the message stream and the msgapp stream); a cut closes
	// them and refuses new ones.
	Streams int
}

// Link returns the stats of one link, if it is in s.
func (s Stats) Link(from, to string) (LinkStats, bool) {
	for _, l := range s.Links {
		if l.From == from && l.To == to {
			return l, true
		}
	}
	return LinkStats{}, false
}

// Stats copies every link's counters. It holds each link's lock only to
// copy its numbers, so it is cheap to call many times a second.
func (n *Network) Stats() Stats {
	now := time.Now()
	n.mu.RLock()
	ls := n.orderedLinks()
	n.mu.RUnlock()
	s := Stats{Time: now, Links: make([]LinkStats, len(ls)), Unattributed: n.other.read()}
	for i, l := range ls {
		total, last := l.meter.read(now)
		l.mu.Lock()
		streams := len(l.streams)
		l.mu.Unlock()
		s.Links[i] = LinkStats{Link: l.name(), Rule: l.current(), Total: total, LastSecond: last, Streams: streams}
	}
	return s
}

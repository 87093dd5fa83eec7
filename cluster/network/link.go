package network

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxDelay bounds a link's delay and its jitter.
const MaxDelay = time.Minute

// All names every member in a link rule, e.g. Cut("etcd1", All) cuts every
// link from etcd1.
const All = "all"

// Rule is what happens to the Raft messages of one directed link.
type Rule struct {
	// Cut drops every message: requests are refused, streams closed.
	Cut bool
	// Delay holds each message for Delay ± Jitter (uniform), in order.
	Delay, Jitter time.Duration
	// Loss is the percentage (0..100) of messages dropped at random.
	Loss float64
}

// open reports whether any Raft message gets through.
func (r Rule) open() bool { return !r.Cut && r.Loss < 100 }

// IsZero reports a rule that changes nothing.
func (r Rule) IsZero() bool { return r == Rule{} }

// String describes the rule, e.g. "cut", "delay 50ms±20ms loss 20%", or ""
// for none.
func (r Rule) String() string {
	var parts []string
	if r.Cut {
		parts = append(parts, "cut")
	}
	if r.Delay > 0 || r.Jitter > 0 {
		d := "delay " + r.Delay.String()
		if r.Jitter > 0 {
			d += "±" + r.Jitter.String()
		}
		parts = append(parts, d)
	}
	if r.Loss > 0 {
		parts = append(parts, fmt.Sprintf("loss %g%%", r.Loss))
	}
	return strings.Join(parts, " ")
}

// Link names a directed link between two members.
type Link struct{ From, To string }

// String returns "FROM -> TO".
func (l Link) String() string { return l.From + " -> " + l.To }

// LinkRule is a link and its rule.
type LinkRule struct {
	Link
	Rule
}

// UnknownMemberError reports a name that is no member of the network.
type UnknownMemberError struct {
	Name    string
	Members []string
}

// Error says which name is unknown and which are members.
func (e *UnknownMemberError) Error() string {
	return fmt.Sprintf("no member named %q: choose one of %s, or %s", e.Name, strings.Join(e.Members, ", "), All)
}

// SelfLinkError reports a link from a member to itself.
type SelfLinkError struct{ Name string }

// Error says that a member cannot link to itself.
func (e *SelfLinkError) Error() string {
	return fmt.Sprintf("%s -> %s is no link: a member always reaches itself; name two different members", e.Name, e.Name)
}

// RangeError reports a delay, jitter or loss out of range.
type RangeError struct {
	What, Value, Range string
}

// Error says what is out of range and what the range is.
func (e *RangeError) Error() string {
	return fmt.Sprintf("%s %s is out of range: choose %s", e.What, e.Value, e.Range)
}

func checkDelay(d, jitter time.Duration) error {
	for _, v := range []struct {
		what string
		d    time.Duration
	}{{"delay", d}, {"jitter", jitter}} {
		if v.d < 0 || v.d > MaxDelay {
			return &RangeError{What: v.what, Value: v.d.String(), Range: "0 to " + MaxDelay.String()}
		}
	}
	return nil
}

func checkLoss(p float64) error {
	if !(p >= 0 && p <= 100) { // also rejects NaN
		return &RangeError{What: "loss", Value: fmt.Sprintf("%g%%", p), Range: "0 to 100%"}
	}
	return nil
}

// link is one directed link: its rule, its counters, and the streams that
// carry it.
type link struct {
	from, to *member
	rule     atomic.Pointer[Rule] // nil: no rule
	meter    meter

	mu      sync.Mutex
	release time.Time // when the last delayed message is released
	rnd     *rand.Rand
	streams map[*stream]struct{}
}

func newLink(from, to *member, seed uint64) *link {
	return &link{from: from, to: to, rnd: rand.New(rand.NewPCG(seed, uint64(from.id)^uint64(to.id))), streams: map[*stream]struct{}{}}
}

func (l *link) name() Link { return Link{From: l.from.name, To: l.to.name} }

// current returns the link's rule (zero without one).
func (l *link) current() Rule {
	if r := l.rule.Load(); r != nil {
		return *r
	}
	return Rule{}
}

// lose decides whether a message is lost to rule r.
func (l *link) lose(r Rule) bool {
	if r.Loss <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rnd.Float64()*100 < r.Loss
}

// releaseAt returns when a message sent now must be delivered under rule
// r: now + Delay ± Jitter, but never before the link's previous message,
// so that messages keep their order. It returns the zero time for no delay.
func (l *link) releaseAt(now time.Time, r Rule) time.Time {
	if r.Delay <= 0 && r.Jitter <= 0 {
		return time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	d := r.Delay
	if r.Jitter > 0 {
		d += time.Duration(l.rnd.Int64N(2*int64(r.Jitter)+1)) - r.Jitter
	}
	t := now.Add(max(d, 0))
	if t.Before(l.release) {
		t = l.release
	}
	l.release = t
	return t
}

// attach registers a stream carrying the link; it fails if the link is cut.
func (l *link) attach(s *stream) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current().Cut {
		return false
	}
	l.streams[s] = struct{}{}
	return true
}

func (l *link) detach(s *stream) {
	l.mu.Lock()
	delete(l.streams, s)
	l.mu.Unlock()
}

// set installs rule r and closes the link's streams if r cuts it. The
// rule is stored under l.mu, so a stream attaching concurrently either sees
// the cut or is closed by it.
func (l *link) set(r Rule) {
	l.mu.Lock()
	if r.IsZero() {
		l.rule.Store(nil)
	} else {
		l.rule.Store(&r)
	}
	var cut []*stream
	if r.Cut {
		for s := range l.streams {
			cut = append(cut, s)
		}
	}
	l.mu.Unlock()
	for _, s := range cut {
		s.close()
	}
}

// Cut drops every message from one member to another. Either name may be
// All. The cut is one way: to cut both ways, cut both directions.
func (n *Network) Cut(from, to string) error {
	return n.update(from, to, nil, func(r *Rule) { r.Cut = true })
}

// Delay holds every message from one member to another for d ± jitter,
// keeping their order. A zero d and jitter remove the delay. Either name
// may be All.
func (n *Network) Delay(from, to string, d, jitter time.Duration) error {
	return n.update(from, to, checkDelay(d, jitter), func(r *Rule) { r.Delay, r.Jitter = d, jitter })
}

// Loss drops percent (0..100) of the messages from one member to another
// at random. Zero removes the loss. Either name may be All.
func (n *Network) Loss(from, to string, percent float64) error {
	return n.update(from, to, checkLoss(percent), func(r *Rule) { r.Loss = percent })
}

// Mend lifts the cut from one member to another and leaves its delay and
// loss. Either name may be All.
func (n *Network) Mend(from, to string) error {
	return n.update(from, to, nil, func(r *Rule) { r.Cut = false })
}

// Heal clears every rule from one member to another. Either name may be
// All; Heal(All, All) heals the whole network.
func (n *Network) Heal(from, to string) error {
	return n.update(from, to, nil, func(r *Rule) { *r = Rule{} })
}

// HealMember clears every rule on the links from and to a member.
func (n *Network) HealMember(name string) error {
	if err := n.Heal(name, All); err != nil {
		return err
	}
	return n.Heal(All, name)
}

// HealAll clears every rule.
func (n *Network) HealAll() { _ = n.Heal(All, All) }

func (n *Network) update(from, to string, invalid error, change func(*Rule)) error {
	if invalid != nil {
		return invalid
	}
	n.mu.RLock()
	ls, err := n.expand(from, to)
	n.mu.RUnlock()
	if err != nil {
		return err
	}
	n.ruleMu.Lock()
	defer n.ruleMu.Unlock()
	for _, l := range ls {
		r := l.current()
		change(&r)
		l.set(r)
	}
	return nil
}

// Links expands FROM and TO, either of which may be All, into the
// directed links they name, in member order.
func (n *Network) Links(from, to string) ([]Link, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	ls, err := n.expand(from, to)
	out := make([]Link, len(ls))
	for i, l := range ls {
		out[i] = l.name()
	}
	return out, err
}

// expand resolves from and to into links. The caller holds n.mu.
func (n *Network) expand(from, to string) ([]*link, error) {
	for _, name := range []string{from, to} {
		if name != All && n.byName(name) == nil {
			return nil, &UnknownMemberError{Name: name, Members: n.names()}
		}
	}
	if from == to && from != All {
		return nil, &SelfLinkError{Name: from}
	}
	var out []*link
	for _, a := range n.members {
		for _, b := range n.members {
			if a != b && (from == All || from == a.name) && (to == All || to == b.name) {
				out = append(out, n.links[[2]*member{a, b}])
			}
		}
	}
	return out, nil
}

// Rule returns the rule of one directed link.
func (n *Network) Rule(from, to string) (Rule, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	ls, err := n.expand(from, to)
	if err != nil {
		return Rule{}, err
	}
	if len(ls) != 1 {
		return Rule{}, fmt.Errorf("%s -> %s names %d links: name two members", from, to, len(ls))
	}
	return ls[0].current(), nil
}

// Rules returns every link that has a rule, in member order.
func (n *Network) Rules() []LinkRule {
	n.mu.RLock()
	defer n.mu.RUnlock()
	var out []LinkRule
	for _, l := range n.orderedLinks() {
		if r := l.current(); !r.IsZero() {
			out = append(out, LinkRule{Link: l.name(), Rule: r})
		}
	}
	return out
}

// Reachable reports whether a and b can exchange Raft messages: neither
// direction is cut (or loses every message). Raft needs both directions:
// a follower keeps its leader only while the leader's messages reach it,
// and a leader counts a follower active (CheckQuorum) and its entries
// acknowledged only when the follower's answers come back. So a member
// that can send to the others but not hear them, or the reverse, is cut
// off from them. Delay and partial loss do not count, though a delay
// longer than the election timeout has much the same effect.
func (n *Network) Reachable(a, b string) bool {
	if a == b {
		return true
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	ma, mb := n.byName(a), n.byName(b)
	if ma == nil || mb == nil {
		return false
	}
	return n.links[[2]*member{ma, mb}].current().open() && n.links[[2]*member{mb, ma}].current().open()
}

// orderedLinks returns every link, in member order. The caller holds n.mu.
func (n *Network) orderedLinks() []*link {
	out := make([]*link, 0, len(n.links))
	for _, a := range n.members {
		for _, b := range n.members {
			if a != b {
				out = append(out, n.links[[2]*member{a, b}])
			}
		}
	}
	return out
}

func (n *Network) names() []string {
	out := make([]string, len(n.members))
	for i, m := range n.members {
		out[i] = m.name
	}
	return out
}

// closeStreams closes every stream carrying the link, e.g. when a member
// leaves the network.
func (l *link) closeStreams() {
	l.mu.Lock()
	var ss []*stream
	for s := range l.streams {
		ss = append(ss, s)
	}
	l.mu.Unlock()
	for _, s := range ss {
		s.close()
	}
}

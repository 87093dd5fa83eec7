package network

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/etcdserver/api/membership"
	"go.etcd.io/raft/v3/raftpb"
)

// Options configures a Network.
type Options struct {
	// ServerTLS, if set, is what the relays present to members: under peer
	// TLS, the member certificate and key, the CA that signs member client
	// certificates, and ClientAuth set as etcd sets it for peers
	// (tls.RequireAndVerifyClientCert with a trusted CA). A verified client
	// certificate whose CommonName is a member name identifies the sender of
	// requests that carry no X-Server-From header.
	ServerTLS *tls.Config
	// ClientTLS, if set, is what the relays use to reach members: the CA to
	// trust and a client certificate that members accept.
	ClientTLS *tls.Config
	// DialTimeout bounds a relay's connection to a member; zero means 1 s,
	// etcd's peer dial timeout.
	DialTimeout time.Duration
	// Seed seeds the random draws of loss and jitter; zero picks a random
	// seed.
	Seed uint64
}

// Network is the network between the members of one cluster: a relay in
// front of every member's peer port, the directed links between members
// with their rules, and what crossed them.
type Network struct {
	opts      Options
	transport *http.Transport
	progress  *tracker
	other     unattributed

	ruleMu sync.Mutex // serializes rule changes

	// capture, if set, sees every stream frame as the member sent it
	// (tests record real traffic with it).
	capture func(s *stream, typ string, raw []byte)

	mu      sync.RWMutex
	members []*member // in the order they were added
	links   map[[2]*member]*link
	closed  bool
}

// member is one member's relay and what the network knows of it.
type member struct {
	name      string
	id        types.ID
	advertise url.URL
	target    atomic.Pointer[url.URL]
	relay     *relay
	// term is the highest term of the Raft messages the member sent, but
	// for pre-votes and their answers, which ask about a term without
	// moving to it.
	term atomic.Uint64
}

// noteTerm records the term of a message m sent.
func (m *member) noteTerm(h header) {
	if h.Type == raftpb.MsgPreVote || h.Type == raftpb.MsgPreVoteResp || h.linkHeartbeat {
		return
	}
	for {
		t := m.term.Load()
		if h.Term <= t || m.term.CompareAndSwap(t, h.Term) {
			return
		}
	}
}

// New returns a network with no members.
func New(opts Options) *Network {
	if opts.DialTimeout == 0 {
		opts.DialTimeout = time.Second
	}
	if opts.Seed == 0 {
		opts.Seed = rand.Uint64()
	}
	return &Network{
		opts:      opts,
		transport: newTransport(opts),
		progress:  newTracker(),
		links:     make(map[[2]*member]*link),
	}
}

// MemberID returns the ID etcd gives a member of a new cluster with these
// advertised peer URLs and initial cluster token, as membership.NewMember
// computes it. A member added to a running cluster gets an ID that also
// hashes the time; take it from the MemberAdd response instead.
func MemberID(name string, peerURLs []url.URL, token string) types.ID {
	return membership.NewMember(name, types.URLs(peerURLs), token, nil).ID
}

// AddMember starts a relay for a member on its advertised peer URL. Until
// SetTarget names the member's real listen URL, the relay breaks the
// connection of every request, as the port of a member that is down would
// refuse it.
func (n *Network) AddMember(name string, id types.ID, advertise url.URL) error {
	if name == "" || name == All {
		return fmt.Errorf("a member cannot be named %q", name)
	}
	if id == 0 {
		return fmt.Errorf("member %s has no ID", name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errClosed
	}
	for _, o := range n.members {
		if o.name == name || o.id == id {
			return fmt.Errorf("member %s (%s) is already on the network", o.name, o.id)
		}
	}
	m := &member{name: name, id: id, advertise: advertise}
	r, err := startRelay(n, m)
	if err != nil {
		return err
	}
	m.relay = r
	for _, o := range n.members {
		n.links[[2]*member{o, m}] = newLink(o, m, n.opts.Seed)
		n.links[[2]*member{m, o}] = newLink(m, o, n.opts.Seed)
	}
	n.members = append(n.members, m)
	return nil
}

// SetTarget points a member's relay at the URL its etcd server really
// listens on, e.g. after a restart that picked a new port. The zero URL
// marks the member down: call it when the member stops, so that nothing
// is forwarded to its old port, which the system may hand to another
// member's listener.
func (n *Network) SetTarget(name string, target url.URL) error {
	n.mu.RLock()
	defer n.mu.RUnlock()
	m := n.byName(name)
	if m == nil {
		return &UnknownMemberError{Name: name, Members: n.names()}
	}
	if target.Host == "" {
		m.target.Store(nil)
		return nil
	}
	m.target.Store(&target)
	return nil
}

// RemoveMember closes a member's relay and forgets its links and their
// rules.
func (n *Network) RemoveMember(name string) error {
	n.mu.Lock()
	m := n.byName(name)
	if m == nil {
		err := &UnknownMemberError{Name: name, Members: n.names()}
		n.mu.Unlock()
		return err
	}
	var gone []*link
	for k, l := range n.links {
		if k[0] == m || k[1] == m {
			gone = append(gone, l)
			delete(n.links, k)
		}
	}
	for i, o := range n.members {
		if o == m {
			n.members = append(n.members[:i:i], n.members[i+1:]...)
			break
		}
	}
	n.mu.Unlock()
	for _, l := range gone {
		l.closeStreams()
	}
	m.relay.close()
	n.progress.forget(m.id)
	return nil
}

var errClosed = errors.New("the network is closed")

// Close closes every relay and waits until their connections are gone.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	ms := n.members
	n.mu.Unlock()
	for _, m := range ms {
		m.relay.close()
	}
	n.transport.CloseIdleConnections()
	return nil
}

// Name returns the name of the member with the given ID.
func (n *Network) Name(id types.ID) (string, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if m := n.byID(id); m != nil {
		return m.name, true
	}
	return "", false
}

// Members returns the members' names, in the order they were added.
func (n *Network) Members() []string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.names()
}

// byName returns the named member or nil. The caller holds n.mu.
func (n *Network) byName(name string) *member {
	for _, m := range n.members {
		if m.name == name {
			return m
		}
	}
	return nil
}

// byID returns the member with the given ID or nil. The caller holds n.mu.
func (n *Network) byID(id types.ID) *member {
	for _, m := range n.members {
		if m.id == id {
			return m
		}
	}
	return nil
}

// link returns the link between two members, or nil if either is nil or
// no longer on the network.
func (n *Network) link(from, to *member) *link {
	if from == nil || to == nil || from == to {
		return nil
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.links[[2]*member{from, to}]
}

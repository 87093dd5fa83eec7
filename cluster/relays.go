package cluster

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/embed"

	"github.com/etcdlab/etcdlab/cluster/network"
)

// Every member's peers reach it through a relay (package network): the
// member advertises its slot's peer port, where its relay listens, and
// listens itself on a port the system picks. The relays are on from Launch
// to Terminate, so that any link can be cut, slowed or made lossy at any
// moment, and they count every Raft message that crosses a link.

// startNetwork creates the cluster's network and a relay for every member,
// before any member starts, so that the first peer request is attributed.
// The caller holds opMu.
func (c *Cluster) startNetwork(ids map[string]types.ID) error {
	if c.cfg.DirectPeers {
		return nil
	}
	opts := network.Options{}
	if c.cfg.TLS {
		srv, cli, err := c.relayTLS()
		if err != nil {
			return err
		}
		opts.ServerTLS, opts.ClientTLS = srv, cli
	}
	n := network.New(opts)
	c.mu.Lock()
	c.net = n
	ms := append([]*member(nil), c.members...)
	c.mu.Unlock()
	for _, m := range ms {
		id := ids[m.name]
		if id == 0 {
			id = network.MemberID(m.name, []url.URL{m.peerURL}, c.token)
		}
		if err := c.join(m, id); err != nil {
			return err
		}
	}
	return nil
}

// join starts m's relay, for a member whose etcd ID is id.
func (c *Cluster) join(m *member, id types.ID) error {
	if c.net == nil {
		return nil // DirectPeers
	}
	if err := c.net.AddMember(m.name, id, m.peerURL); err != nil {
		return fmt.Errorf("%s cannot start its relay: %v", m.name, err)
	}
	c.mu.Lock()
	m.relayID = id
	c.mu.Unlock()
	return nil
}

// listenPeerURL is where m's server listens for peers: the configured host,
// on a port the system picks. Only its relay dials it. With DirectPeers it
// is the advertised port itself.
func (c *Cluster) listenPeerURL(m *member) url.URL {
	if c.cfg.DirectPeers {
		return url.URL{Scheme: m.peerURL.Scheme, Host: net.JoinHostPort(c.cfg.Host, m.peerURL.Port())}
	}
	return url.URL{Scheme: m.peerURL.Scheme, Host: net.JoinHostPort(c.cfg.Host, "0")}
}

// relayTo points m's relay at the port its new server e listens on. A
// member that an earlier run added has an ID that MemberID cannot compute
// (etcd hashes the time into it); if the relay was given another ID, it is
// started again with the real one, and m's rules are kept.
func (c *Cluster) relayTo(m *member, e *embed.Etcd) error {
	if c.net == nil {
		return nil // DirectPeers
	}
	if id := e.Server.MemberID(); id != m.relayID {
		rules := c.net.Rules()
		if err := c.net.RemoveMember(m.name); err != nil {
			return err
		}
		if err := c.join(m, id); err != nil {
			return err
		}
		c.restoreRules(rules, m.name)
	}
	_, port, err := net.SplitHostPort(e.Peers[0].Addr().String())
	if err != nil {
		return err
	}
	target := m.peerURL
	target.Host = net.JoinHostPort(m.peerURL.Hostname(), port)
	return c.net.SetTarget(m.name, target)
}

// restoreRules sets again the rules of the links of member name.
func (c *Cluster) restoreRules(rules []network.LinkRule, name string) {
	for _, r := range rules {
		if r.From != name && r.To != name {
			continue
		}
		if r.Cut {
			_ = c.net.Cut(r.From, r.To)
		}
		if r.Delay > 0 || r.Jitter > 0 {
			_ = c.net.Delay(r.From, r.To, r.Delay, r.Jitter)
		}
		if r.Loss > 0 {
			_ = c.net.Loss(r.From, r.To, r.Loss)
		}
	}
}

// relayDown tells m's relay that its server is down, so that the relay
// refuses what comes for it instead of forwarding to a port the system may
// give to another listener.
func (c *Cluster) relayDown(m *member) {
	if c.net != nil {
		_ = c.net.SetTarget(m.name, url.URL{})
	}
}

// relayTLS returns the TLS configurations of the relays: as a server to
// members, the lab's server certificate, demanding a member certificate
// (as etcd's peer listener would), whose CommonName names the sender; as a
// client of members, the same certificate, which members accept as a
// client one.
func (c *Cluster) relayTLS() (server, client *tls.Config, err error) {
	f := c.TLS()
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, nil, err
	}
	pool, err := caPool(f.CA)
	if err != nil {
		return nil, nil, err
	}
	server = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	client = &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client, nil
}

// ownsPeerPort reports whether the lab's own relay for the member of slot
// holds that slot's peer port.
func (c *Cluster) ownsPeerPort(slot int) bool {
	if c.net == nil {
		return false
	}
	for _, n := range c.net.Members() {
		if n == memberName(slot) {
			return true
		}
	}
	return false
}

// netStatus fills in what the relays know of st's members: whom each
// cannot exchange messages with, how far each follower lags behind the
// leader, the last vote request each sent, and the rules of the links. It
// returns whether two members are cut from each other. The caller holds
// c.mu.
func (c *Cluster) netStatus(st *Status) func(a, b string) bool {
	if c.net == nil {
		return func(a, b string) bool { return false }
	}
	n := c.net
	st.Rules = n.Rules()
	var rep network.Replication
	var lead *MemberStatus
	for i := range st.Members {
		if m := &st.Members[i]; m.Role == RoleLeader {
			if r, ok := n.Replication(m.Name); ok && r.Term >= m.Term {
				rep, lead = r, m
			}
		}
	}
	for i := range st.Members {
		m := &st.Members[i]
		for _, o := range st.Members {
			if o.Name != m.Name && !n.Reachable(m.Name, o.Name) {
				m.Cut = append(m.Cut, o.Name)
			}
		}
		m.Campaign, _ = n.Campaign(m.Name)
		m.SentTerm, _ = n.Term(m.Name)
		if lead == nil || m == lead || !m.State.Running() {
			continue
		}
		for _, f := range rep.Followers {
			if f.Name == m.Name {
				m.Lag = Lag{Known: true, Entries: f.Lag(rep.LastIndex), Snapshot: f.Snapshotting, Unacked: f.Acked.IsZero()}
			}
		}
	}
	return func(a, b string) bool { return !n.Reachable(a, b) }
}

// NetStats is a copy of every link's rule and counters at one moment.
type NetStats = network.Stats

// NetStats copies the counters of every directed link between members:
// the Raft messages delivered by kind, bytes, drops and refusals, in all
// and over the last second, and the requests no relay could attribute.
func (c *Cluster) NetStats() (NetStats, error) {
	c.mu.RLock()
	n := c.net
	c.mu.RUnlock()
	if n == nil {
		return NetStats{}, errNotLaunched
	}
	return n.Stats(), nil
}

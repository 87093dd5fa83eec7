package cluster

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
)

type member struct {
	slot      int
	name      string
	dir       string
	clientURL url.URL
	peerURL   url.URL

	// guarded by Cluster.mu
	etcd    *embed.Etcd
	state   State
	id      types.ID
	learner bool
	// relayID is the ID the member's relay attributes its traffic to.
	relayID types.ID
	started time.Time
	// ready is closed by the member's watcher once the server is ready.
	ready chan struct{}
	// closed, if set, is closed once a killed server released its ports.
	closed chan struct{}
	// removing is set while the member is being removed from the cluster.
	removing bool
	// wedged is set after etcd hit a fatal error in the member: the
	// goroutine that hit it is gone, and its server can no longer stop
	// (its apply loop waits for that goroutine forever), so it is left
	// alone until the process exits.
	wedged bool
	// grpc holds the member's client gRPC servers, so that a kill can cut
	// its client connections at once, as a crashed process's would be.
	grpc []*grpc.Server
}

func (c *Cluster) newMember(slot int) *member {
	host := c.cfg.Host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listen everywhere, advertise loopback to peers
	}
	scheme := "http"
	if c.cfg.TLS {
		scheme = "https"
	}
	return &member{
		slot:      slot,
		name:      memberName(slot),
		dir:       filepath.Join(c.cfg.DataDir, memberName(slot)),
		clientURL: url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(ClientPort(c.cfg.BasePort, slot)))},
		peerURL:   url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(PeerPort(c.cfg.BasePort, slot)))},
		state:     Stopped,
	}
}

// memberFatal marks m failed after etcd logged a fatal error in it (the
// goroutine that hit it has ended, see survive) and drops its client
// connections, so that clients go to the members that still work.
func (c *Cluster) memberFatal(m *member, msg string) {
	c.mu.Lock()
	failed := m.state.Running() && !m.removing
	var servers []*grpc.Server
	if failed {
		m.state, m.wedged = Failed, true
		servers, m.grpc = m.grpc, nil
		c.relayDown(m)
	}
	c.mu.Unlock()
	if !failed {
		return
	}
	for _, g := range servers {
		g.Stop()
	}
	text := fmt.Sprintf("%s failed: etcd hit a fatal error (%s); the other members go on", m.name, msg)
	if f := c.LogFile(); f != "" {
		text += "; see " + f
	}
	c.emit(MemberFailed, m.name, text)
	c.pokeMonitor()
}

// initialCluster returns etcd's --initial-cluster value for the given members.
func (c *Cluster) initialCluster(ms []*member) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, m.name+"="+m.peerURL.String())
	}
	return strings.Join(parts, ",")
}

func (c *Cluster) embedConfig(m *member, initialCluster, state string) *embed.Config {
	ec := embed.NewConfig()
	ec.Name = m.name
	ec.Dir = m.dir
	listen := func(u url.URL) url.URL {
		_, port, _ := net.SplitHostPort(u.Host)
		u.Host = net.JoinHostPort(c.cfg.Host, port)
		return u
	}
	ec.ListenClientUrls = []url.URL{listen(m.clientURL)}
	ec.AdvertiseClientUrls = []url.URL{m.clientURL}
	// Peers reach the member through its relay, on the advertised URL.
	ec.ListenPeerUrls = []url.URL{c.listenPeerURL(m)}
	ec.AdvertisePeerUrls = []url.URL{m.peerURL}
	ec.InitialCluster = initialCluster
	ec.InitialClusterToken = c.token
	ec.ClusterState = state
	ec.TickMs = uint(c.cfg.HeartbeatMs)
	ec.ElectionMs = uint(c.cfg.ElectionMs)
	ec.Logger = "zap"
	lg := c.logger.With(zap.String("member", m.name)).WithOptions(zap.Hooks(func(e zapcore.Entry) error {
		if e.Level >= zapcore.DPanicLevel {
			go c.memberFatal(m, e.Message)
		}
		return nil
	}))
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
	ec.Metrics = "basic"
	ec.ServiceRegister = func(s *grpc.Server) {
		c.mu.Lock()
		m.grpc = append(m.grpc, s)
		c.mu.Unlock()
	}
	if c.cfg.TLS {
		// Clients need only the CA to trust the members; a trusted CA on
		// the client side would make etcd demand client certificates.
		ec.ClientTLSInfo = c.tlsInfo()
		ec.ClientTLSInfo.TrustedCAFile = ""
		// Each member has its own peer certificate, named after it, so
		// that its relay can tell who sent a request that carries no
		// X-Server-From header (lease renewals, /members, /version).
		ec.PeerTLSInfo = c.peerTLSInfo(m.name)
	}
	return ec
}

// startMember starts m's server and a watcher that marks it Up when ready
// and Failed if it stops on its own. The caller holds opMu.
func (c *Cluster) startMember(m *member, initialCluster, state string) error {
	c.mu.Lock()
	m.grpc = nil
	c.mu.Unlock()
	ec := c.embedConfig(m, initialCluster, state)
	e, err := embed.StartEtcd(ec)
	if err != nil {
		if e != nil {
			e.Close()
		}
		return fmt.Errorf("%s did not start: %v", m.name, err)
	}
	if err := c.relayTo(m, e); err != nil {
		e.Server.HardStop()
		e.Close()
		return fmt.Errorf("%s did not start: %v", m.name, err)
	}
	ready := make(chan struct{})
	c.mu.Lock()
	m.etcd, m.state, m.id, m.started, m.ready = e, Starting, e.Server.MemberID(), time.Now(), ready
	if vm := e.Server.Cluster().Member(m.id); vm != nil {
		m.learner = vm.IsLearner
	}
	c.mu.Unlock()
	c.emit(MemberStarted, m.name, m.name+" started")
	c.wg.Add(1)
	go c.watchMember(m, e, ready)
	return nil
}

func (c *Cluster) watchMember(m *member, e *embed.Etcd, ready chan struct{}) {
	defer c.wg.Done()
	select {
	case <-e.Server.ReadyNotify():
		c.mu.Lock()
		if m.etcd == e && m.state == Starting {
			m.state = Up
		}
		took := time.Since(m.started)
		c.mu.Unlock()
		close(ready)
		c.emit(MemberReady, m.name, fmt.Sprintf("%s ready after %s", m.name, roundDur(took)))
		c.pokeMonitor()
	case <-e.Server.StopNotify():
		close(ready)
	}
	var cause error
	select {
	case <-e.Server.StopNotify():
	case cause = <-e.Err():
	}
	c.mu.Lock()
	failed := m.etcd == e && m.state.Running() && !m.removing
	if failed {
		m.state = Failed
		c.relayDown(m)
	}
	c.mu.Unlock()
	if failed {
		text := m.name + " failed: its server stopped on its own"
		if cause != nil {
			text += ": " + cause.Error()
		}
		c.emit(MemberFailed, m.name, text+" (see "+c.LogFile()+")")
		c.pokeMonitor()
	}
}

// Package cluster runs real embedded etcd members on loopback ports and lets
// a caller crash, stop, restart and partition them while it watches what Raft
// does about it.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
)

// Config describes the cluster to launch.
type Config struct {
	// Members is the number of voting members, 1..MaxMembers.
	Members int
	// BasePort is etcd1's client port; see ClientPort and PeerPort.
	BasePort int
	// Host is the address members listen on; default 127.0.0.1.
	Host string
	// DataDir keeps member data across runs; empty means a temporary
	// directory that Terminate removes.
	DataDir string
	// HeartbeatMs and ElectionMs are etcd's --heartbeat-interval and
	// --election-timeout; zero means etcd's defaults (100 and 1000).
	HeartbeatMs int
	ElectionMs  int
	// LogFile receives etcd's logs; empty means DataDir/etcd.log, "-" none.
	LogFile string
	// SampleInterval is how often the monitor samples status for events;
	// zero means 20ms.
	SampleInterval time.Duration
	// TLS serves clients and peers over TLS with certificates the lab
	// generates under DataDir/tls.
	TLS bool
	// Auth creates a root user with a generated password and enables
	// etcd's authentication.
	Auth bool
}

const (
	metaFile     = "etcdlab.json"
	clusterToken = "etcd-cluster"
)

// meta is what a data dir remembers about the cluster it holds.
type meta struct {
	Members  []string `json:"members"`
	BasePort int      `json:"base_port"`
	Token    string   `json:"token"`
	TLS      bool     `json:"tls,omitempty"`
	Auth     bool     `json:"auth,omitempty"`
}

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

// Cluster is a set of embedded etcd members in this process.
type Cluster struct {
	cfg     Config
	tmpDir  bool
	token   string
	logger  *zap.Logger
	logSync func()

	opMu sync.Mutex // serializes lifecycle operations

	mu      sync.RWMutex
	members []*member
	cuts    map[[2]string]bool
	closed  bool

	events *broadcaster
	poke   chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup

	password   string
	launched   bool
	launchedAt time.Time
}

// InfoFromDataDir reports the member count and base port stored in an
// existing lab data dir; ok is false when dir holds no lab cluster.
func InfoFromDataDir(dir string) (members, basePort int, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil
	}
	if errors.Is(err, syscall.ENOTDIR) {
		return 0, 0, false, fmt.Errorf("--data-dir %s is a file, or lies under one: choose a directory", dir)
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("cannot read --data-dir %s: %v", dir, err)
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, 0, false, fmt.Errorf("%s is damaged (%v): remove it or use another --data-dir", filepath.Join(dir, metaFile), err)
	}
	return len(m.Members), m.BasePort, true, nil
}

// New validates cfg, prepares the data dir and checks that every port is
// free. It starts nothing; call Launch.
func New(cfg Config) (*Cluster, error) {
	if cfg.Members < 1 || cfg.Members > MaxMembers {
		return nil, fmt.Errorf("--members %d is out of range: choose 1 to %d", cfg.Members, MaxMembers)
	}
	if cfg.BasePort == 0 {
		cfg.BasePort = DefaultBasePort
	}
	if err := ValidateBasePort(cfg.BasePort); err != nil {
		return nil, err
	}
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.HeartbeatMs == 0 {
		cfg.HeartbeatMs = 100
	}
	if cfg.ElectionMs == 0 {
		cfg.ElectionMs = 1000
	}
	if err := ValidateTimings(cfg.HeartbeatMs, cfg.ElectionMs); err != nil {
		return nil, err
	}
	if cfg.SampleInterval == 0 {
		cfg.SampleInterval = 20 * time.Millisecond
	}
	c := &Cluster{
		cfg:    cfg,
		token:  clusterToken,
		cuts:   make(map[[2]string]bool),
		events: newBroadcaster(),
		poke:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
	names := make([]string, cfg.Members)
	for i := range names {
		names[i] = memberName(i + 1)
	}
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "etcdlab-")
		if err != nil {
			return nil, fmt.Errorf("cannot create a temporary data dir: %v (set TMPDIR or use --data-dir)", err)
		}
		c.cfg.DataDir, c.tmpDir = dir, true
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create --data-dir %s: %v", cfg.DataDir, err)
		}
		if err := checkWritable(cfg.DataDir); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, metaFile))
		switch {
		case err == nil:
			var m meta
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s is damaged (%v): remove it or use another --data-dir", filepath.Join(cfg.DataDir, metaFile), err)
			}
			if len(m.Members) != cfg.Members {
				return nil, fmt.Errorf("--data-dir %s holds a %d-member cluster, not %d: use --members %d or another --data-dir", cfg.DataDir, len(m.Members), cfg.Members, len(m.Members))
			}
			if m.BasePort != cfg.BasePort {
				return nil, fmt.Errorf("--data-dir %s holds a cluster on --base-port %d, not %d: use --base-port %d or another --data-dir", cfg.DataDir, m.BasePort, cfg.BasePort, m.BasePort)
			}
			if m.TLS != cfg.TLS {
				return nil, fmt.Errorf("--data-dir %s holds a cluster %s TLS: %s --tls, or use another --data-dir", cfg.DataDir, withOrWithout(m.TLS), addOrDrop(m.TLS))
			}
			if m.Auth != cfg.Auth {
				return nil, fmt.Errorf("--data-dir %s holds a cluster %s auth: %s --auth, or use another --data-dir", cfg.DataDir, withOrWithout(m.Auth), addOrDrop(m.Auth))
			}
			names = m.Members
			if m.Token != "" {
				c.token = m.Token
			}
		case errors.Is(err, os.ErrNotExist):
			if entries, _ := os.ReadDir(cfg.DataDir); len(entries) > 0 {
				return nil, fmt.Errorf("--data-dir %s is not empty and holds no etcdlab cluster: use an empty or new directory", cfg.DataDir)
			}
		default:
			return nil, fmt.Errorf("cannot read --data-dir %s: %v", cfg.DataDir, err)
		}
	}
	var slots []int
	for _, n := range names {
		slot, err := slotOf(n)
		if err != nil {
			c.removeTemp()
			return nil, err
		}
		slots = append(slots, slot)
		c.members = append(c.members, c.newMember(slot))
	}
	if err := checkPortsFree(cfg.Host, cfg.BasePort, slots); err != nil {
		c.removeTemp()
		return nil, err
	}
	return c, nil
}

// ValidateTimings checks a heartbeat interval and an election timeout, both
// in ms, against etcd's rules: an election timeout of at least 5 heartbeats
// and at most 50000 ms.
func ValidateTimings(heartbeatMs, electionMs int) error {
	if heartbeatMs < 1 || electionMs < 5*heartbeatMs || electionMs > 50000 {
		return fmt.Errorf("--election-timeout %d with --heartbeat-interval %d is invalid: etcd needs an election timeout of at least 5 heartbeats and at most 50000 ms", electionMs, heartbeatMs)
	}
	return nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		return fmt.Errorf("--data-dir %s is not writable: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func slotOf(name string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "etcd"))
	if err != nil || !strings.HasPrefix(name, "etcd") || n < 1 || n > MaxMembers {
		return 0, fmt.Errorf("bad member name %q in data dir: expected etcd1..etcd%d", name, MaxMembers)
	}
	return n, nil
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

// DataDir returns the directory that holds the members' data.
func (c *Cluster) DataDir() string { return c.cfg.DataDir }

// TempDataDir reports whether the data dir is removed by Terminate.
func (c *Cluster) TempDataDir() bool { return c.tmpDir }

// LogFile returns where etcd's logs go ("" if nowhere).
func (c *Cluster) LogFile() string {
	switch c.cfg.LogFile {
	case "-":
		return ""
	case "":
		return filepath.Join(c.cfg.DataDir, "etcd.log")
	}
	return c.cfg.LogFile
}

// Config returns the configuration the cluster runs with, defaults filled in.
func (c *Cluster) Config() Config { return c.cfg }

// Subscribe returns a stream of events and a function that ends it. The
// stream is closed by that function or by Terminate.
func (c *Cluster) Subscribe() (<-chan Event, func()) { return c.events.subscribe() }

func (c *Cluster) emit(kind EventKind, member, text string) {
	c.events.publish(Event{Time: time.Now(), Kind: kind, Member: member, Text: text})
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

// survive keeps one member's fatal error from ending the process: etcd
// calls Panic or Fatal on its logger when its disk fails under it, and in a
// process of its own that ends etcd. Here it ends only the goroutine that
// hit it; the member's watcher reports it as failed if its server stops.
var survive = []zap.Option{
	zap.WithFatalHook(zapcore.WriteThenGoexit),
	zap.WithPanicHook(zapcore.WriteThenGoexit),
}

func (c *Cluster) openLogger() error {
	path := c.LogFile()
	if path == "" {
		// Nothing is written, but fatal entries must still reach the hook
		// that marks their member failed.
		enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
		c.logger = zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zap.DPanicLevel), survive...)
		c.logSync = func() {}
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open etcd log file %s: %v (use --log-file)", path, err)
	}
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	core := zapcore.NewCore(enc, zapcore.AddSync(f), zap.InfoLevel)
	c.logger = zap.New(core, survive...)
	c.logSync = func() { c.logger.Sync(); f.Close() }
	return nil
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
	ec.ListenPeerUrls = []url.URL{listen(m.peerURL)}
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
		ec.PeerTLSInfo = c.tlsInfo()
	}
	return ec
}

// Launch starts every member, one after another so that no member waits
// for a silent peer while bootstrapping, then waits until all are ready or
// ctx ends. On failure it stops what it started.
func (c *Cluster) Launch(ctx context.Context) error {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	if c.launched {
		return errors.New("cluster already launched")
	}
	c.launched = true
	c.launchedAt = time.Now()
	if err := c.openLogger(); err != nil {
		c.removeTemp()
		return err
	}

	if c.cfg.TLS {
		if err := c.ensureCerts(); err != nil {
			c.terminate()
			return err
		}
	}
	initial := c.initialCluster(c.members)
	for _, m := range c.members {
		state := embed.ClusterStateFlagNew
		if err := c.startMember(m, initial, state); err != nil {
			c.terminate()
			return err
		}
	}
	for _, m := range c.members {
		select {
		case <-m.ready:
		case <-ctx.Done():
			c.terminate()
			return fmt.Errorf("members not ready within the deadline: %w (see %s)", ctx.Err(), c.LogFile())
		}
	}
	if c.cfg.Auth {
		resumed, err := c.loadPassword()
		if err == nil && !resumed {
			err = c.enableAuth(ctx)
		}
		if err != nil {
			c.terminate()
			return err
		}
	}
	if err := c.writeMeta(); err != nil {
		c.terminate()
		return err
	}
	first := c.Status()
	if first.Leader != "" {
		d := first.Time.Sub(c.launchedAt)
		c.events.publish(Event{Time: first.Time, Kind: LeaderElected, Member: first.Leader, Term: first.Term, NoLeader: d,
			Text: fmt.Sprintf("%s elected leader in term %d; cluster ready %s after launch", first.Leader, first.Term, roundDur(d))})
	}
	c.wg.Add(1)
	go c.monitor(first)
	return nil
}

func (c *Cluster) writeMeta() error {
	c.mu.RLock()
	m := meta{BasePort: c.cfg.BasePort, Token: c.token, TLS: c.cfg.TLS, Auth: c.cfg.Auth}
	for _, mem := range c.members {
		m.Members = append(m.Members, mem.name)
	}
	c.mu.RUnlock()
	b, _ := json.MarshalIndent(m, "", "  ")
	path := filepath.Join(c.cfg.DataDir, metaFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	return os.Rename(tmp, path)
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
	ready := make(chan struct{})
	c.mu.Lock()
	m.etcd, m.state, m.id, m.started, m.ready = e, Starting, e.Server.MemberID(), time.Now(), ready
	if vm := e.Server.Cluster().Member(m.id); vm != nil {
		m.learner = vm.IsLearner
	}
	c.mu.Unlock()
	c.reapplyCuts(m)
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

func (c *Cluster) find(name string) (*member, error) {
	for _, m := range c.members {
		if m.name == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no member named %q: members are %s", name, strings.Join(c.names(), ", "))
}

func (c *Cluster) names() []string {
	out := make([]string, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, m.name)
	}
	return out
}

// Names returns the members' names in slot order.
func (c *Cluster) Names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.names()
}

// Endpoint describes how clients and peers reach one member.
type Endpoint struct {
	Name      string
	ClientURL string
	PeerURL   string
}

// Endpoints returns every member's URLs in slot order.
func (c *Cluster) Endpoints() []Endpoint {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Endpoint, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, Endpoint{Name: m.name, ClientURL: m.clientURL.String(), PeerURL: m.peerURL.String()})
	}
	return out
}

// ClientURL returns the named member's client URL.
func (c *Cluster) ClientURL(name string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	m, err := c.find(name)
	if err != nil {
		return "", err
	}
	return m.clientURL.String(), nil
}

// take marks m as down with state st and returns its server, or an error if
// it is not running. The caller holds opMu.
func (c *Cluster) take(name string, st State, verb string) (*member, *embed.Etcd, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.find(name)
	if err != nil {
		return nil, nil, false, err
	}
	if !m.state.Running() {
		return nil, nil, false, fmt.Errorf("cannot %s %s: it is already %s (use restart %s)", verb, name, m.state, name)
	}
	wasLeader := m.etcd.Server.Lead() == uint64(m.id)
	e := m.etcd
	m.state = st
	return m, e, wasLeader, nil
}

// Kill crashes the named member: HardStop without leadership hand-off, then
// Close to release its ports. It returns a line describing what happened.
func (c *Cluster) Kill(name string) (string, error) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, e, wasLeader, err := c.take(name, Killed, "kill")
	if err != nil {
		return "", err
	}
	e.Server.HardStop()
	c.mu.Lock()
	servers := m.grpc
	m.grpc = nil
	c.mu.Unlock()
	for _, g := range servers {
		g.Stop() // drop every client connection, as a crash would
	}
	text := m.name + " killed (crash: no leadership hand-off)"
	if wasLeader {
		text = m.name + " killed while leader (crash: no leadership hand-off)"
	}
	c.emit(MemberKilled, m.name, text)
	c.pokeMonitor()
	// Close releases the ports but waits up to a second for idle peer
	// connections; the member is already dead to Raft, so do it in the
	// background. Restart waits for it.
	closed := make(chan struct{})
	c.mu.Lock()
	m.closed = closed
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		e.Close()
		close(closed)
	}()
	// Close stops the client servers within milliseconds; wait for that, so
	// that once Kill returns the member refuses clients as a crashed process
	// would, and clients fail over instead of reaching a stopped server.
	waitRefused(m.clientURL.Host, closed, 2*time.Second)
	// Clients learn of their dropped connections asynchronously; give them
	// a moment, as a person typing the next command would, so that a
	// scenario's next request goes to a live member instead of racing the
	// crash on a connection already gone.
	time.Sleep(killSettle)
	return text, nil
}

// Stop stops the named member gracefully; a leader hands off first.
func (c *Cluster) Stop(name string) (string, error) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	m, e, wasLeader, err := c.take(name, Stopped, "stop")
	if err != nil {
		return "", err
	}
	e.Close()
	c.pokeMonitor()
	text := m.name + " stopped (graceful)"
	if wasLeader {
		text = m.name + " stopped while leader (graceful: leadership handed off first)"
	}
	c.emit(MemberStopped, m.name, text)
	return text, nil
}

// Restart starts the member using the preserved data dir and waits until it
// is ready or ctx ends. A member that cannot become ready yet (no quorum)
// keeps starting in the background and is reported as such.
func (c *Cluster) Restart(ctx context.Context, name string) (string, error) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.RLock()
	m, err := c.find(name)
	var st State
	var old *embed.Etcd
	var wedged bool
	if err == nil {
		st, old, wedged = m.state, m.etcd, m.wedged
	}
	members := append([]*member(nil), c.members...)
	c.mu.RUnlock()
	if err != nil {
		return "", err
	}
	if wedged {
		return "", fmt.Errorf("cannot restart %s: etcd hit a fatal error in it and its server cannot stop; its ports stay held until etcdlab exits (start etcdlab again, or member remove %s and member add it back)", name, name)
	}
	if st.Running() {
		return "", fmt.Errorf("cannot restart %s: it is already %s (kill or stop it first)", name, st)
	}
	if st == Failed && old != nil {
		old.Close()
	}
	// A killed server's Close releases its listeners within milliseconds
	// but lingers up to a second over idle peer connections; the new server
	// needs only the ports.
	c.mu.RLock()
	closed := m.closed
	c.mu.RUnlock()
	for {
		err := checkPortsFree(c.cfg.Host, c.cfg.BasePort, []int{m.slot})
		if err == nil {
			break
		}
		select {
		case <-closed:
			// Close is done, so the port is held by someone else.
			if err := checkPortsFree(c.cfg.Host, c.cfg.BasePort, []int{m.slot}); err != nil {
				return "", err
			}
		case <-ctx.Done():
			return "", err
		case <-time.After(5 * time.Millisecond):
			continue
		}
		break
	}
	if err := c.startMember(m, c.initialCluster(members), embed.ClusterStateFlagExisting); err != nil {
		return "", err
	}
	c.mu.RLock()
	ready, started := m.ready, m.started
	c.mu.RUnlock()
	select {
	case <-ready:
		c.mu.RLock()
		st := m.state
		c.mu.RUnlock()
		if st != Up {
			return "", fmt.Errorf("%s stopped while restarting (see %s)", name, c.LogFile())
		}
		text := fmt.Sprintf("%s restarted from its data dir, ready after %s", name, roundDur(time.Since(started)))
		c.emit(MemberRestarted, name, text)
		return text, nil
	case <-ctx.Done():
		text := name + " restarted but not ready yet: it needs a quorum to catch up; it will turn up by itself"
		c.emit(MemberRestarted, name, text)
		return text, nil
	}
}

// Terminate stops every member, ends the event streams and removes a
// temporary data dir. It is safe to call more than once.
func (c *Cluster) Terminate() {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.terminate()
}

func (c *Cluster) terminate() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	var running []*embed.Etcd
	for _, m := range c.members {
		if m.etcd != nil && m.state != Killed && m.state != Stopped && !m.wedged {
			running = append(running, m.etcd)
		}
		if m.state.Running() {
			m.state = Stopped
		}
	}
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.Server.HardStop()
			e.Close()
		}()
	}
	wg.Wait()
	close(c.stop)
	c.wg.Wait()
	c.events.closeAll()
	if c.logSync != nil {
		c.logSync()
	}
	c.removeTemp()
}

func (c *Cluster) removeTemp() {
	if c.tmpDir {
		os.RemoveAll(c.cfg.DataDir)
	}
}

// MoveLeader transfers leadership to the named member (etcd's MoveLeader).
func (c *Cluster) MoveLeader(ctx context.Context, name string) (string, error) {
	c.opMu.Lock()
	defer c.opMu.Unlock()
	c.mu.RLock()
	target, err := c.find(name)
	var leader *member
	var targetState State
	if err == nil {
		targetState = target.state
	}
	for _, m := range c.members {
		if m.state == Up && m.etcd.Server.Lead() == uint64(m.id) {
			leader = m
		}
	}
	c.mu.RUnlock()
	if err != nil {
		return "", err
	}
	if targetState != Up {
		return "", fmt.Errorf("cannot move the leader to %s: it is %s", name, targetState)
	}
	if leader == nil {
		return "", errors.New("cannot move the leader: the cluster has no leader right now")
	}
	if leader == target {
		return name + " is already the leader", nil
	}
	start := time.Now()
	if err := leader.etcd.Server.MoveLeader(ctx, uint64(leader.id), uint64(target.id)); err != nil {
		return "", fmt.Errorf("move-leader to %s failed: %v", name, err)
	}
	c.pokeMonitor()
	return fmt.Sprintf("leadership moved %s -> %s in %s, without waiting for an election timeout", leader.name, name, roundDur(time.Since(start))), nil
}

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
		for _, o := range c.members {
			if o != m && c.cuts[linkKey(m.name, o.name)] {
				ms.Cut = append(ms.Cut, o.name)
			}
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
			switch {
			case ms.Learner:
				ms.Role = RoleLearner
			case ms.Lead == ms.ID:
				ms.Role = RoleLeader
			case ms.Lead != 0:
				ms.Role = RoleFollower
			default:
				ms.Role = RoleCandidate
			}
		}
		st.Members = append(st.Members, ms)
	}
	st.derive(func(a, b string) bool { return c.cuts[linkKey(a, b)] })
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
	noLeaderAt := c.launchedAt
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.poke:
		}
		st := c.Status()
		for _, e := range changes(prev, st, &noLeaderAt) {
			c.events.publish(e)
		}
		prev = st
	}
}

// changes returns the events that lead from status prev to st: leader lost,
// elected or changed, quorum lost or regained. noLeaderAt holds when the
// cluster last lost its leader.
func changes(prev, st Status, noLeaderAt *time.Time) []Event {
	var out []Event
	switch {
	case prev.Leader != "" && st.Leader == "":
		*noLeaderAt = st.Time
		out = append(out, Event{Time: st.Time, Kind: LeaderLost, Member: prev.Leader, Term: prev.Term,
			Text: fmt.Sprintf("leader lost: %s (term %d) no longer leads", prev.Leader, prev.Term)})
	case st.Leader != "" && prev.Leader == "":
		d := st.Time.Sub(*noLeaderAt)
		out = append(out, Event{Time: st.Time, Kind: LeaderElected, Member: st.Leader, Term: st.Term, NoLeader: d,
			Text: fmt.Sprintf("%s elected leader in term %d after %s without a leader", st.Leader, st.Term, roundDur(d))})
	case st.Leader != "" && (st.Leader != prev.Leader || st.Term != prev.Term):
		out = append(out, Event{Time: st.Time, Kind: LeaderChanged, Member: st.Leader, Term: st.Term,
			Text: fmt.Sprintf("leader is now %s in term %d (was %s in term %d)", st.Leader, st.Term, prev.Leader, prev.Term)})
	}
	switch {
	case prev.HasQuorum && !st.HasQuorum:
		out = append(out, Event{Time: st.Time, Kind: QuorumLost,
			Text: fmt.Sprintf("quorum lost: %d of %d voters reachable, %d needed; writes and linearizable reads will fail", st.Reachable, st.Voters, st.Quorum)})
	case !prev.HasQuorum && st.HasQuorum:
		out = append(out, Event{Time: st.Time, Kind: QuorumRegained,
			Text: fmt.Sprintf("quorum regained: %d of %d voters reachable, %d needed", st.Reachable, st.Voters, st.Quorum)})
	}
	return out
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

func linkKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// sortedNames returns a sorted copy of names.
func sortedNames(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}

// killSettle is how long Kill lets clients notice dropped connections.
const killSettle = 20 * time.Millisecond

// waitRefused polls addr until it refuses connections, closed is closed, or
// d passes.
func waitRefused(addr string, closed <-chan struct{}, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		conn.Close()
		select {
		case <-closed:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func withOrWithout(b bool) string {
	if b {
		return "with"
	}
	return "without"
}

func addOrDrop(b bool) string {
	if b {
		return "add"
	}
	return "drop"
}

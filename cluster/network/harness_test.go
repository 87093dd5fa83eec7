package network

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/types"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/etcdlab/etcdlab/internal/testutil"
)

// network tests own ports 22000-22999: a block per cluster, two ports per
// member (client, advertised peer). Real peer ports are chosen by the OS.
var ports = &testutil.Ports{Start: 22000, End: 23000, Block: 10}

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

const testToken = "etcdlab-network-test"

// opts configures a test cluster.
type opts struct {
	plain bool     // no relays: members talk directly, as before
	tls   *testPKI // peer TLS with member-named certificates
	seed  uint64   // the network's seed
	tweak func(*embed.Config)
	// capture sees every stream frame, from the first.
	capture func(s *stream, typ string, raw []byte)
}

// tmember is one embedded etcd member of a test cluster.
type tmember struct {
	name, dir, log string
	client, peer   url.URL // peer is the advertised URL (the relay's)
	id             types.ID
	e              *embed.Etcd
	cli            *clientv3.Client
}

// tcluster is a cluster of real embedded etcd members started by a test,
// wired through a Network unless plain.
type tcluster struct {
	t       testing.TB
	o       opts
	net     *Network
	members []*tmember
}

// newCluster starts n members and waits until they are ready and have a
// leader.
func newCluster(t testing.TB, n int, o opts) *tcluster {
	t.Helper()
	c := &tcluster{t: t, o: o}
	base := ports.Next(t)
	scheme := "http"
	if o.tls != nil {
		scheme = "https"
	}
	var initial []string
	for i := 0; i < n; i++ {
		m := &tmember{name: fmt.Sprintf("etcd%d", i+1), dir: t.TempDir()}
		m.log = filepath.Join(m.dir, "etcd.log")
		m.client = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", base+2*i)}
		m.peer = url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", base+2*i+1)}
		m.id = MemberID(m.name, []url.URL{m.peer}, testToken)
		initial = append(initial, m.name+"="+m.peer.String())
		c.members = append(c.members, m)
	}
	if !o.plain {
		no := Options{Seed: o.seed}
		if o.tls != nil {
			no.ServerTLS, no.ClientTLS = o.tls.serverConfig(t), o.tls.clientConfig(t)
		}
		c.net = New(no)
		c.net.capture = o.capture
		t.Cleanup(func() { c.net.Close() })
		for _, m := range c.members {
			if err := c.net.AddMember(m.name, m.id, m.peer); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(c.stopAll)
	for _, m := range c.members {
		c.start(m, strings.Join(initial, ","))
	}
	for _, m := range c.members {
		c.ready(m)
	}
	c.waitLeader()
	return c
}

func (c *tcluster) embedConfig(m *tmember, initial string) *embed.Config {
	ec := embed.NewConfig()
	ec.Name, ec.Dir = m.name, m.dir
	ec.ListenClientUrls = []url.URL{m.client}
	ec.AdvertiseClientUrls = []url.URL{m.client}
	ec.AdvertisePeerUrls = []url.URL{m.peer}
	ec.ListenPeerUrls = []url.URL{{Scheme: m.peer.Scheme, Host: "127.0.0.1:0"}}
	if c.o.plain {
		ec.ListenPeerUrls = []url.URL{m.peer}
	}
	ec.InitialCluster = initial
	ec.InitialClusterToken = testToken
	ec.ClusterState = embed.ClusterStateFlagNew
	ec.Logger = "zap"
	ec.LogOutputs = []string{m.log}
	if c.o.tls != nil {
		ec.PeerTLSInfo = c.o.tls.info(c.t, m.name)
	}
	if c.o.tweak != nil {
		c.o.tweak(ec)
	}
	return ec
}

// start starts m's server (from its data dir if it has one) and points
// its relay at the port it listens on.
func (c *tcluster) start(m *tmember, initial string) {
	c.t.Helper()
	e, err := embed.StartEtcd(c.embedConfig(m, initial))
	if err != nil {
		c.t.Fatalf("%s did not start: %v", m.name, err)
	}
	m.e = e
	if e.Server.MemberID() != m.id {
		c.t.Fatalf("%s has ID %s, MemberID computed %s", m.name, e.Server.MemberID(), m.id)
	}
	if c.net != nil {
		real := url.URL{Scheme: m.peer.Scheme, Host: e.Peers[0].Addr().String()}
		if err := c.net.SetTarget(m.name, real); err != nil {
			c.t.Fatal(err)
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{m.client.String()}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		c.t.Fatal(err)
	}
	m.cli = cli
}

func (c *tcluster) ready(m *tmember) {
	c.t.Helper()
	select {
	case <-m.e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		c.t.Fatalf("%s not ready after 30s", m.name)
	}
}

// stop closes m's server gracefully and its client.
func (c *tcluster) stop(m *tmember) {
	if m.cli != nil {
		m.cli.Close()
		m.cli = nil
	}
	if m.e != nil {
		m.e.Close()
		m.e = nil
		if c.net != nil {
			c.net.SetTarget(m.name, url.URL{})
		}
	}
}

// restart starts m again from its data dir.
func (c *tcluster) restart(m *tmember) {
	c.t.Helper()
	c.start(m, "")
	c.ready(m)
}

func (c *tcluster) stopAll() {
	for _, m := range c.members {
		c.stop(m)
	}
}

// waitFor polls cond every 10 ms until it holds, or fails the test after d.
func (c *tcluster) waitFor(what string, d time.Duration, cond func() bool) time.Duration {
	c.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			c.t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// leader returns the member every running member names as leader, or nil.
func (c *tcluster) leader() *tmember {
	var lead types.ID
	for _, m := range c.members {
		if m.e == nil {
			continue
		}
		l := m.e.Server.Leader()
		if l == 0 || (lead != 0 && l != lead) {
			return nil
		}
		lead = l
	}
	for _, m := range c.members {
		if m.id == lead && m.e != nil {
			return m
		}
	}
	return nil
}

func (c *tcluster) waitLeader() *tmember {
	c.t.Helper()
	var l *tmember
	c.waitFor("a leader all members agree on", 30*time.Second, func() bool { l = c.leader(); return l != nil })
	return l
}

// others returns the members other than m.
func (c *tcluster) others(m *tmember) []*tmember {
	var out []*tmember
	for _, o := range c.members {
		if o != m {
			out = append(out, o)
		}
	}
	return out
}

// put writes through m with a deadline.
func (c *tcluster) put(m *tmember, key, val string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, err := m.cli.Put(ctx, key, val)
	return err
}

// mustPut writes through m and fails the test on error.
func (c *tcluster) mustPut(m *tmember, key, val string) {
	c.t.Helper()
	if err := c.put(m, key, val, 10*time.Second); err != nil {
		c.t.Fatalf("put %s through %s: %v", key, m.name, err)
	}
}

// converge waits until every running member has applied the same revision
// with the same HashKV, and returns the revision.
func (c *tcluster) converge(d time.Duration) int64 {
	c.t.Helper()
	var rev int64
	var last string
	c.waitFor("every member at the same revision and HashKV", d, func() bool {
		rev, last = 0, ""
		var hash uint32
		for _, m := range c.members {
			if m.e == nil {
				continue
			}
			r := m.e.Server.KV().Rev()
			if rev != 0 && r != rev {
				last = fmt.Sprintf("revisions differ: %d and %d", rev, r)
				return false
			}
			rev = r
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			h, err := m.cli.HashKV(ctx, m.client.String(), r)
			cancel()
			if err != nil {
				last = err.Error()
				return false
			}
			if hash != 0 && h.Hash != hash {
				last = fmt.Sprintf("HashKV differs at revision %d", r)
				return false
			}
			hash = h.Hash
		}
		return true
	})
	_ = last
	return rev
}

// checkLogs fails the test if a member's log shows a corrupt stream or
// message.
func (c *tcluster) checkLogs() {
	c.t.Helper()
	for _, m := range c.members {
		b, err := os.ReadFile(m.log)
		if err != nil {
			c.t.Errorf("cannot read %s's log: %v", m.name, err)
			continue
		}
		if os.Getenv("NETWORK_TEST_LOGS") != "" {
			logWarnings(c.t, m.name, string(b))
		}
		for _, line := range testutil.CorruptStreamLines(string(b)) {
			c.t.Errorf("%s's log shows a corrupt stream: %s", m.name, line)
		}
	}
}

// streamCount returns how many streams carry the link from -> to.
func (n *Network) streamCount(from, to string) int {
	n.mu.RLock()
	l := n.links[[2]*member{n.byName(from), n.byName(to)}]
	n.mu.RUnlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.streams)
}

// logWarnings logs the distinct warning messages of a member's log, with
// how often each came (NETWORK_TEST_LOGS=1).
func logWarnings(t testing.TB, name, log string) {
	seen := map[string]int{}
	var order []string
	for _, line := range strings.Split(log, "\n") {
		var e struct{ Level, Msg, Error string }
		if json.Unmarshal([]byte(line), &e) != nil || e.Level == "info" || e.Level == "debug" {
			continue
		}
		k := e.Level + ": " + e.Msg
		if e.Error != "" {
			k += " (" + e.Error + ")"
		}
		if seen[k] == 0 {
			order = append(order, k)
		}
		seen[k]++
	}
	for _, k := range order {
		t.Logf("%s log: %dx %s", name, seen[k], k)
	}
}

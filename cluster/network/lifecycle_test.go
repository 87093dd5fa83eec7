package network

import (
	"context"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// ttl returns a lease's remaining TTL as the member m sees it.
func (c *tcluster) ttl(m *tmember, id clientv3.LeaseID) int64 {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := m.cli.TimeToLive(ctx, id)
	if err != nil {
		c.t.Fatalf("TimeToLive through %s: %v", m.name, err)
	}
	return r.TTL
}

// keepAlive renews a lease once through m, with a deadline.
func (c *tcluster) keepAlive(m *tmember, id clientv3.LeaseID, d time.Duration) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	r, err := m.cli.KeepAliveOnce(ctx, id)
	if err != nil {
		return 0, err
	}
	return r.TTL, nil
}

// grantAged grants a lease of ttl seconds through l and waits until its
// countdown has visibly run, so that a renewal shows.
func (c *tcluster) grantAged(l *tmember, ttl int64) clientv3.LeaseID {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := l.cli.Grant(ctx, ttl)
	if err != nil {
		c.t.Fatal(err)
	}
	c.waitFor("the lease's countdown to run 2s", 10*time.Second, func() bool { return c.ttl(l, g.ID) <= ttl-2 })
	return g.ID
}

// TestLeaseRenewalIsUnattributed shows what a cut cannot stop without
// TLS: a follower forwards lease renewals to the leader with a plain HTTP
// client and no X-Server-From, so the relay cannot tell who sent them. A
// renewal through a follower whose link to the leader is cut reaches the
// leader all the same. Only when every link into the leader is cut does
// the relay know the renewal crossed a cut, and refuse it.
func TestLeaseRenewalIsUnattributed(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	f := c.others(l)[0]
	id := c.grantAged(l, 10)
	if err := c.net.Cut(f.name, l.name); err != nil {
		t.Fatal(err)
	}
	ttl, err := c.keepAlive(f, id, 5*time.Second)
	if err != nil {
		t.Fatalf("renewal through %s with %s -> %s cut: %v", f.name, f.name, l.name, err)
	}
	if left := c.ttl(l, id); ttl != 10 || left < 9 {
		t.Fatalf("renewal answered TTL %d, the leader has %ds left; want it renewed to 10", ttl, left)
	}
	if n := c.net.Stats().Unattributed.Requests["/leases"]; n == 0 {
		t.Fatal("the renewal was not counted as unattributed")
	}
	t.Logf("with %s -> %s cut, a renewal through %s reached the leader: TTL %d", f.name, l.name, f.name, ttl)

	// Every link into the leader cut: no sender can reach it. The leader
	// steps down only after CheckQuorum fails (1-2 election timeouts), so
	// f still forwards to it meanwhile.
	if err := c.net.Cut(All, l.name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.keepAlive(f, id, 700*time.Millisecond); err == nil {
		t.Fatal("a renewal crossed a cut of every link into the leader")
	}
	if c.net.Stats().Unattributed.Refused == 0 {
		t.Fatal("no unattributed request was refused")
	}
	c.net.HealAll()
	c.waitLeader()
	c.converge(20 * time.Second)
	c.checkLogs()
}

// TestTLSRelays runs the members on peer TLS. The relays terminate and
// re-originate it, so they read every message, and with member-named
// client certificates they attribute even lease renewals.
func TestTLSRelays(t *testing.T) {
	pki := newPKI(t, "etcd1", "etcd2", "etcd3")
	c := newCluster(t, 3, opts{tls: pki})
	l := c.waitLeader()
	f := c.others(l)[0]
	for i := 0; i < 10; i++ {
		c.mustPut(c.members[i%3], fmt.Sprintf("k-%d", i), "v")
	}
	if ls, _ := c.net.Stats().Link(l.name, f.name); ls.Total.Messages[KindApp] == 0 {
		t.Fatal("no MsgApp counted under TLS")
	}
	id := c.grantAged(l, 10)
	if err := c.net.Cut(f.name, l.name); err != nil {
		t.Fatal(err)
	}
	refused, _ := c.net.Stats().Link(f.name, l.name)
	if _, err := c.keepAlive(f, id, time.Second); err == nil {
		t.Fatalf("a renewal crossed the cut %s -> %s under TLS", f.name, l.name)
	}
	now, _ := c.net.Stats().Link(f.name, l.name)
	if now.Total.Refused == refused.Total.Refused || c.net.Stats().Unattributed.Requests["/leases"] != 0 {
		t.Fatalf("the renewal was not refused on its link (refused %d, unattributed %v)", now.Total.Refused-refused.Total.Refused, c.net.Stats().Unattributed)
	}
	c.net.HealAll()
	if _, err := c.keepAlive(f, id, 5*time.Second); err != nil {
		t.Fatalf("renewal after heal: %v", err)
	}
	c.converge(20 * time.Second)
	c.checkLogs()
}

// TestRestartKeepsRules restarts members from their data dirs: each comes
// back on a new real port, the relay follows it, and the rules on its
// links hold across the restart.
func TestRestartKeepsRules(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	f, o := c.others(l)[0], c.others(l)[1]
	if err := c.net.Cut(f.name, o.name); err != nil {
		t.Fatal(err)
	}
	old := f.e.Peers[0].Addr().String()
	c.stop(f)
	c.mustPut(l, "while-down", "v")
	c.restart(f)
	t.Logf("%s listened on %s, then on %s", f.name, old, f.e.Peers[0].Addr())
	c.waitFor(f.name+" to follow "+l.name, 10*time.Second, func() bool { return f.e.Server.Leader() == l.id })
	if r, _ := c.net.Rule(f.name, o.name); !r.Cut {
		t.Fatalf("%s -> %s is %q after the restart, want cut", f.name, o.name, r)
	}
	at, _ := c.net.Stats().Link(f.name, o.name)
	c.mustPut(f, "after-restart", "v")
	c.converge(20 * time.Second)
	if now, _ := c.net.Stats().Link(f.name, o.name); now.Total.Total() != at.Total.Total() || c.net.streamCount(f.name, o.name) != 0 {
		t.Fatalf("the cut %s -> %s carried %d messages after the restart", f.name, o.name, now.Total.Total()-at.Total.Total())
	}
	c.net.HealAll()
	c.stop(l)
	nl := c.waitLeader()
	c.mustPut(nl, "new-leader", "v")
	c.restart(l)
	c.converge(20 * time.Second)
	c.checkLogs()
}

// TestSnapshotThroughRelay makes the leader send a follower a snapshot
// (POST /raft/snapshot, the database streamed behind the message) across
// a relay: the follower had been cut off while the leader compacted its
// log past it.
func TestSnapshotThroughRelay(t *testing.T) {
	c := newCluster(t, 3, opts{tweak: func(ec *embed.Config) {
		ec.SnapshotCount, ec.SnapshotCatchUpEntries = 100, 10
	}})
	l := c.waitLeader()
	f := c.others(l)[0]
	for _, err := range []error{c.net.Cut(f.name, All), c.net.Cut(All, f.name)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 300; i++ {
		c.mustPut(l, fmt.Sprintf("k-%d", i), "v")
	}
	c.net.HealAll()
	c.converge(30 * time.Second)
	ls, _ := c.net.Stats().Link(l.name, f.name)
	r, _ := c.net.Replication(l.name)
	var fp Follower
	for _, x := range r.Followers {
		if x.Name == f.name {
			fp = x
		}
	}
	t.Logf("%s -> %s: %d MsgSnap, %d bytes; leader's view of %s: %+v", l.name, f.name, ls.Total.Messages[KindSnap], ls.Total.Bytes, f.name, fp)
	if ls.Total.Messages[KindSnap] == 0 || fp.Snapshots == 0 || fp.Snapshotting {
		t.Fatalf("no snapshot went through the relay, or it was never acknowledged: %+v", fp)
	}
	c.waitFor("the leader's view to catch up", 10*time.Second, func() bool {
		r, _ := c.net.Replication(l.name)
		for _, x := range r.Followers {
			if x.Match != l.e.Server.CommittedIndex() {
				return false
			}
		}
		return r.LastIndex == l.e.Server.CommittedIndex()
	})
	c.checkLogs()
}

package cluster

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdlab/etcdlab/cluster/network"
	"github.com/etcdlab/etcdlab/internal/testutil"
)

// checkStreamLog fails the test if etcd's log shows a corrupt stream.
func checkStreamLog(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read etcd's log: %v", err)
	}
	for _, line := range testutil.CorruptStreamLines(string(b)) {
		t.Errorf("etcd's log shows a corrupt stream: %s", line)
	}
}

// lclient returns a client of the named members, with the lab's TLS and
// credentials.
func lclient(t *testing.T, c *Cluster, names ...string) *clientv3.Client {
	t.Helper()
	var urls []string
	for _, n := range names {
		u, err := c.ClientURL(n)
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, u)
	}
	cfg, err := c.ClientConfig(urls, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func put(t *testing.T, cli *clientv3.Client, k, v string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, k, v); err != nil {
		t.Fatalf("put %s: %v", k, err)
	}
}

// roles returns the leader and the other running voters of a cluster that
// has a leader.
func roles(t *testing.T, c *Cluster) (leader string, others []string) {
	t.Helper()
	st := waitForC(t, c, "a leader", 15*time.Second, func(s Status) bool { return s.Leader != "" && s.HasQuorum })
	for _, m := range st.Members {
		if m.Name != st.Leader {
			others = append(others, m.Name)
		}
	}
	return st.Leader, others
}

// converged waits until every running member applied the same revision
// and has the same HashKV there.
func converged(t *testing.T, c *Cluster) {
	t.Helper()
	var last string
	deadline := time.Now().Add(20 * time.Second)
	for {
		if last = sameState(t, c); last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("members did not converge: %s", last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sameState says how the running members differ, or "" if they agree.
func sameState(t *testing.T, c *Cluster) string {
	st := c.Status()
	var rev int64
	var hash uint32
	for _, m := range st.Members {
		if !m.State.Running() {
			continue
		}
		if rev != 0 && m.Revision != rev {
			return fmt.Sprintf("revisions %d and %d", rev, m.Revision)
		}
		rev = m.Revision
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		h, err := lclient(t, c, m.Name).HashKV(ctx, m.ClientURL, rev)
		cancel()
		if err != nil {
			return err.Error()
		}
		if hash != 0 && h.Hash != hash {
			return fmt.Sprintf("HashKV differs at revision %d", rev)
		}
		hash = h.Hash
	}
	return ""
}

func linkStats(t *testing.T, c *Cluster, from, to string) network.LinkStats {
	t.Helper()
	s, err := c.NetStats()
	if err != nil {
		t.Fatal(err)
	}
	ls, ok := s.Link(from, to)
	if !ok {
		t.Fatalf("no link %s -> %s", from, to)
	}
	return ls
}

// TestCutStopsTraffic cuts the leader's link to a follower one way: no
// message crosses it any more, its streams are closed, and the follower,
// hearing no leader, stops applying while the others commit; PreVote
// keeps everyone's term. After heal every member catches up.
func TestCutStopsTraffic(t *testing.T) {
	c := launch(t, Config{Members: 3})
	events, unsub := c.Subscribe()
	defer unsub()
	l, others := roles(t, c)
	f, o := others[0], others[1]
	term := c.Status().Term
	if err := c.Cut(l, f); err != nil {
		t.Fatal(err)
	}
	if e := waitEvent(t, events, Partitioned, 2*time.Second); !strings.Contains(e.Text, fmt.Sprintf("cut %s -> %s, one way: %s no longer hears %s", l, f, f, l)) {
		t.Errorf("event %q", e.Text)
	}
	st := waitForC(t, c, f+" to lose its leader", 10*time.Second, func(s Status) bool { m, _ := s.Member(f); return m.Lead == 0 })
	if m, _ := st.Member(f); len(m.Cut) != 1 || m.Cut[0] != l {
		t.Errorf("%s is cut from %v, want [%s]", f, m.Cut, l)
	}
	if !st.HasQuorum || st.Reachable != 3 {
		t.Errorf("reachable %d, quorum %v: %s and %s still reach %s both ways", st.Reachable, st.HasQuorum, l, f, o)
	}
	before := linkStats(t, c, l, f)
	if before.Streams != 0 {
		t.Errorf("%d streams still carry the cut link %s -> %s", before.Streams, l, f)
	}
	cli := lclient(t, c, l)
	for i := 0; i < 20; i++ {
		put(t, cli, fmt.Sprintf("k%02d", i), "v")
	}
	st = waitForC(t, c, o+" to apply the puts", 5*time.Second, func(s Status) bool { m, _ := s.Member(o); return m.Revision == s.Revision })
	after := linkStats(t, c, l, f)
	if after.Total.Total() != before.Total.Total() || after.Total.Bytes != before.Total.Bytes {
		t.Errorf("the cut link %s -> %s delivered %d messages, %d bytes", l, f, after.Total.Total()-before.Total.Total(), after.Total.Bytes-before.Total.Bytes)
	}
	if after.Total.Refused == 0 {
		t.Errorf("nothing was refused on the cut link %s -> %s", l, f)
	}
	if mf, _ := st.Member(f); mf.Revision >= st.Revision {
		t.Errorf("%s applied revision %d of %d through a cut link", f, mf.Revision, st.Revision)
	}
	if st.Leader != l || st.Term != term {
		t.Errorf("leader %s in term %d, want %s still in term %d (PreVote)", st.Leader, st.Term, l, term)
	}
	if mf, _ := st.Member(f); mf.SentTerm > term || !mf.Campaign.PreVote {
		t.Errorf("%s sent term %d, last campaign %+v: want pre-votes only", f, mf.SentTerm, mf.Campaign)
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	converged(t, c)
}

// TestOneWayCutFollowerToLeader cuts a follower's link to its leader one
// way: the leader's appends still reach it, so it keeps its leader and
// applies every write, and no election starts.
func TestOneWayCutFollowerToLeader(t *testing.T) {
	c := launch(t, Config{Members: 3})
	l, others := roles(t, c)
	f := others[0]
	term := c.Status().Term
	if err := c.Cut(f, l); err != nil {
		t.Fatal(err)
	}
	cli := lclient(t, c, l)
	for i := 0; i < 10; i++ {
		put(t, cli, fmt.Sprintf("k%02d", i), "v")
	}
	st := waitForC(t, c, f+" to apply every put", 5*time.Second, func(s Status) bool { m, _ := s.Member(f); return m.Revision == s.Revision })
	if m, _ := st.Member(f); m.Leader != l || st.Leader != l || st.Term != term {
		t.Errorf("%s follows %q, leader %s in term %d: want %s in term %d", f, m.Leader, st.Leader, st.Term, l, term)
	}
	if m, _ := st.Member(f); !st.CutOff(f) && len(m.Cut) != 1 {
		t.Errorf("%s is cut from %v", f, m.Cut)
	}
	if m, _ := st.Member(l); m.Lag.Known {
		t.Errorf("the leader has a lag: %s", m.Lag)
	}
	ls := linkStats(t, c, f, l)
	if ls.Rule.String() != "cut" || ls.Streams != 0 {
		t.Errorf("%s -> %s: rule %q, %d streams", f, l, ls.Rule, ls.Streams)
	}
	if err := c.Heal(f); err != nil {
		t.Fatal(err)
	}
	converged(t, c)
}

// TestDelayAndLossConverge writes through a network that delays and loses
// messages on every link: every write commits, and after heal the
// members agree.
func TestDelayAndLossConverge(t *testing.T) {
	c := launch(t, Config{Members: 3})
	l, _ := roles(t, c)
	if err := c.Delay(network.All, network.All, 20*time.Millisecond, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.Loss(network.All, network.All, 20); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); len(st.Rules) != 6 {
		t.Errorf("rules %v, want all 6 links", st.Rules)
	}
	cli := lclient(t, c, l)
	for i := 0; i < 30; i++ {
		put(t, cli, fmt.Sprintf("k%02d", i), "v")
	}
	s, _ := c.NetStats()
	var drops uint64
	for _, ls := range s.Links {
		drops += ls.Total.Drops
	}
	if drops == 0 {
		t.Error("20% loss dropped nothing")
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); len(st.Rules) != 0 {
		t.Errorf("heal left rules %v", st.Rules)
	}
	converged(t, c)
}

// TestTLSAttributesEveryPeerRequest runs a TLS lab, where each member's
// peer certificate is named after it: the relays know the sender of every
// peer request, also the lease renewals a follower forwards to its leader
// outside Raft, so a one-way cut stops those too.
func TestTLSAttributesEveryPeerRequest(t *testing.T) {
	c := launch(t, Config{Members: 3, TLS: true})
	l, others := roles(t, c)
	f := others[0]
	cli := lclient(t, c, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lease, err := cli.Grant(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.KeepAliveOnce(ctx, lease.ID); err != nil {
		t.Fatalf("keep-alive through %s: %v", f, err)
	}
	if err := c.Cut(f, l); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 3*time.Second)
	_, err = cli.KeepAliveOnce(short, lease.ID)
	cancel2()
	if err == nil {
		t.Errorf("a renewal through %s reached the leader %s across the cut %s -> %s", f, l, f, l)
	}
	s, _ := c.NetStats()
	if len(s.Unattributed.Requests) != 0 {
		t.Errorf("under TLS some peer requests were not attributed: %v", s.Unattributed.Requests)
	}
	if ls, _ := s.Link(f, l); ls.Total.Refused == 0 {
		t.Errorf("nothing refused on %s -> %s", f, l)
	}
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	converged(t, c)
}

// TestLagOfAnUnheardFollower isolates the leader: the new leader has no
// acknowledgement from it in the new term, so its lag reads "?" rather
// than the new leader's whole log (Raft's Match is 0 for it).
func TestLagOfAnUnheardFollower(t *testing.T) {
	c := launch(t, Config{Members: 3})
	old, _ := roles(t, c)
	if err := c.Isolate(old); err != nil {
		t.Fatal(err)
	}
	st := waitForC(t, c, "a new leader that lags "+old+" as unacknowledged", 10*time.Second, func(s Status) bool {
		m, _ := s.Member(old)
		return s.Leader != "" && s.Leader != old && m.Lag.Known && m.Lag.Unacked
	})
	if m, _ := st.Member(old); m.Lag.String() != "?" {
		t.Errorf("%s's lag = %q, want ?", old, m.Lag)
	}
	// The follower the new leader hears acknowledges its first append.
	waitForC(t, c, "the other follower acknowledged", 10*time.Second, func(s Status) bool {
		for _, m := range s.Members {
			if m.Name != old && m.Name != s.Leader && (!m.Lag.Known || m.Lag.Unacked) {
				return false
			}
		}
		return s.Leader != old
	})
	if err := c.Heal(""); err != nil {
		t.Fatal(err)
	}
	converged(t, c)
}

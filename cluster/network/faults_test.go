package network

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// get reads key through m, linearizably unless serializable, and reports
// whether it exists.
func (c *tcluster) get(m *tmember, key string, serializable bool) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var o []clientv3.OpOption
	if serializable {
		o = append(o, clientv3.WithSerializable())
	}
	r, err := m.cli.Get(ctx, key, o...)
	if err != nil {
		return false, err
	}
	return len(r.Kvs) > 0, nil
}

// terms returns every running member's term.
func (c *tcluster) terms() map[string]uint64 {
	out := map[string]uint64{}
	for _, m := range c.members {
		if m.e != nil {
			out[m.name] = m.e.Server.Term()
		}
	}
	return out
}

// checkTerm fails the test if any member's term moved from term.
func (c *tcluster) checkTerm(term uint64) {
	c.t.Helper()
	for name, tm := range c.terms() {
		if tm != term {
			c.t.Fatalf("%s is in term %d, want %d (an election happened)", name, tm, term)
		}
	}
}

// TestOneWayCutLeaderToFollower cuts leader -> follower only. The follower
// hears nothing from the leader, loses it after 1-2 election timeouts and
// pre-votes; the others, who hear the leader, reject it, so no term moves
// (PreVote, and CheckQuorum keeps the leader: the follower's answers still
// reach it). Writes through the others go on. Writes through the cut-off
// follower time out; those it forwarded while it still believed in the
// leader were committed all the same.
func TestOneWayCutLeaderToFollower(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	f, o := c.others(l)[0], c.others(l)[1]
	term := l.e.Server.Term()
	c.mustPut(l, "before", "v")

	cut := time.Now()
	if err := c.net.Cut(l.name, f.name); err != nil {
		t.Fatal(err)
	}
	early, lost := c.putsUntilLeaderless(f, l, cut)
	t.Logf("%s lost its leader %s after the cut (election timeout 1s); %d puts through it timed out meanwhile", f.name, lost.Round(time.Millisecond), len(early))

	// Several pre-vote rounds, each rejected: the term never moves.
	c.waitFor(f.name+" to pre-vote three times", 20*time.Second, func() bool {
		cp, ok := c.net.Campaign(f.name)
		return ok && cp.PreVote && cp.Requests >= 6 && cp.At.After(cut)
	})
	c.checkTerm(term)
	if l.e.Server.Leader() != l.id || o.e.Server.Leader() != l.id {
		t.Fatalf("the leader changed: %s names %s, %s names %s", l.name, l.e.Server.Leader(), o.name, o.e.Server.Leader())
	}
	st := c.net.Stats()
	for _, to := range []*tmember{l, o} {
		ls, _ := st.Link(f.name, to.name)
		if ls.Total.Messages[KindPreVote] == 0 || ls.Total.Messages[KindVote] != 0 {
			t.Errorf("%s -> %s: %d MsgPreVote, %d MsgVote; want pre-votes only", f.name, to.name, ls.Total.Messages[KindPreVote], ls.Total.Messages[KindVote])
		}
	}
	for i := 0; i < 10; i++ {
		c.mustPut(o, fmt.Sprintf("other-%d", i), "v")
	}
	// Now f knows no leader: it holds a proposal until its deadline, and
	// the proposal never reaches a log.
	if err := c.put(f, "late", "v", 500*time.Millisecond); !timedOut(err) {
		t.Fatalf("put through the leaderless %s: %v, want a timeout", f.name, err)
	}
	c.checkTerm(term)

	if err := c.net.Heal(l.name, f.name); err != nil {
		t.Fatal(err)
	}
	c.converge(20 * time.Second)
	c.checkTerm(term)
	committed := 0
	for _, k := range early {
		if ok, err := c.get(o, k, false); err != nil {
			t.Fatal(err)
		} else if ok {
			committed++
		}
	}
	if ok, err := c.get(o, "late", false); err != nil || ok {
		t.Errorf("the put through the leaderless %s: exists %v (%v), want lost", f.name, ok, err)
	}
	t.Logf("of %d puts that timed out at %s before it lost its leader, %d were committed", len(early), f.name, committed)
	if committed == 0 {
		t.Errorf("no put that timed out at the cut-off %s was committed", f.name)
	}
	c.checkLogs()
}

// putsUntilLeaderless puts through f, which l can no longer reach, until f
// loses l as its leader, and returns the keys and when f lost l. f still
// forwards each put to l, which commits it, but f never hears of the
// commit: every put times out.
func (c *tcluster) putsUntilLeaderless(f, l *tmember, cut time.Time) ([]string, time.Duration) {
	c.t.Helper()
	lostc := make(chan time.Duration, 1)
	// The watcher ends before this function does, even when it fails: the
	// test's cleanup closes f's server.
	stop, done := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-done }()
	go func() {
		defer close(done)
		for f.e.Server.Leader() == l.id && time.Since(cut) < 10*time.Second {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
		lostc <- time.Since(cut)
	}()
	var keys []string
	for i := 0; f.e.Server.Leader() == l.id; i++ {
		key := fmt.Sprintf("early-%d", i)
		if err := c.put(f, key, "v", 300*time.Millisecond); !timedOut(err) {
			c.t.Fatalf("put %s through the cut-off %s: %v, want a timeout", key, f.name, err)
		}
		keys = append(keys, key)
	}
	lost := <-lostc
	if f.e.Server.Leader() != 0 {
		c.t.Fatalf("%s follows %s 10s after the cut", f.name, f.e.Server.Leader())
	}
	return keys, lost
}

// TestOneWayCutFollowerToLeader cuts follower -> leader only. The follower
// still hears the leader, so nobody campaigns; it applies everything, and
// serves fresh serializable reads. Its own proposals and read-index
// requests never reach the leader.
func TestOneWayCutFollowerToLeader(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	f, o := c.others(l)[0], c.others(l)[1]
	term := l.e.Server.Term()
	if err := c.net.Cut(f.name, l.name); err != nil {
		t.Fatal(err)
	}
	c.waitFor("the cut link's streams to close", 5*time.Second, func() bool { return c.net.streamCount(f.name, l.name) == 0 })
	at := c.net.Stats()
	cutAt, _ := at.Link(f.name, l.name)
	for i := 0; i < 20; i++ {
		c.mustPut([]*tmember{l, o}[i%2], fmt.Sprintf("k-%d", i), "v")
	}
	// Three election timeouts of heartbeats reach f: no election.
	c.waitFor("30 heartbeats from the leader to "+f.name, 20*time.Second, func() bool {
		now, _ := c.net.Stats().Link(l.name, f.name)
		was, _ := at.Link(l.name, f.name)
		return now.Total.Messages[KindHeartbeat]-was.Total.Messages[KindHeartbeat] >= 30
	})
	c.checkTerm(term)
	if f.e.Server.Leader() != l.id {
		t.Fatalf("%s follows %s, want %s", f.name, f.e.Server.Leader(), l.name)
	}
	c.waitFor(f.name+" to apply everything", 10*time.Second, func() bool {
		return f.e.Server.AppliedIndex() >= l.e.Server.CommittedIndex()
	})
	if ok, err := c.get(f, "k-19", true); err != nil || !ok {
		t.Fatalf("serializable read through %s: %v %v, want the latest key", f.name, ok, err)
	}
	if err := c.put(f, "from-f", "v", 500*time.Millisecond); !timedOut(err) {
		t.Fatalf("put through %s: %v, want a timeout", f.name, err)
	}
	if ls, _ := c.net.Stats().Link(f.name, l.name); ls.Total.Total() != cutAt.Total.Total() || ls.Total.Refused == cutAt.Total.Refused {
		t.Fatalf("%s -> %s delivered %d messages and refused %d while cut; want none delivered", f.name, l.name,
			ls.Total.Total()-cutAt.Total.Total(), ls.Total.Refused-cutAt.Total.Refused)
	}
	c.net.HealAll()
	c.converge(20 * time.Second)
	c.checkTerm(term)
	if ok, err := c.get(l, "from-f", false); err != nil || ok {
		t.Errorf("the put through %s: exists %v (%v), want lost", f.name, ok, err)
	}
	c.checkLogs()
}

// putLatencies puts n keys through m one after another and returns the
// sorted latencies of those that succeeded, and how many failed.
func (c *tcluster) putLatencies(m *tmember, prefix string, n int, deadline time.Duration) ([]time.Duration, int) {
	var lat []time.Duration
	failed := 0
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := c.put(m, fmt.Sprintf("%s-%d", prefix, i), "v", deadline); err != nil {
			failed++
			continue
		}
		lat = append(lat, time.Since(start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, failed
}

func p50(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[len(lat)/2]
}

// TestDelayEveryLink delays every link by 50ms ± 20ms: a put needs the
// leader's append to reach a follower and the answer to come back, so its
// latency follows the delay, and recovers when the delay is removed.
func TestDelayEveryLink(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	term := l.e.Server.Term()
	before, _ := c.putLatencies(l, "before", 40, 5*time.Second)
	if err := c.net.Delay(All, All, 50*time.Millisecond, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	with, failed := c.putLatencies(l, "with", 40, 5*time.Second)
	c.net.HealAll()
	after, _ := c.putLatencies(l, "after", 40, 5*time.Second)
	t.Logf("put p50 through the leader: %s before, %s with 50ms±20ms on every link (%d failed), %s after",
		p50(before).Round(10*time.Microsecond), p50(with).Round(10*time.Microsecond), failed, p50(after).Round(10*time.Microsecond))
	// Each commit waits for an append to cross a link and its answer to
	// cross back, each held at least 30ms.
	if failed > 0 || p50(with) < 60*time.Millisecond {
		t.Errorf("with the delay: p50 %s, %d failed; want at least 60ms and no failure", p50(with), failed)
	}
	c.checkTerm(term)
	c.converge(20 * time.Second)
	c.checkLogs()
}

// TestLossEveryLink drops 20% of the messages on every link, first alone,
// then behind a delay (where dropped msgappv2 frames are re-encoded by the
// delayed writer). Raft retries what it needs; a put forwarded by a
// follower and lost is not retried by etcd, so some puts time out. After
// healing, the members converge.
func TestLossEveryLink(t *testing.T) {
	c := newCluster(t, 3, opts{})
	c.waitLeader()
	for _, phase := range []struct {
		name  string
		delay time.Duration
	}{{"20% loss", 0}, {"20% loss behind 20ms±10ms", 20 * time.Millisecond}} {
		if err := c.net.Loss(All, All, 20); err != nil {
			t.Fatal(err)
		}
		if err := c.net.Delay(All, All, phase.delay, phase.delay/2); err != nil {
			t.Fatal(err)
		}
		failed, n := 0, 40
		for i := 0; i < n; i++ {
			if err := c.put(c.members[i%3], fmt.Sprintf("%s-%d", phase.name, i), "v", time.Second); err != nil {
				failed++
			}
		}
		var drops uint64
		for _, ls := range c.net.Stats().Links {
			drops += ls.Total.Drops
		}
		c.net.HealAll()
		rev := c.converge(30 * time.Second)
		t.Logf("%s on every link: %d of %d puts (1s deadline) failed, %d messages dropped so far; converged at revision %d", phase.name, failed, n, drops, rev)
		if drops == 0 {
			t.Error("no message was dropped")
		}
	}
	c.checkLogs()
}

// TestCutStopsTraffic checks that a cut link carries nothing: its streams
// are closed at once, new ones are refused, and its counters stand still
// while the link back keeps counting.
func TestCutStopsTraffic(t *testing.T) {
	c := newCluster(t, 3, opts{})
	l := c.waitLeader()
	f := c.others(l)[0]
	c.waitFor("both of "+l.name+"'s streams to "+f.name, 10*time.Second, func() bool {
		return c.net.streamCount(l.name, f.name) == 2
	})
	if err := c.net.Cut(l.name, f.name); err != nil {
		t.Fatal(err)
	}
	c.waitFor("the cut link's streams to close", 5*time.Second, func() bool { return c.net.streamCount(l.name, f.name) == 0 })
	at, _ := c.net.Stats().Link(l.name, f.name)
	o := c.others(l)[1]
	other, _ := c.net.Stats().Link(l.name, o.name)
	c.waitFor("30 heartbeats from "+l.name+" to "+o.name, 20*time.Second, func() bool {
		now, _ := c.net.Stats().Link(l.name, o.name)
		return now.Total.Messages[KindHeartbeat]-other.Total.Messages[KindHeartbeat] >= 30
	})
	now, _ := c.net.Stats().Link(l.name, f.name)
	if now.Total.Total() != at.Total.Total() || now.Total.LinkHeartbeats != at.Total.LinkHeartbeats || now.LastSecond.Total() != 0 {
		t.Fatalf("the cut link %s -> %s carried %d messages", l.name, f.name, now.Total.Total()-at.Total.Total())
	}
	if now.Total.Refused <= at.Total.Refused || c.net.streamCount(l.name, f.name) != 0 {
		t.Fatalf("refused %d, streams %d: %s's stream readers should be refused", now.Total.Refused-at.Total.Refused, c.net.streamCount(l.name, f.name), f.name)
	}
	c.net.HealAll()
	c.waitFor("the streams to come back", 10*time.Second, func() bool { return c.net.streamCount(l.name, f.name) == 2 })
	c.converge(20 * time.Second)
	c.checkLogs()
}

// timedOut reports a put that got no answer in time, in the client's words
// (its deadline) or the server's: the member that took it waits on the
// same deadline, carried by gRPC, and may answer first with "request timed
// out" in one of its forms (etcdserver parseProposeCtxErr).
func timedOut(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch rpctypes.ErrorDesc(err) {
	case rpctypes.ErrorDesc(rpctypes.ErrTimeout), rpctypes.ErrorDesc(rpctypes.ErrTimeoutDueToConnectionLost),
		rpctypes.ErrorDesc(rpctypes.ErrTimeoutDueToLeaderFail):
		return true
	}
	return false
}

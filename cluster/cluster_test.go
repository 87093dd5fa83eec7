package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/internal/testutil"
)

// cluster tests own ports 20000-22999; see testutil.Ports.
var ports = &testutil.Ports{Start: 20000, End: 22000, Block: 2 * MaxMembers}

func TestMain(m *testing.M) { testutil.VerifyMain(m) }

// launch starts a cluster for a test on ports no other test uses.
func launch(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.LogFile == "" {
		// Every test's etcd log is checked for a corrupt stream once the
		// cluster is terminated: the relays carry every peer message.
		cfg.LogFile = filepath.Join(t.TempDir(), "etcd.log")
		t.Cleanup(func() { checkStreamLog(t, cfg.LogFile) })
	}
	var c *Cluster
	ports.Launch(t, IsPortInUse, func(base int) (err error) {
		cfg.BasePort = base
		c, err = New(cfg)
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Launch(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Terminate)
	return c
}

// waitForC polls c's status until cond holds or the deadline passes.
func waitForC(t *testing.T, c *Cluster, what string, d time.Duration, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st := c.Status()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; status: %+v", d, what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLaunchThreeMembers(t *testing.T) {
	c := launch(t, Config{Members: 3})
	st := waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	if st.Voters != 3 || st.Running != 3 || st.Quorum != 2 || !st.HasQuorum || st.Tolerates != 1 {
		t.Fatalf("unexpected health: %+v", st)
	}
	for _, m := range st.Members {
		if m.State != Up {
			t.Errorf("%s is %s, want up", m.Name, m.State)
		}
		if m.Term == 0 || m.Applied == 0 {
			t.Errorf("%s has term %d applied %d", m.Name, m.Term, m.Applied)
		}
	}
	eps := c.Endpoints()
	if got, want := eps[1].ClientURL, fmt.Sprintf("http://127.0.0.1:%d", c.Config().BasePort+2); got != want {
		t.Errorf("etcd2 client URL = %s, want %s", got, want)
	}
}

func TestKillLeaderElectsNewLeader(t *testing.T) {
	c := launch(t, Config{Members: 3})
	events, done := c.Subscribe()
	defer done()
	st := waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	old := st.Leader
	if err := c.Kill(old); err != nil {
		t.Fatal(err)
	}
	// The kill is said once, by its event, and before the leader it cost.
	killed := waitEvent(t, events, MemberKilled, 5*time.Second)
	if !strings.Contains(killed.Text, "while leader") {
		t.Errorf("kill event %q does not say the leader died", killed.Text)
	}
	st = waitForC(t, c, "a new leader", 15*time.Second, func(s Status) bool { return s.Leader != "" && s.Leader != old })
	if st.Term <= 1 {
		t.Errorf("term %d after an election", st.Term)
	}
	ev := waitEvent(t, events, LeaderElected, 5*time.Second)
	if ev.Member != st.Leader || ev.NoLeader <= 0 {
		t.Errorf("election event %+v, want leader %s with a positive no-leader time", ev, st.Leader)
	}
	if err := c.Kill(old); err == nil || !strings.Contains(err.Error(), "already killed") {
		t.Errorf("second kill: %v, want 'already killed'", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Restart(ctx, old); err != nil {
		t.Fatal(err)
	}
	waitForC(t, c, "the old leader to follow", 10*time.Second, func(s Status) bool {
		m, _ := s.Member(old)
		return m.State == Up && m.Role == RoleFollower
	})
	if err := c.Restart(ctx, old); err == nil || !strings.Contains(err.Error(), "already up") {
		t.Errorf("restart of a live member: %v, want 'already up'", err)
	}
}

func TestStopLeaderHandsOff(t *testing.T) {
	c := launch(t, Config{Members: 3})
	events, done := c.Subscribe()
	defer done()
	st := waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	old := st.Leader
	if err := c.Stop(old); err != nil {
		t.Fatal(err)
	}
	st = waitForC(t, c, "a new leader", 10*time.Second, func(s Status) bool { return s.Leader != "" && s.Leader != old })
	// A hand-off is a MoveLeader: the new leader's term is exactly one more,
	// and no LeaderLost/LeaderElected pair with an election timeout is needed.
	deadline := time.After(3 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Kind == LeaderElected && ev.NoLeader > 500*time.Millisecond {
				t.Fatalf("graceful stop needed an election: %+v", ev)
			}
			if (ev.Kind == LeaderChanged || ev.Kind == LeaderElected) && ev.Member == st.Leader {
				return
			}
		case <-deadline:
			t.Fatal("no leader change event after a graceful stop")
		}
	}
}

func waitEvent(t *testing.T, events <-chan Event, kind EventKind, d time.Duration) Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("event stream closed while waiting for %s", kind)
			}
			if ev.Kind == kind {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", kind, d)
		}
	}
}

func TestQuorumArithmetic(t *testing.T) {
	for n := 1; n <= 5; n++ {
		t.Run(fmt.Sprintf("%d members", n), func(t *testing.T) {
			c := launch(t, Config{Members: n})
			quorum := n/2 + 1
			names := c.Names()
			for down := 0; down <= n; down++ {
				if down > 0 {
					if err := c.Kill(names[down-1]); err != nil {
						t.Fatal(err)
					}
				}
				st := c.Status()
				wantQuorum := n-down >= quorum
				tol := 0
				if wantQuorum {
					tol = n - down - quorum
				}
				if st.Quorum != quorum || st.Running != n-down || st.HasQuorum != wantQuorum || st.Tolerates != tol {
					t.Fatalf("%d of %d down: quorum %d running %d has %v tolerates %d; want %d %d %v %d",
						down, n, st.Quorum, st.Running, st.HasQuorum, st.Tolerates, quorum, n-down, wantQuorum, tol)
				}
				if wantQuorum {
					waitForC(t, c, "a leader with quorum", 15*time.Second, func(s Status) bool { return s.Leader != "" })
				}
			}
		})
	}
}

func TestDataDirResumes(t *testing.T) {
	dir := t.TempDir()
	c := launch(t, Config{Members: 3, DataDir: dir})
	base := c.Config().BasePort
	st := waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	rev := st.Revision
	c.Terminate()
	if n, port, ok, err := InfoFromDataDir(dir); err != nil || !ok || n != 3 || port != base {
		t.Fatalf("InfoFromDataDir = %d %d %v %v", n, port, ok, err)
	}
	if _, err := New(Config{Members: 5, BasePort: base, DataDir: dir}); err == nil || !strings.Contains(err.Error(), "holds a 3-member cluster") {
		t.Fatalf("resume with another size: %v", err)
	}
	c2, err := New(Config{Members: 3, BasePort: base, DataDir: dir, LogFile: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c2.Terminate)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c2.Launch(ctx); err != nil {
		t.Fatal(err)
	}
	st = waitForC(t, c2, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" })
	if st.Revision < rev {
		t.Fatalf("revision %d after resume, was %d", st.Revision, rev)
	}
}

func TestPortInUse(t *testing.T) {
	base := ports.Next(t)
	port := PeerPort(base, 2)
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = New(Config{Members: 3, BasePort: base, DataDir: t.TempDir()})
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != port || pe.Member != "etcd2" || pe.Role != "peer" || pe.Base != base {
		t.Fatalf("err = %v, want port %d in use by etcd2 peer", err, port)
	}
	if want := fmt.Sprintf("port %d (etcd2 peer port) is already in use", port); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"zero members", Config{Members: 0}, &MembersRangeError{Members: 0}},
		{"ten members", Config{Members: 10}, &MembersRangeError{Members: 10}},
		{"port too high", Config{Members: 3, BasePort: 70000}, &BasePortRangeError{Port: 70000, Min: 1024, Max: 65518, Span: 18}},
		{"port too low", Config{Members: 3, BasePort: 80}, &BasePortRangeError{Port: 80, Min: 1024, Max: 65518, Span: 18}},
		{"election too short", Config{Members: 3, BasePort: 2379, HeartbeatMs: 100, ElectionMs: 200}, &TimingsError{HeartbeatMs: 100, ElectionMs: 200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.DataDir = t.TempDir()
			_, err := New(tc.cfg)
			if !reflect.DeepEqual(err, tc.want) {
				t.Fatalf("err = %#v (%v), want %#v", err, err, tc.want)
			}
		})
	}
}

// TestKillRestartCyclesLeakNothing kills and restarts a member 100 times and
// checks that goroutines and open files return to their baseline.
func TestKillRestartCyclesLeakNothing(t *testing.T) {
	c := launch(t, Config{Members: 3})
	waitForC(t, c, "a leader", 10*time.Second, func(s Status) bool { return s.Leader != "" && s.HasQuorum })
	// etcd's prober (rafthttp) first probes each peer 4 s after start and
	// keeps a connection to it, and a relay keeps one more to the member:
	// count the baseline once every prober connection is in place, that is
	// once the relays have seen two rounds of probes.
	waitForC(t, c, "two rounds of probes", 15*time.Second, func(Status) bool {
		return c.net.Stats().Unattributed.Requests["/raft/probing"] >= 12
	})
	g0, f0 := runtime.NumGoroutine(), openFiles(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const cycles = 100
	for i := 0; i < cycles; i++ {
		if err := c.Kill("etcd3"); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if err := c.Restart(ctx, "etcd3"); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
	}
	waitForC(t, c, "etcd3 up", 10*time.Second, func(s Status) bool { m, _ := s.Member("etcd3"); return m.State == Up })
	// A per-cycle leak would add at least 100; allow a little slack for
	// etcd's timers and gRPC's pools, and wait for etcd's idle peer
	// connections, which close after its 5 s read timeout.
	var g1, f1 int
	deadline := time.Now().Add(20 * time.Second)
	for {
		g1, f1 = runtime.NumGoroutine(), openFiles(t)
		if g1 <= g0+20 && f1 <= f0+10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d kill/restart cycles: %d goroutines (baseline %d), %d open files (baseline %d)", cycles, g1, g0, f1, f0)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("after %d cycles: goroutines %d -> %d, open files %d -> %d", cycles, g0, g1, f0, f1)
}

func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(entries)
}

package workload

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcdlab/etcdlab/cluster"
)

// waitLoad polls LoadStats until cond holds.
func waitLoad(t *testing.T, w *Workload, what string, cond func(LoadStats) bool) LoadStats {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := w.LoadStats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func follower(st cluster.Status) string {
	for _, m := range st.Members {
		if m.Role == cluster.RoleFollower {
			return m.Name
		}
	}
	return ""
}

func TestLoadInWrongState(t *testing.T) {
	_, w := start(t, 1)
	ctx := context.Background()
	for _, tc := range []struct {
		what string
		err  error
		want string
	}{
		{"StopLoad", second(w.StopLoad()), "no load is running"},
		{"LoadStatus", second(w.LoadStatus()), "no load has run"},
		{"Check", second(w.Check(ctx, time.Second, "")), "no load history to check"},
		{"ExpectLinearizable", second(w.ExpectLinearizable(ctx)), "no load history to check"},
		{"ExpectUnavailable", second(w.ExpectUnavailable(time.Second)), "no load has run"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s before any load: %v, want %q", tc.what, tc.err, tc.want)
		}
	}
	must(t, "StartLoad")(w.StartLoad(LoadConfig{Clients: 1, Rate: 20, Keys: 1}))
	for _, tc := range []struct {
		what string
		err  error
		want string
	}{
		{"StartLoad", second(w.StartLoad(LoadConfig{Clients: 1, Rate: 20, Keys: 1})), "a load is already running"},
		{"Check", second(w.Check(ctx, time.Second, "")), "the load is still running"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s while a load runs: %v, want %q", tc.what, tc.err, tc.want)
		}
	}
	// The load is left running: Close must stop it (TestMain checks for
	// leaked goroutines).
}

// second returns the error of a call that also returns a value.
func second[T any](_ T, err error) error { return err }

// TestLoadThroughLeaderKillAndPartition runs a load on real members through
// a leader crash and an isolated follower, then checks the history.
func TestLoadThroughLeaderKillAndPartition(t *testing.T) {
	c, w := start(t, 3)
	ctx := context.Background()
	lines := must(t, "StartLoad")(w.StartLoad(LoadConfig{Clients: 4, Rate: 120, Keys: 4, ReadRatio: DefaultReadRatio}))
	if text := strings.Join(lines, "\n"); !strings.Contains(text, "4 clients over etcd1, etcd2, etcd3") {
		t.Errorf("StartLoad: %s", text)
	}
	waitLoad(t, w, "acknowledged writes", func(s LoadStats) bool { return s.Ops >= 40 })
	waitLoad(t, w, "a sample", func(s LoadStats) bool { return len(s.Samples) > 0 })
	if text := strings.Join(must(t, "LoadStatus")(w.LoadStatus()), "\n"); !strings.Contains(text, "load 1 running for") || !strings.Contains(text, "last second: ") {
		t.Errorf("LoadStatus:\n%s", text)
	}

	leader := c.Status().Leader
	mustDo(t, "kill")(faults{c}.Kill(ctx, leader))
	waitStatus(t, c, "a new leader", func(st cluster.Status) bool { return st.Leader != "" && st.Leader != leader })
	st := waitLoad(t, w, "the leader kill's window to close", func(s LoadStats) bool {
		return len(s.Outages) > 0 && !s.Outages[len(s.Outages)-1].Open
	})
	// The window is named by the first fault event: cluster.Kill emits
	// MemberKilled under the lock the status monitor reads under, so it
	// comes before the LeaderLost that follows from it.
	first := st.Outages[0]
	if first.Fault != leader+" (leader) was killed" || first.Length <= 0 {
		t.Errorf("first outage %+v, want one for %s (leader) was killed", first, leader)
	}
	mustDo(t, "restart")(faults{c}.Restart(ctx, leader))
	waitStatus(t, c, "quorum", quorum)

	f := follower(c.Status())
	mustDo(t, "isolate")(faults{c}.Isolate(ctx, f))
	before := w.LoadStats().Ops
	waitLoad(t, w, "writes with a follower isolated", func(s LoadStats) bool { return s.Ops >= before+40 })
	mustDo(t, "heal")(faults{c}.Heal(ctx))
	waitStatus(t, c, "quorum", quorum)

	if text := strings.Join(must(t, "StopLoad")(w.StopLoad()), "\n"); !strings.Contains(text, "windows after faults; the longest: no successful write for") {
		t.Errorf("StopLoad:\n%s", text)
	}
	st = w.LoadStats()
	if st.Running || len(st.Samples) == 0 || len(st.Marks) == 0 || st.Recorded == 0 {
		t.Errorf("LoadStats after stop: %+v", st)
	}
	kinds := map[cluster.EventKind]bool{}
	for _, m := range st.Marks {
		kinds[m.Kind] = true
	}
	if !kinds[cluster.MemberKilled] || !kinds[cluster.Partitioned] {
		t.Errorf("marks %+v lack the kill or the partition", st.Marks)
	}

	html := filepath.Join(t.TempDir(), "history.html")
	text := strings.Join(must(t, "Check")(w.Check(ctx, DefaultCheckTimeout, html)), "\n")
	if !strings.Contains(text, "PASS: linearizable, no lost writes, members agree") {
		t.Fatalf("check:\n%s", text)
	}
	t.Log("\n" + text)
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "<html") {
		t.Errorf("visualization %s: %v", html, err)
	}
	for what, err := range map[string]error{
		"ExpectLinearizable":    second(w.ExpectLinearizable(ctx)),
		"ExpectNoLostWrites":    second(w.ExpectNoLostWrites(ctx)),
		"ExpectMembersAgree":    second(w.ExpectMembersAgree(ctx)),
		"ExpectUnavailable 60s": second(w.ExpectUnavailable(time.Minute)),
	} {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	if _, err := w.ExpectUnavailable(time.Millisecond); err == nil || !strings.Contains(err.Error(), "no successful write for") {
		t.Errorf("ExpectUnavailable(1ms) after a leader kill: %v", err)
	}
}

// TestCheckCatchesStaleReads shows the check failing on a real history:
// serializable reads through an isolated member return its stale copy
// while the majority goes on writing the same key.
func TestCheckCatchesStaleReads(t *testing.T) {
	c, w := start(t, 3)
	ctx := context.Background()
	f := follower(c.Status())
	must(t, "StartLoad")(w.StartLoad(LoadConfig{Clients: 3, Rate: 90, Keys: 1, ReadRatio: 0.8, Serializable: true}))
	waitLoad(t, w, "acknowledged operations", func(s LoadStats) bool { return s.Ops >= 30 })
	mustDo(t, "isolate")(faults{c}.Isolate(ctx, f))
	run := w.run.Load()
	isolated := time.Since(run.start)
	// Wait for a read through the isolated member well after the majority
	// wrote the key again: it returns the member's stale copy.
	waitLoad(t, w, "a read through the isolated member", func(LoadStats) bool {
		ops, _, _ := run.history()
		for _, o := range ops {
			if !o.write && o.status == opOK && o.member == f && o.call > isolated+300*time.Millisecond {
				return true
			}
		}
		return false
	})
	mustDo(t, "heal")(faults{c}.Heal(ctx))
	waitStatus(t, c, "quorum", quorum)
	must(t, "StopLoad")(w.StopLoad())
	text := strings.Join(must(t, "Check")(w.Check(ctx, DefaultCheckTimeout, "")), "\n")
	if !strings.Contains(text, "linearizable: NO") || !strings.Contains(text, "first that cannot:    get(k0)") || !strings.Contains(text, "FAIL: not shown linearizable") {
		t.Fatalf("check of stale reads:\n%s", text)
	}
	t.Log("\n" + text)
	if _, err := w.ExpectLinearizable(ctx); err == nil || !strings.Contains(err.Error(), "expected a linearizable history, but load 1 is not") {
		t.Errorf("ExpectLinearizable: %v", err)
	}
	if _, err := w.ExpectNoLostWrites(ctx); err != nil {
		t.Errorf("ExpectNoLostWrites: %v", err)
	}
}

// TestChaosUnderLoad runs a few rounds of chaos with a fixed seed under load
// and checks that the history is linearizable and nothing was lost.
func TestChaosUnderLoad(t *testing.T) {
	c, w := start(t, 3)
	ctx := context.Background()
	must(t, "StartLoad")(w.StartLoad(LoadConfig{Clients: 3, Rate: 90, Keys: 3, ReadRatio: DefaultReadRatio}))
	chaos := must(t, "Chaos")(w.Chaos(ctx, ChaosConfig{Rounds: 6, Seed: 11, Interval: 700 * time.Millisecond}, faults{c}))
	if !strings.Contains(chaos[0], "seed 11; replay with: chaos --rounds 6 --seed 11 --interval 700ms") {
		t.Errorf("chaos does not print its seed first: %q", chaos)
	}
	if text := strings.Join(chaos, "\n"); !strings.Contains(text, "every member is up") {
		t.Errorf("chaos:\n%s", text)
	}
	t.Logf("chaos:\n%s", strings.Join(chaos, "\n"))
	for _, m := range c.Status().Members {
		if !m.State.Running() || len(m.Cut) > 0 {
			t.Errorf("after chaos %s is %s, cut from %v", m.Name, m.State, m.Cut)
		}
	}
	if rules := c.Status().Rules; len(rules) > 0 {
		t.Errorf("after chaos links keep rules: %v", rules)
	}
	waitStatus(t, c, "quorum", quorum)
	must(t, "StopLoad")(w.StopLoad())
	if text := strings.Join(must(t, "Check")(w.Check(ctx, DefaultCheckTimeout, "")), "\n"); !strings.Contains(text, "PASS:") {
		t.Fatalf("check:\n%s\nchaos:\n%s", text, strings.Join(chaos, "\n"))
	}
}

func TestLoadStatsEmpty(t *testing.T) {
	var w Workload
	if s := w.LoadStats(); s.Running || !s.Started.IsZero() || s.Samples != nil {
		t.Errorf("LoadStats before any load = %+v", s)
	}
}

// TestLoadBounds drives a run's bookkeeping far past its bounds: the
// history stops at its limit, and samples, marks and windows keep only
// the most recent.
func TestLoadBounds(t *testing.T) {
	start := time.Now()
	r := &loadRun{start: start, keys: testKeys, limit: 100}
	for i := range 1000 {
		at := ms(10 * i)
		// A fault, then a write invoked after it: one closed window each.
		r.event(cluster.Event{Time: start.Add(at), Kind: cluster.MemberKilled, Member: "etcd1", Text: "etcd1 killed"})
		r.record(op{write: true, value: "w", call: at + ms(1), ret: at + ms(3)}, false)
		r.record(op{key: 1, call: at + ms(1), ret: at + ms(12)}, false)
		r.closeSecond(start.Add(at))
	}
	var w Workload
	w.run.Store(r)
	s := w.LoadStats()
	if len(s.Samples) != statsSeconds || len(s.Marks) > marksLimit || len(s.Outages) != outagesLimit || len(r.faults) != faultsLimit {
		t.Errorf("kept %d samples, %d marks, %d outages, %d faults; want %d, at most %d, %d, %d",
			len(s.Samples), len(s.Marks), len(s.Outages), len(r.faults), statsSeconds, marksLimit, outagesLimit, faultsLimit)
	}
	// The write invoked just before the cut is kept; nothing after it.
	if !s.HistoryFull || s.Recorded != 101 {
		t.Errorf("history: full %v with %d operations, want full at 100 plus the write in flight", s.HistoryFull, s.Recorded)
	}
	if s.Longest.Length != ms(3) || s.Longest.Fault != "etcd1 was killed" {
		t.Errorf("longest window %+v, want 3ms after etcd1 was killed", s.Longest)
	}
	if s.Ops != 2000 {
		t.Errorf("counted %d operations, want 2000 (the stats go on when the history is full)", s.Ops)
	}
}

// TestNetworkFaultsUnderLoad drives each of chaos's network faults, on the
// leader's links and on a follower's, in both directions, under load:
// writes go on through the majority, and the history stays linearizable
// with no lost write, the members agreeing after heal.
func TestNetworkFaultsUnderLoad(t *testing.T) {
	c, w := start(t, 3)
	ctx := context.Background()
	must(t, "StartLoad")(w.StartLoad(LoadConfig{Clients: 3, Rate: 90, Keys: 3, ReadRatio: DefaultReadRatio}))
	for _, m := range []move{
		{verb: "cut", out: true},
		{verb: "cut"},
		{verb: "delay", out: true, delay: 150 * time.Millisecond, jitter: 75 * time.Millisecond},
		{verb: "delay", delay: 150 * time.Millisecond, jitter: 75 * time.Millisecond},
		{verb: "loss", out: true, lossShare: 50},
		{verb: "loss", lossShare: 50},
	} {
		for _, leader := range []bool{true, false} {
			st := waitStatus(t, c, "quorum", quorum)
			if m.member = st.Leader; !leader {
				m.member = follower(st)
			}
			mustDo(t, m.String())(m.do(ctx, faults{c}))
			s := w.LoadStats()
			before := s.Ops - s.Errors
			waitLoad(t, w, "operations that succeed under "+m.String(), func(s LoadStats) bool { return s.Ops-s.Errors >= before+30 })
			mustDo(t, "heal")(faults{c}.Heal(ctx))
		}
	}
	waitStatus(t, c, "quorum", quorum)
	must(t, "StopLoad")(w.StopLoad())
	if text := strings.Join(must(t, "Check")(w.Check(ctx, DefaultCheckTimeout, "")), "\n"); !strings.Contains(text, "PASS: linearizable, no lost writes, members agree") {
		t.Fatalf("check:\n%s", text)
	}
}

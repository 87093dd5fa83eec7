package lab

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/etcdlab/etcdlab/cluster"
)

func TestParseLoadCommands(t *testing.T) {
	checkParses(t, []parseCase{
		{"load start", "load start", "load start", nil, nil},
		{"load start flags", "load start --clients 8 --rate 200 --keys 4 --read-ratio 0.9", "load start", nil,
			map[string]string{"clients": "8", "rate": "200", "keys": "4", "read-ratio": "0.9"}},
		{"load start equals", "load start --clients=1 --read-ratio=0", "load start", nil, map[string]string{"clients": "1", "read-ratio": "0"}},
		{"load stop", "load stop", "load stop", nil, nil},
		{"load status", "load status", "load status", nil, nil},
		{"check", "check", "check", nil, nil},
		{"check html", "check --html out/h.html --timeout 5s", "check", nil, map[string]string{"html": "out/h.html", "timeout": "5s"}},
		{"load start serializable", "load start --consistency=s", "load start", nil, map[string]string{"consistency": "s"}},
		{"chaos", "chaos", "chaos", nil, nil},
		{"chaos flags", "chaos --rounds 12 --seed 42 --interval 1.5s", "chaos", nil, map[string]string{"rounds": "12", "seed": "42", "interval": "1.5s"}},
		{"chaos negative seed", "chaos --seed=-7", "chaos", nil, map[string]string{"seed": "-7"}},
	})
}

func TestParseLoadExpectations(t *testing.T) {
	for _, tc := range []struct {
		line string
		kind string
		want []string
	}{
		{"expect linearizable", "linearizable", nil},
		{"expect no-lost-writes", "no-lost-writes", nil},
		{"expect members-agree", "members-agree", nil},
		{"expect unavailable < 3s", "unavailable", []string{"<", "3s"}},
		{"expect unavailable < 1500ms", "unavailable", []string{"<", "1500ms"}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			c, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.line, err)
			}
			if c.Expect == nil || c.Expect.Kind != tc.kind || !reflect.DeepEqual(c.Expect.Want, tc.want) {
				t.Errorf("got %+v, want kind %s want %q", c.Expect, tc.kind, tc.want)
			}
		})
	}
	if u, _, _ := Usage("expect"); !strings.Contains(u, "| linearizable") || !strings.Contains(u, "| unavailable < D") {
		t.Errorf("expect's usage does not list the load conditions: %s", u)
	}
}

func TestParseLoadErrors(t *testing.T) {
	checkParseErrors(t, []parseError{
		{"load alone", "load", "load needs a subcommand: load start|status|stop"},
		{"load bogus", "load go", "load needs a subcommand"},
		{"load start args", "load start now", "load start takes no arguments"},
		{"clients zero", "load start --clients 0", "--clients must be a whole number from 1 to 64"},
		{"clients many", "load start --clients 65", "--clients must be a whole number from 1 to 64"},
		{"clients word", "load start --clients many", "--clients must be a whole number"},
		{"rate zero", "load start --rate 0", "--rate must be a whole number from 1 to 5000"},
		{"rate huge", "load start --rate 100000", "--rate must be a whole number from 1 to 5000"},
		{"keys zero", "load start --keys 0", "--keys must be a whole number from 1 to 1000"},
		{"ratio above one", "load start --read-ratio 1.5", "--read-ratio must be a number from 0 to 1"},
		{"ratio negative", "load start --read-ratio=-0.1", "--read-ratio must be a number from 0 to 1"},
		{"ratio word", "load start --read-ratio half", "--read-ratio must be a number from 0 to 1"},
		{"rate missing value", "load start --rate", "--rate needs a value"},
		{"bad consistency", "load start --consistency=x", "--consistency must be l (linearizable) or s (serializable)"},
		{"unknown flag", "load start --burst 3", "load start has no flag --burst"},
		{"load stop args", "load stop now", "load stop takes no arguments"},
		{"check args", "check everything", "check takes no arguments"},
		{"check bad timeout", "check --timeout soon", `"soon" is not a duration`},
		{"check html no file", "check --html", "--html needs a value"},
		{"chaos rounds zero", "chaos --rounds 0", "--rounds must be a whole number from 1 to 1000"},
		{"chaos seed word", "chaos --seed lucky", "--seed must be a whole number"},
		{"chaos bad interval", "chaos --interval fast", `"fast" is not a duration`},
		{"chaos args", "chaos now", "chaos takes no arguments"},
		{"expect linearizable args", "expect linearizable please", "expect linearizable takes no arguments"},
		{"expect no-lost-writes args", "expect no-lost-writes 3", "expect no-lost-writes takes no arguments"},
		{"expect unavailable bare", "expect unavailable", "expect unavailable needs a bound: expect unavailable < 3s"},
		{"expect unavailable no op", "expect unavailable 3s", "expect unavailable needs a bound"},
		{"expect unavailable greater", "expect unavailable > 3s", "expect unavailable needs a bound"},
		{"expect unavailable bad", "expect unavailable < soon", `"soon" is not a duration`},
	})
}

// Hand-made histories: times are milliseconds since the load began.
var testKeys = []string{"load/t/k0", "load/t/k1"}

func hPut(client, key int, v string, call, ret int) op {
	return op{client: client, write: true, key: key, value: v, call: ms(call), ret: ms(ret), member: "etcd1"}
}

func hPutMaybe(client, key int, v string, call, ret int) op {
	o := hPut(client, key, v, call, ret)
	o.status = opMaybe
	return o
}

func hGet(client, key int, v string, call, ret int) op {
	return op{client: client, key: key, value: v, found: v != "", call: ms(call), ret: ms(ret), member: "etcd2"}
}

func hGetFailed(client, key int, call, ret int) op {
	o := hGet(client, key, "", call, ret)
	o.status = opFailed
	return o
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// final is the final read at 1000-1001 ms: key index to value.
func hFinal(values map[int]string) *finalRead {
	return &finalRead{values: values, call: ms(1000), ret: ms(1001), rev: 9, member: "etcd3"}
}

func TestCheckerLinearizableHistories(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []op
		fin  *finalRead
	}{
		{"sequential", []op{
			hPut(0, 0, "w1", 0, 10), hGet(1, 0, "w1", 20, 30), hPut(1, 0, "w2", 40, 50), hGet(0, 0, "w2", 60, 70),
		}, hFinal(map[int]string{0: "w2"})},
		{"concurrent read may see either value", []op{
			hPut(0, 0, "w1", 0, 10), hPut(0, 0, "w2", 20, 60), hGet(1, 0, "w1", 30, 40), hGet(2, 0, "w2", 35, 45),
		}, hFinal(map[int]string{0: "w2"})},
		{"read before any write finds nothing", []op{
			hGet(0, 1, "", 0, 5), hPut(1, 1, "w1", 10, 20),
		}, hFinal(map[int]string{1: "w1"})},
		{"a timed-out write that a read saw took effect", []op{
			hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020), hGet(2, 0, "w2", 500, 510),
		}, hFinal(map[int]string{0: "w2"})},
		{"a timed-out write may land after everything", []op{
			hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020), hGet(2, 0, "w1", 500, 510),
		}, hFinal(map[int]string{0: "w2"})},
		{"a timed-out write nobody saw", []op{
			hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020), hGet(2, 0, "w1", 500, 510),
		}, hFinal(map[int]string{0: "w1"})},
		{"failed reads are dropped", []op{
			hPut(0, 0, "w1", 0, 10), hGetFailed(1, 0, 20, 2020),
		}, hFinal(map[int]string{0: "w1"})},
		{"keys are independent", []op{
			hPut(0, 0, "w1", 0, 10), hPut(1, 1, "w2", 0, 10), hGet(2, 0, "w1", 20, 30), hGet(2, 1, "w2", 40, 50),
		}, hFinal(map[int]string{0: "w1", 1: "w2"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := checkHistory(testKeys, tc.ops, tc.fin, 10*time.Second)
			if rep.result != porcupine.Ok {
				t.Errorf("result %s, want Ok: %q", rep.result, rep.violation)
			}
			if len(rep.lost) > 0 {
				t.Errorf("lost writes %q, want none", rep.lost)
			}
		})
	}
}

// TestCheckerCatchesStaleRead shows the checker can fail: a read returns a
// value that was overwritten before the read began.
func TestCheckerCatchesStaleRead(t *testing.T) {
	ops := []op{
		hPut(0, 0, "w1", 0, 10),
		hPut(0, 0, "w2", 20, 30),
		hGet(1, 0, "w1", 40, 50), // w2 was acknowledged before this read began
		hPut(1, 1, "w3", 0, 10),
	}
	rep := checkHistory(testKeys, ops, hFinal(map[int]string{0: "w2", 1: "w3"}), 10*time.Second)
	if rep.result != porcupine.Illegal {
		t.Fatalf("result %s, want Illegal", rep.result)
	}
	text := strings.Join(rep.violation, "\n")
	for _, want := range []string{"key load/t/k0: only 2 of its 4 operations linearize, leaving the key at w2",
		"last that linearizes: put(k0, w2)  client 0 via etcd1",
		"first that cannot:    get(k0) -> w1  client 1 via etcd2, invoked 0.040s, returned 0.050s",
		"(1 later operation on this key not linearized past it"} {
		if !strings.Contains(text, want) {
			t.Errorf("violation does not say %q:\n%s", want, text)
		}
	}
	if len(rep.lost) > 0 {
		t.Errorf("lost %q, want none", rep.lost)
	}
	cr := &checkReport{run: 1, prefix: "load/t/", fin: hFinal(nil), hist: rep, agree: agreement{ok: true}}
	if lines := strings.Join(cr.lines(), "\n"); !strings.Contains(lines, "linearizable: NO") || !strings.Contains(lines, "FAIL: not shown linearizable") {
		t.Errorf("report does not fail:\n%s", lines)
	}
}

// TestCheckerCatchesReadOfUnwrittenValue: a read returns a value nobody
// wrote (or a failed write that was never invoked on that key).
func TestCheckerCatchesReadOfUnwrittenValue(t *testing.T) {
	ops := []op{hPut(0, 0, "w1", 0, 10), hGet(1, 0, "w9", 20, 30)}
	if rep := checkHistory(testKeys, ops, nil, 10*time.Second); rep.result != porcupine.Illegal {
		t.Fatalf("result %s, want Illegal", rep.result)
	}
}

// TestCheckerCatchesLostWrite shows the checker can fail on the final
// state: an acknowledged write that nothing could have overwritten is gone.
func TestCheckerCatchesLostWrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []op
		fin  *finalRead
		lost int
	}{
		{"key empty at the end", []op{hPut(0, 0, "w1", 0, 10)}, hFinal(map[int]string{}), 1},
		{"older value at the end", []op{hPut(0, 0, "w1", 0, 10), hPut(0, 0, "w2", 20, 30)}, hFinal(map[int]string{0: "w1"}), 1},
		{"overwritten by a concurrent write", []op{hPut(0, 0, "w1", 0, 30), hPut(1, 0, "w2", 20, 40)}, hFinal(map[int]string{0: "w1"}), 0},
		{"overwritten by a maybe-applied write", []op{hPut(0, 0, "w1", 0, 10), hPutMaybe(1, 0, "w2", 20, 2020)}, hFinal(map[int]string{0: "w2"}), 0},
		{"a failed write is not lost", []op{hPutMaybe(0, 0, "w1", 0, 2000)}, hFinal(map[int]string{}), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := checkHistory(testKeys, tc.ops, tc.fin, 10*time.Second)
			if len(rep.lost) != tc.lost {
				t.Fatalf("lost %q, want %d", rep.lost, tc.lost)
			}
			if tc.lost > 0 {
				if !strings.Contains(rep.lost[0], "acknowledged at") || rep.result != porcupine.Illegal {
					t.Errorf("lost write %q, result %s: want it named and the history not linearizable", rep.lost[0], rep.result)
				}
				cr := &checkReport{run: 1, prefix: "load/t/", fin: tc.fin, hist: rep, agree: agreement{ok: true}}
				if lines := strings.Join(cr.lines(), "\n"); !strings.Contains(lines, "lost writes: 1 acknowledged write missing") || !strings.Contains(lines, "FAIL:") {
					t.Errorf("report does not fail:\n%s", lines)
				}
			}
		})
	}
}

// TestChaosMovesKeepMinority plays chaos moves against a model of the
// cluster's members and links, and checks that a quorum of voters stays up
// and connected, and that every fault can be repaired.
func TestChaosMovesKeepMinority(t *testing.T) {
	for _, voters := range []int{1, 3, 4, 5, 7} {
		var names []string
		for i := 1; i <= voters; i++ {
			names = append(names, fmt.Sprintf("etcd%d", i))
		}
		down := map[string]bool{}
		cut := map[[2]string]bool{} // both orders
		link := func(a, b string) { cut[[2]string{a, b}], cut[[2]string{b, a}] = true, true }
		rng := rand.New(rand.NewPCG(7, 0))
		for step := range 3000 {
			st := cluster.Status{Voters: voters, Quorum: cluster.QuorumSize(voters)}
			for _, n := range names {
				m := cluster.MemberStatus{Name: n, State: cluster.Up}
				if down[n] {
					m.State = cluster.Killed
				}
				for _, o := range names {
					if cut[[2]string{n, o}] {
						m.Cut = append(m.Cut, o)
					}
				}
				st.Members = append(st.Members, m)
			}
			s := chaosStateOf(st)
			// A quorum of members is up and can reach each other.
			if len(s.healthy) < st.Quorum {
				t.Fatalf("%d voters, step %d: only %v healthy (down %v, isolated %v)", voters, step, s.healthy, s.down, s.isolated)
			}
			move := s.move(rng)
			if move == "" {
				if voters >= 3 {
					t.Fatalf("%d voters: no move from %+v", voters, s)
				}
				continue
			}
			verb, name, _ := strings.Cut(move, " ")
			switch verb {
			case "kill":
				down[name] = true
			case "restart":
				down[name] = false
			case "isolate":
				for _, o := range names {
					if o != name {
						link(name, o)
					}
				}
			case "heal":
				if name != "" {
					t.Fatalf("chaos heals one member (%s): it must heal the whole network", name)
				}
				clear(cut)
			}
		}
	}
}

func TestLoadCommandsInWrongState(t *testing.T) {
	s := start(t, 1)
	l := s.Lab
	for _, tc := range []struct{ line, want string }{
		{"load stop", "no load is running"},
		{"load status", "no load has run"},
		{"check", "no load history to check"},
		{"expect linearizable", "no load history to check"},
		{"expect unavailable < 1s", "no load has run"},
	} {
		if r := exec(t, l, tc.line); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, r.Err, tc.want)
		}
	}
	must(t, l, "load start --clients 1 --rate 20")
	for _, tc := range []struct{ line, want string }{
		{"load start", "a load is already running"},
		{"check", "the load is still running"},
	} {
		if r := exec(t, l, tc.line); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.line, r.Err, tc.want)
		}
	}
	// The load is left running: Close must stop it (TestMain checks for
	// leaked goroutines).
}

// waitLoad polls LoadStats until cond holds.
func waitLoad(t *testing.T, l *Lab, what string, cond func(LoadStats) bool) LoadStats {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := l.LoadStats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLoadThroughLeaderKillAndPartition runs a load on real members through
// a leader crash and an isolated follower, then checks the history.
func TestLoadThroughLeaderKillAndPartition(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	r := must(t, l, "load start --clients 4 --rate 120 --keys 4")
	if !strings.Contains(r.Text(), "4 clients over etcd1, etcd2, etcd3") {
		t.Errorf("load start: %s", r.Text())
	}
	waitLoad(t, l, "acknowledged writes", func(s LoadStats) bool { return s.Ops >= 40 })
	waitLoad(t, l, "a sample", func(s LoadStats) bool { return len(s.Samples) > 0 })
	if r := must(t, l, "load status"); !strings.Contains(r.Text(), "load 1 running for") || !strings.Contains(r.Text(), "last second: ") {
		t.Errorf("load status:\n%s", r.Text())
	}

	leader := s.Cluster.Status().Leader
	must(t, l, "kill "+leader)
	must(t, l, "wait leader --timeout 15s")
	st := waitLoad(t, l, "the leader kill's window to close", func(s LoadStats) bool {
		return len(s.Outages) > 0 && !s.Outages[len(s.Outages)-1].Open
	})
	first := st.Outages[0]
	if first.Fault != leader+" (leader) was killed" || first.Length <= 0 {
		t.Errorf("first outage %+v, want one for %s (leader) was killed", first, leader)
	}
	must(t, l, "restart "+leader)
	must(t, l, "wait quorum")

	var follower string
	for _, m := range s.Cluster.Status().Members {
		if m.Role == cluster.RoleFollower {
			follower = m.Name
		}
	}
	must(t, l, "isolate "+follower)
	before := l.LoadStats().Ops
	waitLoad(t, l, "writes with a follower isolated", func(s LoadStats) bool { return s.Ops >= before+40 })
	must(t, l, "heal")
	must(t, l, "wait quorum")

	r = must(t, l, "load stop")
	if !strings.Contains(r.Text(), "windows after faults; the longest: no successful write for") {
		t.Errorf("load stop:\n%s", r.Text())
	}
	st = l.LoadStats()
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
	r = exec(t, l, "check --html "+html)
	if r.Err != nil || !strings.Contains(r.Text(), "PASS: linearizable, no lost writes, members agree") {
		t.Fatalf("check: %v\n%s", r.Err, r.Text())
	}
	t.Log("\n" + r.Text())
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "<html") {
		t.Errorf("visualization %s: %v", html, err)
	}
	must(t, l, "expect linearizable")
	must(t, l, "expect no-lost-writes")
	must(t, l, "expect members-agree")
	must(t, l, "expect unavailable < 60s")
	if r := exec(t, l, "expect unavailable < 1ms"); r.Err == nil || !strings.Contains(r.Err.Error(), "no successful write for") {
		t.Errorf("expect unavailable < 1ms after a leader kill: %v", r.Err)
	}
}

// TestCheckCatchesStaleReads shows the check failing on a real history:
// serializable reads through an isolated member return its stale copy
// while the majority goes on writing the same key.
func TestCheckCatchesStaleReads(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	var follower string
	for _, m := range s.Cluster.Status().Members {
		if m.Role == cluster.RoleFollower {
			follower = m.Name
		}
	}
	must(t, l, "load start --clients 3 --rate 90 --keys 1 --read-ratio 0.8 --consistency=s")
	waitLoad(t, l, "acknowledged operations", func(s LoadStats) bool { return s.Ops >= 30 })
	must(t, l, "isolate "+follower)
	isolated := time.Since(l.load.run.Load().start)
	// Wait for a read through the isolated member well after the majority
	// wrote the key again: it returns the member's stale copy.
	run := l.load.run.Load()
	waitLoad(t, l, "a read through the isolated member", func(LoadStats) bool {
		ops, _, _ := run.history()
		for _, o := range ops {
			if !o.write && o.status == opOK && o.member == follower && o.call > isolated+300*time.Millisecond {
				return true
			}
		}
		return false
	})
	must(t, l, "heal")
	must(t, l, "wait quorum")
	must(t, l, "load stop")
	r := exec(t, l, "check")
	if r.Err != nil || !strings.Contains(r.Text(), "linearizable: NO") || !strings.Contains(r.Text(), "first that cannot:    get(k0)") || !strings.Contains(r.Text(), "FAIL: not shown linearizable") {
		t.Fatalf("check of stale reads: %v\n%s", r.Err, r.Text())
	}
	t.Log("\n" + r.Text())
	if r := exec(t, l, "expect linearizable"); r.Err == nil || !strings.Contains(r.Err.Error(), "expected a linearizable history, but load 1 is not") {
		t.Errorf("expect linearizable: %v", r.Err)
	}
	must(t, l, "expect no-lost-writes")
}

// TestChaosUnderLoad runs a few rounds of chaos with a fixed seed under load
// and checks that the history is linearizable and nothing was lost.
func TestChaosUnderLoad(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "load start --clients 3 --rate 90 --keys 3")
	chaos := must(t, l, "chaos --rounds 6 --seed 11 --interval 700ms")
	r := chaos
	if !strings.Contains(r.Lines[0], "seed 11; replay with: chaos --rounds 6 --seed 11 --interval 700ms") {
		t.Errorf("chaos does not print its seed first: %q", r.Lines)
	}
	if !strings.Contains(r.Text(), "every member is up") {
		t.Errorf("chaos:\n%s", r.Text())
	}
	for _, m := range s.Cluster.Status().Members {
		if !m.State.Running() || len(m.Cut) > 0 {
			t.Errorf("after chaos %s is %s, cut from %v", m.Name, m.State, m.Cut)
		}
	}
	must(t, l, "wait quorum")
	must(t, l, "load stop")
	r = exec(t, l, "check")
	if r.Err != nil || !strings.Contains(r.Text(), "PASS:") {
		t.Fatalf("check: %v\n%s\nchaos:\n%s", r.Err, r.Text(), chaos.Text())
	}
}

func TestLoadStatsEmpty(t *testing.T) {
	var l Lab
	if s := l.LoadStats(); s.Running || !s.Started.IsZero() || s.Samples != nil {
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
	s := func() LoadStats {
		var l Lab
		l.load.run.Store(r)
		return l.LoadStats()
	}()
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

// TestHistoryPrefix checks the prefix a full history is checked on: a read
// that returned after the cut goes (it may have seen an unrecorded write),
// a write invoked before the cut stays (a kept read may have seen it).
func TestHistoryPrefix(t *testing.T) {
	r := &loadRun{start: time.Now(), keys: testKeys, limit: 2}
	r.record(hPut(0, 0, "w1", 0, 10), false)
	r.record(hGet(1, 0, "w1", 5, 12), false) // fills the history: cut at 12ms
	r.record(hPut(2, 0, "w2", 11, 30), false)
	r.record(hGet(3, 0, "w2", 11, 35), false)
	r.record(hPut(0, 0, "w3", 40, 50), false)
	ops, full, cut := r.history()
	if !full || cut != ms(12) || len(ops) != 3 {
		t.Fatalf("history full=%v cut=%s with %d ops, want full at 12ms with w1, its read and w2", full, cut, len(ops))
	}
	ops = append(ops, hGet(3, 0, "w3", 11, 55), hPut(1, 1, "w4", 13, 14))
	kept := prefixAt(ops, cut)
	if len(kept) != 3 || kept[2].value != "w2" {
		t.Errorf("prefix = %+v, want w1, its read and w2", kept)
	}
	if rep := checkHistory(testKeys, kept, nil, 10*time.Second); rep.result != porcupine.Ok {
		t.Errorf("prefix is %s: %q", rep.result, rep.violation)
	}
}

// synthHistory makes a linearizable history of n operations: rounds of
// overlapping operations, one per client, each taking effect when invoked;
// one write in 50 fails, and half of those still take effect.
func synthHistory(n, clients, keys int, seed uint64) ([]op, *finalRead) {
	rng := rand.New(rand.NewPCG(seed, 1))
	state := map[int]string{}
	now := time.Duration(0)
	var ops []op
	seq := 0
	for len(ops) < n {
		// each round: every client issues one op overlapping the others
		var ps []op
		for c := 0; c < clients; c++ {
			o := op{client: c, key: rng.IntN(keys), call: now + time.Duration(rng.IntN(1000))*time.Microsecond, member: "etcd1"}
			o.ret = o.call + time.Duration(500+rng.IntN(3000))*time.Microsecond
			if rng.IntN(2) == 0 {
				seq++
				o.write, o.value = true, fmt.Sprintf("w%d", seq)
				if rng.IntN(50) == 0 {
					o.status = opMaybe
				}
			}
			ps = append(ps, o)
		}
		// linearize at each call
		slices.SortFunc(ps, func(a, b op) int { return cmp.Compare(a.call, b.call) })
		for i := range ps {
			o := &ps[i]
			if o.write {
				if o.status == opOK || rng.IntN(2) == 0 {
					state[o.key] = o.value
				}
			} else {
				o.value, o.found = state[o.key]
			}
		}
		ops = append(ops, ps...)
		now += 5 * time.Millisecond
	}
	fin := &finalRead{values: map[int]string{}, call: now + time.Second, ret: now + time.Second + time.Millisecond, member: "etcd1"}
	for k, v := range state {
		fin.values[k] = v
	}
	return ops, fin
}

// BenchmarkCheckHistory measures the checker on a synthetic history like
// the load's (4 clients, 8 keys, 10% of the history bound).
func BenchmarkCheckHistory(b *testing.B) {
	keys := make([]string, 8)
	for i := range keys {
		keys[i] = fmt.Sprintf("load/x/k%d", i)
	}
	ops, fin := synthHistory(historyLimit/10, 4, len(keys), 3)
	b.ResetTimer()
	for range b.N {
		if rep := checkHistory(keys, ops, fin, time.Minute); rep.result != porcupine.Ok {
			b.Fatalf("synthetic history is %s: %q", rep.result, rep.violation)
		}
	}
}

package ui

import (
	"sort"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/testutil"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
	"go.uber.org/goleak"
)

// ui tests own ports 27000-28999; see testutil.Ports.
var ports = &testutil.Ports{Start: 27000, End: 29000, Block: 2 * cluster.MaxMembers}

// teatest's NewTestModel leaves a goroutine waiting for SIGINT forever.
func TestMain(m *testing.M) {
	testutil.VerifyMain(m, goleak.IgnoreAnyFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}

var _ = teatest.WithInitialTermSize

// t0 is when every recorded session of these tests began.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// mstate is one member at one moment of a recorded session.
type mstate struct {
	state  cluster.State
	role   cluster.Role
	term   uint64
	leader string // the member it follows
	cut    []string
}

var (
	lead = func(term uint64) mstate {
		return mstate{state: cluster.Up, role: cluster.RoleLeader, term: term}
	}
	follow = func(term uint64, l string) mstate {
		return mstate{state: cluster.Up, role: cluster.RoleFollower, term: term, leader: l}
	}
	campaign = func(term uint64) mstate {
		return mstate{state: cluster.Up, role: cluster.RoleNoLeader, term: term}
	}
	learn = func(term uint64, l string) mstate {
		return mstate{state: cluster.Up, role: cluster.RoleLearner, term: term, leader: l}
	}
	killed = mstate{state: cluster.Killed}
)

// snapshot builds the cluster.Status of members in the given states, with
// the derived fields as cluster computes them.
func snapshot(when time.Time, commit uint64, rev int64, states ...mstate) cluster.Status {
	st := cluster.Status{Time: when}
	ids := map[string]uint64{}
	for i := range states {
		ids[name(i)] = uint64(0x1000 + i)
	}
	var running []int
	for i, s := range states {
		ms := cluster.MemberStatus{
			Name:      name(i),
			ID:        ids[name(i)],
			ClientURL: "http://127.0.0.1:" + itoa(2379+2*i),
			PeerURL:   "http://127.0.0.1:" + itoa(2380+2*i),
			State:     s.state,
			Cut:       s.cut,
			Learner:   s.role == cluster.RoleLearner,
		}
		if ms.Learner {
			st.Learners++
			if s.state.Running() {
				st.LearnersRunning++
			}
		}
		if s.state.Running() && !ms.Learner {
			running = append(running, i)
		}
		if s.state.Running() {
			ms.Role, ms.Term, ms.Committed, ms.Applied, ms.Revision, ms.DBSize = s.role, s.term, commit, commit, rev, 20480
			switch s.role {
			case cluster.RoleLeader:
				ms.Lead, ms.Leader = ms.ID, ms.Name
			case cluster.RoleFollower, cluster.RoleLearner:
				ms.Lead, ms.Leader = ids[s.leader], s.leader
			}
			if s.role == cluster.RoleLeader && s.term >= st.Term {
				st.Leader, st.Term = ms.Name, s.term
			}
			if rev > st.Revision {
				st.Revision = rev
			}
		}
		st.Members = append(st.Members, ms)
	}
	if st.Leader == "" {
		for _, s := range states {
			st.Term = max(st.Term, s.term)
		}
	}
	st.Voters, st.Running = len(states)-st.Learners, len(running)
	st.Quorum = cluster.QuorumSize(st.Voters)
	st.Reachable = st.Running
	for _, i := range running {
		if len(states[i].cut) >= len(states)-1 || len(states[i].cut) > 0 && len(states[i].cut) >= st.Quorum {
			st.Reachable-- // a member cut off from a quorum
		}
	}
	st.HasQuorum = st.Reachable >= st.Quorum
	if st.HasQuorum {
		st.Tolerates = st.Reachable - st.Quorum
	}
	return st
}

func name(i int) string { return "etcd" + itoa(i+1) }

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// send feeds one message to the model.
func send(t testing.TB, m model, msg tea.Msg) (model, tea.Cmd) {
	t.Helper()
	if tm, ok := msg.(typedMsg); ok {
		c, err := lab.Parse(tm.line)
		if err != nil {
			t.Fatal(err)
		}
		m.events.add(entry{at: tm.at, kind: entryCommand, text: c.Text})
		msg = resultMsg{job: job{cmd: c, from: fromPrompt}, res: tm.res, start: tm.at}
	}
	next, cmd := m.Update(msg)
	nm, ok := next.(model)
	if !ok {
		t.Fatalf("Update returned %T, not model", next)
	}
	return nm, cmd
}

// fakeConn is what lab.Connect reads of a 3-member lab on 2379.
var fakeConn = lab.Connection{
	Members: []cluster.Endpoint{
		{Name: "etcd1", ClientURL: "http://127.0.0.1:2379", PeerURL: "http://127.0.0.1:2380"},
		{Name: "etcd2", ClientURL: "http://127.0.0.1:2381", PeerURL: "http://127.0.0.1:2382"},
		{Name: "etcd3", ClientURL: "http://127.0.0.1:2383", PeerURL: "http://127.0.0.1:2384"},
	},
	Env:     []lab.EnvVar{{Name: "ETCDCTL_ENDPOINTS", Value: "http://127.0.0.1:2379,http://127.0.0.1:2381,http://127.0.0.1:2383"}},
	Python:  "etcd3.client(host='127.0.0.1', port=2379)",
	LogFile: "/tmp/etcdlab-1/etcd.log",
}

// newTestUI returns a model of a started session of n members, without a
// cluster: tests feed it recorded messages.
func newTestUI(t testing.TB, n, w, h int, o Options) model {
	t.Helper()
	o.Config.Cluster.Members = n
	o.Config.Cluster.BasePort = 2379
	m := newModel(o, nil)
	m, _ = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	m, _ = send(t, m, startedMsg{at: t0, conn: fakeConn})
	return m
}

// step is one moment of a recorded session.
type step struct {
	at  time.Duration
	msg tea.Msg
}

// play feeds a recorded session to the model: a status sample every 250 ms
// from the session's start up to end, and the steps' messages in between.
func play(t testing.TB, m model, end time.Duration, states func(d time.Duration) cluster.Status, steps ...step) model {
	t.Helper()
	next := 0
	for d := time.Duration(0); d <= end; d += 250 * time.Millisecond {
		for next < len(steps) && steps[next].at <= d {
			m, _ = send(t, m, steps[next].msg)
			next++
		}
		m, _ = send(t, m, statusMsg{st: states(d)})
	}
	for ; next < len(steps); next++ {
		m, _ = send(t, m, steps[next].msg)
	}
	return m
}

func ev(d time.Duration, kind cluster.EventKind, member, text string) step {
	return step{at: d, msg: eventMsg{ev: cluster.Event{Time: at(d), Kind: kind, Member: member, Text: text}}}
}

// typedMsg stands for a command typed at the prompt, logged as runNext
// logs it, whose result comes back at once.
type typedMsg struct {
	line string
	res  lab.Result
	at   time.Time
}

func result(d time.Duration, line string, r lab.Result) step {
	return step{at: d, msg: typedMsg{line: line, res: r, at: at(d)}}
}

// The recorded sessions of the golden tests. Each runs 30 s.
var startup = []step{
	ev(0, cluster.MemberStarted, "etcd1", "etcd1 started"),
	ev(0, cluster.MemberStarted, "etcd2", "etcd2 started"),
	ev(0, cluster.MemberStarted, "etcd3", "etcd3 started"),
	ev(sec(0.3), cluster.MemberReady, "etcd1", "etcd1 ready after 302ms"),
	ev(sec(0.3), cluster.LeaderElected, "etcd1", "etcd1 elected leader in term 2; cluster ready 318ms after launch"),
	result(sec(5), "put greeting hello", lab.Result{Lines: []string{"OK"}, Took: 4 * time.Millisecond}),
}

func healthy(d time.Duration) cluster.Status {
	return snapshot(at(d), 8+uint64(d/(5*time.Second)), 2, lead(2), follow(2, "etcd1"), follow(2, "etcd1"))
}

// oneDown: etcd1, the leader, is killed at 18 s; etcd3 wins term 3 at 19.5 s.
func oneDown(d time.Duration) cluster.Status {
	switch {
	case d < sec(18):
		return healthy(d)
	case d < sec(19.25):
		return snapshot(at(d), 12, 2, killed, follow(2, "etcd1"), follow(2, "etcd1"))
	case d < sec(19.5):
		return snapshot(at(d), 12, 2, killed, campaign(3), campaign(3))
	}
	return snapshot(at(d), 13, 3, killed, follow(3, "etcd3"), lead(3))
}

var oneDownSteps = append(append([]step(nil), startup...),
	result(sec(18), "kill etcd1", lab.Result{Took: 3 * time.Millisecond}),
	ev(sec(18), cluster.MemberKilled, "etcd1", "etcd1 killed while leader (crash: no leadership hand-off)"),
	ev(sec(18), cluster.LeaderLost, "etcd1", "leader lost: etcd1 (term 2) no longer leads"),
	ev(sec(19.5), cluster.LeaderElected, "etcd3", "etcd3 elected leader in term 3 after 1.5s without a leader: writes commit again"),
	result(sec(24), "put k after", lab.Result{Lines: []string{"OK"}, Took: 5 * time.Millisecond}),
)

// noQuorum: then etcd2 is killed at 25 s; etcd3 steps down at 26 s.
func noQuorum(d time.Duration) cluster.Status {
	switch {
	case d < sec(25):
		return oneDown(d)
	case d < sec(26):
		return snapshot(at(d), 13, 3, killed, killed, lead(3))
	}
	return snapshot(at(d), 13, 3, killed, killed, campaign(3))
}

var noQuorumSteps = append(append([]step(nil), oneDownSteps...),
	result(sec(25), "kill etcd2", lab.Result{Took: 2 * time.Millisecond}),
	ev(sec(25), cluster.MemberKilled, "etcd2", "etcd2 killed (crash: no leadership hand-off)"),
	ev(sec(25), cluster.QuorumLost, "", "quorum lost: 1 of 3 voters reachable, 2 needed; writes and linearizable reads will fail"),
	ev(sec(26), cluster.LeaderLost, "etcd3", "leader lost: etcd3 (term 3) no longer leads"),
	result(sec(29), "put k again", lab.Result{Err: errFixed("no answer within 2s: the cluster has no quorum (1 of 3 voters reachable, 2 needed)"), Took: 2 * time.Second}),
)

// election: etcd1, the leader, is killed at 28 s and at 30 s the others
// still campaign.
func election(d time.Duration) cluster.Status {
	switch {
	case d < sec(28):
		return healthy(d)
	case d < sec(29.25):
		return snapshot(at(d), 12, 2, killed, follow(2, "etcd1"), follow(2, "etcd1"))
	}
	return snapshot(at(d), 12, 2, killed, campaign(3), campaign(4))
}

var electionSteps = append(append([]step(nil), startup...),
	result(sec(28), "kill etcd1", lab.Result{Took: 3 * time.Millisecond}),
	ev(sec(28), cluster.MemberKilled, "etcd1", "etcd1 killed while leader (crash: no leadership hand-off)"),
	ev(sec(28), cluster.LeaderLost, "etcd1", "leader lost: etcd1 (term 2) no longer leads"),
)

// partitioned: etcd1 is isolated at 20 s and campaigns alone.
func partitioned(d time.Duration) cluster.Status {
	if d < sec(20) {
		return healthy(d)
	}
	iso := campaign(uint64(3 + (d-sec(20))/(2*time.Second)))
	iso.cut = []string{"etcd2", "etcd3"}
	l, f := lead(3), follow(3, "etcd2")
	l.cut, f.cut = []string{"etcd1"}, []string{"etcd1"}
	return snapshot(at(d), 13, 2, iso, l, f)
}

var partitionedSteps = append(append([]step(nil), startup...),
	result(sec(20), "isolate etcd1", lab.Result{}),
	ev(sec(20), cluster.Partitioned, "etcd1", "etcd1 isolated: it cannot reach etcd2, etcd3"),
	ev(sec(21.5), cluster.LeaderChanged, "etcd2", "leader is now etcd2 in term 3 (was etcd1 in term 2)"),
)

type errFixed string

func (e errFixed) Error() string { return string(e) }

func note(d time.Duration, source, text string) step {
	return step{at: d, msg: notesMsg{notes: []lab.Note{{Time: at(d), Source: source, Text: text}}}}
}

func labAt(d time.Duration, msg labMsg) step {
	msg.at = at(d)
	return step{at: d, msg: msg}
}

// withLeases: a lease of 10s with key k granted at 20 s, a kept-alive
// session lease with two keys, and a watch on k that saw two events.
var withLeases = append(append([]step(nil), startup...),
	result(sec(20), "lease grant 10", lab.Result{Lines: []string{"lease 694d77aa9e38260f granted with TTL(10s)"}, Took: 3 * time.Millisecond}),
	result(sec(21), "put k v --lease=694d77aa9e38260f", lab.Result{Lines: []string{"OK"}, Took: 4 * time.Millisecond}),
	result(sec(22), "watch k", lab.Result{Lines: []string{"watch 1 on k through etcd2, from the next revision; events go to the event log, unwatch 1 stops it"}}),
	result(sec(24), "put k v2", lab.Result{Lines: []string{"OK"}, Took: 4 * time.Millisecond}),
	note(sec(24), "watch 1", "PUT k=v2 (rev 4)"),
	labAt(sec(29.9), labMsg{
		leases: []lab.LeaseInfo{
			{ID: 0x694d77aa9e38260f, TTL: 10 * time.Second, Remaining: sec(1.3), Keys: []string{"k"}},
			{ID: 0x1a, TTL: 30 * time.Second, Remaining: sec(27.6), Keys: []string{"session/a", "session/b"}, KeepAlive: true},
		},
		watches: []lab.WatchInfo{{ID: 1, Key: "k", Member: "etcd2", Events: 1, NextRev: 5}},
	}),
)

// loadRun is a load started at 6.5 s whose leader, etcd1, is killed at
// 18 s: no write succeeds until etcd3 leads at 19.5 s. Its seconds end on
// the half second, as a load's own ticker does.
func loadRun(end time.Duration) workload.LoadStats {
	st := workload.LoadStats{Running: true, Started: at(sec(6.5)), Clients: 4, Rate: 1000}
	for d := sec(7.5); d <= end; d += time.Second {
		sm := workload.LoadSample{Time: at(d), Ops: 800 + int(d/time.Second)%5*40, P50: 1200 * time.Microsecond, P99: 4 * time.Millisecond}
		switch d {
		case sec(18.5):
			sm = workload.LoadSample{Time: at(d), Ops: 410, Errors: 20, P50: 1300 * time.Microsecond, P99: 5 * time.Millisecond}
		case sec(19.5):
			sm = workload.LoadSample{Time: at(d), Ops: 0, Errors: 35}
		case sec(20.5):
			sm = workload.LoadSample{Time: at(d), Ops: 310, Errors: 12, P50: 3 * time.Millisecond, P99: 1480 * time.Millisecond}
		}
		st.Samples = append(st.Samples, sm)
		st.Ops += int64(sm.Ops)
		st.Errors += int64(sm.Errors)
	}
	st.Marks = []workload.LoadMark{
		{Time: at(sec(18)), Kind: cluster.MemberKilled, Member: "etcd1", Text: "etcd1 killed while leader (crash: no leadership hand-off)"},
		{Time: at(sec(18)), Kind: cluster.LeaderLost, Member: "etcd1", Text: "leader lost: etcd1 (term 2) no longer leads"},
		{Time: at(sec(19.5)), Kind: cluster.LeaderElected, Member: "etcd3", Text: "etcd3 elected leader in term 3 after 1.5s without a leader: writes commit again"},
	}
	out := workload.Outage{Fault: "etcd1 (leader) was killed", Start: at(sec(18)), Length: 1620 * time.Millisecond}
	st.Outages, st.Longest = []workload.Outage{out}, out
	return st
}

// inOrder sorts steps by time, keeping the order of simultaneous ones.
func inOrder(steps ...step) []step {
	out := append([]step(nil), steps...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

var loadKill = inOrder(append(append([]step(nil), oneDownSteps[:len(oneDownSteps)-1]...),
	result(sec(6.5), "load start", lab.Result{Lines: []string{"load 1 started: 4 clients over etcd1, etcd2, etcd3, 1000 ops/s, 50% linearizable reads"}, Took: 20 * time.Millisecond}),
	note(sec(10.5), "load", " 820 ops/s  p50 1.2ms  p99 4.0ms  errors 0"),
	note(sec(19.62), "avail", "no successful write for 1.62s after etcd1 (leader) was killed"),
	labAt(sec(29.9), labMsg{load: loadRun(sec(29.5))}),
)...)

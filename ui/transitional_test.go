package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
)

// The recorded sessions of the transitional states: the moments the
// screen must say plainly what etcd is doing.

// cutFrom returns s cut off from the named members.
func cutFrom(s mstate, names ...string) mstate {
	s.cut = names
	return s
}

// staleLeader: etcd1, the leader, is cut off from etcd2 and etcd3 at 29 s.
// At 30 s it still thinks it leads; etcd3 campaigns, and etcd2 has just
// stopped following it.
func staleLeader(d time.Duration) cluster.Status {
	if d < sec(29) {
		return healthy(d)
	}
	l := cutFrom(lead(2), "etcd2", "etcd3")
	f2, f3 := cutFrom(follow(2, "etcd1"), "etcd1"), cutFrom(campaign(2), "etcd1")
	if d >= sec(29.75) {
		f2 = cutFrom(campaign(2), "etcd1")
	}
	return snapshot(at(d), 13, 2, l, f2, f3)
}

var staleLeaderSteps = append(append([]step(nil), startup...),
	result(sec(29), "partition etcd1 etcd2,etcd3", lab.Result{}),
	ev(sec(29), cluster.Partitioned, "", "partitioned into {etcd1} | {etcd2,etcd3}; {etcd2,etcd3} holds the majority (2 of 3 voters, quorum 2)"),
)

// withLearner: etcd4 joins as a learner at 20 s and follows etcd1.
func withLearner(d time.Duration) cluster.Status {
	if d < sec(20) {
		return healthy(d)
	}
	return snapshot(at(d), 15, 2, lead(2), follow(2, "etcd1"), follow(2, "etcd1"), learn(2, "etcd1"))
}

var withLearnerSteps = append(append([]step(nil), startup...),
	result(sec(20), "member add --learner", lab.Result{Took: 4800 * time.Millisecond}),
	ev(sec(20), cluster.MemberAdded, "etcd4", "etcd4 added as a learner (id 1003)"),
	ev(sec(20), cluster.MemberStarted, "etcd4", "etcd4 started"),
	ev(sec(20.1), cluster.MemberReady, "etcd4", "etcd4 ready after 100ms"),
)

// fullLoad is a load started at 6.5 s; etcd1, the leader, is isolated at
// 24 s and no write succeeds until etcd2 leads at 25.5 s.
func fullLoad(end time.Duration) workload.LoadStats {
	st := workload.LoadStats{Running: true, Started: at(sec(6.5)), Clients: 4, Rate: 100}
	for d := sec(7.5); d <= end; d += time.Second {
		sm := workload.LoadSample{Time: at(d), Ops: 96 + int(d/time.Second)%5, P50: 1900 * time.Microsecond, P99: 9700 * time.Microsecond}
		switch d {
		case sec(24.5):
			sm = workload.LoadSample{Time: at(d), Ops: 40, Errors: 9, P50: 2 * time.Millisecond, P99: 10 * time.Millisecond}
		case sec(25.5):
			sm = workload.LoadSample{Time: at(d), Ops: 0, Errors: 14}
		case sec(26.5):
			sm = workload.LoadSample{Time: at(d), Ops: 70, Errors: 3, P50: 2 * time.Millisecond, P99: 1360 * time.Millisecond}
		}
		st.Samples = append(st.Samples, sm)
		st.Ops += int64(sm.Ops)
		st.Errors += int64(sm.Errors)
	}
	st.Marks = []workload.LoadMark{
		{Time: at(sec(24)), Kind: cluster.Partitioned, Text: "partitioned into {etcd1} | {etcd2,etcd3}"},
		{Time: at(sec(25.5)), Kind: cluster.LeaderChanged, Member: "etcd2", Text: "leader is now etcd2 in term 3 (was etcd1 in term 2)"},
	}
	out := workload.Outage{Fault: "the network was partitioned into {etcd1} | {etcd2,etcd3}", Start: at(sec(24)), Length: 1360 * time.Millisecond}
	st.Outages, st.Longest = []workload.Outage{out}, out
	return st
}

// fullScreen: a load, a lease with a key, a watch and a partition that cut
// off the leader, etcd1, at 24 s; etcd2 leads from 25.5 s and etcd1 knows
// no leader from 26 s.
func fullScreen(d time.Duration) cluster.Status {
	switch {
	case d < sec(24):
		return healthy(d)
	case d < sec(25.5):
		return snapshot(at(d), 13, 2, cutFrom(lead(2), "etcd2", "etcd3"), cutFrom(follow(2, "etcd1"), "etcd1"), cutFrom(campaign(2), "etcd1"))
	case d < sec(26):
		return snapshot(at(d), 14, 3, cutFrom(lead(2), "etcd2", "etcd3"), cutFrom(lead(3), "etcd1"), cutFrom(follow(3, "etcd2"), "etcd1"))
	}
	return snapshot(at(d), 15, 3, cutFrom(campaign(2), "etcd2", "etcd3"), cutFrom(lead(3), "etcd1"), cutFrom(follow(3, "etcd2"), "etcd1"))
}

var fullScreenSteps = inOrder(append(append([]step(nil), startup...),
	result(sec(6.5), "load start", lab.Result{Lines: []string{"load 1 started: 4 clients over etcd1, etcd2, etcd3, 100 ops/s, 50% linearizable reads"}, Took: 20 * time.Millisecond}),
	result(sec(8), "lease grant 60 --id 1a", lab.Result{Lines: []string{"lease 000000000000001a granted with TTL(60s)"}, Took: 3 * time.Millisecond}),
	result(sec(9), "put k v --lease=1a", lab.Result{Lines: []string{"OK"}, Took: 4 * time.Millisecond}),
	result(sec(10), "watch k", lab.Result{Lines: []string{"watch 1 on k through etcd2, from now on (rev 3); events go to the event log, unwatch 1 stops it"}}),
	result(sec(24), "partition etcd1 etcd2,etcd3", lab.Result{}),
	ev(sec(24), cluster.Partitioned, "", "partitioned into {etcd1} | {etcd2,etcd3}; {etcd2,etcd3} holds the majority (2 of 3 voters, quorum 2)"),
	ev(sec(25.5), cluster.LeaderChanged, "etcd2", "leader is now etcd2 in term 3 (was etcd1 in term 2)"),
	note(sec(25.5), "lease", "000000000000001a: the new leader etcd2 (term 3) restarted its countdown: 60s left, was 44s"),
	note(sec(25.6), "avail", "no successful write for 1.36s after the network was partitioned into {etcd1} | {etcd2,etcd3}"),
	labAt(sec(29.9), labMsg{
		leases:  []lab.LeaseInfo{leaseOf(0x1a, 60, 56.1, false, "k")},
		watches: []lab.WatchInfo{{ID: 1, Key: "k", Member: "etcd2", Events: 0, NextRev: 3}},
		load:    fullLoad(sec(29.5)),
	}),
)...)

// TestLayoutKeepsATimeline checks that at 80x24 a load, a lease, a watch
// and a partition leave the leader row and five lines of events.
func TestLayoutKeepsATimeline(t *testing.T) {
	m := newTestUI(t, 3, 80, 24, Options{})
	m = play(t, m, 30*time.Second, fullScreen, fullScreenSteps...)
	if !m.showTimeline || m.events.height < 5 || m.load.lines == 0 || m.leases.lines == 0 {
		t.Errorf("timeline %v, events %d lines, load %d, leases %d", m.showTimeline, m.events.height, m.load.lines, m.leases.lines)
	}
}

// TestTimelineShowsAShortLeaderlessMoment checks that a moment without a
// leader shorter than a cell, which no status sample saw (a leader moved
// in a few milliseconds), still shows on the leader row.
func TestTimelineShowsAShortLeaderlessMoment(t *testing.T) {
	moved := func(d time.Duration) cluster.Status {
		if d < sec(20) {
			return healthy(d)
		}
		return snapshot(at(d), 14, 2, follow(3, "etcd2"), lead(3), follow(3, "etcd2"))
	}
	m := newTestUI(t, 3, 120, 40, Options{})
	m = play(t, m, 30*time.Second, moved, append(append([]step(nil), startup...),
		ev(sec(20.1), cluster.LeaderChanged, "etcd2", "leader is now etcd2 in term 3 (was etcd1 in term 2)"))...)
	row := ""
	for _, l := range strings.Split(ansi.Strip(m.timeline.view()), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "leader ") {
			row = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "leader"))
		}
	}
	if !strings.Contains(row, "1?2") {
		t.Errorf("leader row %q: the move from etcd1 to etcd2 shows no moment without a leader", row)
	}
}

// TestBannerKeepsItsNumbers checks that at 80 columns the banner takes
// shorter words rather than cut a number, with a learner and a partition.
func TestBannerKeepsItsNumbers(t *testing.T) {
	// {etcd1,etcd3} | {etcd2,etcd4}: the majority has no leader yet, etcd2
	// is a stale one, etcd4 its learner.
	st := snapshot(at(sec(30)), 15, 2,
		cutFrom(campaign(2), "etcd2", "etcd4"), cutFrom(lead(2), "etcd1", "etcd3"),
		cutFrom(campaign(2), "etcd2", "etcd4"), cutFrom(learn(2, "etcd2"), "etcd1", "etcd3"))
	st.Reachable, st.HasQuorum, st.Tolerates = 2, true, 0
	m := newTestUI(t, 4, 80, 24, Options{})
	m, _ = send(t, m, statusMsg{st: st})
	lines := strings.Split(ansi.Strip(m.banner.view()), "\n")
	for _, want := range []string{"3/3 up · 1 learner", "quorum 2", "✂ 2 reachable"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("banner %q lacks %q", lines[0], want)
		}
	}
	if strings.Contains(strings.Join(lines, "\n"), "…") {
		t.Errorf("banner cut:\n%s", strings.Join(lines, "\n"))
	}
}

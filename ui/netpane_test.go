package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
	"github.com/etcdlab/etcdlab/lab"
)

// msgs returns the rates of a link's last second from pairs of a kind and
// a count.
func msgs(kv ...any) network.Rates {
	var r network.Rates
	for i := 0; i+1 < len(kv); i += 2 {
		r.Messages[kv[i].(network.Kind)] += uint64(kv[i+1].(int))
	}
	return r
}

// netStats builds the relays' counters of n members, each link's last
// second and rule given by link.
func netStats(when time.Time, n int, link func(from, to int) (network.Rates, network.Rule)) cluster.NetStats {
	s := cluster.NetStats{Time: when}
	for a := range n {
		for b := range n {
			if a == b {
				continue
			}
			r, rule := link(a, b)
			s.Links = append(s.Links, network.LinkStats{Link: network.Link{From: name(a), To: name(b)}, Rule: rule, LastSecond: r, Total: r, Streams: 2})
		}
	}
	return s
}

// rulesOf lists the links of s that have a rule, as Status.Rules does.
func rulesOf(s cluster.NetStats) []cluster.LinkRule {
	var out []cluster.LinkRule
	for _, l := range s.Links {
		if !l.Rule.IsZero() {
			out = append(out, cluster.LinkRule{Link: l.Link, Rule: l.Rule})
		}
	}
	return out
}

// cutIn: at 20 s every link to etcd3 is cut (the < key on etcd3); etcd3
// hears nobody, loses its leader and sends pre-votes that reach the others
// and are refused. Then etcd1 -> etcd2 is slowed and etcd2 -> etcd1 made
// lossy.
func cutIn(d time.Duration) cluster.Status {
	if d < sec(20) {
		return healthy(d)
	}
	st := snapshot(at(d), 13, 2, cutFrom(lead(2), "etcd3"), cutFrom(follow(2, "etcd1"), "etcd3"), cutFrom(campaign(2), "etcd1", "etcd2"))
	st.Rules = rulesOf(cutInNet(d))
	return st
}

func cutInNet(d time.Duration) cluster.NetStats {
	return netStats(at(d), 3, func(a, b int) (network.Rates, network.Rule) {
		switch [2]int{a, b} {
		case [2]int{0, 1}:
			return msgs(network.KindApp, 2, network.KindHeartbeat, 10), network.Rule{Delay: 50 * time.Millisecond, Jitter: 20 * time.Millisecond}
		case [2]int{1, 0}:
			return msgs(network.KindHeartbeatResp, 8), network.Rule{Loss: 20}
		case [2]int{0, 2}, [2]int{1, 2}:
			return network.Rates{}, network.Rule{Cut: true}
		}
		return msgs(network.KindPreVote, 1), network.Rule{}
	})
}

var cutInSteps = append(append([]step(nil), startup...),
	step{at: sec(19), msg: keyEsc},
	step{at: sec(19), msg: runes("3")},
	step{at: sec(19), msg: runes("l")},
	result(sec(20), "cut all etcd3", lab.Result{}),
	ev(sec(20), cluster.Partitioned, "etcd3", "cut all -> etcd3, one way: etcd3 hears no member; they still hear it"),
	result(sec(22), "delay etcd1 etcd2 50ms 20ms", lab.Result{}),
	ev(sec(22), cluster.LinkChanged, "", "etcd1 -> etcd2: every message is held 50ms±20ms, in order"),
	result(sec(24), "loss etcd2 etcd1 20%", lab.Result{}),
	ev(sec(24), cluster.LinkChanged, "", "etcd2 -> etcd1: 20% of messages are dropped at random"),
	step{at: sec(29.9), msg: netMsg{stats: cutInNet(sec(29.9))}},
)

// nineNet: nine members under load; etcd5 is killed at 10 s; at 20 s
// every link from etcd9 is cut (it still hears the leader and follows,
// but its acknowledgements are lost), etcd1 -> etcd7 is slowed and
// etcd8 -> etcd1 lossy.
func nineNet(d time.Duration) cluster.Status {
	states := nineStates(d)
	if d >= 20*time.Second {
		for i := range 8 {
			states[i] = cutFrom(states[i], "etcd9")
		}
		states[8] = cutFrom(states[8], "etcd1", "etcd2", "etcd3", "etcd4", "etcd5", "etcd6", "etcd7", "etcd8")
	}
	st := snapshot(at(d), uint64(d/time.Second), int64(d/time.Second), states...)
	if d >= 20*time.Second {
		st.Rules = rulesOf(nineNetStats(d))
	}
	return st
}

func nineNetStats(d time.Duration) cluster.NetStats {
	return netStats(at(d), 9, func(a, b int) (network.Rates, network.Rule) {
		var rule network.Rule
		switch {
		case a == 8:
			return network.Rates{}, network.Rule{Cut: true}
		case a == 0 && b == 6:
			rule = network.Rule{Delay: 200 * time.Millisecond, Jitter: 50 * time.Millisecond}
		case a == 7 && b == 0:
			rule = network.Rule{Loss: 5}
		}
		switch {
		case a == 4 || b == 4: // killed
			return network.Rates{}, rule
		case a == 0:
			return msgs(network.KindApp, 900+37*b, network.KindHeartbeat, 10), rule
		case b == 0 && a != 8:
			return msgs(network.KindAppResp, 880+37*a, network.KindHeartbeatResp, 10), rule
		}
		return network.Rates{}, rule
	})
}

var nineNetSteps = []step{
	ev(0, cluster.MemberStarted, "etcd1", "9 members started"),
	ev(sec(0.4), cluster.LeaderElected, "etcd1", "etcd1 elected leader in term 2; cluster ready 420ms after launch"),
	step{at: sec(5), msg: keyEsc},
	step{at: sec(5), msg: runes("9")},
	step{at: sec(5), msg: runes("l")},
	result(sec(10), "kill etcd5", lab.Result{}),
	ev(sec(10), cluster.MemberKilled, "etcd5", "etcd5 killed (crash: no leadership hand-off)"),
	result(sec(20), "cut etcd9 all", lab.Result{}),
	ev(sec(20), cluster.Partitioned, "etcd9", "cut etcd9 -> all, one way: no member hears etcd9; it still hears them"),
	result(sec(21), "delay etcd1 etcd7 200ms 50ms", lab.Result{}),
	result(sec(22), "loss etcd8 etcd1 5%", lab.Result{}),
	step{at: sec(29.9), msg: netMsg{stats: nineNetStats(sec(29.9))}},
}

// matrixRow returns the cells of the matrix row of member from, as drawn.
func matrixRow(t *testing.T, m model, from string) []string {
	t.Helper()
	for _, l := range strings.Split(ansi.Strip(m.net.view()), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == from {
			return f[1:]
		}
	}
	t.Fatalf("no matrix row for %s:\n%s", from, ansi.Strip(m.net.view()))
	return nil
}

func TestNetPane(t *testing.T) {
	t.Run("l opens and closes the pane; a sample taken while it is closed does not open it", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, keyEsc)
		viewLacks(t, m, "NETWORK")
		m, _ = send(t, m, runes("l"))
		if !m.net.open {
			t.Fatal("l did not open the pane")
		}
		viewHas(t, m, "NETWORK", "waiting for the first sample")
		m, _ = send(t, m, netMsg{stats: cutInNet(sec(2))})
		viewHas(t, m, "from╲to", "50ms±20ms 12▸")
		if got := matrixRow(t, m, "etcd1"); len(got) != 4 || got[0] != "-" || got[3] != "✂" {
			t.Errorf("etcd1's row = %q, want - then etcd2's cell, then ✂ under etcd3", got)
		}
		m, _ = send(t, m, runes("l"))
		viewLacks(t, m, "NETWORK")
		m, _ = send(t, m, netMsg{stats: cutInNet(sec(3))})
		if m.net.open {
			t.Error("a late sample opened the pane again")
		}
	})
	t.Run("attached, the pane says in one line why it is empty", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, keyEsc)
		m, _ = send(t, m, runes("l"))
		m, _ = send(t, m, netMsg{err: fmt.Errorf("net: %w", cluster.ErrAttached)})
		if h := m.net.height(3); h != 1 || m.net.lines != 1 {
			t.Errorf("height %d, lines %d: want one line", h, m.net.lines)
		}
		viewHas(t, m, "NETWORK  empty: attached, etcdlab runs no relay here and sees no Raft message")
		checkFits(t, m.View(), 120, 40)
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		viewHas(t, m, "no Raft message")
	})
	t.Run("the cut keys cut the selected member's links one way", func(t *testing.T) {
		for _, c := range []struct{ key, want string }{{">", "cut etcd2 all"}, {"<", "cut all etcd2"}} {
			m := ready(t, Options{})
			m, _ = send(t, m, keyEsc)
			m, _ = send(t, m, runes("2"))
			m, _ = send(t, m, runes(c.key))
			if got := queued(m); len(got) != 1 || got[0] != c.want {
				t.Errorf("%s: queue = %q, want [%s]", c.key, got, c.want)
			}
		}
	})
	t.Run("the footer and the help list the keys", func(t *testing.T) {
		m := newTestUI(t, 3, 200, 40, Options{})
		m = play(t, m, time.Second, healthy)
		m, _ = send(t, m, keyEsc)
		viewHas(t, m, "l network pane", "> cut its links out", "< cut its links in")
		m, _ = send(t, m, runes("?"))
		viewHas(t, m, "network pane", "cut its links out (one way)", "WORDS", "is not reachable")
	})
	t.Run("at 80x24 the help scrolls to what reachable means, and back", func(t *testing.T) {
		m := newTestUI(t, 3, 80, 24, Options{})
		m = play(t, m, time.Second, healthy)
		m, _ = send(t, m, keyEsc)
		m, _ = send(t, m, runes("?"))
		viewHas(t, m, "pgdn/pgup: more", "1-9 select member")
		viewLacks(t, m, "is not reachable")
		for range 5 {
			m, _ = send(t, m, keyPgDn)
		}
		viewHas(t, m, "WORDS", "reachable: a one-way cut cuts both ends off", "delay and loss.")
		checkFits(t, m.View(), 80, 24)
		for range 5 {
			m, _ = send(t, m, keyPgUp)
		}
		viewHas(t, m, "1-9 select member")
		m, _ = send(t, m, keyEsc)
		m, _ = send(t, m, runes("?"))
		if m.helpOff != 0 {
			t.Errorf("help opens scrolled by %d lines", m.helpOff)
		}
	})
}

func TestTrafficOf(t *testing.T) {
	for _, c := range []struct {
		name string
		r    network.Rates
		want traffic
	}{
		{"nothing", network.Rates{}, trafficNone},
		{"link heartbeats are transport, not Raft", network.Rates{LinkHeartbeats: 3}, trafficNone},
		{"heartbeats", msgs(network.KindHeartbeat, 10), trafficBeat},
		{"heartbeat answers and read index", msgs(network.KindHeartbeatResp, 10, network.KindReadIndex, 2), trafficBeat},
		{"appends", msgs(network.KindApp, 1, network.KindHeartbeat, 10), trafficLog},
		{"their acknowledgements", msgs(network.KindAppResp, 1, network.KindHeartbeatResp, 10), trafficLog},
		{"a forwarded proposal", msgs(network.KindProp, 1), trafficLog},
		{"a snapshot", msgs(network.KindSnap, 1), trafficLog},
		{"pre-votes", msgs(network.KindPreVote, 1), trafficVote},
		{"a vote among appends", msgs(network.KindApp, 4, network.KindVoteResp, 1), trafficVote},
	} {
		if got := trafficOf(c.r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, trafficGlyph[got], trafficGlyph[c.want])
		}
	}
}

func TestRateAndRuleText(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 7: "7", 999: "999", 1000: "1.0k", 1234: "1.2k", 12345: "12k", 2500000: "2M"} {
		if got := rateText(n); got != want {
			t.Errorf("rateText(%d) = %q, want %q", n, got, want)
		}
	}
	r := network.Rule{Delay: 50 * time.Millisecond, Jitter: 20 * time.Millisecond, Loss: 12.5}
	for f, want := range map[ruleForm]string{ruleFull: "50ms±20ms 12.5%", ruleNoJit: "~50ms 12.5%", ruleSymbol: "◷ %"} {
		if got := ruleText(r, f); got != want {
			t.Errorf("form %d: %q, want %q", f, got, want)
		}
	}
}

// BenchmarkView9MembersNet draws the screen of BenchmarkView9Members with
// the network pane open on nine members under load.
func BenchmarkView9MembersNet(b *testing.B) {
	m := busyNine(b)
	m, _ = send(b, m, keyEsc)
	m, _ = send(b, m, runes("l"))
	m, _ = send(b, m, netMsg{stats: nineNetStats(3 * time.Minute)})
	if m.net.lines != m.net.height(9) || !m.showTimeline {
		b.Fatalf("the matrix is not shown whole: %d lines of %d, timeline %v", m.net.lines, m.net.height(9), m.showTimeline)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

func TestCutTextSaysWhichWay(t *testing.T) {
	cut := func(from, to string) cluster.LinkRule {
		return cluster.LinkRule{Link: network.Link{From: from, To: to}, Rule: network.Rule{Cut: true}}
	}
	for _, c := range []struct {
		name  string
		rules []cluster.LinkRule
		cuts  []string
		want  string
	}{
		{"no cut", nil, nil, ""},
		{"attached: no rules, only who is cut", nil, []string{"etcd2"}, "✂ cut: etcd2"},
		{"both ways from everyone", []cluster.LinkRule{cut("etcd1", "etcd2"), cut("etcd2", "etcd1"), cut("etcd1", "etcd3"), cut("etcd3", "etcd1")}, []string{"etcd2", "etcd3"}, "✂ isolated"},
		{"it cannot send to one", []cluster.LinkRule{cut("etcd1", "etcd2")}, []string{"etcd2"}, "✂ mute to etcd2"},
		{"it hears nobody", []cluster.LinkRule{cut("etcd2", "etcd1"), cut("etcd3", "etcd1")}, []string{"etcd2", "etcd3"}, "✂ deaf to all"},
		{"all loss is a cut", []cluster.LinkRule{{Link: network.Link{From: "etcd3", To: "etcd1"}, Rule: network.Rule{Loss: 100}}}, []string{"etcd3"}, "✂ deaf to etcd3"},
		{"mixed", []cluster.LinkRule{cut("etcd1", "etcd2"), cut("etcd2", "etcd1"), cut("etcd3", "etcd1")}, []string{"etcd2", "etcd3"}, "✂ cut: etcd2, deaf to etcd3"},
	} {
		st := snapshot(at(0), 1, 1, lead(2), follow(2, "etcd1"), follow(2, "etcd1"))
		st.Rules = c.rules
		st.Members[0].Cut = c.cuts
		if got := cutText(st, st.Members[0]); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestNetPaneOnARealCluster opens the network pane on real members, cuts
// one link at the prompt and every link to a member with its key, and
// finds ✂ in exactly the cells of the links cut.
func TestNetPaneOnARealCluster(t *testing.T) {
	sess, cfg := startLab(t)
	waitStatus(t, sess.Cluster, "leader", func(st cluster.Status) bool { return st.Leader != "" })
	tm := newProgram(t, sess, cfg, nil)
	wait := func(what string, cond func([]byte) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), cond, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("the quorum", contains("QUORUM OK"))
	tm.Send(keyEsc)
	tm.Send(runes("l"))
	// Without a terminal lipgloss draws no colour, so a row of the matrix
	// is plain text: its sender, then a cell per receiver.
	// A rate is a number and its traffic glyph; a link between two
	// followers carries nothing ("0 ").
	row := func(re string) func([]byte) bool {
		return regexp.MustCompile(strings.ReplaceAll(re, "RATE", `\d+(?:\.\d)?k?[▸·? ]`)).Match
	}
	wait("the matrix", row(`etcd1 +- +RATE +RATE`))

	tm.Send(runes(":"))
	tm.Type("cut etcd1 etcd2")
	tm.Send(keyEnter)
	wait("the cut", contains("✓ cut etcd1 etcd2 ("))
	wait("✂ under etcd2 in etcd1's row", row(`etcd1 +- +✂ +RATE`))

	tm.Send(keyEsc)
	tm.Send(runes("3"))
	tm.Send(runes("<"))
	wait("the key's cut", contains("✓ cut all etcd3 ("))
	wait("✂ in etcd3's column", row(`etcd2 +RATE +- +✂`))

	tm.Send(runes("q"))
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(model)
	if !ok {
		t.Fatal("final model is not a model")
	}
	for from, want := range map[string][3]string{
		"etcd1": {"-", "✂", "✂"},
		"etcd2": {"", "-", "✂"},
		"etcd3": {"", "", "-"},
	} {
		got := matrixRow(t, fm, from)
		if len(got) != 3 {
			t.Errorf("%s's row = %q, want 3 cells", from, got)
			continue
		}
		for i, w := range want {
			if w == "" && (got[i] == "✂" || got[i] == "-") || w != "" && got[i] != w {
				t.Errorf("%s's row = %q, want %q (\"\" a rate)", from, got, want)
				break
			}
		}
	}
	var log []string
	for _, e := range fm.events.entries {
		log = append(log, e.text)
	}
	all := strings.Join(log, "\n")
	for _, want := range []string{"cut etcd1 etcd2", "cut etcd1 -> etcd2, one way: etcd2 no longer hears etcd1", "cut all etcd3", "cut all -> etcd3, one way: etcd3 hears no member"} {
		if !strings.Contains(all, want) {
			t.Errorf("event log lacks %q:\n%s", want, all)
		}
	}
}

package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// checkFits fails when the view is not exactly the terminal's size.
func checkFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != h {
		t.Errorf("view has %d lines, the terminal %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells wide, the terminal %d: %q", i+1, lw, w, ansi.Strip(l))
		}
	}
}

// TestGolden compares the ANSI-stripped screen of recorded sessions with
// testdata/TestGolden/*.golden; go test ./ui -run TestGolden -update
// rewrites them.
func TestGolden(t *testing.T) {
	sessions := []struct {
		name   string
		states func(time.Duration) cluster.Status
		steps  []step
		want   []string // what must be on screen, whatever the goldens say
		// members is 3 and sizes all three unless set.
		members int
		sizes   [][2]int
	}{
		{"healthy", healthy, startup, []string{"QUORUM OK: tolerates 1 more failure", "leader ★ etcd1", "term 2"}, 0, nil},
		{"one-down", oneDown, oneDownSteps, []string{"QUORUM OK: tolerates 0 more failures", "2/3 up", "leader ★ etcd3", "killed", "×"}, 0, nil},
		{"no-quorum", noQuorum, noQuorumSteps, []string{"NO QUORUM: writes and linearizable reads will fail", "1/3 up", "? no leader", "no quorum to elect"}, 0, nil},
		{"election", election, electionSteps, []string{"QUORUM OK · no leader yet", "election in progress", "? no leader", "killed"}, 0, nil},
		{"partitioned", partitioned, partitionedSteps, []string{"✂ isolated", "2 reachable", "leader ★ etcd2"}, 0, nil},
		{"leases", healthy, withLeases, []string{"LEASES", "694d77aa9e38260f", "2s left of 10s", "keys k", "keep-alive on", "WATCHES", "watch 1  PUT k=v2 (rev 4)"}, 0, nil},
		{"load-kill", oneDown, loadKill, []string{"LOAD", "ops/s", "p99", "errors", "✗", "★", "max outage 1.62s", "avail    no successful write for 1.62s"}, 0, nil},
		// The transitional states of issue 18: said in words, at every size.
		{"stale-leader", staleLeader, staleLeaderSteps, []string{"QUORUM OK · no leader yet", "leader ▒ etcd1 stale", "▒ stale leader", "✂ isolated"}, 0, nil},
		{"learner", withLearner, withLearnerSteps, []string{"3/3 voters up · 1 learner", "quorum 2", "learner", "· learner"}, 0, nil},
		{"full", fullScreen, fullScreenSteps, []string{"LEASES", "WATCHES", "LOAD", "leader ", "max outage 1.36s", "✂ 2 reachable", "leader ★ etcd2"}, 0, nil},
		// The network pane (netpane_test.go), with 3 and with 9 members.
		{"net-cut-in", cutIn, cutInSteps, []string{"NETWORK", "✂", "50ms±20ms 12▸", "20% 8·", "1?", "✂ 2 reachable", "from╲to", "▶ etcd3", "✂ deaf to all"}, 0, nil},
		{"net-nine", nineNet, nineNetSteps, []string{"NETWORK", "200ms±50ms 1.1k▸", "✂", "5%", "✂ 7 reachable", "✂ mute to all"}, 9, [][2]int{{160, 48}}},
		// Nine members in 24 rows leave no room for the matrix: the pane
		// says so in its one line.
		{"net-nine", nineNet, nineNetSteps, []string{"NETWORK  needs 11 lines, has 4: enlarge the terminal (l closes)"}, 9, [][2]int{{80, 24}}},
	}
	for _, s := range sessions {
		n, sizes := max(s.members, 3), s.sizes
		if sizes == nil {
			sizes = [][2]int{{80, 24}, {120, 40}, {160, 48}}
		}
		for _, size := range sizes {
			w, h := size[0], size[1]
			t.Run(fmt.Sprintf("%s-%dx%d", s.name, w, h), func(t *testing.T) {
				m := newTestUI(t, n, w, h, Options{})
				m = play(t, m, 30*time.Second, s.states, s.steps...)
				view := m.View()
				checkFits(t, view, w, h)
				plain := ansi.Strip(view)
				for _, want := range s.want {
					if !strings.Contains(plain, want) {
						t.Errorf("screen lacks %q", want)
					}
				}
				golden.RequireEqual(t, plain)
			})
		}
	}
}

// TestGoldenScenario shows presenter mode with a caption and a passed
// expectation.
func TestGoldenScenario(t *testing.T) {
	s, errs := lab.ParseScript("members 3\nsay crash the leader: the followers must elect another\nkill etcd1\nexpect leader\nwait leader\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m := newTestUI(t, 3, 80, 24, Options{Script: s, ScriptPath: "scripts/lesson.lab", Step: true})
	m = play(t, m, 30*time.Second, oneDown, startup...)
	m = m.playNext() // as if the presenter pressed space: say
	m.running = false
	j := m.queue[0]
	m.queue = nil
	m, _ = send(t, m, resultMsg{job: j, res: lab.Result{Lines: []string{j.cmd.Args[0]}}})
	view := m.View()
	checkFits(t, view, 80, 24)
	golden.RequireEqual(t, ansi.Strip(view))
}

// TestGoldenScenarioFinished shows a finished scenario: its verdict keeps
// one row, and the caption gives its row back to the panes.
func TestGoldenScenarioFinished(t *testing.T) {
	s, errs := lab.ParseScript("members 3\nsay crash the leader: the followers must elect another\nexpect leader\n")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			m := newTestUI(t, 3, w, h, Options{Script: s, ScriptPath: "scripts/lesson.lab"})
			m = play(t, m, 30*time.Second, healthy, startup...)
			// Without a session, nothing runs the queued lines: each result
			// is sent as the lab would return it.
			for _, r := range []lab.Result{{Lines: []string{s.Commands[0].Args[0]}}, {Lines: []string{"passed: leader is etcd1 (term 2)"}}} {
				if len(m.queue) == 0 {
					t.Fatalf("no scenario line is queued")
				}
				j := m.queue[0]
				m.queue = m.queue[1:]
				m, _ = send(t, m, resultMsg{job: j, res: r})
			}
			if !m.player.over() || m.player.height() != 1 {
				t.Fatalf("over %v, height %d", m.player.over(), m.player.height())
			}
			view := m.View()
			checkFits(t, view, w, h)
			plain := ansi.Strip(view)
			if !strings.Contains(plain, "✓ PASS: scenario finished, 2 lines, 1 expectations passed") || strings.Contains(m.player.view(), "\n") {
				t.Errorf("screen:\n%s", plain)
			}
			golden.RequireEqual(t, plain)
		})
	}
}

func TestTooSmall(t *testing.T) {
	for _, size := range [][2]int{{40, 30}, {100, 8}, {59, 24}, {1, 1}} {
		m := newTestUI(t, 3, size[0], size[1], Options{})
		m = play(t, m, time.Second, healthy)
		view := m.View()
		if strings.Count(view, "\n") != 0 || !strings.Contains(view, "enlarge") && size[0] > 20 {
			t.Errorf("%dx%d: want a one-line notice, got %q", size[0], size[1], view)
		}
		if w := ansi.StringWidth(view); w > size[0] {
			t.Errorf("%dx%d: notice is %d wide", size[0], size[1], w)
		}
	}
	// Nine members at 80x24 drop the timeline rather than the layout.
	m := newTestUI(t, 9, 80, 24, Options{})
	m = play(t, m, time.Second, nine)
	checkFits(t, m.View(), 80, 24)
	if strings.Contains(m.View(), "TIMELINE") || m.tooSmall != "" {
		t.Errorf("9 members at 80x24: want events without the timeline:\n%s", m.View())
	}
}

// nineStates are nine members led by etcd1, of which etcd5 is killed at
// 10 s.
func nineStates(d time.Duration) []mstate {
	states := []mstate{lead(2)}
	for i := 1; i < 9; i++ {
		states = append(states, follow(2, "etcd1"))
	}
	if d > 10*time.Second {
		states[4] = killed
	}
	return states
}

func nine(d time.Duration) cluster.Status {
	states := nineStates(d)
	if d > 20*time.Second && d < 25*time.Second {
		states[6] = campaign(3)
	}
	return snapshot(at(d), uint64(d/time.Second), int64(d/time.Second), states...)
}

// BenchmarkView9Members draws a 9-member screen with a full event log and
// a full timeline.
func BenchmarkView9Members(b *testing.B) {
	m := busyNine(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// busyNine returns a 9-member screen at 160x48 after three busy minutes:
// a full event log, a full timeline, leases, watches and a load.
func busyNine(b *testing.B) model {
	m := newTestUI(b, 9, 160, 48, Options{})
	for i := range maxEntries {
		m.events.add(entry{at: at(time.Duration(i) * 100 * time.Millisecond), kind: entryKind(i % 10), text: fmt.Sprintf("event number %d: etcd%d elected leader in term %d after 1.2s without a leader", i, i%9+1, i)})
	}
	// Three minutes of samples, with a member changing phase every few
	// seconds, so that every track is full and busy.
	for d := time.Duration(0); d < 3*time.Minute; d += 100 * time.Millisecond {
		st := nine(d % (30 * time.Second))
		st.Time = at(d)
		k := int(d/(3*time.Second)) % 9
		st.Members[k].Role = cluster.RoleNoLeader
		m, _ = send(b, m, statusMsg{st: st})
	}
	// Three leases, two watches and a minute of load with a kill.
	lm := labMsg{at: at(3 * time.Minute), load: shifted(loadRun(sec(66.5)), 3*time.Minute-sec(66.5)),
		watches: []lab.WatchInfo{{ID: 1, Key: "k", Member: "etcd2", Events: 5}, {ID: 2, Key: "app/ (prefix)", Member: "etcd4", Events: 120}}}
	for i := range 3 {
		lm.leases = append(lm.leases, leaseOf(int64(0x694d77aa9e382600+i), 30, float64(5+10*i), i == 1, "k"+itoa(i), "session/"+itoa(i)))
	}
	m, _ = send(b, m, lm)
	if !m.showTimeline || m.leases.lines == 0 || m.load.lines != chartFull {
		b.Fatalf("a pane is not shown: timeline %v, leases %d lines, load %d lines", m.showTimeline, m.leases.lines, m.load.lines)
	}
	return m
}

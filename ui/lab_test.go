package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/workload"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func leaseOf(id int64, ttl, left float64, ka bool, keys ...string) lab.LeaseInfo {
	return lab.LeaseInfo{ID: clientv3.LeaseID(id), TTL: sec(ttl), Remaining: sec(left), KeepAlive: ka, Keys: keys}
}

// shifted returns st with every time moved by d.
func shifted(st workload.LoadStats, d time.Duration) workload.LoadStats {
	st.Started = st.Started.Add(d)
	st.Samples = append([]workload.LoadSample(nil), st.Samples...)
	for i := range st.Samples {
		st.Samples[i].Time = st.Samples[i].Time.Add(d)
	}
	st.Marks = append([]workload.LoadMark(nil), st.Marks...)
	for i := range st.Marks {
		st.Marks[i].Time = st.Marks[i].Time.Add(d)
	}
	return st
}

func viewHas(t *testing.T, m model, want ...string) {
	t.Helper()
	v := ansi.Strip(m.View())
	for _, w := range want {
		if !strings.Contains(v, w) {
			t.Errorf("screen lacks %q:\n%s", w, v)
		}
	}
}

func viewLacks(t *testing.T, m model, unwanted ...string) {
	t.Helper()
	v := ansi.Strip(m.View())
	for _, w := range unwanted {
		if strings.Contains(v, w) {
			t.Errorf("screen shows %q:\n%s", w, v)
		}
	}
}

func TestNotes(t *testing.T) {
	t.Run("notes are logged with their source, the load's seconds are not", func(t *testing.T) {
		m := ready(t, Options{})
		n := len(m.events.entries)
		m, cmd := send(t, m, notesMsg{notes: []lab.Note{
			{Time: at(sec(2.1)), Source: "watch 1", Text: "PUT k=v (rev 12)"},
			{Time: at(sec(3)), Source: "load", Text: " 812 ops/s  p50 1.2ms  p99 4.0ms  errors 0"},
			{Time: at(sec(3.2)), Source: "avail", Text: "no successful write for 1.62s after etcd1 (leader) was killed"},
			{Time: at(sec(3.3)), Source: "chaos", Text: "round 1: kill etcd2: etcd2 killed"},
			{Time: at(sec(3.4)), Source: "load", Text: "history full: 100000 operations recorded"},
			{Time: at(sec(3.5)), Source: "lease", Text: "694d77aa9e38260f expired after its TTL(10s); etcd deleted its keys: k"},
		}})
		if cmd != nil {
			t.Error("a model without a session waits for notes")
		}
		var got []string
		for _, e := range m.events.entries[n:] {
			got = append(got, e.text)
		}
		want := []string{
			"watch 1  PUT k=v (rev 12)",
			"avail    no successful write for 1.62s after etcd1 (leader) was killed",
			"chaos    round 1: kill etcd2: etcd2 killed",
			"load     history full: 100000 operations recorded",
			"lease    694d77aa9e38260f expired after its TTL(10s); etcd deleted its keys: k",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("logged:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		viewHas(t, m, "2.1s • watch 1  PUT k=v (rev 12)")
		viewLacks(t, m, "ops/s")
	})
	t.Run("the wait is re-armed after each batch and ends with the session", func(t *testing.T) {
		m := ready(t, Options{})
		ch := make(chan lab.Note, 8)
		ctx, cancel := context.WithCancel(context.Background())
		m.ctx, m.notes = ctx, ch
		ch <- lab.Note{Time: at(sec(3)), Source: "watch 1", Text: "PUT k=a (rev 5)"}
		ch <- lab.Note{Time: at(sec(3)), Source: "watch 1", Text: "PUT k=b (rev 6)"}
		msg := waitNotes(ctx, ch)()
		if nm, ok := msg.(notesMsg); !ok || len(nm.notes) != 2 {
			t.Fatalf("want both queued notes in one message, got %#v", msg)
		}
		m, cmd := send(t, m, msg)
		if cmd == nil {
			t.Fatal("the wait for notes was not re-armed")
		}
		ch <- lab.Note{Time: at(sec(4)), Source: "watch 1", Text: "DELETE k (rev 7)"}
		m, cmd = send(t, m, cmd())
		viewHas(t, m, "PUT k=a (rev 5)", "PUT k=b (rev 6)", "DELETE k (rev 7)")
		cancel()
		msg = cmd()
		if _, ok := msg.(notesClosedMsg); !ok {
			t.Fatalf("after the session: %#v", msg)
		}
		if _, cmd := send(t, m, msg); cmd != nil {
			t.Error("notes were waited on after the session ended")
		}
	})
}

func TestLeasesPane(t *testing.T) {
	two := func(d float64, left float64) labMsg {
		return labMsg{at: at(sec(d)), leases: []lab.LeaseInfo{
			leaseOf(0x694d77aa9e38260f, 10, left, false, "k"),
			leaseOf(0x1a, 30, 28, true, "session/a", "session/b"),
		}}
	}
	t.Run("hidden without leases or watches", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, labMsg{at: at(sec(2))})
		viewLacks(t, m, "LEASES", "WATCHES")
	})
	t.Run("the countdown ticks down and an expired lease leaves with its keys", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, two(2, 6.2))
		viewHas(t, m, "LEASES  2 live", "694d77aa9e38260f    7s left of 10s", "keep-alive off  keys k", "000000000000001a   28s left of 30s", "keep-alive on ")
		m, _ = send(t, m, two(3, 5.2))
		viewHas(t, m, "6s left of 10s")
		m, _ = send(t, m, two(8, 0))
		viewHas(t, m, "0s left of 10s, expiring")
		m, _ = send(t, m, labMsg{at: at(sec(8.5)), leases: two(8.5, 0).leases[1:]})
		viewHas(t, m, "LEASES  1 live", "session/a")
		viewLacks(t, m, "694d77aa9e38260f", "keys k")
		m, _ = send(t, m, labMsg{at: at(sec(9))})
		viewLacks(t, m, "LEASES")
		checkFits(t, m.View(), 120, 40)
	})
	t.Run("a narrow pane drops the bar, not the keys", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 64, Height: 24})
		m, _ = send(t, m, two(2, 6.2))
		viewHas(t, m, "694d77aa9e38260f    7s left of 10s  keep-alive off  keys k")
		viewLacks(t, m, "of 10s  █")
		checkFits(t, m.View(), 64, 24)
	})
	t.Run("the tick carries the sample; a stale tick is dropped", func(t *testing.T) {
		m := ready(t, Options{})
		s := two(3, 6)
		m, _ = send(t, m, tickMsg{id: m.tickID + 1, t: s.at, lab: &s})
		viewLacks(t, m, "LEASES")
		m, _ = send(t, m, tickMsg{id: m.tickID, t: s.at, lab: &s})
		viewHas(t, m, "LEASES", "6s left of 10s")
	})
	t.Run("watches show in one line", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, labMsg{at: at(sec(2)), watches: []lab.WatchInfo{
			{ID: 1, Key: "k", Member: "etcd2", Events: 5, NextRev: 9},
			{ID: 2, Key: "app/ (prefix)", Member: "etcd1", Events: 1, Down: "etcd1 was killed"},
		}})
		viewHas(t, m, "WATCHES  1 k (etcd2, 5 events)  ·  2 app/ (prefix) (etcd1, 1 event) ✗ etcd1 was killed")
		viewLacks(t, m, "LEASES")
	})
}

func TestLoadChart(t *testing.T) {
	t.Run("shown while a load runs, with marks on the time axis", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, labMsg{at: at(sec(29.9)), load: loadRun(sec(29.5))})
		viewHas(t, m, "LOAD  running 23s", "ops/s", "960 now, max 960", "1.48s", "errors", "0 now, max 35", "✗★", "max outage 1.62s after etcd1 (leader) was killed")
	})
	t.Run("the first second waits for a sample", func(t *testing.T) {
		m := ready(t, Options{})
		m, _ = send(t, m, labMsg{at: at(sec(6.7)), load: workload.LoadStats{Running: true, Started: at(sec(6.5))}})
		viewHas(t, m, "LOAD  running 0s", "waiting for the first second", "no outage")
	})
	t.Run("a stopped load stays until its last second scrolls out", func(t *testing.T) {
		m := ready(t, Options{})
		st := loadRun(sec(29.5))
		st.Running = false
		m, _ = send(t, m, labMsg{at: at(sec(40)), load: st})
		viewHas(t, m, "LOAD  stopped")
		m, _ = send(t, m, labMsg{at: at(sec(89.4)), load: st})
		viewHas(t, m, "LOAD  stopped")
		m, _ = send(t, m, labMsg{at: at(sec(89.6)), load: st})
		viewLacks(t, m, "LOAD")
	})
	t.Run("bars step left a cell a second", func(t *testing.T) {
		m := ready(t, Options{})
		row := func(m model) string {
			for _, l := range strings.Split(ansi.Strip(m.View()), "\n") {
				if strings.HasPrefix(l, " ops/s") {
					return l
				}
			}
			t.Fatalf("no ops/s row:\n%s", m.View())
			return ""
		}
		m, _ = send(t, m, labMsg{at: at(sec(29.6)), load: loadRun(sec(29.5))})
		a := row(m)
		m, _ = send(t, m, labMsg{at: at(sec(30.4)), load: loadRun(sec(29.5))})
		if b := row(m); b != a {
			t.Errorf("the bars moved within a second:\n%s\n%s", a, b)
		}
		m, _ = send(t, m, labMsg{at: at(sec(30.6)), load: loadRun(sec(30.5))})
		b := row(m)
		cell := func(s string) int { return len([]rune(s[:strings.IndexRune(s, '·')])) }
		if ca, cb := cell(a), cell(b); cb != ca-1 {
			t.Errorf("the outage moved from cell %d to %d, not one to the left:\n%s\n%s", ca, cb, a, b)
		}
	})
}

// TestLabPanesLayout fills every new pane and checks that the screen fits
// and the event log keeps its lines at each size.
func TestLabPanesLayout(t *testing.T) {
	full := labMsg{at: at(sec(29.9)), load: loadRun(sec(29.5)),
		watches: []lab.WatchInfo{{ID: 1, Key: "k", Member: "etcd2", Events: 5}}}
	for i := range 7 {
		full.leases = append(full.leases, leaseOf(int64(0x100+i), 30, float64(10+i), i%2 == 0, "k"+itoa(i)))
	}
	for _, tt := range []struct {
		members, w, h int
		chart         bool
	}{
		{3, 80, 24, true}, {3, 160, 48, true}, {3, 120, 40, true}, {5, 80, 24, true}, {9, 80, 24, false}, {9, 160, 48, true}, {3, 60, 16, false},
	} {
		t.Run(itoa(tt.members)+"-"+itoa(tt.w)+"x"+itoa(tt.h), func(t *testing.T) {
			m := newTestUI(t, tt.members, tt.w, tt.h, Options{})
			states := healthy
			if tt.members != 3 {
				states = nine
			}
			m = play(t, m, 2*time.Second, func(d time.Duration) cluster.Status {
				st := states(d)
				st.Members = st.Members[:tt.members]
				return st
			})
			m, _ = send(t, m, full)
			checkFits(t, m.View(), tt.w, tt.h)
			if m.tooSmall != "" {
				t.Fatal(m.tooSmall)
			}
			if got := m.events.height + 1; got < minEvents-1 {
				t.Errorf("the event log has %d lines", got)
			}
			if (m.load.lines > 0) != tt.chart {
				t.Errorf("chart shown: %v, want %v", m.load.lines > 0, tt.chart)
			}
		})
	}
}

// TestWatchLeaseLoadOnScreen types a watch, a lease and a load at the
// prompt of a real cluster and waits for each on screen: the watch's event
// in the log, the lease with its key in the leases pane, the load's chart.
func TestWatchLeaseLoadOnScreen(t *testing.T) {
	sess, cfg := startLab(t)
	waitStatus(t, sess.Cluster, "leader", func(st cluster.Status) bool { return st.Leader != "" })
	tm := newProgram(t, sess, cfg, nil)
	teatest.WaitFor(t, tm.Output(), contains("QUORUM OK"), teatest.WithDuration(15*time.Second))
	typed := func(line string, done ...string) {
		t.Helper()
		tm.Type(line)
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		teatest.WaitFor(t, tm.Output(), contains(done...), teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	typed("watch k", "✓ watch k (", "WATCHES  1 k (")
	typed("put k v", "watch 1  PUT k=v (rev ")
	typed("lease grant 30 --id 1a", "✓ lease grant 30 --id 1a (")
	typed("put k2 v --lease=1a", "000000000000001a", "left of 30s", "keys k2")
	typed("load start", "LOAD  running", "now, max")
	typed("load stop", "LOAD  stopped")

	tm.Send(keyCtrlC)
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(model)
	if !ok {
		t.Fatal("final model is not a model")
	}
	for _, e := range fm.events.entries {
		if e.kind == entryNote && strings.HasPrefix(e.text, "load ") && strings.Contains(e.text, "ops/s") {
			t.Errorf("a load second was logged: %q", e.text)
		}
	}
}

package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/cluster/network"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/lab/trace"
)

// roundTrip is the scenario the round trip plays: the leader killed, a
// partition and its heal, then a one-way cut and a slow link, under load.
const roundTrip = `members 3
wait leader
move-leader etcd1
load start --clients 2 --rate 40 --keys 4
sleep 1500ms
kill etcd1
wait leader --timeout 15s
restart etcd1
wait quorum
partition etcd1 etcd2,etcd3
sleep 1500ms
heal
wait quorum --timeout 15s
cut etcd1 etcd3
delay etcd2 etcd1 30ms 10ms
sleep 1500ms
heal
wait quorum --timeout 15s
load stop
`

// framer runs the live dashboard and keeps its frame at every moment
// that ends in a cluster event or a command's result, by the count of
// records its tape had taken in.
type framer struct {
	m      model
	frames map[int]string
}

func (f framer) Init() tea.Cmd { return f.m.Init() }

func (f framer) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := f.m.Update(msg)
	f.m = next.(model)
	if t := f.m.tape; t.end() > t.start() {
		switch t.rec(t.end() - 1).Body.(type) {
		case trace.Event, trace.Result:
			f.frames[t.end()] = f.m.View()
		}
	}
	return f, cmd
}

func (f framer) View() string { return f.m.View() }

// tracedProgram runs the dashboard over a started session under
// teatest, with the network pane open, tracing to path, playing script if
// it is not "".
func tracedProgram(t *testing.T, sess *lab.Session, cfg lab.Config, path, script string) (*teatest.TestModel, *trace.Writer, map[int]string) {
	t.Helper()
	o := Options{Config: cfg}
	h := trace.Header{Mode: "dashboard", Members: cfg.Cluster.Members, BasePort: cfg.Cluster.BasePort}
	if script != "" {
		s, errs := lab.ParseScript(script)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		o.Script, o.ScriptPath = s, "roundtrip.lab"
		h.Script = &trace.Script{Name: "roundtrip.lab", Text: script}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w, err := trace.NewWriter(f, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	eng := newEngine(context.Background(), cfg, nil)
	eng.sess = sess
	t.Cleanup(eng.close)
	m := newModel(o, eng)
	m.net.open = true
	m.tape = newTape(w, w.Header().Start, newModel(o, nil), keepTape)
	fr := framer{m: m, frames: map[int]string{}}
	return teatest.NewTestModel(t, fr, teatest.WithInitialTermSize(120, 40)), w, fr.frames
}

// TestTraceReplaysLiveFrames plays a scenario in the live dashboard with
// --trace and the network pane open (the leader killed, a partition
// healed, a one-way cut and a slow link, under load), then opens
// the trace file in etcdlab replay's model and checks that, at every
// event and result, the replayed screen is the frame the live dashboard
// drew at that moment, at the same size and at another.
func TestTraceReplaysLiveFrames(t *testing.T) {
	sess, cfg := startLab(t)
	path := filepath.Join(t.TempDir(), "session.trace")
	tm, w, frames := tracedProgram(t, sess, cfg, path, roundTrip)
	teatest.WaitFor(t, tm.Output(), contains("passed", "load stop"), teatest.WithDuration(60*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(30*time.Second))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	tr, err := trace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Notice != "" {
		t.Errorf("a trace closed cleanly reads with a notice: %s", tr.Notice)
	}
	if !tracedFaults(tr) {
		t.Error("no network sample of the trace holds the cut etcd1 -> etcd3 and the delay etcd2 -> etcd1")
	}
	r, err := newReplayer(ReplayOptions{Trace: tr, At: &Moment{}})
	if err != nil {
		t.Fatal(err)
	}
	r.net = true
	var kinds = map[string]bool{}
	drewFaults := false
	for n, live := range frames {
		v := r.show(n).view
		v.banner.past = ""
		v.setSize(120, 40)
		if got := v.View(); got != live {
			t.Fatalf("moment %d (%T): the replay draws\n%s\nwhere the live dashboard drew\n%s", n, r.tape.rec(n-1).Body, got, live)
		}
		if e, ok := r.tape.rec(n - 1).Body.(trace.Event); ok {
			kinds[e.Kind.String()] = true
		}
		drewFaults = drewFaults || strings.Contains(live, "30ms±10ms") && strings.Contains(live, "from╲to")
	}
	if !drewFaults {
		t.Error("no frame compared draws the slow link in the network pane")
	}
	t.Logf("%d moments of %d compared", len(frames), len(tr.Records))
	for _, k := range []cluster.EventKind{cluster.MemberKilled, cluster.LeaderElected, cluster.Partitioned, cluster.Healed} {
		if !kinds[k.String()] {
			t.Errorf("no frame at a %s event among %d frames", k, len(frames))
		}
	}
	// Another size: the same moments draw within it.
	r.width, r.height = 80, 24
	for n := range frames {
		v := r.show(n).View()
		lines := strings.Split(v, "\n")
		for _, l := range lines {
			if lipgloss.Width(l) > 80 {
				t.Fatalf("at 80x24 moment %d draws a line of %d cells:\n%s", n, lipgloss.Width(l), v)
			}
		}
		if len(lines) > 24 || !strings.Contains(v, "REPLAY at") {
			t.Fatalf("at 80x24 moment %d draws %d lines:\n%s", n, len(lines), v)
		}
	}
}

// tracedFaults reports whether a network sample of tr holds the
// roundTrip's one-way cut and slow link.
func tracedFaults(tr *trace.Trace) bool {
	for _, rec := range tr.Records {
		s, ok := rec.Body.(trace.Sample)
		if !ok || s.Net == nil {
			continue
		}
		cut, _ := s.Net.Link("etcd1", "etcd3")
		back, _ := s.Net.Link("etcd3", "etcd1")
		slow, _ := s.Net.Link("etcd2", "etcd1")
		if cut.Rule.Cut && !back.Rule.Cut && slow.Rule.Delay == 30*time.Millisecond && slow.Rule.Jitter == 10*time.Millisecond {
			return true
		}
	}
	return false
}

// TestRewindLive freezes the live dashboard of a real cluster, steps back
// through its past and runs a command while rewound, then returns to live.
func TestRewindLive(t *testing.T) {
	sess, cfg := startLab(t)
	waitStatus(t, sess.Cluster, "leader", func(st cluster.Status) bool { return st.Leader != "" })
	tm, _, _ := tracedProgram(t, sess, cfg, filepath.Join(t.TempDir(), "live.trace"), "")
	teatest.WaitFor(t, tm.Output(), contains("QUORUM OK"), teatest.WithDuration(15*time.Second))

	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlR})
	teatest.WaitFor(t, tm.Output(), contains("REWOUND to", ", live is", "REWOUND ▸"), teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyLeft})
	tm.Send(tea.KeyMsg{Type: tea.KeyShiftLeft})
	tm.Type("put rewound yes")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), contains("✓ put rewound yes (", "REWOUND to"), teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	teatest.WaitFor(t, tm.Output(), contains("› put rewound yes"), teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(framer).m
	if fm.rw.on {
		t.Error("still rewound after esc")
	}
	if fm.View() == "" || strings.Contains(fm.View(), "REWOUND") {
		t.Errorf("the live view after esc:\n%s", fm.View())
	}
}

// TestTapeKeepsItsWindow feeds a tape fifteen minutes of samples and checks that
// it keeps at least keepTape of them, and not much more.
func TestTapeKeepsItsWindow(t *testing.T) {
	w, err := trace.NewWriter(nil, trace.Header{Start: t0})
	if err != nil {
		t.Fatal(err)
	}
	tp := newTape(w, t0, newTestUI(t, 3, 120, 40, Options{}), keepTape)
	step := sampleEvery
	var now time.Time
	for d := time.Duration(0); d < keepTape+5*time.Minute; d += step {
		now = at(d)
		st := healthy(d)
		if _, ok := tp.add(now, trace.Sample{Tick: true, At: now, Status: &st}); !ok {
			t.Fatal("a sample does not encode")
		}
	}
	// The oldest checkpoint kept is the newest from before keepTape ago,
	// as of the last checkpoint: up to two checkpoints' worth more.
	slack := 2 * time.Duration(markEvery) * step
	kept := now.Sub(tp.timeOf(tp.start()))
	if kept < keepTape || kept > keepTape+slack {
		t.Errorf("the tape keeps %s, want %s and at most two checkpoints more", kept, keepTape)
	}
	if max := int((keepTape+slack)/step) + 1; len(tp.recs) > max {
		t.Errorf("the tape holds %d records, want at most %d", len(tp.recs), max)
	}
	if v := tp.at(tp.start()).View(); v == "" {
		t.Error("the oldest moment kept draws nothing")
	}
}

// BenchmarkTraceTick is what the tape costs the dashboard per tick: a
// tick of 5 members under load, every member's indexes moving, the
// load's chart a second longer each 12 ticks and the network's rates
// moving (the tape keeps it once a second), taken in by Update with the
// tape writing to a file (b.N ticks) and without a tape (the baseline).
func BenchmarkTraceTick(b *testing.B) {
	for _, traced := range []bool{false, true} {
		name := "untraced"
		if traced {
			name = "traced"
		}
		b.Run(name, func(b *testing.B) {
			m := newTestUI(b, 5, 120, 40, Options{})
			if traced {
				f, err := os.Create(filepath.Join(b.TempDir(), "bench.trace"))
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				w, err := trace.NewWriter(f, trace.Header{Mode: "dashboard", Members: 5, Start: t0})
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				m.tape = newTape(w, t0, newTestUI(b, 5, 120, 40, Options{}), keepTape)
			}
			states := []mstate{lead(2), follow(2, "etcd1"), follow(2, "etcd1"), follow(2, "etcd1"), follow(2, "etcd1")}
			load := loadRun(sec(66.5))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d := sec(70) + time.Duration(i)*sampleEvery
				st := snapshot(at(d), uint64(1000+i*20), int64(900+i*20), states...)
				lm := labMsg{at: at(d), load: shifted(load, time.Duration(i/12)*time.Second)}
				nm := netMsg{stats: netStats(at(d), 5, func(a, b int) (network.Rates, network.Rule) {
					if a == 0 || b == 0 {
						return msgs(network.KindApp, 40+i%7, network.KindAppResp, 40+i%5, network.KindHeartbeat, 10), network.Rule{}
					}
					return network.Rates{}, network.Rule{}
				})}
				m, _ = send(b, m, tickMsg{id: m.tickID, t: at(d), st: &st, lab: &lm, net: &nm})
				i++
			}
		})
	}
}

// TestReplayAtFail traces a failing scenario headless, as `etcdlab run
// --trace` does in CI, and opens the trace at its first failed
// expectation: the post-mortem shows the failure, the scenario stopped
// at it, and the cluster as it was then.
func TestReplayAtFail(t *testing.T) {
	const script = "members 3\nwait leader\nput k v\nexpect get k == v\nkill etcd1\nexpect role etcd1 leader|follower\nput never reached\n"
	s, errs := lab.ParseScript(script)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	path := filepath.Join(t.TempDir(), "ci.trace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var runErr error
	ports.Launch(t, cluster.IsPortInUse, func(base int) error {
		w, err := trace.NewWriter(f, trace.Header{Mode: "run", Members: 3, BasePort: base, Script: &trace.Script{Name: "ci.lab", Text: script}})
		if err != nil {
			t.Fatal(err)
		}
		fo := trace.Follow(w)
		cfg := lab.Config{Cluster: cluster.Config{Members: 3, BasePort: base, DataDir: t.TempDir(), LogFile: "-"}, Observer: fo}
		var out strings.Builder
		runErr = lab.RunFile(context.Background(), cfg, s, &out)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var se *lab.StartError
		if errors.As(runErr, &se) {
			return se.Err
		}
		return fo.Err()
	})
	if runErr == nil {
		t.Fatal("the scenario passed; it must fail at line 6")
	}
	tr, err := trace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newReplayer(ReplayOptions{Trace: tr, At: &Moment{Fail: true}})
	if err != nil {
		t.Fatal(err)
	}
	r.width, r.height = 120, 40
	r = r.show(r.n)
	v := r.View()
	for _, want := range []string{"✗ FAIL expect role etcd1", "stopped at line 6", "etcd1 killed", "⏸ paused REPLAY at"} {
		if !strings.Contains(v, want) {
			t.Errorf("the replay at the failure lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "never reached") {
		t.Errorf("the replay at the failure shows what came after it:\n%s", v)
	}
	// run --trace records the network too (its last sample, taken as the
	// scenario ended, is the first here: it failed within 100 ms): l
	// draws its matrix at the end.
	next, _ := r.Update(runes("l"))
	r = next.(replayer).show(r.tape.end())
	if v := r.View(); !strings.Contains(v, "from╲to") {
		t.Errorf("the network pane at the end of a run's trace draws no matrix:\n%s", v)
	}
}

// TestReplayNetPane opens the network pane (l) in replays of a trace with
// network samples, which draws the sample of the moment shown, and of a
// trace without, which says so in one line.
func TestReplayNetPane(t *testing.T) {
	for _, c := range []struct {
		name      string
		net       bool
		want, not []string
	}{
		{"with", true, []string{"from╲to", "50ms±20ms", "✂"}, []string{"no sample of the network"}},
		{"without", false, []string{"NETWORK  empty: this trace holds no sample of the network (etcdlab recorded none then)"}, []string{"from╲to"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, err := trace.NewWriter(nil, trace.Header{Mode: "run", Members: 3, Start: t0})
			if err != nil {
				t.Fatal(err)
			}
			var recs []trace.Record
			for d := sec(1); d <= sec(3); d += sec(1) {
				st := healthy(d)
				s := trace.Sample{Tick: true, At: at(d), Status: &st}
				if c.net {
					n := cutInNet(d)
					s.Net = &n
				}
				r, err := w.Add(at(d), s)
				if err != nil {
					t.Fatal(err)
				}
				recs = append(recs, r)
			}
			r, err := newReplayer(ReplayOptions{Trace: &trace.Trace{Header: w.Header(), Records: recs}, At: &Moment{Offset: sec(2)}})
			if err != nil {
				t.Fatal(err)
			}
			next, _ := r.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			next, _ = next.(replayer).Update(runes("l"))
			v := next.(replayer).View()
			for _, w := range c.want {
				if !strings.Contains(v, w) {
					t.Errorf("the replay lacks %q:\n%s", w, v)
				}
			}
			for _, w := range c.not {
				if strings.Contains(v, w) {
					t.Errorf("the replay has %q:\n%s", w, v)
				}
			}
			checkFits(t, v, 120, 40)
		})
	}
}

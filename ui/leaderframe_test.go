package ui

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// frameLog is the program's terminal: it keeps every write of the
// renderer, ANSI-stripped, with the time it arrived. The standard renderer
// writes each frame with one Write.
type frameLog struct {
	mu     sync.Mutex
	writes []frameWrite
}

type frameWrite struct {
	at   time.Time
	text string
}

func (f *frameLog) Write(p []byte) (int, error) {
	now := time.Now()
	text := ansi.Strip(string(p))
	f.mu.Lock()
	f.writes = append(f.writes, frameWrite{at: now, text: text})
	f.mu.Unlock()
	return len(p), nil
}

// first returns the time of the first frame written at or after since that
// contains s.
func (f *frameLog) first(since time.Time, s string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fr := range f.writes {
		if !fr.at.Before(since) && strings.Contains(fr.text, s) {
			return fr.at, true
		}
	}
	return time.Time{}, false
}

func (f *frameLog) reset() {
	f.mu.Lock()
	f.writes = nil
	f.mu.Unlock()
}

// BenchmarkLeaderOnScreen measures the delay from a leader change to the
// first frame that shows it. It runs the real program (tea.Program, its
// standard renderer, 120x40, sampling as in etcdlab) over a real 3-member
// cluster and kills the leader b.N times, restarting it after each
// election. The change is the moment cluster.Status, polled every
// millisecond, first names the new leader; the frame is the first write of
// the renderer whose text holds "leader ★ NEW". It reports the median and
// the maximum delay (ms-to-frame, max-ms-to-frame); ns/op is mostly the
// election itself.
//
//	go test ./ui -run '^$' -bench BenchmarkLeaderOnScreen -benchtime 5x
func BenchmarkLeaderOnScreen(b *testing.B) {
	cfg := lab.Config{Cluster: cluster.Config{Members: 3, DataDir: b.TempDir(), LogFile: "-"}}
	var sess *lab.Session
	ports.Launch(b, cluster.IsPortInUse, func(base int) (err error) {
		cfg.Cluster.BasePort = base
		sess, err = lab.Start(context.Background(), cfg)
		return err
	})
	defer sess.Close()
	c := sess.Cluster

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng := newEngine(ctx, cfg, nil)
	eng.sess = sess
	defer eng.close()
	out := &frameLog{}
	p := tea.NewProgram(newModel(Options{Config: cfg}, eng),
		tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler(), tea.WithContext(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run()
	}()
	defer func() { p.Quit(); <-done }()
	p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})

	poll := func(what string, d time.Duration, cond func() bool) {
		b.Helper()
		deadline := time.Now().Add(d)
		for !cond() {
			if time.Now().After(deadline) {
				b.Fatalf("no %s within %s: %s", what, d, lab.Health(c.Status()))
			}
			time.Sleep(time.Millisecond)
		}
	}
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var old string
		poll("leader with 3 members up", 20*time.Second, func() bool {
			st := c.Status()
			old = st.Leader
			return old != "" && st.Running == 3 && st.Members[0].State == cluster.Up && st.Members[1].State == cluster.Up && st.Members[2].State == cluster.Up
		})
		poll("frame showing "+old, 5*time.Second, func() bool {
			_, ok := out.first(time.Time{}, "leader ★ "+old)
			return ok
		})
		out.reset()
		if err := c.Kill(old); err != nil {
			b.Fatal(err)
		}
		var now string
		var changed time.Time
		poll("new leader", 20*time.Second, func() bool {
			st := c.Status()
			now, changed = st.Leader, st.Time
			return now != "" && now != old
		})
		var shown time.Time
		poll("frame showing "+now, 5*time.Second, func() bool {
			var ok bool
			shown, ok = out.first(time.Time{}, "leader ★ "+now)
			return ok
		})
		took = append(took, shown.Sub(changed))
		rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := c.Restart(rctx, old)
		rcancel()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(took[len(took)/2]), "ms-to-frame")
	b.ReportMetric(ms(took[len(took)-1]), "max-ms-to-frame")
}

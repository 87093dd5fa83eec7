package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/internal/progress"
	"github.com/etcdlab/etcdlab/lab"
	"github.com/etcdlab/etcdlab/scripts"
)

// bundled returns the bundled exercises and the one named id.
func bundled(t *testing.T, id string) ([]lab.Exercise, lab.Exercise) {
	t.Helper()
	exs, err := lab.LoadExercises(scripts.Exercises, "exercises")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exs {
		if e.ID == id {
			return exs, e
		}
	}
	t.Fatalf("no exercise %s", id)
	return nil, lab.Exercise{}
}

// TestExerciseByKeys plays the first exercise as a student would, on a
// real cluster: the task shows; the student kills the leader with the
// member keys; the lab marks the task done, shows the explanation and the
// next task; a hint and the solution are asked for by key, and the
// solution runs on enter; the exercise is recorded as done, and a second
// start of etcdlab learn lists it done.
func TestExerciseByKeys(t *testing.T) {
	exs, ex := bundled(t, "01-crash-the-leader")
	store, err := progress.Open(filepath.Join(t.TempDir(), "etcdlab", "progress.json"))
	if err != nil {
		t.Fatal(err)
	}
	sess, cfg := startLab(t)
	eng := newEngine(context.Background(), cfg, nil)
	eng.sess = sess
	t.Cleanup(eng.close)
	o := Options{Config: cfg, Script: ex.Script, ScriptPath: ex.Title(), Learn: &LearnStep{ID: ex.ID, Progress: store, Next: exs[1].Title()}}
	tm := teatest.NewTestModel(t, newModel(o, eng), teatest.WithInitialTermSize(120, 40))
	long := teatest.WithDuration(20 * time.Second)
	fast := teatest.WithCheckInterval(20 * time.Millisecond)

	teatest.WaitFor(t, tm.Output(), contains("TASK 1 of 2 ▸ Find the leader", "ctrl+t hint · ctrl+o solution", "leader ★ etcd2"), long, fast)
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(runes("2"))
	tm.Send(runes("k"))
	teatest.WaitFor(t, tm.Output(), contains("task 1 of 2 done", "A crashed leader sends nothing", "TASK 2 of 2 ▸ Bring the old leader back"), long, fast)

	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlT})
	teatest.WaitFor(t, tm.Output(), contains("hint 1 of 1: restart NAME"), long, fast)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlO})
	teatest.WaitFor(t, tm.Output(), contains("solution: restart etcd2", "enter runs it"), long, fast)
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), contains("task 2 of 2 done", "EXERCISE DONE: Crash the leader", "n: next exercise, "+exs[1].Title()), long, fast)

	tm.Send(runes("q"))
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(model)
	if !ok {
		t.Fatal("final model is not a model")
	}
	if fm.leave != leaveList {
		t.Errorf("q left for %v, want the list", fm.leave)
	}
	var log []string
	for _, e := range fm.events.entries {
		log = append(log, e.text)
	}
	all := strings.Join(log, "\n")
	for _, want := range []string{"kill etcd2", "etcd2 killed while leader", "without a leader", "solution --run", "etcd2 restarted from its data dir"} {
		if !strings.Contains(all, want) {
			t.Errorf("event log lacks %q:\n%s", want, all)
		}
	}

	// A second start of etcdlab learn reads the progress afresh.
	again, err := progress.Open(store.Path())
	if err != nil || !again.Done(ex.ID) {
		t.Fatalf("after the exercise, the reopened progress has %v (%v)", again.Finished(), err)
	}
	p := newPicker(exs, []bool{again.Done(exs[0].ID), again.Done(exs[1].ID)}, firstTodo(LearnOptions{Exercises: exs, Progress: again}), "")
	p.exs = exs[:2]
	next, _ := p.Update(tea.WindowSizeMsg{Width: 120, Height: 20})
	view := next.(picker).View()
	if !strings.Contains(view, "1 of 2 done") || !strings.Contains(view, "1  ✓ done  Crash the leader") || !strings.Contains(view, "▸ 2  · todo  "+exs[1].Title()) {
		t.Errorf("the list after a restart:\n%s", view)
	}
}

// TestExerciseCheckDoesNotBlock checks that while a task's check is
// waited for, the student's commands still run: the check is tried on
// status samples, never queued.
func TestExerciseCheckDoesNotBlock(t *testing.T) {
	src := "members 3\nwait leader\ntask Lose quorum.\nhint Kill two.\nsolution kill etcd1\nsolution kill etcd2\nwait no-quorum\nexpect kills <= 1\nexplain Two of three are gone.\n"
	s, errs := lab.ParseScript(src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sess, cfg := startLab(t)
	waitStatus(t, sess.Cluster, "leader", func(st cluster.Status) bool { return st.Leader != "" })
	eng := newEngine(context.Background(), cfg, nil)
	eng.sess = sess
	t.Cleanup(eng.close)
	tm := teatest.NewTestModel(t, newModel(Options{Config: cfg, Script: s, ScriptPath: "mine.lab"}, eng), teatest.WithInitialTermSize(120, 40))
	long := teatest.WithDuration(20 * time.Second)
	teatest.WaitFor(t, tm.Output(), contains("TASK 1 of 1 ▸ Lose quorum.", "wait no-quorum: not yet"), long)
	tm.Type("put k v")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), contains("✓ put k v ("), long)
	for _, line := range []string{"kill etcd1", "kill etcd2"} {
		tm.Type(line)
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	}
	teatest.WaitFor(t, tm.Output(), contains("expected kills <= 1, but 2 members went down"), long)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(model)
	if fm.leave != leaveQuit || fm.player.exerciseOver() {
		t.Errorf("leave %v, over %v", fm.leave, fm.player.exerciseOver())
	}
}

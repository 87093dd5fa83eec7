package ui

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/etcdlab/etcdlab/cluster"
	"github.com/etcdlab/etcdlab/lab"
)

// startLab starts a real 3-member session on ports no other test uses.
func startLab(t *testing.T) (*lab.Session, lab.Config) {
	t.Helper()
	cfg := lab.Config{Cluster: cluster.Config{Members: 3, DataDir: t.TempDir(), LogFile: "-"}}
	var sess *lab.Session
	ports.Launch(t, cluster.IsPortInUse, func(base int) (err error) {
		cfg.Cluster.BasePort = base
		sess, err = lab.Start(context.Background(), cfg)
		return err
	})
	t.Cleanup(sess.Close)
	return sess, cfg
}

// waitStatus polls the cluster until cond holds or 15 s pass.
func waitStatus(t *testing.T, c lab.Backend, what string, cond func(cluster.Status) bool) cluster.Status {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := c.Status()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 15s: %s", what, lab.Health(st))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newProgram runs the UI on a started session under teatest; rec, if not
// nil, receives the recording.
func newProgram(t *testing.T, sess *lab.Session, cfg lab.Config, rec io.Writer) *teatest.TestModel {
	t.Helper()
	eng := newEngine(context.Background(), cfg, rec)
	eng.sess = sess
	t.Cleanup(eng.close)
	return teatest.NewTestModel(t, newModel(Options{Config: cfg}, eng), teatest.WithInitialTermSize(120, 40))
}

func contains(parts ...string) func([]byte) bool {
	return func(b []byte) bool {
		for _, p := range parts {
			if !bytes.Contains(b, []byte(p)) {
				return false
			}
		}
		return true
	}
}

// TestKillLeaderFromKeyboard kills the leader of a real cluster with Esc,
// its number and k, and waits for the new leader and the election on
// screen.
func TestKillLeaderFromKeyboard(t *testing.T) {
	sess, cfg := startLab(t)
	old := waitStatus(t, sess.Cluster, "leader", func(st cluster.Status) bool { return st.Leader != "" }).Leader
	tm := newProgram(t, sess, cfg, nil)
	teatest.WaitFor(t, tm.Output(), contains("QUORUM OK", "leader ★ "+old), teatest.WithDuration(15*time.Second))

	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(runes(strings.TrimPrefix(old, "etcd")))
	tm.Send(runes("k"))

	var newLeader string
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		if !bytes.Contains(b, []byte("without a leader")) {
			return false
		}
		for _, n := range []string{"etcd1", "etcd2", "etcd3"} {
			if n != old && bytes.Contains(b, []byte("leader ★ "+n)) {
				newLeader = n
				return true
			}
		}
		return false
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))

	tm.Send(runes("q"))
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(30*time.Second)).(model)
	if !ok {
		t.Fatal("final model is not a model")
	}
	var log []string
	for _, e := range fm.events.entries {
		log = append(log, e.text)
	}
	all := strings.Join(log, "\n")
	for _, want := range []string{"kill " + old, old + " killed while leader", newLeader + " elected leader in term", "without a leader", "stopping the members"} {
		if !strings.Contains(all, want) {
			t.Errorf("event log lacks %q:\n%s", want, all)
		}
	}
	if fm.state != stateStopping {
		t.Errorf("final state %s, want stopping", fm.state)
	}
	if st := sess.Cluster.Status(); st.Running != 0 {
		t.Errorf("%d members still run after q", st.Running)
	}
}

// TestRecordReplays records a session typed and keyed in the UI, then
// plays the recording on a fresh cluster with lab.RunScript.
func TestRecordReplays(t *testing.T) {
	sess, cfg := startLab(t)
	waitStatus(t, sess.Cluster, "leader", func(st cluster.Status) bool { return st.Leader != "" })
	path := filepath.Join(t.TempDir(), "session.lab")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tm := newProgram(t, sess, cfg, f)
	teatest.WaitFor(t, tm.Output(), contains("QUORUM OK"), teatest.WithDuration(15*time.Second))

	typed := func(line, done string) {
		t.Helper()
		tm.Type(line)
		tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		teatest.WaitFor(t, tm.Output(), contains(done), teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	typed("put greeting hello", "✓ put greeting hello (")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	tm.Send(runes("1"))
	tm.Send(runes("k"))
	teatest.WaitFor(t, tm.Output(), contains("✓ kill etcd1 ("), teatest.WithDuration(15*time.Second))
	tm.Send(runes(":"))
	typed("kill etcd1", "✗ kill etcd1 (") // already down: kept as a comment
	typed("wait leader", "✓ wait leader (")
	typed("restart etcd1", "✓ restart etcd1 (")
	typed("expect get greeting == hello", "✓ expect get greeting == hello (")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(30*time.Second))

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := string(b)
	for _, want := range []string{"members 3\n", "put greeting hello\n", "\nkill etcd1\n", "# kill etcd1  (failed:", "wait leader\n", "restart etcd1\n", "expect get greeting == hello\n"} {
		if !strings.Contains(rec, want) {
			t.Errorf("recording lacks %q:\n%s", want, rec)
		}
	}
	s, errs := lab.ParseScript(rec)
	if len(errs) > 0 {
		t.Fatalf("recording does not parse: %v\n%s", errs, rec)
	}
	fresh, _ := startLab(t)
	var out bytes.Buffer
	if err := lab.RunScript(context.Background(), fresh.Lab, s, lab.NewTranscript(&out, time.Now())); err != nil {
		t.Fatalf("replay failed: %v\nrecording:\n%s\ntranscript:\n%s", err, rec, out.String())
	}
}

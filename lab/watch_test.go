package lab

import (
	"strings"
	"testing"
	"time"
)

// waitNote reads the lab's notes until one from source contains want.
func waitNote(t *testing.T, l *Lab, source, want string, within time.Duration) Note {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	var seen []string
	for {
		select {
		case n := <-l.Notes():
			seen = append(seen, n.Source+": "+n.Text)
			if n.Source == source && strings.Contains(n.Text, want) {
				return n
			}
		case <-deadline.C:
			t.Fatalf("no note from %s containing %q within %s; notes:\n%s", source, want, within, strings.Join(seen, "\n"))
		}
	}
}

func TestWatchFailsOverWhenItsMemberDies(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd1")
	r := must(t, l, "watch counter --endpoint etcd1")
	if !strings.Contains(r.Lines[0], "watch 1 on counter through etcd1") {
		t.Fatalf("watch = %q", r.Lines)
	}
	must(t, l, "put counter 1")
	must(t, l, "put other x")
	must(t, l, "put counter 2")
	waitNote(t, l, "watch 1", "PUT counter=2", 5*time.Second)
	must(t, l, "kill etcd1")
	must(t, l, "wait leader --timeout 15s")
	n := waitNote(t, l, "watch 1", "reconnected through", 15*time.Second)
	if !strings.Contains(n.Text, "after etcd1 was killed") || !strings.Contains(n.Text, "resumed at rev") {
		t.Errorf("failover note = %q", n.Text)
	}
	must(t, l, "put counter 3")
	must(t, l, "del counter")
	r = must(t, l, "watches 1")
	if got := strings.Join(r.Values, " "); got != "counter=1 counter=2 counter=3 del:counter" {
		t.Errorf("watch 1 saw %q\n%s", got, strings.Join(r.Lines, "\n"))
	}
	if last := r.Lines[len(r.Lines)-1]; !strings.Contains(last, "none missed, none repeated") {
		t.Errorf("watches 1 verdict = %q", last)
	}
	if info := l.Watches(); len(info) != 1 || info[0].Member == "etcd1" || info[0].Events != 4 {
		t.Errorf("Watches() = %+v", info)
	}
	r = must(t, l, "expect watches 1 == counter=1 counter=2 counter=3 del:counter")
	r = must(t, l, "unwatch")
	if len(r.Lines) != 1 || r.Lines[0] != "watch 1 on counter stopped after 4 events" {
		t.Errorf("unwatch = %q", r.Lines)
	}
	if r := exec(t, l, "watches 1"); r.Err == nil || !strings.Contains(r.Err.Error(), "no watch 1: no watch is running") {
		t.Errorf("watches after unwatch: %v", r.Err)
	}
}

// TestWatchLeavesAnIsolatedMember checks WithRequireLeader: a watch on a
// member cut off from the majority is closed by etcd and opened again on
// a member with a leader, from the next revision.
func TestWatchLeavesAnIsolatedMember(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd2")
	must(t, l, "watch jobs/ --prefix --endpoint etcd1")
	must(t, l, "put jobs/a 1")
	waitNote(t, l, "watch 1", "PUT jobs/a=1", 5*time.Second)
	must(t, l, "isolate etcd1")
	n := waitNote(t, l, "watch 1", "has no leader, so etcd closed the watch", 20*time.Second)
	t.Logf("note: %s", n.Text)
	must(t, l, "put jobs/b 2 --endpoint etcd2")
	waitNote(t, l, "watch 1", "PUT jobs/b=2", 20*time.Second)
	r := must(t, l, "watches 1")
	if got := strings.Join(r.Values, " "); got != "jobs/a=1 jobs/b=2" {
		t.Errorf("watch 1 saw %q\n%s", got, strings.Join(r.Lines, "\n"))
	}
}

func TestWatchReplaysHistoryAndStopsAtCompaction(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "put k a") // rev 2
	must(t, l, "put k b") // rev 3
	must(t, l, "put k c") // rev 4
	r := must(t, l, "watch k --rev 3")
	if !strings.Contains(r.Lines[0], "replaying history from rev 3") {
		t.Errorf("watch --rev = %q", r.Lines)
	}
	r = must(t, l, "watches 1")
	if got := strings.Join(r.Values, " "); got != "k=b k=c" {
		t.Errorf("replayed %q, want k=b k=c", got)
	}
	must(t, l, "compact 4")
	if r := exec(t, l, "get k --rev 2"); r.Err == nil || !strings.Contains(r.Err.Error(), "that revision has been compacted") {
		t.Errorf("get a compacted revision: %v", r.Err)
	}
	r = exec(t, l, "watch k --rev 2")
	if r.Err == nil || !strings.Contains(r.Err.Error(), "watch k --rev 2: that revision has been compacted") {
		t.Errorf("watch from a compacted revision: %v %q", r.Err, r.Lines)
	}
	if info := l.Watches(); len(info) != 1 {
		t.Errorf("Watches() = %+v, want only watch 1", info)
	}
	if r := exec(t, l, "unwatch 7"); r.Err == nil || !strings.Contains(r.Err.Error(), "no watch 7: the watches are 1") {
		t.Errorf("unwatch 7: %v", r.Err)
	}
	// The first watch is left running: Close must stop it.
}

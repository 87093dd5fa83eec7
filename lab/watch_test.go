package lab

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// waitNote reads the lab's notes until one from source contains want.
func waitNote(t *testing.T, l *Lab, source, want string, within time.Duration) Note {
	t.Helper()
	ns := readNotes(t, l, source, want, within)
	return ns[len(ns)-1]
}

// watchNotes reads the lab's notes until one from source contains want,
// and returns the text of every note from source on the way.
func watchNotes(t *testing.T, l *Lab, source, want string, within time.Duration) []string {
	t.Helper()
	var out []string
	for _, n := range readNotes(t, l, source, want, within) {
		out = append(out, n.Text)
	}
	return out
}

// readNotes reads the lab's notes until one from source contains want,
// and returns every note from source on the way.
func readNotes(t *testing.T, l *Lab, source, want string, within time.Duration) []Note {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	var mine []Note
	var all []string
	for {
		select {
		case n := <-l.Notes():
			all = append(all, n.Source+": "+n.Text)
			if n.Source != source {
				continue
			}
			mine = append(mine, n)
			if strings.Contains(n.Text, want) {
				return mine
			}
		case <-deadline.C:
			t.Fatalf("no note from %s containing %q within %s; notes:\n%s", source, want, within, strings.Join(all, "\n"))
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
	if !strings.Contains(n.Text, "after etcd1 was killed") || !strings.Contains(n.Text, "it goes on from rev") {
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

// TestWatchFromNowResumesWithoutAnOlderEvent follows issue 18's steps: a
// key written just before a watch "from now", then the watch's member
// killed. clientv3 resumes such a watch at the revision etcd reported when
// it created it, one before the watch's first, so etcd sends that
// revision's event; it is not the watch's and must not be shown as one.
func TestWatchFromNowResumesWithoutAnOlderEvent(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "lease grant 60 --id 3c")
	must(t, l, "put n v --lease=3c")
	r := must(t, l, "watch n")
	if !strings.Contains(r.Lines[0], "from now on") {
		t.Fatalf("watch = %q", r.Lines)
	}
	// The member serving the watch must not be the leader, so that the
	// others keep a leader when it dies and clientv3 resumes by itself.
	serving := l.Watches()[0].Member
	if st := l.c.Status(); st.Leader == serving {
		for _, m := range st.Members {
			if m.Name != serving {
				must(t, l, "move-leader "+m.Name)
				break
			}
		}
	}
	must(t, l, "kill "+serving)
	notes := watchNotes(t, l, "watch 1", "reconnected through", 15*time.Second)
	must(t, l, "put n v2")
	notes = append(notes, watchNotes(t, l, "watch 1", "PUT n=v2", 15*time.Second)...)
	t.Logf("notes:\n%s", strings.Join(notes, "\n"))
	for _, n := range notes {
		if strings.HasPrefix(n, "PUT n=v ") || strings.Contains(n, "REPEATED") {
			t.Errorf("watch 1 reported an event it does not cover: %q", n)
		}
	}
	r = must(t, l, "watches 1")
	if got := strings.Join(r.Values, " "); got != "n=v2" {
		t.Errorf("watch 1 saw %q, want n=v2\n%s", got, strings.Join(r.Lines, "\n"))
	}
}

// TestWatchThroughALaggingMember creates a watch through a member cut off
// from the majority before it notices (it still knows a leader, so etcd
// takes the watch), while the cluster has moved on. The watch starts at
// that member's revision, delivers what it missed, and after the member is
// killed resumes elsewhere with no event from before its start and none
// twice.
func TestWatchThroughALaggingMember(t *testing.T) {
	s := start(t, 3)
	l := s.Lab
	must(t, l, "wait leader")
	must(t, l, "move-leader etcd1")
	must(t, l, "put k v0")
	must(t, l, "put k v0b")
	lagRev := caughtUp(t, l, "etcd3")
	must(t, l, "isolate etcd3")
	must(t, l, "put k v1 --endpoint etcd1")
	r := must(t, l, "watch k --endpoint etcd3")
	// Give the watch's client every member now, as an unpinned watch has,
	// so that clientv3 resumes the stream by itself when etcd3 dies.
	w, err := l.findWatch("1")
	if err != nil {
		t.Fatal(err)
	}
	w.cli.SetEndpoints(l.clientURLs()...)
	must(t, l, "kill etcd3")
	info := l.Watches()
	if len(info) != 1 || !strings.Contains(r.Lines[0], "through etcd3") ||
		!strings.Contains(r.Lines[0], fmt.Sprintf("(rev %d): etcd3 was at rev %d, behind the cluster's %d", lagRev+1, lagRev, lagRev+1)) {
		t.Fatalf("the watch was not created through a lagging etcd3 at rev %d: %q %+v", lagRev, r.Lines, info)
	}
	notes := watchNotes(t, l, "watch 1", "PUT k=v1 ", 20*time.Second)
	must(t, l, "wait leader")
	must(t, l, "put k v2")
	notes = append(notes, watchNotes(t, l, "watch 1", "PUT k=v2 ", 20*time.Second)...)
	t.Logf("notes:\n%s", strings.Join(notes, "\n"))
	for _, n := range notes {
		if strings.HasPrefix(n, "PUT k=v0") || strings.Contains(n, "REPEATED") {
			t.Errorf("watch 1 reported an event it does not cover: %q", n)
		}
	}
	r = must(t, l, "watches 1")
	t.Logf("%s", strings.Join(r.Lines, "\n"))
	if got := strings.Join(r.Values, " "); got != "k=v1 k=v2" {
		t.Errorf("watch 1 saw %q, want k=v1 k=v2\n%s", got, strings.Join(r.Lines, "\n"))
	}
}

// caughtUp waits until member name has applied the cluster's revision and
// returns that revision.
func caughtUp(t *testing.T, l *Lab, name string) int64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := l.c.Status()
		if m, ok := st.Member(name); ok && m.Revision == st.Revision {
			return st.Revision
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has not caught up with rev %d: %+v", name, st.Revision, st.Members)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDiffEventsJudgesTheStart(t *testing.T) {
	put := func(rev int64, v string) watchEvent { return watchEvent{Rev: rev, Key: "n", Value: v} }
	for _, tc := range []struct {
		name       string
		seen, hist []watchEvent
		start      int64
		want       string
	}{
		{"the same", []watchEvent{put(3, "a")}, []watchEvent{put(3, "a")}, 3, ""},
		{"nothing yet", nil, nil, 4, ""},
		{"an event older than the start", []watchEvent{put(3, "a")}, nil, 4, "before its start PUT n=a (rev 3)"},
		{"repeated", []watchEvent{put(3, "a"), put(3, "a")}, []watchEvent{put(3, "a")}, 3, "repeated PUT n=a (rev 3)"},
		{"missed", nil, []watchEvent{put(3, "a")}, 3, "missed PUT n=a (rev 3)"},
		{"another value", []watchEvent{put(3, "b")}, []watchEvent{put(3, "a")}, 3, "not in history PUT n=b (rev 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := diffEvents(tc.seen, tc.hist, tc.start); got != tc.want {
				t.Errorf("diffEvents = %q, want %q", got, tc.want)
			}
		})
	}
}

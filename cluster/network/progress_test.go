package network

import (
	"testing"
	"time"

	"go.etcd.io/raft/v3/raftpb"
)

// TestReplicationView feeds a tracker the messages of two terms and checks
// the leader's view it rebuilds.
func TestReplicationView(t *testing.T) {
	net := newTestNetwork(t, 3)
	a, b, c := net.members[0], net.members[1], net.members[2]
	link := func(from, to *member) *link { return net.links[[2]*member{from, to}] }
	now := time.Now()
	tr := net.progress
	app := func(term, index uint64, entries int) header {
		return header{Type: raftpb.MsgApp, Term: term, LogTerm: term, Index: index, Entries: entries, LastEntry: index + uint64(entries), Commit: index}
	}
	resp := func(term, index uint64, reject bool) header {
		return header{Type: raftpb.MsgAppResp, Term: term, Index: index, Reject: reject}
	}
	tr.sent(link(a, b), app(2, 10, 5), now)
	tr.sent(link(a, c), app(2, 10, 5), now)
	tr.received(link(b, a), resp(2, 15, false), now)
	tr.received(link(c, a), resp(2, 12, true), now)
	tr.sent(link(a, c), header{Type: raftpb.MsgSnap, Term: 2, SnapIndex: 14}, now)
	r, ok := net.Replication("etcd1")
	if !ok || r.Term != 2 || r.LastIndex != 15 || r.Commit != 10 {
		t.Fatalf("view %+v %v", r, ok)
	}
	fb, fc := r.Followers[0], r.Followers[1]
	if fb.Name != "etcd2" || fb.Match != 15 || fb.Lag(r.LastIndex) != 0 || fb.Acked.IsZero() {
		t.Fatalf("etcd2: %+v", fb)
	}
	if fc.Match != 0 || fc.Rejections != 1 || !fc.Snapshotting || fc.SnapshotIndex != 14 || fc.Lag(r.LastIndex) != 15 {
		t.Fatalf("etcd3: %+v", fc)
	}
	tr.received(link(c, a), resp(2, 14, false), now)
	tr.received(link(c, a), resp(1, 99, false), now) // an older term's answer counts for nothing
	if r, _ := net.Replication("etcd1"); r.Followers[1].Snapshotting || r.Followers[1].Match != 14 {
		t.Fatalf("after the snapshot's ack: %+v", r.Followers[1])
	}
	// A newer term starts afresh, as Raft's progress does.
	tr.sent(link(a, b), app(3, 20, 0), now)
	if r, _ := net.Replication("etcd1"); r.Term != 3 || r.LastIndex != 20 || r.Followers[0].Match != 0 {
		t.Fatalf("in term 3: %+v", r)
	}
	if _, ok := net.Replication("etcd2"); ok {
		t.Fatal("etcd2 never sent appends but has a view")
	}

	if _, ok := net.Campaign("etcd3"); ok {
		t.Fatal("etcd3 never campaigned")
	}
	tr.sent(link(c, a), header{Type: raftpb.MsgPreVote, Term: 4, Index: 14, LogTerm: 2}, now)
	tr.sent(link(c, b), header{Type: raftpb.MsgPreVote, Term: 4, Index: 14, LogTerm: 2}, now)
	tr.sent(link(c, a), header{Type: raftpb.MsgVote, Term: 4, Index: 14, LogTerm: 2}, now.Add(time.Second))
	cp, ok := net.Campaign("etcd3")
	if !ok || cp.PreVote || cp.Term != 4 || cp.Requests != 3 || !cp.At.Equal(now.Add(time.Second)) {
		t.Fatalf("campaign %+v %v", cp, ok)
	}
	net.RemoveMember("etcd3")
	if _, ok := net.Campaign("etcd3"); ok {
		t.Fatal("a removed member keeps its campaign")
	}
}
